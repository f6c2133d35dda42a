# PVH-style entry: 32-bit protected mode, flat, paging off. Switch to long mode, set up an IDT, fault,
# then wait with sti; hlt for an external interrupt (vector 0x20).
	.code32
	.globl _start
_start:
	# page tables at 0x10000: PML4 -> PDPT -> PD with one 2 MiB page (identity) and one 2 MiB page at 2 MiB
	movl $0x11003, 0x10000
	movl $0, 0x10004
	movl $0x12003, 0x11000
	movl $0, 0x11004
	movl $0x83, 0x12000
	movl $0, 0x12004
	movl $0x200083, 0x12008   # 2 MiB..4 MiB, not user (supervisor only)
	movl $0x80000000, 0x1200c # NX
	movl %cr4, %eax
	orl $0x20, %eax
	movl %eax, %cr4
	movl $0x10000, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx
	rdmsr
	orl $0x900, %eax          # LME | NXE
	wrmsr
	movl %cr0, %eax
	orl $0x80000001, %eax
	movl %eax, %cr0
	lgdt gdtr
	ljmp $0x08, $long64
	.code64
long64:
	movw $0x10, %ax
	movw %ax, %ss
	movq $0x80000, %rsp
	lidt idtr
	movl $pf_handler, %eax
	movw %ax, idt+14*16
	movw $0x08, idt+14*16+2
	movw $0x8e00, idt+14*16+4
	shrl $16, %eax
	movw %ax, idt+14*16+6
	movl $ud_handler, %eax
	movw %ax, idt+6*16
	movw $0x08, idt+6*16+2
	movw $0x8e00, idt+6*16+4
	shrl $16, %eax
	movw %ax, idt+6*16+6
	movl $irq_handler, %eax
	movw %ax, idt+0x20*16
	movw $0x08, idt+0x20*16+2
	movw $0x8e00, idt+0x20*16+4
	shrl $16, %eax
	movw %ax, idt+0x20*16+6
	movabsq $0x123456789abc, %rax
	outl %eax, $0xf0          # report: in long mode
	# fault 1: write to NX+present page is fine, execute it is a #PF with I/D
	movq $0x200000, %rbx
	movl $0xc3c3c3c3, (%rbx)
	call *%rbx                # -> #PF error 0x11 (present, instruction fetch)
after_pf:
	ud2                       # -> #UD
	.align 8
gdt:
	.quad 0
	.quad 0x00af9a000000ffff  # 64-bit code
	.quad 0x00cf92000000ffff  # data
gdtr:
	.word 23
	.long gdt
idtr:
	.word 256*16-1
	.quad idt
	.align 16
pf_handler:
	movq %cr2, %rax
	outl %eax, $0xf1          # cr2
	movq (%rsp), %rax
	outl %eax, $0xf2          # error code
	movq 8(%rsp), %rax
	outl %eax, $0xf3          # faulting rip
	addq $8, %rsp             # drop the error code
	movq $after_pf, %rax
	movq %rax, (%rsp)         # resume after the call
	iretq
ud_handler:
	movq (%rsp), %rax
	outl %eax, $0xf4          # rip of ud2
	sti
	hlt                       # woken by the external interrupt 0x20
	movl $1, %eax
	outl %eax, $0xf5          # after the interrupt returned
	cli
	hlt
irq_handler:
	movl $0x20, %eax
	outl %eax, $0xf6
	iretq
	.align 16
idt:
	.fill 256*16, 1, 0
