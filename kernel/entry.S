/* System call entries and exception stubs.
 *
 * The application runs in ring 0, so no entry changes privilege. Every entry saves the caller's %rsp
 * and moves to the kernel stack (one CPU, and the kernel never re-enters itself: signal handlers run
 * after the kernel frame is gone). A full frame (struct ukl_regs) is built for the generic paths so
 * that signal delivery and rt_sigreturn can rewrite any register; the return path restores every
 * register and the flags, then loads the saved %rsp and jumps to the saved %rip (SYSRET would drop to
 * ring 3, IRETQ is slower). */
#include "asm.h"

	.section .bss.ukl_kstack, "aw", @nobits
	.p2align 12
	.globl ukl_kstack_bottom
ukl_kstack_bottom:
	.skip 65536
	.globl ukl_kstack_top
ukl_kstack_top:

	.section .data.ukl_entry, "aw", @progbits
	.p2align 3
	.globl ukl_entry_rsp
ukl_entry_rsp:	.quad 0
	.globl ukl_strace
ukl_strace:	.byte 0

	.text
/* The frame, from the top of the kernel stack down: rsp, rflags, rip, orig_rax, then the GPRs. */
.macro PUSH_GPRS
	push %rdi
	push %rsi
	push %rdx
	push %rcx
	push %rax
	push %r8
	push %r9
	push %r10
	push %r11
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
.endm

/* __ukl_syscall: reached by `call` from a rewritten site; (%rsp) is the return address. */
	.globl __ukl_syscall
	.type __ukl_syscall, @function
__ukl_syscall:
	mov %rsp, ukl_entry_rsp(%rip)
	lea ukl_kstack_top-8(%rip), %rsp
	pushfq				/* rflags */
	mov ukl_entry_rsp(%rip), %rcx	/* %rcx may be clobbered, as by `syscall` */
	push (%rcx)			/* rip = the return address */
	add $8, %rcx
	mov %rcx, ukl_kstack_top-8(%rip)	/* rsp = as after the return */
	push %rax			/* orig_rax */
	jmp ukl_syscall_common
	.size __ukl_syscall, . - __ukl_syscall

/* The `syscall` instruction, executed in ring 0 at a site left unrewritten: %rcx = next %rip,
 * %r11 = %rflags, %rsp untouched (the red zone below it may be live, so nothing is pushed there). */
	.globl ukl_syscall_lstar
	.type ukl_syscall_lstar, @function
ukl_syscall_lstar:
	mov %rsp, ukl_entry_rsp(%rip)
	lea ukl_kstack_top(%rip), %rsp
	push ukl_entry_rsp(%rip)	/* rsp */
	push %r11			/* rflags */
	push %rcx			/* rip */
	push %rax			/* orig_rax */
	jmp ukl_syscall_common
	.size ukl_syscall_lstar, . - ukl_syscall_lstar

ukl_syscall_common:
	PUSH_GPRS
	cld
	mov %rsp, %rdi
	call ukl_syscall_dispatch
	.globl ukl_return_to_app
ukl_return_to_app:
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rax
	pop %rcx
	pop %rdx
	pop %rsi
	pop %rdi
	lea 16(%rsp), %rsp		/* orig_rax, rip */
	popfq
	mov (%rsp), %rsp
	jmp *ukl_kstack_top-24(%rip)

/* ukl_resume(regs): regs is the frame at the top of the kernel stack; return to the application. */
	.globl ukl_resume
	.type ukl_resume, @function
ukl_resume:
	mov %rdi, %rsp
	jmp ukl_return_to_app
	.size ukl_resume, . - ukl_resume

/* ukl_enter_app(rsp, entry): start the application with the Linux initial stack. %rdx = 0 tells
 * glibc's _start there is no rtld_fini. */
	.globl ukl_enter_app
	.type ukl_enter_app, @function
ukl_enter_app:
	mov %rdi, %rsp
	mov %rsi, %rax
	xor %ebx, %ebx
	xor %ecx, %ecx
	xor %edx, %edx
	xor %esi, %esi
	xor %edi, %edi
	xor %ebp, %ebp
	xor %r8d, %r8d
	xor %r9d, %r9d
	xor %r10d, %r10d
	xor %r11d, %r11d
	xor %r12d, %r12d
	xor %r13d, %r13d
	xor %r14d, %r14d
	xor %r15d, %r15d
	push $0x2
	popfq
	jmp *%rax
	.size ukl_enter_app, . - ukl_enter_app

/* Exception stubs: push a dummy error code where the CPU pushes none, then the vector. They run on
 * IST1 (see ukl_cpu_init), so a fault on a bad stack is still reported. */
.macro EXC vec, err
	.p2align 4
ukl_exc_\vec:
	.if \err == 0
	push $0
	.endif
	push $\vec
	jmp ukl_exc_common
.endm
	EXC 0,0
	EXC 1,0
	EXC 2,0
	EXC 3,0
	EXC 4,0
	EXC 5,0
	EXC 6,0
	EXC 7,0
	EXC 8,1
	EXC 9,0
	EXC 10,1
	EXC 11,1
	EXC 12,1
	EXC 13,1
	EXC 14,1
	EXC 15,0
	EXC 16,0
	EXC 17,1
	EXC 18,0
	EXC 19,0
	EXC 20,0
	EXC 21,1
	EXC 22,0
	EXC 23,0
	EXC 24,0
	EXC 25,0
	EXC 26,0
	EXC 27,0
	EXC 28,0
	EXC 29,1
	EXC 30,1
	EXC 31,0

ukl_exc_common:
	PUSH_GPRS
	cld
	mov %rsp, %rdi
	and $-16, %rsp
	call ukl_exception
1:	hlt
	jmp 1b

	.section .rodata.ukl_exc, "a", @progbits
	.p2align 3
	.globl ukl_exc_stubs
ukl_exc_stubs:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad ukl_exc_\v
	.endr

	.text
/* Direct entries of --syscall-direct (generated from the syscall table and the handlers). */
#include "syscall-stubs.S"

	.section .note.GNU-stack, "", @progbits
