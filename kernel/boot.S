/* PVH entry: the VMM starts us in 32-bit protected mode, paging off, %ebx = hvm_start_info (physical).
 * We zero .bss, identity-map the first 1 GiB with 2 MiB pages, enter long mode and call ukl_main. */
#include "asm.h"

/* The Xen PVH note (XEN_ELFNOTE_PHYS32_ENTRY = 18). An 8-byte desc, as QEMU reads a size_t for ELF64;
 * rust-vmm's loader reads the low 4 bytes. The section is 4-aligned so the linker gives it a PT_NOTE
 * with p_align 4, which QEMU uses to find the desc. */
	.section .note.Xen, "a", @note
	.p2align 2
	.long 4
	.long 8
	.long 18
	.asciz "Xen"
	.quad __ukl_pvh_start

	.section .text.ukl_boot, "ax", @progbits
	.code32
	.globl __ukl_pvh_start
	.type __ukl_pvh_start, @function
__ukl_pvh_start:
	cli
	cld
	mov %ebx, %esi
	/* Zero .bss (loaders need not). */
	mov $__bss_start, %edi
	mov $_end, %ecx
	sub %edi, %ecx
	xor %eax, %eax
	rep stosb
	/* Boot page tables: PML4[0] -> PDPT[0] -> PD of 512 x 2 MiB. */
	mov $ukl_boot_pd, %edi
	mov $0x83, %eax
	mov $512, %ecx
1:	mov %eax, (%edi)
	movl $0, 4(%edi)
	add $0x200000, %eax
	add $8, %edi
	loop 1b
	mov $ukl_boot_pd, %eax
	or $3, %eax
	mov %eax, ukl_boot_pdpt
	mov $ukl_boot_pdpt, %eax
	or $3, %eax
	mov %eax, ukl_boot_pml4
	mov %cr4, %eax
	or $0x20, %eax			/* PAE */
	mov %eax, %cr4
	mov $ukl_boot_pml4, %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx		/* EFER */
	rdmsr
	or $0x101, %eax			/* LME | SCE */
	wrmsr
	mov %cr0, %eax
	or $0x80000001, %eax		/* PG | PE */
	mov %eax, %cr0
	lgdt ukl_boot_gdt_ptr
	ljmp $KERNEL_CS, $2f
	.code64
2:	mov $KERNEL_DS, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
	lea ukl_boot_stack_top(%rip), %rsp
	mov %esi, %edi
	call ukl_main
3:	hlt
	jmp 3b
	.size __ukl_pvh_start, . - __ukl_pvh_start

	.section .data.ukl_boot, "aw", @progbits
	.p2align 4
	.globl ukl_gdt
ukl_gdt:
	.quad 0
	.quad 0x00af9b000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf93000000ffff	/* 0x10: data */
	.quad 0, 0			/* 0x18: TSS, filled in by ukl_cpu_init */
ukl_gdt_end:
	.p2align 3
ukl_boot_gdt_ptr:
	.word ukl_gdt_end - ukl_gdt - 1
	.quad ukl_gdt

	.section .bss.ukl_boot, "aw", @nobits
	.p2align 12
ukl_boot_pml4:	.skip 4096
ukl_boot_pdpt:	.skip 4096
ukl_boot_pd:	.skip 4096
	.p2align 4
	.skip 16384
ukl_boot_stack_top:

	.section .note.GNU-stack, "", @progbits
