/* redzone.o: leaf functions that keep live data in the red zone (the 128
 * bytes below %rsp) across a `syscall`.  A real syscall writes nothing to the
 * user stack; a plain `call` replacement writes its return address at
 * -8(%rsp) and corrupts the data.  Library for redzone-main.o. */

	.text

/* int redzone_sigaltstack(stack_t *out): the glibc ____longjmp_chk pattern.
 * sigaltstack(NULL, oss) with oss = -0x18(%rsp), a 24-byte stack_t in the red
 * zone that the KERNEL writes, then read back from -0x18/-0x10/-0x8 and copy
 * to *out.  Returns the syscall result (0). */
	.globl	redzone_sigaltstack
	.type	redzone_sigaltstack, @function
redzone_sigaltstack:
	.cfi_startproc
	mov	%rdi, %r8
	lea	-0x18(%rsp), %rsi	/* oss in the red zone */
	xor	%edi, %edi		/* ss = NULL */
	mov	$131, %eax		/* sigaltstack */
	syscall
	test	%eax, %eax
	jnz	1f
	mov	-0x18(%rsp), %rdx	/* oss.ss_sp */
	mov	%rdx, (%r8)
	mov	-0x10(%rsp), %edx	/* oss.ss_flags */
	mov	%edx, 8(%r8)
	mov	-0x8(%rsp), %rdx	/* oss.ss_size */
	mov	%rdx, 16(%r8)
1:	ret
	.cfi_endproc
	.size	redzone_sigaltstack, .-redzone_sigaltstack

/* unsigned long redzone_canary(void): stores 16 distinct qwords at
 * -0x80(%rsp) .. -0x8(%rsp) (a canary at -8 first), runs getpid, and returns
 * a bitmask of the slots whose value changed (bit i = slot -8*(i+1)).
 * 0 means the whole red zone survived. */
	.globl	redzone_canary
	.type	redzone_canary, @function
redzone_canary:
	.cfi_startproc
	movabs	$0x1122334455667788, %rax
	mov	%rax, -0x8(%rsp)		/* canary */
	.irp	i, 2,3,4,5,6,7,8,9,10,11,12,13,14,15,16
	movq	$(0x5a5a0000 + \i), -(8*\i)(%rsp)
	.endr
	mov	$39, %eax			/* getpid */
	syscall
	xor	%eax, %eax
	movabs	$0x1122334455667788, %rdx
	cmp	%rdx, -0x8(%rsp)
	je	2f
	or	$1, %eax
2:
	.irp	i, 2,3,4,5,6,7,8,9,10,11,12,13,14,15,16
	cmpq	$(0x5a5a0000 + \i), -(8*\i)(%rsp)
	je	3f
	or	$(1 << (\i - 1)), %eax
3:
	.endr
	ret
	.cfi_endproc
	.size	redzone_canary, .-redzone_canary

	.section .note.GNU-stack,"",@progbits
