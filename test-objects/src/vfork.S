/* vfork.o: a vfork wrapper written like glibc's __libc_vfork.  The return
 * address is popped into %rdi BEFORE the syscall, because parent and child
 * share the stack until the child exits; the child's later pushes would
 * otherwise clobber the parent's return address.  CFI tracks the return
 * address living in %rdi.  Anything a rewritten site leaves below %rsp
 * (return address, saved flags) may be overwritten by the child before the
 * parent resumes.  Library for vfork-main.o.
 *
 * long my_vfork(void): returns child pid / 0 in the child / -errno */

	.text
	.globl	my_vfork
	.type	my_vfork, @function
my_vfork:
	.cfi_startproc
	pop	%rdi
	.cfi_adjust_cfa_offset -8
	.cfi_register rip, rdi
	mov	$58, %eax		/* vfork */
	syscall
	push	%rdi
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset rip, 0
	ret
	.cfi_endproc
	.size	my_vfork, .-my_vfork

	.section .note.GNU-stack,"",@progbits
