# One invlpg inside a 2 MiB page drops all of that page's translations (Intel SDM vol. 3 4.10.4.1:
# INVLPG invalidates the TLB entries for the page containing the address, whatever its size).
# Linear 2..4 MiB is a 2 MiB page onto physical 2 MiB, then remapped onto physical 4 MiB.
	.code32
	.globl _start
_start:
	movl $0x11003, 0x10000
	movl $0, 0x10004
	movl $0x12003, 0x11000
	movl $0, 0x11004
	movl $0x83, 0x12000       # 0..2 MiB identity (this code)
	movl $0, 0x12004
	movl $0x200083, 0x12008   # linear 2..4 MiB -> physical 2 MiB
	movl $0, 0x1200c
	movl $0x1111, 0x200000    # what the first mapping shows
	movl $0x2222, 0x201000
	movl $0x3333, 0x400000    # what the second mapping shows
	movl $0x4444, 0x401000
	movl %cr4, %eax
	orl $0x20, %eax
	movl %eax, %cr4
	movl $0x10000, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx
	rdmsr
	orl $0x100, %eax          # LME
	wrmsr
	movl %cr0, %eax
	orl $0x80000001, %eax
	movl %eax, %cr0
	lgdt gdtr
	ljmp $0x08, $long64
	.code64
long64:
	movl (0x200000), %eax     # both 4 KiB pieces of the large page are used (and cached)
	outl %eax, $0xf0
	movl (0x201000), %eax
	outl %eax, $0xf1
	movl $0x400083, 0x12008   # remap the large page
	movl $0x200000, %ebx
	invlpg (%rbx)             # one invlpg, at the large page's first 4 KiB
	movl (0x201000), %eax     # another 4 KiB of it: the new mapping
	outl %eax, $0xf2
	movl (0x200000), %eax
	outl %eax, $0xf3
	hlt
	.align 8
gdt:
	.quad 0
	.quad 0x00af9a000000ffff  # 64-bit code
	.quad 0x00cf92000000ffff  # data
gdtr:
	.word 23
	.long gdt
