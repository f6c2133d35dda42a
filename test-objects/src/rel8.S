/* rel8.o: hand-written functions with SHORT (rel8, 2-byte) jmp/jcc
 * instructions that cross `syscall` instructions, forward and backward,
 * including branches whose displacement is exactly +127 / -128 (or
 * within 2 bytes of the limit), a branch whose target is the instruction
 * right after a syscall, a loop, and a cascade where promoting one branch to
 * rel32 pushes another one out of range.  Growing any of these syscall
 * sites forces the rewriter to re-encode (and possibly widen) the branches.
 * All functions have CFI (.eh_frame), some with pushes around the syscall.
 * Library for rel8-main.o.  All syscalls are getpid (39) unless noted.
 *
 * Padding is made of real instructions (`lea 1(%r11),%r11`, 4 bytes; r11 is
 * clobbered by syscall anyway) so the section stays linearly decodable. */

#define PAD4(n) .rept n; lea 1(%r11),%r11; .endr

	.text

/* long rel8_fwd_jcc(long skip): if skip != 0 jump (rel8, forward) over the
 * syscall to the instruction right after it and return -1; else return
 * getpid().  Target of the jnz = instruction after syscall. */
	.globl	rel8_fwd_jcc
	.type	rel8_fwd_jcc, @function
rel8_fwd_jcc:
	.cfi_startproc
	mov	$-1, %rax
	test	%rdi, %rdi
	jnz	1f
	mov	$39, %eax
	syscall
1:	ret
	.cfi_endproc
	.size	rel8_fwd_jcc, .-rel8_fwd_jcc

/* long rel8_fwd_jmp(void): an unconditional short jmp skips a syscall that
 * would exit(1) the process; then getpid() is returned. */
	.globl	rel8_fwd_jmp
	.type	rel8_fwd_jmp, @function
rel8_fwd_jmp:
	.cfi_startproc
	jmp	2f
	mov	$1, %edi
	mov	$60, %eax		/* exit(1): must never run */
	syscall
2:	mov	$39, %eax
	syscall
	ret
	.cfi_endproc
	.size	rel8_fwd_jmp, .-rel8_fwd_jmp

/* long rel8_loop(long n): n > 0 iterations of getpid in a loop closed by a
 * backward rel8 jnz; counts the positive results (returns n).  Saves rbx and
 * r12 with CFI around the loop. */
	.globl	rel8_loop
	.type	rel8_loop, @function
rel8_loop:
	.cfi_startproc
	push	%rbx
	.cfi_adjust_cfa_offset 8
	.cfi_offset %rbx, -16
	push	%r12
	.cfi_adjust_cfa_offset 8
	.cfi_offset %r12, -24
	mov	%rdi, %rbx
	xor	%r12d, %r12d
3:	mov	$39, %eax
	syscall
	test	%rax, %rax
	jle	4f			/* forward rel8, target after inc */
	inc	%r12
4:	dec	%rbx
	jnz	3b			/* backward rel8 over the syscall */
	mov	%r12, %rax
	pop	%r12
	.cfi_adjust_cfa_offset -8
	.cfi_restore %r12
	pop	%rbx
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rbx
	ret
	.cfi_endproc
	.size	rel8_loop, .-rel8_loop

/* long rel8_fwd_limit(long skip): `jnz` with displacement exactly +127 over
 * a syscall.  skip != 0: returns 0 (padding not executed);
 * skip == 0: returns getpid() + 30 (30 padding increments of r8). */
	.globl	rel8_fwd_limit
	.type	rel8_fwd_limit, @function
rel8_fwd_limit:
	.cfi_startproc
	xor	%r8d, %r8d		/* 3 bytes */
	xor	%eax, %eax		/* 2 */
	test	%rdi, %rdi		/* 3 */
	jnz	5f			/* 2: rel8 = +127 */
	mov	$39, %eax		/* 5 */
	syscall				/* 2 */
	.rept 30
	inc	%r8			/* 3 bytes each: 90 */
	.endr
	PAD4(6)				/* 24 */
	mov	%r11, %r11		/* 3 */
	add	%r8, %rax		/* 3: 5+2+90+24+3+3 = 127 */
5:	ret
	.cfi_endproc
	.size	rel8_fwd_limit, .-rel8_fwd_limit

/* long rel8_back_limit(long n): a loop whose closing `jnz` has displacement
 * exactly -128 and spans a syscall; returns n * 3 (r9 += 3 per iteration). */
	.globl	rel8_back_limit
	.type	rel8_back_limit, @function
rel8_back_limit:
	.cfi_startproc
	mov	%rdi, %r8
	xor	%r9d, %r9d
6:	mov	$39, %eax		/* 5 */
	syscall				/* 2 */
	add	$3, %r9			/* 4 */
	PAD4(28)			/* 112 */
	dec	%r8			/* 3 */
	jnz	6b			/* 2: rel8 = -(5+2+4+112+3+2) = -128 */
	mov	%r9, %rax
	ret
	.cfi_endproc
	.size	rel8_back_limit, .-rel8_back_limit

/* long rel8_near_limit(long skip): forward `jz` with displacement +125 (2
 * short of the limit) over a syscall, and a backward jmp at -128 that does NOT
 * span a syscall (a -128 control; it only needs re-encoding if something
 * inside its range moves, which nothing should).
 * skip != 0 -> 7; skip == 0 -> getpid() + 7. */
	.globl	rel8_near_limit
	.type	rel8_near_limit, @function
rel8_near_limit:
	.cfi_startproc
	xor	%eax, %eax		/* 2 */
	test	%rdi, %rdi		/* 3 */
	jnz	8f			/* 2: rel8 = +125 */
	mov	$39, %eax		/* 5 */
	syscall				/* 2 */
	PAD4(29)			/* 116 */
	jmp	9f			/* 2 */
8:	add	$7, %rax		/* 4 */
	PAD4(30)			/* 120 */
	jmp	10f			/* 2: -> ret */
9:	jmp	8b			/* 2: rel8 = -128, no syscall in range */
10:	ret
	.cfi_endproc
	.size	rel8_near_limit, .-rel8_near_limit

/* long rel8_cascade(long n): loop that runs n > 0 iterations; each runs one
 * getpid; odd counter values also increment r10.  Returns
 * iterations * 1000 + odd-iterations  (n = 5 -> 5003).
 *   B (jnz, backward) has displacement -128 and spans the syscall.
 *   A (jz, forward) has displacement +127, spans B but NOT the syscall.
 * When the syscall grows, B must become rel32 (+4 bytes), which in turn
 * pushes A out of rel8 range: the rewriter must iterate to a fixpoint. */
	.globl	rel8_cascade
	.type	rel8_cascade, @function
rel8_cascade:
	.cfi_startproc
	mov	%rdi, %r8
	xor	%r9d, %r9d
	xor	%r10d, %r10d
11:	mov	$39, %eax		/* 5 */
	syscall				/* 2 */
	inc	%r9			/* 3 */
	test	$1, %r8b		/* 4 */
	jz	13f			/* 2: A, rel8 = +127 */
	PAD4(26)			/* 104 */
	inc	%r10			/* 3 */
	dec	%r8			/* 3 */
	jnz	11b			/* 2: B, rel8 = -128 */
	jmp	14f			/* 2 */
	PAD4(3)				/* 12 (dead) */
	nop				/* 1 (dead) */
13:	dec	%r8
	jnz	11b			/* rel32 (too far for rel8) */
14:	imul	$1000, %r9, %rax
	add	%r10, %rax
	ret
	.cfi_endproc
	.size	rel8_cascade, .-rel8_cascade

	.section .note.GNU-stack,"",@progbits
