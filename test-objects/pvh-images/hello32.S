/* A PVH image that never leaves 32-bit protected mode: it checks the entry state QEMU's PVH boot
   gives (CR0 = PE|ET, flat CS 0x08 / DS 0x10, paging off, EBX -> hvm_start_info version 1) and prints
   what it finds, then exits through isa-debug-exit with 0x10 + the number of failed checks. Output is
   the same on QEMU and ukl-run when both machines follow the PVH ABI. */
    .text
    .section .text.entry, "ax"
    .code32
    .globl pvh_start
pvh_start:
    mov %ebx, %esi
    mov $stack_top, %esp
    xor %ebp, %ebp          /* ebp = failed checks */
    mov $m_hello, %eax
    call puts

    mov %cr0, %eax
    and $0x8000001f, %eax   /* PG and the low control bits */
    cmp $0x11, %eax
    je 1f
    inc %ebp
    mov $m_badcr0, %eax
    call puts
1:  mov %cs, %eax
    cmp $0x08, %ax
    je 1f
    inc %ebp
1:  mov %ds, %eax
    cmp $0x10, %ax
    je 1f
    inc %ebp
1:  mov $m_segs, %eax
    call puts

    cmpl $0x336ec578, (%esi)
    je 1f
    inc %ebp
    mov $m_nomagic, %eax
    call puts
    jmp done
1:  mov $m_version, %eax
    call puts
    mov 4(%esi), %eax
    call putdec
    mov $10, %eax
    call putc

    mov $m_cmdline, %eax
    call puts
    mov 24(%esi), %eax
    test %eax, %eax
    jz 1f
    call puts
1:  mov $m_close, %eax
    call puts

    /* the memory map, one line per entry: address, size, type */
    mov 48(%esi), %ecx
    mov 40(%esi), %edi
    test %ecx, %ecx
    jz 3f
    push %ecx
    push %edi
1:  mov $m_entry, %eax
    call puts
    mov 4(%edi), %eax
    call puthex
    mov 0(%edi), %eax
    call puthex
    mov $32, %eax
    call putc
    mov 12(%edi), %eax
    call puthex
    mov 8(%edi), %eax
    call puthex
    mov $32, %eax
    call putc
    mov 16(%edi), %eax
    call putdec
    mov $10, %eax
    call putc
    add $24, %edi
    dec %ecx
    jnz 1b
    pop %edi
    pop %ecx
    /* a RAM entry must cover [1 MiB, 2 MiB) */
2:  cmpl $1, 16(%edi)
    jne 4f
    cmpl $0, 4(%edi)
    jne 4f
    cmpl $0x100000, 0(%edi)
    ja 4f
    mov 0(%edi), %eax
    add 8(%edi), %eax
    cmp $0x200000, %eax
    jb 4f
    mov $m_high, %eax
    call puts
    jmp 5f
4:  add $24, %edi
    dec %ecx
    jnz 2b
3:  inc %ebp
    mov $m_nohigh, %eax
    call puts
5:
done:
    mov $m_bye, %eax
    call puts
    lea 0x10(%ebp), %eax
    mov $0xf4, %dx
    out %eax, %dx
    hlt
    jmp done

putc:                       /* al -> COM1, polling LSR.THRE */
    push %edx
    push %eax
    mov $0x3fd, %dx
1:  in %dx, %al
    test $0x20, %al
    jz 1b
    pop %eax
    mov $0x3f8, %dx
    out %al, %dx
    pop %edx
    ret

puts:                       /* eax -> NUL-terminated string */
    push %esi
    mov %eax, %esi
1:  movzbl (%esi), %eax
    test %eax, %eax
    jz 2f
    call putc
    inc %esi
    jmp 1b
2:  pop %esi
    ret

puthex:                     /* eax as 8 hex digits */
    push %ecx
    push %ebx
    mov %eax, %ebx
    mov $8, %ecx
1:  rol $4, %ebx
    mov %ebx, %eax
    and $15, %eax
    movzbl hexdig(%eax), %eax
    call putc
    dec %ecx
    jnz 1b
    pop %ebx
    pop %ecx
    ret

putdec:                     /* eax in decimal */
    push %ecx
    push %edx
    push %ebx
    mov $10, %ebx
    xor %ecx, %ecx
1:  xor %edx, %edx
    div %ebx
    push %edx
    inc %ecx
    test %eax, %eax
    jnz 1b
2:  pop %eax
    add $'0', %eax
    call putc
    dec %ecx
    jnz 2b
    pop %ebx
    pop %edx
    pop %ecx
    ret

    .section .rodata
hexdig:    .ascii "0123456789abcdef"
m_hello:   .asciz "pvh32: hello from 32-bit protected mode\n"
m_badcr0:  .asciz "pvh32: CR0 is not PE|ET\n"
m_segs:    .asciz "pvh32: segments checked\n"
m_nomagic: .asciz "pvh32: no hvm_start_info magic\n"
m_version: .asciz "pvh32: start_info version "
m_cmdline: .asciz "pvh32: cmdline ["
m_close:   .asciz "]\n"
m_entry:   .asciz "pvh32: memmap "
m_high:    .asciz "pvh32: RAM at 1 MiB\n"
m_nohigh:  .asciz "pvh32: no RAM at 1 MiB\n"
m_bye:     .asciz "pvh32: bye\n"

    .bss
    .p2align 4
    .skip 4096
stack_top:

    .section .note.GNU-stack, "", @progbits
