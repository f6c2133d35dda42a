/* The syscall register contract (docs/syscall-entry.md): across a `syscall` (rewritten into a call to
 * the generic or a direct entry) every register but rax, rcx and r11 keeps its value, and so do the
 * flags (CF and DF set before the call must still be set after). Linux gives the same, so the native
 * run prints the same lines. Numbers are immediates so that --syscall-direct can pick direct entries;
 * arguments are not pointers (no call here may dereference them). */
#include <stdio.h>

#define PROBE(NR)                                                                                      \
  static void probe_##NR(void) {                                                                       \
    register long rdi asm("rdi") = 0x1010101010101010L, rsi asm("rsi") = 0x2020202020202020L;        \
    register long rdx asm("rdx") = 0x3030303030303030L, r10 asm("r10") = 0x4040404040404040L;        \
    register long r8 asm("r8") = 0x5050505050505050L, r9 asm("r9") = 0x6060606060606060L;            \
    long rax, flags;                                                                                   \
    asm volatile("stc\n\tstd\n\tmov $" #NR ", %%eax\n\tsyscall\n\tpushfq\n\tpop %[fl]\n\tcld"           \
                 : "=a"(rax), [fl] "=r"(flags), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8), "+r"(r9) \
                 :                                                                                     \
                 : "rcx", "r11", "memory", "cc");                                                      \
    int args = rdi == 0x1010101010101010L && rsi == 0x2020202020202020L && rdx == 0x3030303030303030L && \
               r10 == 0x4040404040404040L && r8 == 0x5050505050505050L && r9 == 0x6060606060606060L;  \
    printf("syscall %d: arguments kept %d, CF kept %d, DF kept %d, error %s\n", NR, args, (int)(flags & 1), \
           (int)((flags >> 10) & 1), rax < 0 && rax > -4096 ? "yes" : "no");                          \
  }

PROBE(39)   /* getpid */
PROBE(110)  /* getppid */
PROBE(24)   /* sched_yield */
PROBE(1)    /* write to a bad descriptor: EBADF */
PROBE(32)   /* dup of a bad descriptor: EBADF */
PROBE(1000) /* no such call: ENOSYS, through the generic entry */

int main(void) {
  probe_39();
  probe_110();
  probe_24();
  probe_1();
  probe_32();
  probe_1000();
  return 0;
}
