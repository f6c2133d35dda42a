/* Native side of the vector generator: load a whole register state, jump to a snippet copied to a
   fixed address, and save the state it ends in. The snippet is followed by `jmp *0(%rip)` back to
   snippet_return, so no register is clobbered on the way out. */
    .text
    .globl run_snippet
/* void run_snippet(void): state in g_in, result in g_out, code at g_code. */
run_snippet:
    push %rbx
    push %rbp
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, g_host_rsp(%rip)
    ldmxcsr g_in+136(%rip)
    movdqu g_in+144+16*0(%rip), %xmm0
    movdqu g_in+144+16*1(%rip), %xmm1
    movdqu g_in+144+16*2(%rip), %xmm2
    movdqu g_in+144+16*3(%rip), %xmm3
    movdqu g_in+144+16*4(%rip), %xmm4
    movdqu g_in+144+16*5(%rip), %xmm5
    movdqu g_in+144+16*6(%rip), %xmm6
    movdqu g_in+144+16*7(%rip), %xmm7
    movdqu g_in+144+16*8(%rip), %xmm8
    movdqu g_in+144+16*9(%rip), %xmm9
    movdqu g_in+144+16*10(%rip), %xmm10
    movdqu g_in+144+16*11(%rip), %xmm11
    movdqu g_in+144+16*12(%rip), %xmm12
    movdqu g_in+144+16*13(%rip), %xmm13
    movdqu g_in+144+16*14(%rip), %xmm14
    movdqu g_in+144+16*15(%rip), %xmm15
    pushq g_in+128(%rip)
    popfq
    mov g_in+8*0(%rip), %rax
    mov g_in+8*1(%rip), %rcx
    mov g_in+8*2(%rip), %rdx
    mov g_in+8*3(%rip), %rbx
    mov g_in+8*5(%rip), %rbp
    mov g_in+8*6(%rip), %rsi
    mov g_in+8*7(%rip), %rdi
    mov g_in+8*8(%rip), %r8
    mov g_in+8*9(%rip), %r9
    mov g_in+8*10(%rip), %r10
    mov g_in+8*11(%rip), %r11
    mov g_in+8*12(%rip), %r12
    mov g_in+8*13(%rip), %r13
    mov g_in+8*14(%rip), %r14
    mov g_in+8*15(%rip), %r15
    mov g_in+8*4(%rip), %rsp
    jmp *g_code(%rip)

    .globl snippet_return
snippet_return:
    mov %rax, g_out+8*0(%rip)
    mov %rcx, g_out+8*1(%rip)
    mov %rdx, g_out+8*2(%rip)
    mov %rbx, g_out+8*3(%rip)
    mov %rsp, g_out+8*4(%rip)
    mov %rbp, g_out+8*5(%rip)
    mov %rsi, g_out+8*6(%rip)
    mov %rdi, g_out+8*7(%rip)
    mov %r8, g_out+8*8(%rip)
    mov %r9, g_out+8*9(%rip)
    mov %r10, g_out+8*10(%rip)
    mov %r11, g_out+8*11(%rip)
    mov %r12, g_out+8*12(%rip)
    mov %r13, g_out+8*13(%rip)
    mov %r14, g_out+8*14(%rip)
    mov %r15, g_out+8*15(%rip)
    mov g_host_rsp(%rip), %rsp
    pushfq
    popq g_out+128(%rip)
    .globl snippet_fault_return
snippet_fault_return:       /* the SIGFPE handler resumes here with GPRs/flags already saved */
    mov g_host_rsp(%rip), %rsp
    stmxcsr g_out+136(%rip)
    movdqu %xmm0, g_out+144+16*0(%rip)
    movdqu %xmm1, g_out+144+16*1(%rip)
    movdqu %xmm2, g_out+144+16*2(%rip)
    movdqu %xmm3, g_out+144+16*3(%rip)
    movdqu %xmm4, g_out+144+16*4(%rip)
    movdqu %xmm5, g_out+144+16*5(%rip)
    movdqu %xmm6, g_out+144+16*6(%rip)
    movdqu %xmm7, g_out+144+16*7(%rip)
    movdqu %xmm8, g_out+144+16*8(%rip)
    movdqu %xmm9, g_out+144+16*9(%rip)
    movdqu %xmm10, g_out+144+16*10(%rip)
    movdqu %xmm11, g_out+144+16*11(%rip)
    movdqu %xmm12, g_out+144+16*12(%rip)
    movdqu %xmm13, g_out+144+16*13(%rip)
    movdqu %xmm14, g_out+144+16*14(%rip)
    movdqu %xmm15, g_out+144+16*15(%rip)
    cld
    fninit
    ldmxcsr mxcsr_default(%rip)
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %rbp
    pop %rbx
    ret

    .section .rodata
mxcsr_default: .long 0x1f80
    .section .note.GNU-stack, "", @progbits
