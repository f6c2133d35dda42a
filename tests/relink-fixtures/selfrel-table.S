/* A table of SELF-RELATIVE code pointers in .rodata (`.long fn - .`, R_X86_64_PC32 whose place is the
 * entry itself, as in hand-written dispatch tables and kernel-style relative tables), reached through
 * `lea sr_table(%rip)`.  Unlike a gcc jump table, entry k's value is relative to entry k, not to the table
 * start.  sr_one's syscall sits 4 bytes before sr_two, so "target = addend - (entry - table start)" lands
 * on the syscall: an instruction boundary, but on the wrong side of the growth. */
	.text
	.globl	sr_one
	.type	sr_one, @function
sr_one:				/* returns getpid() */
	.cfi_startproc
	mov	$39, %eax
	syscall
	nop
	ret
	.cfi_endproc
	.size	sr_one, .-sr_one

	.globl	sr_two
	.type	sr_two, @function
sr_two:				/* returns 2 */
	.cfi_startproc
	mov	$2, %eax
	ret
	.cfi_endproc
	.size	sr_two, .-sr_two

/* long sr_call(long k): tail-calls the function of entry k & 1 */
	.globl	sr_call
	.type	sr_call, @function
sr_call:
	.cfi_startproc
	and	$1, %edi
	lea	sr_table(%rip), %rdx
	movslq	(%rdx,%rdi,4), %rax
	lea	(%rdx,%rdi,4), %rdx
	add	%rdx, %rax
	jmp	*%rax
	.cfi_endproc
	.size	sr_call, .-sr_call

	.section .rodata
	.align 4
	.type	sr_table, @object
sr_table:
	.long	sr_one - .
	.long	sr_two - .
	.size	sr_table, .-sr_table

	.section .note.GNU-stack,"",@progbits
