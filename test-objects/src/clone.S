/* clone.o: a clone wrapper written like glibc's __clone.  fn and arg are
 * stored on the CHILD's new stack before the raw clone syscall; the child
 * resumes after the same `syscall` instruction on that new stack (nothing
 * pushed there by the kernel), pops fn/arg, calls fn and leaves with a raw
 * exit syscall.  A rewrite that turns the syscall into a `call` makes the
 * child return on a stack that holds no return address.  The parent and the
 * child parts have separate FDEs; the child's marks %rip undefined (end of
 * the call chain).  Library for clone-main.o.
 *
 * long raw_clone(unsigned long flags, void *stack_top, int (*fn)(void *), void *arg) */

	.text
	.globl	raw_clone
	.type	raw_clone, @function
raw_clone:
	.cfi_startproc
	and	$-16, %rsi
	sub	$16, %rsi
	mov	%rcx, 8(%rsi)		/* arg */
	mov	%rdx, (%rsi)		/* fn */
	xor	%edx, %edx		/* parent_tid */
	xor	%r10d, %r10d		/* child_tid */
	xor	%r8d, %r8d		/* tls */
	mov	$56, %eax		/* clone */
	syscall
	test	%rax, %rax
	jz	1f
	ret				/* parent: child's tid or -errno */
	.cfi_endproc

1:	.cfi_startproc
	.cfi_undefined rip
	xor	%ebp, %ebp
	pop	%rax			/* fn */
	pop	%rdi			/* arg */
	call	*%rax
	mov	%eax, %edi
	mov	$60, %eax		/* exit */
	syscall
	hlt
	.cfi_endproc
	.size	raw_clone, .-raw_clone

	.section .note.GNU-stack,"",@progbits
