# 32-bit protected mode with an IDT whose gates are all absent: #UD cannot be delivered (#NP), nor can the
# #DF that follows: a triple fault.
	.code32
	.globl _start
_start:
	lidt idtr
	ud2
	.align 8
idtr:
	.word 32*8-1
	.long idt
	.align 8
idt:
	.fill 32*8, 1, 0
