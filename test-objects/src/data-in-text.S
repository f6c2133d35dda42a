/* data-in-text.o: a byte table inside .text between two functions.  The
 * table contains 0f 05 pairs and, decoded linearly, swallows the start of
 * the next function (ff b8 ... is not a valid instruction start), so a
 * linear-sweep disassembler misreads the section.  A rewriter must refuse
 * this .text (it cannot prove where instructions are).  The table is reached
 * only through a RIP-relative lea (no relocation: same section).
 * Library for data-in-text-main.o. */

	.text

/* int dit_lookup(unsigned i): returns dit_table[i & 7] */
	.globl	dit_lookup
	.type	dit_lookup, @function
dit_lookup:
	.cfi_startproc
	and	$7, %edi
	lea	dit_table(%rip), %rax
	movzbl	(%rax,%rdi), %eax
	ret
	.cfi_endproc
	.size	dit_lookup, .-dit_lookup

	.type	dit_table, @object
dit_table:
	.byte	0x0f, 0x05, 0xb8, 0x27, 0x00, 0x0f, 0x05, 0xff
	.size	dit_table, .-dit_table

/* long dit_getpid(void): a real syscall right after the table */
	.globl	dit_getpid
	.type	dit_getpid, @function
dit_getpid:
	.cfi_startproc
	mov	$39, %eax
	syscall
	ret
	.cfi_endproc
	.size	dit_getpid, .-dit_getpid

	.section .note.GNU-stack,"",@progbits
