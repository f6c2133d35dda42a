/* The instruction forms the generator runs: X(name, "AT&T body", generator, width, defined-flags mask, param).
   Register conventions: destination rax / xmm0, source rbx / xmm1, count cl, memory at rsi (the data page).
   Flags masks list the flags the SDM defines for the form (OF 0x800, SF 0x80, ZF 0x40, AF 0x10, PF 0x4,
   CF 0x1; DF 0x400 is always compared); generators narrow them per vector where the SDM says a flag
   depends on the operands (shift counts). */
#define ALL 0x8d5
#define LOGIC 0x8c5   /* AF undefined */
#define MULF 0x801    /* OF CF */
#define NOF 0x000     /* flags not affected: compared anyway (must be unchanged) -> use ALL */

#define ALU_W(X, op, P) \
  X(op##b_rr, #op "b %bl, %al", G_BIN, 8, P, 0) \
  X(op##w_rr, #op "w %bx, %ax", G_BIN, 16, P, 0) \
  X(op##l_rr, #op "l %ebx, %eax", G_BIN, 32, P, 0) \
  X(op##q_rr, #op "q %rbx, %rax", G_BIN, 64, P, 0) \
  X(op##b_mr, #op "b %bl, (%rsi)", G_BIN, 8, P, P_MEMDST) \
  X(op##q_mr, #op "q %rbx, (%rsi)", G_BIN, 64, P, P_MEMDST) \
  X(op##l_rm, #op "l (%rsi), %eax", G_BIN, 32, P, P_MEMSRC) \
  X(op##b_al_i, #op "b $0x81, %al", G_IMM, 8, P, 0) \
  X(op##w_i8, #op "w $-3, %bx", G_IMM, 16, P, P_RBX) \
  X(op##l_i32, #op "l $0x12345678, %ebx", G_IMM, 32, P, P_RBX) \
  X(op##q_i8, #op "q $0x7f, %rbx", G_IMM, 64, P, P_RBX) \
  X(op##q_i32, #op "q $-0x80000000, %rax", G_IMM, 64, P, 0)

#define UN_W(X, op, P) \
  X(op##b, #op "b %al", G_UN, 8, P, 0) \
  X(op##w, #op "w %ax", G_UN, 16, P, 0) \
  X(op##l, #op "l %eax", G_UN, 32, P, 0) \
  X(op##q, #op "q %rax", G_UN, 64, P, 0) \
  X(op##q_m, #op "q (%rsi)", G_UN, 64, P, P_MEMDST)

#define SH_W(X, op, K) \
  X(op##b_cl, #op "b %cl, %al", G_SHIFT, 8, ALL, K) \
  X(op##w_cl, #op "w %cl, %ax", G_SHIFT, 16, ALL, K) \
  X(op##l_cl, #op "l %cl, %eax", G_SHIFT, 32, ALL, K) \
  X(op##q_cl, #op "q %cl, %rax", G_SHIFT, 64, ALL, K) \
  X(op##l_1, #op "l $1, %eax", G_SHIFT, 32, ALL, K | P_ONE) \
  X(op##q_i, #op "q $7, %rax", G_SHIFT, 64, ALL, K | P_IMM7) \
  X(op##w_m, #op "w %cl, (%rsi)", G_SHIFT, 16, ALL, K | P_MEMDST)

#define CC(X, c) \
  X(cmov##c##w, "cmov" #c "w %bx, %ax", G_COND, 16, ALL, 0) \
  X(cmov##c##l, "cmov" #c "l %ebx, %eax", G_COND, 32, ALL, 0) \
  X(cmov##c##q, "cmov" #c "q %rbx, %rax", G_COND, 64, ALL, 0) \
  X(set##c, "set" #c " %al", G_COND, 8, ALL, 0)

#define STR(X, op, s, P) \
  X(op##s, #op #s, G_STR, 0, ALL, P) \
  X(rep_##op##s, "rep " #op #s, G_STR, 0, ALL, P | P_REP) \

#define FORMS(X) \
  ALU_W(X, add, ALL) ALU_W(X, adc, ALL | P_CARRY) ALU_W(X, sub, ALL) ALU_W(X, sbb, ALL | P_CARRY) \
  ALU_W(X, cmp, ALL) ALU_W(X, and, LOGIC) ALU_W(X, or, LOGIC) ALU_W(X, xor, LOGIC) \
  X(testb_rr, "testb %bl, %al", G_BIN, 8, LOGIC, 0) \
  X(testw_rr, "testw %bx, %ax", G_BIN, 16, LOGIC, 0) \
  X(testl_rr, "testl %ebx, %eax", G_BIN, 32, LOGIC, 0) \
  X(testq_rr, "testq %rbx, %rax", G_BIN, 64, LOGIC, 0) \
  X(testb_m, "testb %bl, (%rsi)", G_BIN, 8, LOGIC, P_MEMDST) \
  X(testl_i, "testl $0x80000001, %eax", G_IMM, 32, LOGIC, 0) \
  UN_W(X, inc, ALL) UN_W(X, dec, ALL) UN_W(X, neg, ALL) UN_W(X, not, ALL) \
  SH_W(X, shl, K_SHL) SH_W(X, shr, K_SHR) SH_W(X, sar, K_SAR) SH_W(X, rol, K_ROL) SH_W(X, ror, K_ROR) \
  SH_W(X, rcl, K_RCL) SH_W(X, rcr, K_RCR) \
  X(shlq_m, "shlq %cl, (%rsi)", G_SHIFT, 64, ALL, K_SHL | P_MEMDST) \
  X(shrq_m, "shrq %cl, (%rsi)", G_SHIFT, 64, ALL, K_SHR | P_MEMDST) \
  X(sarq_m, "sarq %cl, (%rsi)", G_SHIFT, 64, ALL, K_SAR | P_MEMDST) \
  X(shldw_cl, "shldw %cl, %bx, %ax", G_SHIFTD, 16, ALL, K_SHLD) \
  X(shldl_cl, "shldl %cl, %ebx, %eax", G_SHIFTD, 32, ALL, K_SHLD) \
  X(shldq_cl, "shldq %cl, %rbx, %rax", G_SHIFTD, 64, ALL, K_SHLD) \
  X(shldq_i, "shldq $13, %rbx, %rax", G_SHIFTD, 64, ALL, K_SHLD | P_IMM13) \
  X(shrdw_cl, "shrdw %cl, %bx, %ax", G_SHIFTD, 16, ALL, K_SHRD) \
  X(shrdl_cl, "shrdl %cl, %ebx, %eax", G_SHIFTD, 32, ALL, K_SHRD) \
  X(shrdq_cl, "shrdq %cl, %rbx, %rax", G_SHIFTD, 64, ALL, K_SHRD) \
  X(shrdl_i, "shrdl $13, %ebx, %eax", G_SHIFTD, 32, ALL, K_SHRD | P_IMM13) \
  X(mulb, "mulb %bl", G_MUL, 8, MULF, 0) \
  X(mulw, "mulw %bx", G_MUL, 16, MULF, 0) \
  X(mull, "mull %ebx", G_MUL, 32, MULF, 0) \
  X(mulq, "mulq %rbx", G_MUL, 64, MULF, 0) \
  X(imulb, "imulb %bl", G_MUL, 8, MULF, 0) \
  X(imulw, "imulw %bx", G_MUL, 16, MULF, 0) \
  X(imull, "imull %ebx", G_MUL, 32, MULF, 0) \
  X(imulq, "imulq %rbx", G_MUL, 64, MULF, 0) \
  X(imulw_rr, "imulw %bx, %ax", G_MUL, 16, MULF, 0) \
  X(imull_rr, "imull %ebx, %eax", G_MUL, 32, MULF, 0) \
  X(imulq_rr, "imulq %rbx, %rax", G_MUL, 64, MULF, 0) \
  X(imulq_rm, "imulq (%rsi), %rax", G_MUL, 64, MULF, P_MEMSRC) \
  X(imulw_i8, "imulw $-5, %bx, %ax", G_MUL, 16, MULF, 0) \
  X(imull_i32, "imull $0x12345, %ebx, %eax", G_MUL, 32, MULF, 0) \
  X(imulq_i8, "imulq $127, %rbx, %rax", G_MUL, 64, MULF, 0) \
  X(imulq_i32, "imulq $-0x40000000, %rbx, %rax", G_MUL, 64, MULF, 0) \
  X(divb, "divb %bl", G_DIV, 8, 0, 0) \
  X(divw, "divw %bx", G_DIV, 16, 0, 0) \
  X(divl, "divl %ebx", G_DIV, 32, 0, 0) \
  X(divq, "divq %rbx", G_DIV, 64, 0, 0) \
  X(divq_m, "divq (%rsi)", G_DIV, 64, 0, P_MEMSRC) \
  X(idivb, "idivb %bl", G_DIV, 8, 0, P_SIGNED) \
  X(idivw, "idivw %bx", G_DIV, 16, 0, P_SIGNED) \
  X(idivl, "idivl %ebx", G_DIV, 32, 0, P_SIGNED) \
  X(idivq, "idivq %rbx", G_DIV, 64, 0, P_SIGNED) \
  X(btw_rr, "btw %bx, %ax", G_BT, 16, 0x041, 0) \
  X(btl_rr, "btl %ebx, %eax", G_BT, 32, 0x041, 0) \
  X(btq_rr, "btq %rbx, %rax", G_BT, 64, 0x041, 0) \
  X(btsq_rr, "btsq %rbx, %rax", G_BT, 64, 0x041, 0) \
  X(btrl_rr, "btrl %ebx, %eax", G_BT, 32, 0x041, 0) \
  X(btcq_rr, "btcq %rbx, %rax", G_BT, 64, 0x041, 0) \
  X(btl_i, "btl $17, %eax", G_BT, 32, 0x041, 0) \
  X(btsq_i, "btsq $63, %rax", G_BT, 64, 0x041, 0) \
  X(btrw_i, "btrw $21, %ax", G_BT, 16, 0x041, 0) \
  X(btcl_i, "btcl $31, %eax", G_BT, 32, 0x041, 0) \
  X(btq_m, "btq %rbx, (%rsi)", G_BT, 64, 0x041, P_MEMDST) \
  X(btsl_m, "btsl %ebx, (%rsi)", G_BT, 32, 0x041, P_MEMDST) \
  X(btrq_m, "btrq %rbx, (%rsi)", G_BT, 64, 0x041, P_MEMDST) \
  X(btcw_m, "btcw %bx, (%rsi)", G_BT, 16, 0x041, P_MEMDST) \
  X(bsfw, "bsfw %bx, %ax", G_BSF, 16, 0x040, 0) \
  X(bsfl, "bsfl %ebx, %eax", G_BSF, 32, 0x040, 0) \
  X(bsfq, "bsfq %rbx, %rax", G_BSF, 64, 0x040, 0) \
  X(bsrw, "bsrw %bx, %ax", G_BSF, 16, 0x040, 0) \
  X(bsrl, "bsrl %ebx, %eax", G_BSF, 32, 0x040, 0) \
  X(bsrq, "bsrq %rbx, %rax", G_BSF, 64, 0x040, 0) \
  X(bswapl, "bswapl %eax", G_UN, 32, ALL, 0) \
  X(bswapq, "bswapq %rax", G_UN, 64, ALL, 0) \
  X(bswapq_r9, "bswapq %r9", G_UN, 64, ALL, P_R9) \
  X(movsbw, "movsbw %bl, %ax", G_MOVX, 8, ALL, 0) \
  X(movsbl, "movsbl %bl, %eax", G_MOVX, 8, ALL, 0) \
  X(movsbq, "movsbq %bl, %rax", G_MOVX, 8, ALL, 0) \
  X(movswl, "movswl %bx, %eax", G_MOVX, 16, ALL, 0) \
  X(movswq, "movswq %bx, %rax", G_MOVX, 16, ALL, 0) \
  X(movslq, "movslq %ebx, %rax", G_MOVX, 32, ALL, 0) \
  X(movslq_m, "movslq (%rsi), %rax", G_MOVX, 32, ALL, P_MEMSRC) \
  X(movzbw, "movzbw %bl, %ax", G_MOVX, 8, ALL, 0) \
  X(movzbl, "movzbl %bl, %eax", G_MOVX, 8, ALL, 0) \
  X(movzbq, "movzbq %bl, %rax", G_MOVX, 8, ALL, 0) \
  X(movzbl_bh, "movzbl %bh, %eax", G_MOVX, 16, ALL, 0) \
  X(movzwl, "movzwl %bx, %eax", G_MOVX, 16, ALL, 0) \
  X(movzwq, "movzwq %bx, %rax", G_MOVX, 16, ALL, 0) \
  X(movzbl_m, "movzbl (%rsi), %eax", G_MOVX, 8, ALL, P_MEMSRC) \
  X(movswq_m, "movswq (%rsi), %rax", G_MOVX, 16, ALL, P_MEMSRC) \
  CC(X, o) CC(X, no) CC(X, b) CC(X, ae) CC(X, e) CC(X, ne) CC(X, be) CC(X, a) \
  CC(X, s) CC(X, ns) CC(X, p) CC(X, np) CC(X, l) CC(X, ge) CC(X, le) CC(X, g) \
  X(cmovneq_m, "cmovneq (%rsi), %rax", G_COND, 64, ALL, P_MEMSRC) \
  X(setne_m, "setne (%rsi)", G_COND, 8, ALL, P_MEMDST) \
  X(cbw, "cbtw", G_CONV, 8, ALL, 0) \
  X(cwde, "cwtl", G_CONV, 16, ALL, 0) \
  X(cdqe, "cltq", G_CONV, 32, ALL, 0) \
  X(cwd, "cwtd", G_CONV, 16, ALL, 0) \
  X(cdq, "cltd", G_CONV, 32, ALL, 0) \
  X(cqo, "cqto", G_CONV, 64, ALL, 0) \
  X(xchgb, "xchgb %bl, %al", G_BIN, 8, ALL, 0) \
  X(xchgw, "xchgw %bx, %ax", G_BIN, 16, ALL, 0) \
  X(xchgl, "xchgl %ebx, %eax", G_BIN, 32, ALL, 0) \
  X(xchgl_short, "xchgl %eax, %ebx", G_BIN, 32, ALL, 0) \
  X(xchgq, "xchgq %rbx, %rax", G_BIN, 64, ALL, 0) \
  X(xchgq_m, "xchgq %rbx, (%rsi)", G_BIN, 64, ALL, P_MEMDST) \
  X(xaddb, "xaddb %bl, %al", G_BIN, 8, ALL, 0) \
  X(xaddw, "xaddw %bx, %ax", G_BIN, 16, ALL, 0) \
  X(xaddl, "xaddl %ebx, %eax", G_BIN, 32, ALL, 0) \
  X(xaddq, "xaddq %rbx, %rax", G_BIN, 64, ALL, 0) \
  X(lock_xaddq_m, "lock xaddq %rbx, (%rsi)", G_BIN, 64, ALL, P_MEMDST) \
  X(cmpxchgb, "cmpxchgb %cl, %bl", G_CMPXCHG, 8, ALL, 0) \
  X(cmpxchgw, "cmpxchgw %cx, %bx", G_CMPXCHG, 16, ALL, 0) \
  X(cmpxchgl, "cmpxchgl %ecx, %ebx", G_CMPXCHG, 32, ALL, 0) \
  X(cmpxchgq, "cmpxchgq %rcx, %rbx", G_CMPXCHG, 64, ALL, 0) \
  X(lock_cmpxchgl_m, "lock cmpxchgl %ecx, (%rsi)", G_CMPXCHG, 32, ALL, P_MEMDST) \
  X(lock_cmpxchgq_m, "lock cmpxchgq %rcx, (%rsi)", G_CMPXCHG, 64, ALL, P_MEMDST) \
  X(cmpxchg16b, "lock cmpxchg16b (%rsi)", G_CX16, 64, ALL, 0) \
  X(leaq_bis, "leaq 8(%rax,%rbx,4), %rcx", G_LEA, 64, ALL, 0) \
  X(leal_bi, "leal -1(%rax,%rbx), %ecx", G_LEA, 32, ALL, 0) \
  X(leaw_b, "leaw 0x1234(%rbx), %cx", G_LEA, 16, ALL, 0) \
  X(leaq_idx, "leaq -0x80(,%rbx,8), %rcx", G_LEA, 64, ALL, 0) \
  X(leal_addr32, "leal 0x10(%eax,%ebx,2), %ecx", G_LEA, 32, ALL, 0) \
  X(leaq_rip, "leaq 0x100(%rip), %rcx", G_LEA, 64, ALL, 0) \
  STR(X, movs, b, 1) STR(X, movs, w, 2) STR(X, movs, l, 4) STR(X, movs, q, 8) \
  STR(X, stos, b, 1) STR(X, stos, w, 2) STR(X, stos, l, 4) STR(X, stos, q, 8) \
  STR(X, lods, b, 1) STR(X, lods, q, 8) \
  X(cmpsb, "cmpsb", G_STR, 0, ALL, 1) X(cmpsq, "cmpsq", G_STR, 0, ALL, 8) \
  X(repe_cmpsb, "repe cmpsb", G_STR, 0, ALL, 1 | P_REP) X(repne_cmpsb, "repne cmpsb", G_STR, 0, ALL, 1 | P_REPNE) \
  X(repe_cmpsl, "repe cmpsl", G_STR, 0, ALL, 4 | P_REP) \
  X(scasb, "scasb", G_STR, 0, ALL, 1) X(repne_scasb, "repne scasb", G_STR, 0, ALL, 1 | P_REPNE) \
  X(repe_scasw, "repe scasw", G_STR, 0, ALL, 2 | P_REP) X(repne_scasq, "repne scasq", G_STR, 0, ALL, 8 | P_REPNE) \
  SSE_FORMS(X) X87_FORMS(X)

#define SSE_INT(X, op) X(op, #op " %xmm1, %xmm0", G_XMM, 0, ALL, 0)

#define SSE_FORMS(X) \
  X(movd_to_xmm, "movd %ebx, %xmm0", G_XMOV, 0, ALL, 0) \
  X(movq_to_xmm, "movq %rbx, %xmm0", G_XMOV, 0, ALL, 0) \
  X(movd_from_xmm, "movd %xmm1, %eax", G_XMOV, 0, ALL, 0) \
  X(movq_from_xmm, "movq %xmm1, %rax", G_XMOV, 0, ALL, 0) \
  X(movq_xx, "movq %xmm1, %xmm0", G_XMOV, 0, ALL, 0) \
  X(movq_load, "movq (%rsi), %xmm0", G_XMOV, 0, ALL, P_MEMSRC) \
  X(movq_store, "movq %xmm1, (%rsi)", G_XMOV, 0, ALL, P_MEMDST) \
  X(movd_load, "movd (%rsi), %xmm0", G_XMOV, 0, ALL, P_MEMSRC) \
  X(movdqa_xx, "movdqa %xmm1, %xmm0", G_XMOV, 0, ALL, 0) \
  X(movdqa_load, "movdqa (%rsi), %xmm0", G_XMOV, 0, ALL, P_MEMSRC) \
  X(movdqa_store, "movdqa %xmm1, (%rsi)", G_XMOV, 0, ALL, P_MEMDST) \
  X(movdqu_load, "movdqu 3(%rsi), %xmm0", G_XMOV, 0, ALL, P_MEMSRC) \
  X(movdqu_store, "movdqu %xmm1, 5(%rsi)", G_XMOV, 0, ALL, P_MEMDST) \
  X(movaps_xx, "movaps %xmm1, %xmm0", G_XMOV, 0, ALL, 0) \
  X(movaps_load, "movaps (%rsi), %xmm0", G_XMOV, 0, ALL, P_MEMSRC) \
  X(movups_load, "movups 1(%rsi), %xmm8", G_XMOV, 0, ALL, P_MEMSRC) \
  X(movups_store, "movups %xmm9, 7(%rsi)", G_XMOV, 0, ALL, P_MEMDST) \
  X(movsd_xx, "movsd %xmm1, %xmm0", G_XMOV, 0, ALL, 0) \
  X(movsd_load, "movsd (%rsi), %xmm0", G_XMOV, 0, ALL, P_MEMSRC) \
  X(movsd_store, "movsd %xmm1, (%rsi)", G_XMOV, 0, ALL, P_MEMDST) \
  X(movss_xx, "movss %xmm1, %xmm0", G_XMOV, 0, ALL, 0) \
  X(movss_load, "movss (%rsi), %xmm0", G_XMOV, 0, ALL, P_MEMSRC) \
  X(movss_store, "movss %xmm1, (%rsi)", G_XMOV, 0, ALL, P_MEMDST) \
  SSE_INT(X, paddb) SSE_INT(X, paddw) SSE_INT(X, paddd) SSE_INT(X, paddq) \
  SSE_INT(X, psubb) SSE_INT(X, psubw) SSE_INT(X, psubd) SSE_INT(X, psubq) \
  SSE_INT(X, pcmpeqb) SSE_INT(X, pcmpeqw) SSE_INT(X, pcmpeqd) \
  SSE_INT(X, pcmpgtb) SSE_INT(X, pcmpgtw) SSE_INT(X, pcmpgtd) \
  SSE_INT(X, pminub) SSE_INT(X, pmaxub) \
  SSE_INT(X, punpcklbw) SSE_INT(X, punpcklwd) SSE_INT(X, punpckldq) SSE_INT(X, punpcklqdq) \
  SSE_INT(X, punpckhbw) SSE_INT(X, punpckhwd) SSE_INT(X, punpckhdq) SSE_INT(X, punpckhqdq) \
  SSE_INT(X, pand) SSE_INT(X, pandn) SSE_INT(X, por) SSE_INT(X, pxor) \
  SSE_INT(X, psllw) SSE_INT(X, pslld) SSE_INT(X, psllq) SSE_INT(X, psrlw) SSE_INT(X, psrld) SSE_INT(X, psrlq) \
  SSE_INT(X, psraw) SSE_INT(X, psrad) \
  X(paddb_m, "paddb (%rsi), %xmm0", G_XMM, 0, ALL, P_MEMSRC) \
  X(pcmpeqb_m, "pcmpeqb (%rsi), %xmm0", G_XMM, 0, ALL, P_MEMSRC) \
  X(pmovmskb, "pmovmskb %xmm1, %eax", G_XMM, 0, ALL, 0) \
  X(pshufd_1b, "pshufd $0x1b, %xmm1, %xmm0", G_XMM, 0, ALL, 0) \
  X(pshufd_e4, "pshufd $0xe4, %xmm1, %xmm0", G_XMM, 0, ALL, 0) \
  X(pshufd_00, "pshufd $0x00, %xmm1, %xmm0", G_XMM, 0, ALL, 0) \
  X(pshufd_b1, "pshufd $0xb1, %xmm1, %xmm0", G_XMM, 0, ALL, 0) \
  X(pslldq_1, "pslldq $1, %xmm0", G_XMM, 0, ALL, 0) X(pslldq_7, "pslldq $7, %xmm0", G_XMM, 0, ALL, 0) \
  X(pslldq_15, "pslldq $15, %xmm0", G_XMM, 0, ALL, 0) X(pslldq_16, "pslldq $16, %xmm0", G_XMM, 0, ALL, 0) \
  X(psrldq_1, "psrldq $1, %xmm0", G_XMM, 0, ALL, 0) X(psrldq_8, "psrldq $8, %xmm0", G_XMM, 0, ALL, 0) \
  X(psrldq_15, "psrldq $15, %xmm0", G_XMM, 0, ALL, 0) X(psrldq_20, "psrldq $20, %xmm0", G_XMM, 0, ALL, 0) \
  X(psllw_i0, "psllw $0, %xmm0", G_XMM, 0, ALL, 0) X(psllw_i15, "psllw $15, %xmm0", G_XMM, 0, ALL, 0) \
  X(psllw_i16, "psllw $16, %xmm0", G_XMM, 0, ALL, 0) X(pslld_i5, "pslld $5, %xmm0", G_XMM, 0, ALL, 0) \
  X(psllq_i63, "psllq $63, %xmm0", G_XMM, 0, ALL, 0) X(psllq_i64, "psllq $64, %xmm0", G_XMM, 0, ALL, 0) \
  X(psrlw_i3, "psrlw $3, %xmm0", G_XMM, 0, ALL, 0) X(psrld_i31, "psrld $31, %xmm0", G_XMM, 0, ALL, 0) \
  X(psrlq_i1, "psrlq $1, %xmm0", G_XMM, 0, ALL, 0) X(psrlq_i200, "psrlq $200, %xmm0", G_XMM, 0, ALL, 0) \
  X(psraw_i7, "psraw $7, %xmm0", G_XMM, 0, ALL, 0) X(psraw_i16, "psraw $16, %xmm0", G_XMM, 0, ALL, 0) \
  X(psrad_i31, "psrad $31, %xmm0", G_XMM, 0, ALL, 0) X(psrad_i40, "psrad $40, %xmm0", G_XMM, 0, ALL, 0) \
  X(addsd, "addsd %xmm1, %xmm0", G_FP, 64, ALL, 0) X(subsd, "subsd %xmm1, %xmm0", G_FP, 64, ALL, 0) \
  X(mulsd, "mulsd %xmm1, %xmm0", G_FP, 64, ALL, 0) X(divsd, "divsd %xmm1, %xmm0", G_FP, 64, ALL, 0) \
  X(sqrtsd, "sqrtsd %xmm1, %xmm0", G_FP, 64, ALL, 0) X(minsd, "minsd %xmm1, %xmm0", G_FP, 64, ALL, 0) \
  X(maxsd, "maxsd %xmm1, %xmm0", G_FP, 64, ALL, 0) X(addsd_m, "addsd (%rsi), %xmm0", G_FP, 64, ALL, P_MEMSRC) \
  X(addss, "addss %xmm1, %xmm0", G_FP, 32, ALL, 0) X(subss, "subss %xmm1, %xmm0", G_FP, 32, ALL, 0) \
  X(mulss, "mulss %xmm1, %xmm0", G_FP, 32, ALL, 0) X(divss, "divss %xmm1, %xmm0", G_FP, 32, ALL, 0) \
  X(sqrtss, "sqrtss %xmm1, %xmm0", G_FP, 32, ALL, 0) X(minss, "minss %xmm1, %xmm0", G_FP, 32, ALL, 0) \
  X(maxss, "maxss %xmm1, %xmm0", G_FP, 32, ALL, 0) \
  X(comisd, "comisd %xmm1, %xmm0", G_FP, 64, ALL, 0) X(ucomisd, "ucomisd %xmm1, %xmm0", G_FP, 64, ALL, 0) \
  X(comiss, "comiss %xmm1, %xmm0", G_FP, 32, ALL, 0) X(ucomiss, "ucomiss %xmm1, %xmm0", G_FP, 32, ALL, 0) \
  X(andpd, "andpd %xmm1, %xmm0", G_FP, 64, ALL, 0) X(andnpd, "andnpd %xmm1, %xmm0", G_FP, 64, ALL, 0) \
  X(orpd, "orpd %xmm1, %xmm0", G_FP, 64, ALL, 0) X(xorpd, "xorpd %xmm1, %xmm0", G_FP, 64, ALL, 0) \
  X(cmpeqsd, "cmpeqsd %xmm1, %xmm0", G_FP, 64, ALL, 0) X(cmpltsd, "cmpltsd %xmm1, %xmm0", G_FP, 64, ALL, 0) \
  X(cmplesd, "cmplesd %xmm1, %xmm0", G_FP, 64, ALL, 0) X(cmpunordsd, "cmpunordsd %xmm1, %xmm0", G_FP, 64, ALL, 0) \
  X(cmpneqsd, "cmpneqsd %xmm1, %xmm0", G_FP, 64, ALL, 0) X(cmpnltsd, "cmpnltsd %xmm1, %xmm0", G_FP, 64, ALL, 0) \
  X(cmpnlesd, "cmpnlesd %xmm1, %xmm0", G_FP, 64, ALL, 0) X(cmpordsd, "cmpordsd %xmm1, %xmm0", G_FP, 64, ALL, 0) \
  X(cmpltss, "cmpltss %xmm1, %xmm0", G_FP, 32, ALL, 0) \
  X(cvtsd2ss, "cvtsd2ss %xmm1, %xmm0", G_FP, 64, ALL, 0) X(cvtss2sd, "cvtss2sd %xmm1, %xmm0", G_FP, 32, ALL, 0) \
  X(cvtsi2sdl, "cvtsi2sdl %ebx, %xmm0", G_I2F, 32, ALL, 0) X(cvtsi2sdq, "cvtsi2sdq %rbx, %xmm0", G_I2F, 64, ALL, 0) \
  X(cvtsi2ssq, "cvtsi2ssq %rbx, %xmm0", G_I2F, 64, ALL, 0) \
  X(cvttsd2si_l, "cvttsd2si %xmm1, %eax", G_F2I, 64, ALL, 0) X(cvttsd2si_q, "cvttsd2si %xmm1, %rax", G_F2I, 64, ALL, 0) \
  X(cvtsd2si_l, "cvtsd2si %xmm1, %eax", G_F2I, 64, ALL, 0) X(cvtsd2si_q, "cvtsd2si %xmm1, %rax", G_F2I, 64, ALL, 0) \
  X(cvttss2si_l, "cvttss2si %xmm1, %eax", G_F2I, 32, ALL, 0) \
  X(addpd, "addpd %xmm1, %xmm0", G_FP, 64, ALL, 0) X(mulps, "mulps %xmm1, %xmm0", G_FP, 32, ALL, 0) \
  X(divpd, "divpd %xmm1, %xmm0", G_FP, 64, ALL, 0) X(sqrtps, "sqrtps %xmm1, %xmm0", G_FP, 32, ALL, 0) \
  X(maxpd, "maxpd %xmm1, %xmm0", G_FP, 64, ALL, 0) X(cmpltps, "cmpltps %xmm1, %xmm0", G_FP, 32, ALL, 0) \
  X(cvtpd2ps, "cvtpd2ps %xmm1, %xmm0", G_FP, 64, ALL, 0) X(cvtps2pd, "cvtps2pd %xmm1, %xmm0", G_FP, 32, ALL, 0) \
  X(cvtdq2ps, "cvtdq2ps %xmm1, %xmm0", G_FP, 32, ALL, 0) X(cvtps2dq, "cvtps2dq %xmm1, %xmm0", G_FP, 32, ALL, 0) \
  X(cvttpd2dq, "cvttpd2dq %xmm1, %xmm0", G_FP, 64, ALL, 0) X(cvtss2si_q, "cvtss2si %xmm1, %rax", G_F2I, 32, ALL, 0)

/* x87: operands are 80-bit values in memory at rsi+0 (a) and rsi+16 (b, or a double there for the m64
   forms); the control word to use at rsi+64; results stored at rsi+32, the status word at rsi+48 (fnstsw,
   taken right after the instruction under test so C1 is its own), the control word at rsi+50. */
#define X87_BIN(X, name, op, tail) \
  X(name, "fninit; fldcw 64(%rsi); fldt 16(%rsi); fldt (%rsi); " op "; fnstsw 48(%rsi); fstpt 32(%rsi)" tail, G_X87, 80, ALL, 0)
#define POP2 "; fstp %st(0)"
#define X87_FORMS(X) \
  X(fldt_fstpt, "fninit; fldcw 64(%rsi); fldt (%rsi); fstpt 32(%rsi); fnstsw 48(%rsi)", G_X87, 80, ALL, 0) \
  X87_BIN(X, faddp, "faddp %st, %st(1)", "") X87_BIN(X, fsubp, "fsubp %st, %st(1)", "") \
  X87_BIN(X, fsubrp, "fsubrp %st, %st(1)", "") X87_BIN(X, fmulp, "fmulp %st, %st(1)", "") \
  X87_BIN(X, fdivp, "fdivp %st, %st(1)", "") X87_BIN(X, fdivrp, "fdivrp %st, %st(1)", "") \
  X87_BIN(X, fadd_st1, "fadd %st(1), %st", POP2) X87_BIN(X, fmul_st1, "fmul %st(1), %st", POP2) \
  X87_BIN(X, fsub_st1, "fsub %st(1), %st", POP2) X87_BIN(X, fdiv_st1, "fdiv %st(1), %st", POP2) \
  X87_BIN(X, fxch, "fxch %st(1)", POP2) X87_BIN(X, fabs, "fabs", POP2) X87_BIN(X, fchs, "fchs", POP2) \
  X87_BIN(X, fmul_fabs, "fmul %st(1), %st; fabs", POP2) X87_BIN(X, fmul_ftst, "fmul %st(1), %st; ftst", POP2) \
  X(faddl_m, "fninit; fldcw 64(%rsi); fldt (%rsi); faddl 16(%rsi); fnstsw 48(%rsi); fstpt 32(%rsi)", G_X87, 64, ALL, 0) \
  X(fmull_m, "fninit; fldcw 64(%rsi); fldt (%rsi); fmull 16(%rsi); fnstsw 48(%rsi); fstpt 32(%rsi)", G_X87, 64, ALL, 0) \
  X(fdivl_m, "fninit; fldcw 64(%rsi); fldt (%rsi); fdivl 16(%rsi); fnstsw 48(%rsi); fstpt 32(%rsi)", G_X87, 64, ALL, 0) \
  X(fldl_m, "fninit; fldcw 64(%rsi); fldl 16(%rsi); fnstsw 48(%rsi); fstpt 32(%rsi)", G_X87, 64, ALL, 0) \
  X(fsqrt, "fninit; fldcw 64(%rsi); fldt (%rsi); fsqrt; fnstsw 48(%rsi); fstpt 32(%rsi)", G_X87, 80, ALL, 0) \
  X(frndint, "fninit; fldcw 64(%rsi); fldt (%rsi); frndint; fnstsw 48(%rsi); fstpt 32(%rsi)", G_X87, 80, ALL, 0) \
  X(fstpl_m, "fninit; fldcw 64(%rsi); fldt (%rsi); fstpl 32(%rsi); fnstsw 48(%rsi)", G_X87, 80, ALL, 0) \
  X(fstps_m, "fninit; fldcw 64(%rsi); fldt (%rsi); fstps 32(%rsi); fnstsw 48(%rsi)", G_X87, 80, ALL, 0) \
  X(fucomi, "fninit; fldt 16(%rsi); fldt (%rsi); fucomi %st(1), %st; fnstsw 48(%rsi); fstp %st(0); fstp %st(0)", G_X87, 80, ALL, P_X87FLAGS) \
  X(fucomip, "fninit; fldt 16(%rsi); fldt (%rsi); fucomip %st(1), %st; fnstsw 48(%rsi); fstp %st(0)", G_X87, 80, ALL, P_X87FLAGS) \
  X(fildl_fstpt, "fninit; fldcw 64(%rsi); fildl (%rsi); fstpt 32(%rsi); fnstsw 48(%rsi)", G_X87I, 32, ALL, 0) \
  X(fildll_fstpt, "fninit; fldcw 64(%rsi); fildll (%rsi); fstpt 32(%rsi); fnstsw 48(%rsi)", G_X87I, 64, ALL, 0) \
  X(filds_fstpt, "fninit; fldcw 64(%rsi); filds (%rsi); fstpt 32(%rsi); fnstsw 48(%rsi)", G_X87I, 16, ALL, 0) \
  X(fistpl, "fninit; fldcw 64(%rsi); fldt (%rsi); fistpl 32(%rsi); fnstsw 48(%rsi)", G_X87, 80, ALL, 0) \
  X(fistpll, "fninit; fldcw 64(%rsi); fldt (%rsi); fistpll 32(%rsi); fnstsw 48(%rsi)", G_X87, 80, ALL, 0) \
  X(fistps, "fninit; fldcw 64(%rsi); fldt (%rsi); fistps 32(%rsi); fnstsw 48(%rsi)", G_X87, 80, ALL, 0) \
  X(fnstcw_fldcw, "fninit; fnstcw 50(%rsi); fldcw 64(%rsi); fnstcw 52(%rsi)", G_X87, 80, ALL, 0)
