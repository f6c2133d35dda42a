/* A 2-byte table in .text (STT_OBJECT) whose bytes decode as a valid instruction: 74 07 = je .+9,
 * landing exactly on the instruction after the syscall in the next function.  A rewriter that decodes
 * the table as code "re-encodes" the je when the site grows and silently changes the table's data.
 * The table is read through a same-section RIP-relative lea (no relocation). */
	.text
	.globl	tbl_lookup
	.type	tbl_lookup, @function
tbl_lookup:
	.cfi_startproc
	and	$1, %edi
	lea	tbl(%rip), %rax
	movzbl	(%rax,%rdi), %eax
	ret
	.cfi_endproc
	.size	tbl_lookup, .-tbl_lookup

	.type	tbl, @object
tbl:	.byte	0x74, 0x07
	.size	tbl, .-tbl

	.globl	tbl_getpid
	.type	tbl_getpid, @function
tbl_getpid:
	.cfi_startproc
	mov	$39, %eax
	syscall
	ret
	.cfi_endproc
	.size	tbl_getpid, .-tbl_getpid

	.section .note.GNU-stack,"",@progbits
