/* sysnr.o: the syscall number reaches %rax in many different ways, for
 * testing syscall-number inference; plus byte sequences 0f 05 that are NOT
 * syscall instructions (inside other instructions), and a syscall in a second
 * executable section.  Every function has CFI.  Library for sysnr-main.o.
 * Numbers: getpid 39, getppid 110, getuid 102, read 0, exit 60,
 * exit_group 231. */

	.section .rodata
	.align	4
nr_getpid_const:
	.long	39

	.text

#define FUNC(name) .globl name; .type name, @function; name: .cfi_startproc
#define END(name) .cfi_endproc; .size name, .-name

/* mov $39,%eax (b8 imm32) -- the common glibc form */
FUNC(nr_b8)
	mov	$39, %eax
	syscall
	ret
END(nr_b8)

/* mov $39,%rax (48 c7 c0 imm32) -- the __restore_rt form */
FUNC(nr_rexw)
	movq	$39, %rax
	syscall
	ret
END(nr_rexw)

/* xor %eax,%eax -> read(fd, buf, 0); called with fd = -1 -> -EBADF (-9) */
FUNC(nr_xor_read)
	xor	%edx, %edx
	lea	-16(%rsp), %rsi
	xor	%eax, %eax
	syscall
	ret
END(nr_xor_read)

/* number from a register, like glibc's syscall(): nr_reg(nr, a1, a2, a3) */
FUNC(nr_reg)
	mov	%rdi, %rax
	mov	%rsi, %rdi
	mov	%rdx, %rsi
	mov	%rcx, %rdx
	syscall
	ret
END(nr_reg)

/* number depends on the path: sel == 0 -> getpid, else getppid.  Two
 * definitions reach the syscall. */
FUNC(nr_two_paths)
	mov	$39, %eax
	test	%edi, %edi
	jz	1f
	mov	$110, %eax
1:	syscall
	ret
END(nr_two_paths)

/* number set in another basic block, reached through an unconditional jmp
 * over unrelated code: getuid */
FUNC(nr_other_block)
	mov	$102, %eax
	jmp	2f
3:	ret
2:	xor	%edi, %edi
	syscall
	jmp	3b
END(nr_other_block)

/* the `mov $nr,%eax` is itself a branch target (sel != 0 skips an add) */
FUNC(nr_mov_is_target)
	xor	%edx, %edx
	test	%edi, %edi
	jnz	4f
	add	$1, %edx
4:	mov	$39, %eax
	syscall
	add	%rdx, %rax		/* getpid() + (sel == 0) */
	ret
END(nr_mov_is_target)

/* byte-register forms: xor %eax,%eax; mov $39,%al */
FUNC(nr_al)
	xor	%eax, %eax
	mov	$39, %al
	syscall
	ret
END(nr_al)

/* push $39; pop %rax (with CFI for the push) */
FUNC(nr_pushpop)
	push	$39
	.cfi_adjust_cfa_offset 8
	pop	%rax
	.cfi_adjust_cfa_offset -8
	syscall
	ret
END(nr_pushpop)

/* number loaded from memory (.rodata, R_X86_64_PC32) */
FUNC(nr_mem)
	mov	nr_getpid_const(%rip), %eax
	syscall
	ret
END(nr_mem)

/* number computed: lea 1(%rdi) with rdi = 38 -> 39 */
FUNC(nr_lea)
	lea	1(%rdi), %eax
	syscall
	ret
END(nr_lea)

/* number set far before the syscall, with unrelated instructions and a
 * saved register (CFI) in between: getpid */
FUNC(nr_far)
	push	%rbx
	.cfi_adjust_cfa_offset 8
	.cfi_offset %rbx, -16
	mov	$39, %eax
	mov	%rdi, %rbx
	imul	$3, %rbx, %rbx
	add	$5, %rbx
	shl	$2, %rbx
	sub	$20, %rbx
	lea	(%rbx,%rbx,2), %rbx
	xor	%ecx, %ecx
	mov	%rbx, %rdx
	xor	%r8d, %r8d
	and	$0x7f, %edx
	or	%rdx, %r8
	not	%r8
	not	%r8
	syscall
	sub	%rbx, %rax		/* getpid() - 36*rdi */
	pop	%rbx
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rbx
	ret
END(nr_far)

/* two syscall sites 6 bytes apart, each with its own mov: getpid twice,
 * returns 1 if both results are equal */
FUNC(nr_back_to_back)
	mov	$39, %eax
	syscall
	mov	%rax, %rdx
	mov	$39, %eax
	syscall
	cmp	%rax, %rdx
	sete	%al
	movzbl	%al, %eax
	ret
END(nr_back_to_back)

/* NOT syscalls: 0f 05 inside other instructions.
 *   cmp %al,5(%rdi,%rcx)  = 38 44 0f 05  (as in glibc fnmatch.o)
 *   mov $0x50f,%eax       = b8 0f 05 00 00
 *   je  rel32 whose displacement starts with 0f 05 (as in dl-reloc.o)
 * int nr_false_positive(const char *buf): returns 0x50f + (buf[5]==0) */
FUNC(nr_false_positive)
	xor	%ecx, %ecx
	xor	%eax, %eax
	cmp	%al, 5(%rdi,%rcx)
	sete	%dl
	movzbl	%dl, %edx
	mov	$0x50f, %eax
	add	%edx, %eax
	test	%ecx, %ecx
	je	5f			/* rel32: displacement 0x50f */
	.rept	0x50f / 4
	lea	1(%r11), %r11
	.endr
	.rept	0x50f % 4
	nop
	.endr
5:	ret
END(nr_false_positive)

/* _exit-style: number from a register, exit_group then exit, never returns
 * (hlt faults in user mode if the syscalls ever return).  void nr_exit(int) */
FUNC(nr_exit)
	mov	$231, %esi
	mov	$60, %edx
	mov	%esi, %eax
	syscall
	mov	%edx, %eax
	syscall
	hlt
END(nr_exit)

/* a syscall in a second executable section (glibc has one in .text.unlikely) */
	.section .text.unlikely,"ax",@progbits
FUNC(nr_cold)
	mov	$110, %eax		/* getppid */
	syscall
	ret
END(nr_cold)

	.section .note.GNU-stack,"",@progbits
