/* sigreturn.o: an rt_sigreturn trampoline written like glibc's __restore_rt
 * (a `nop` in front, then `mov $0xf,%rax` in the REX.W C7 form
 * 48 c7 c0 0f 00 00 00 and `syscall`) and raw rt_sigaction / kill wrappers.
 * The trampoline never returns: the kernel restores every register from the
 * signal frame at %rsp, so a rewrite that pushes a return address first
 * shifts the frame by 8.  No FDE for the trampoline on purpose: libgcc's
 * x86-64 unwinder recognises exactly these 9 bytes as a signal frame when
 * no FDE covers the PC.  Library for sigreturn-main.o. */

	.text
	nop
	.globl	my_restore_rt
	.type	my_restore_rt, @function
my_restore_rt:
	movq	$15, %rax		/* 48 c7 c0 0f 00 00 00 (gas, no -O) */
	syscall
	.size	my_restore_rt, .-my_restore_rt

/* long raw_rt_sigaction(int sig, const struct kernel_sigaction *act,
 *                       struct kernel_sigaction *oact) */
	.globl	raw_rt_sigaction
	.type	raw_rt_sigaction, @function
raw_rt_sigaction:
	.cfi_startproc
	mov	$8, %r10d		/* sizeof(kernel sigset_t) */
	mov	$13, %eax		/* rt_sigaction */
	syscall
	ret
	.cfi_endproc
	.size	raw_rt_sigaction, .-raw_rt_sigaction

/* long raw_kill(int pid, int sig) */
	.globl	raw_kill
	.type	raw_kill, @function
raw_kill:
	.cfi_startproc
	mov	$62, %eax		/* kill */
	syscall
	ret
	.cfi_endproc
	.size	raw_kill, .-raw_kill

	.section .note.GNU-stack,"",@progbits
