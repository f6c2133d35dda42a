/* 32-bit PVH entry that switches to long mode and calls main(start_info) in C: identity map of the
   first 1 GiB and of [3 GiB, 4 GiB) (the local APIC page) with 2 MiB pages, PAE, EFER.LME, paging,
   a far jump through a 64-bit GDT. */
    .section .text.entry, "ax"
    .code32
    .globl pvh_start
pvh_start:
    mov %ebx, %esi
    mov $stack_top, %esp
    /* PML4[0] -> PDPT; PDPT[0] -> PD0 (0-1 GiB), PDPT[3] -> PD3 (3-4 GiB) */
    movl $pdpt + 3, pml4
    movl $pd0 + 3, pdpt
    movl $pd3 + 3, pdpt + 24
    xor %ecx, %ecx
1:  mov %ecx, %eax
    shl $21, %eax
    or $0x83, %eax
    mov %eax, pd0(,%ecx,8)
    add $0xc0000000, %eax
    or $0x10, %eax          /* PCD: device memory */
    mov %eax, pd3(,%ecx,8)
    inc %ecx
    cmp $512, %ecx
    jne 1b
    mov %cr4, %eax
    or $0x20, %eax          /* PAE */
    mov %eax, %cr4
    mov $pml4, %eax
    mov %eax, %cr3
    mov $0xc0000080, %ecx
    rdmsr
    or $0x100, %eax         /* EFER.LME */
    wrmsr
    mov %cr0, %eax
    or $0x80000000, %eax    /* PG */
    mov %eax, %cr0
    lgdt gdt_ptr
    ljmp $0x08, $long_entry

    .code64
long_entry:
    mov $0x10, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    mov $stack_top, %rsp
    mov %esi, %edi
    call main
1:  cli
    hlt
    jmp 1b

    .section .rodata
    .p2align 3
gdt:
    .quad 0
    .quad 0x00af9a000000ffff    /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff    /* 0x10: data */
gdt_ptr:
    .word gdt_ptr - gdt - 1
    .long gdt

    .bss
    .p2align 12
pml4: .skip 4096
pdpt: .skip 4096
pd0:  .skip 4096
pd3:  .skip 4096
    .skip 16384
stack_top:

    .section .note.GNU-stack, "", @progbits
