/* The register contract of a rewritten `syscall`: an inline-asm `syscall` (getpid with arbitrary values
   in the argument registers, and write with real arguments) runs with known values in rbx, rbp, rsi, rdi,
   rdx, r8-r10, r12-r15, xmm0-xmm7, MXCSR and the x87 control word, with the arithmetic flags and the
   direction flag all set (then all clear); afterwards every one of them, and %rsp, must hold the same
   value, and the flags must be the same: only rax, rcx and r11 may change. The `syscall` in this object is
   itself rewritten by ukl (into lea -0x80(%rsp),%rsp; call __ukl_syscall; lea 0x80(%rsp),%rsp): that is
   the point. The asm block steps below the red zone before it pushes anything and saves and restores
   what the compiler does not expect it to change, so it is valid at every optimisation level. */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct state {
  uint64_t gpr[13]; /* rbx rbp rsi rdi rdx r8 r9 r10 r12 r13 r14 r15 rsp */
  uint64_t xmm[16]; /* xmm0..xmm7, two quadwords each */
  uint64_t flags;
  int64_t rax;
  uint32_t mxcsr;
  uint16_t fpucw;
};

struct probe_args {
  struct state *in, *out;
  long nr;
};

static const char *const gpr_names[13] = { "rbx", "rbp", "rsi", "rdi", "rdx", "r8", "r9", "r10", "r12", "r13", "r14", "r15", "rsp" };

#define ARITH_FLAGS 0x8d5u /* CF PF AF ZF SF OF */
#define DF 0x400u
#define TF 0x100u

#define OFF(f) [f] "i"(offsetof(struct state, f))

static void probe(struct probe_args *pa) {
  __asm__ volatile(
      "lea -128(%%rsp), %%rsp\n\t" /* step over the red zone the compiler may use */
      "push %%rbx\n\t"
      "push %%rbp\n\t"
      "push %%r12\n\t"
      "push %%r13\n\t"
      "push %%r14\n\t"
      "push %%r15\n\t"
      "sub $16, %%rsp\n\t"
      "stmxcsr 8(%%rsp)\n\t"      /* the caller's MXCSR and x87 control word */
      "fnstcw 12(%%rsp)\n\t"
      "push %%rax\n\t"            /* 0(%rsp) = pa */
      "mov 0(%%rax), %%rcx\n\t"   /* rcx = in */
      "fldcw %c[fpucw](%%rcx)\n\t"
      "ldmxcsr %c[mxcsr](%%rcx)\n\t"
      "movdqu %c[xmm]+0x00(%%rcx), %%xmm0\n\t"
      "movdqu %c[xmm]+0x10(%%rcx), %%xmm1\n\t"
      "movdqu %c[xmm]+0x20(%%rcx), %%xmm2\n\t"
      "movdqu %c[xmm]+0x30(%%rcx), %%xmm3\n\t"
      "movdqu %c[xmm]+0x40(%%rcx), %%xmm4\n\t"
      "movdqu %c[xmm]+0x50(%%rcx), %%xmm5\n\t"
      "movdqu %c[xmm]+0x60(%%rcx), %%xmm6\n\t"
      "movdqu %c[xmm]+0x70(%%rcx), %%xmm7\n\t"
      "mov %c[gpr]+0x00(%%rcx), %%rbx\n\t"
      "mov %c[gpr]+0x08(%%rcx), %%rbp\n\t"
      "mov %c[gpr]+0x10(%%rcx), %%rsi\n\t"
      "mov %c[gpr]+0x18(%%rcx), %%rdi\n\t"
      "mov %c[gpr]+0x20(%%rcx), %%rdx\n\t"
      "mov %c[gpr]+0x28(%%rcx), %%r8\n\t"
      "mov %c[gpr]+0x30(%%rcx), %%r9\n\t"
      "mov %c[gpr]+0x38(%%rcx), %%r10\n\t"
      "mov %c[gpr]+0x40(%%rcx), %%r12\n\t"
      "mov %c[gpr]+0x48(%%rcx), %%r13\n\t"
      "mov %c[gpr]+0x50(%%rcx), %%r14\n\t"
      "mov %c[gpr]+0x58(%%rcx), %%r15\n\t"
      "mov %%rsp, %c[gpr]+0x60(%%rcx)\n\t" /* the rsp the syscall runs with */
      "pushq %c[flags](%%rcx)\n\t"
      "mov 16(%%rax), %%rax\n\t"  /* the syscall number */
      "popfq\n\t"
      "syscall\n\t"
      "pushfq\n\t"
      "cld\n\t"
      "mov %%rax, %%rcx\n\t"      /* the result */
      "mov 8(%%rsp), %%rax\n\t"   /* pa */
      "mov 8(%%rax), %%rax\n\t"   /* out */
      "popq %c[flags](%%rax)\n\t"
      "mov %%rcx, %c[rax](%%rax)\n\t"
      "mov %%rbx, %c[gpr]+0x00(%%rax)\n\t"
      "mov %%rbp, %c[gpr]+0x08(%%rax)\n\t"
      "mov %%rsi, %c[gpr]+0x10(%%rax)\n\t"
      "mov %%rdi, %c[gpr]+0x18(%%rax)\n\t"
      "mov %%rdx, %c[gpr]+0x20(%%rax)\n\t"
      "mov %%r8, %c[gpr]+0x28(%%rax)\n\t"
      "mov %%r9, %c[gpr]+0x30(%%rax)\n\t"
      "mov %%r10, %c[gpr]+0x38(%%rax)\n\t"
      "mov %%r12, %c[gpr]+0x40(%%rax)\n\t"
      "mov %%r13, %c[gpr]+0x48(%%rax)\n\t"
      "mov %%r14, %c[gpr]+0x50(%%rax)\n\t"
      "mov %%r15, %c[gpr]+0x58(%%rax)\n\t"
      "mov %%rsp, %c[gpr]+0x60(%%rax)\n\t"
      "movdqu %%xmm0, %c[xmm]+0x00(%%rax)\n\t"
      "movdqu %%xmm1, %c[xmm]+0x10(%%rax)\n\t"
      "movdqu %%xmm2, %c[xmm]+0x20(%%rax)\n\t"
      "movdqu %%xmm3, %c[xmm]+0x30(%%rax)\n\t"
      "movdqu %%xmm4, %c[xmm]+0x40(%%rax)\n\t"
      "movdqu %%xmm5, %c[xmm]+0x50(%%rax)\n\t"
      "movdqu %%xmm6, %c[xmm]+0x60(%%rax)\n\t"
      "movdqu %%xmm7, %c[xmm]+0x70(%%rax)\n\t"
      "stmxcsr %c[mxcsr](%%rax)\n\t"
      "fnstcw %c[fpucw](%%rax)\n\t"
      "add $8, %%rsp\n\t"
      "ldmxcsr 8(%%rsp)\n\t"
      "fldcw 12(%%rsp)\n\t"
      "add $16, %%rsp\n\t"
      "pop %%r15\n\t"
      "pop %%r14\n\t"
      "pop %%r13\n\t"
      "pop %%r12\n\t"
      "pop %%rbp\n\t"
      "pop %%rbx\n\t"
      "lea 128(%%rsp), %%rsp\n\t"
      : "+a"(pa)
      : OFF(gpr), OFF(xmm), OFF(flags), OFF(rax), OFF(mxcsr), OFF(fpucw)
      : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "memory", "cc");
}

static uint64_t caller_flags(void) {
  uint64_t f;
  __asm__ volatile("pushfq; pop %0" : "=r"(f));
  return f;
}

static int check(const char *what, long nr, uint64_t argregs[3], uint64_t flagbits, int64_t expect_rax) {
  struct state in, out;
  memset(&in, 0, sizeof in);
  memset(&out, 0xee, sizeof out);
  for (int i = 0; i < 12; i++) in.gpr[i] = 0x1111111111111111ull * (uint64_t)(i + 1) ^ 0x0123456789abcdefull;
  in.gpr[2] = argregs[0]; /* rsi */
  in.gpr[3] = argregs[1]; /* rdi */
  in.gpr[4] = argregs[2]; /* rdx */
  for (int i = 0; i < 16; i++) in.xmm[i] = 0xa5a5a5a500000000ull | (uint64_t)(i * 0x01010101u);
  in.flags = (caller_flags() & ~(uint64_t)(ARITH_FLAGS | DF | TF)) | flagbits;
  in.mxcsr = flagbits ? 0xbfc0 : 0x1f80; /* round down, FTZ, DAZ, all masked / the default */
  in.fpucw = flagbits ? 0x0c7f : 0x037f; /* round toward zero / the default */
  struct probe_args pa = { &in, &out, nr };
  probe(&pa);
  int bad = 0;
  for (int i = 0; i < 13; i++)
    if (in.gpr[i] != out.gpr[i]) { printf("  %s: %s changed: %#llx -> %#llx\n", what, gpr_names[i], (unsigned long long)in.gpr[i], (unsigned long long)out.gpr[i]); bad++; }
  for (int i = 0; i < 8; i++)
    if (in.xmm[2 * i] != out.xmm[2 * i] || in.xmm[2 * i + 1] != out.xmm[2 * i + 1]) { printf("  %s: xmm%d changed\n", what, i); bad++; }
  uint64_t mask = ARITH_FLAGS | DF | TF;
  if ((in.flags & mask) != (out.flags & mask)) { printf("  %s: flags changed: %#llx -> %#llx\n", what, (unsigned long long)(in.flags & mask), (unsigned long long)(out.flags & mask)); bad++; }
  if (in.mxcsr != out.mxcsr) { printf("  %s: mxcsr changed: %#x -> %#x\n", what, in.mxcsr, out.mxcsr); bad++; }
  if (in.fpucw != out.fpucw) { printf("  %s: x87 control word changed: %#x -> %#x\n", what, in.fpucw, out.fpucw); bad++; }
  if (out.rax != expect_rax) { printf("  %s: result %lld, expected %lld\n", what, (long long)out.rax, (long long)expect_rax); bad++; }
  printf("%-44s %s\n", what, bad ? "CHANGED" : "preserved");
  return bad;
}

int main(void) {
  int bad = 0;
  uint64_t junk[3] = { 0xfeedfacecafebeefull, 0x8000000000000001ull, 0x7fffffffffffffffull };
  bad += check("getpid, arithmetic flags and DF set", 39, junk, ARITH_FLAGS | DF, getpid());
  bad += check("getpid, arithmetic flags and DF clear", 39, junk, 0, getpid());
  int fd = open("/dev/null", O_WRONLY);
  static const char msg[] = "to /dev/null";
  uint64_t wargs[3] = { (uint64_t)(uintptr_t)msg, (uint64_t)fd, sizeof msg - 1 };
  bad += check("write, arithmetic flags and DF set", 1, wargs, ARITH_FLAGS | DF, sizeof msg - 1);
  bad += check("write, arithmetic flags and DF clear", 1, wargs, 0, sizeof msg - 1);
  uint64_t badfd[3] = { (uint64_t)(uintptr_t)msg, 9999, 1 };
  bad += check("write to a bad fd (-EBADF), flags set", 1, badfd, ARITH_FLAGS | DF, -9);
  close(fd);
  /* each flag alone */
  static const struct { const char *name; uint64_t bit; } one[] = { { "CF", 0x1 }, { "PF", 0x4 }, { "AF", 0x10 }, { "ZF", 0x40 }, { "SF", 0x80 }, { "OF", 0x800 }, { "DF", 0x400 } };
  for (unsigned i = 0; i < sizeof one / sizeof one[0]; i++) {
    char what[64];
    snprintf(what, sizeof what, "getpid, only %s set", one[i].name);
    bad += check(what, 39, junk, one[i].bit, getpid());
  }
  printf("registers changed: %d\n", bad);
  return bad != 0;
}
