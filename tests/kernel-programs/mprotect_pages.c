/* mmap/mprotect at 2 MiB and 4 KiB granularity: a whole aligned 2 MiB block made read-only, one 4 KiB
 * page inside a block made PROT_NONE, a whole block made PROT_NONE and back (the data survive), and a
 * PROT_NONE mapping opened up later. Each probe reports whether it faulted, and where (si_addr). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>

#define MB (1UL << 20)
#define BLOCK (2 * MB)
static sigjmp_buf env;
static volatile uintptr_t fault_addr;

static void on_segv(int sig, siginfo_t *si, void *uc) {
  (void)sig; (void)uc;
  fault_addr = (uintptr_t)si->si_addr;
  siglongjmp(env, 1);
}

/* Read or write one byte at base + off; prints "off: ok" or "off: SIGSEGV at base+off'". */
static void probe(const char *what, volatile char *base, uintptr_t off, int write) {
  volatile char *p = base + off;
  if (sigsetjmp(env, 1) == 0) {
    if (write) *p = 7; else (void)*p;
    printf("%s %s +%#lx: ok\n", what, write ? "write" : "read", (unsigned long)off);
  } else {
    printf("%s %s +%#lx: SIGSEGV at +%#lx\n", what, write ? "write" : "read", (unsigned long)off, (unsigned long)(fault_addr - (uintptr_t)base));
  }
}

int main(void) {
  struct sigaction sa = { 0 };
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &sa, NULL);

  char *m = mmap(NULL, 6 * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) { perror("mmap"); return 1; }
  /* The first 2 MiB-aligned block inside the mapping, and the one after it. */
  volatile char *b = (char *)(((uintptr_t)m + BLOCK - 1) & ~(BLOCK - 1));
  for (uintptr_t i = 0; i < 2 * BLOCK; i += 4096) b[i] = (char)(i >> 12);

  printf("mprotect block R: %d\n", mprotect((void *)b, BLOCK, PROT_READ));
  probe("block R", b, 0, 1);
  probe("block R", b, MB + 123, 1);
  probe("block R", b, BLOCK - 1, 1);
  probe("block R", b, MB, 0);
  probe("block R", b, BLOCK, 1);
  printf("mprotect block RW: %d\n", mprotect((void *)b, BLOCK, PROT_READ | PROT_WRITE));
  probe("block RW", b, MB + 123, 1);

  printf("mprotect page NONE: %d\n", mprotect((void *)(b + 3 * 4096), 4096, PROT_NONE));
  probe("page NONE", b, 3 * 4096 + 8, 0);
  probe("page NONE", b, 3 * 4096 - 1, 1);
  probe("page NONE", b, 4 * 4096, 1);
  probe("page NONE", b, BLOCK - 4096, 1);
  int r = mprotect((void *)(b + 3 * 4096), 4096, PROT_READ | PROT_WRITE);
  printf("mprotect page RW: %d, kept %d\n", r, b[3 * 4096]);

  printf("mprotect next block NONE: %d\n", mprotect((void *)(b + BLOCK), BLOCK, PROT_NONE));
  probe("block NONE", b, BLOCK, 0);
  probe("block NONE", b, BLOCK + MB + 5, 0);
  probe("block NONE", b, 2 * BLOCK - 1, 1);
  probe("block NONE", b, BLOCK - 1, 1);
  r = mprotect((void *)(b + BLOCK), BLOCK, PROT_READ | PROT_WRITE);
  printf("mprotect next block RW: %d, kept %d %d\n", r, b[BLOCK + 5 * 4096], b[2 * BLOCK - 4096]);
  probe("block RW", b, BLOCK + MB + 5, 1);

  char *n = mmap(NULL, 3 * MB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (n == MAP_FAILED) { perror("mmap"); return 1; }
  probe("none map", n, 0, 0);
  probe("none map", n, 3 * MB - 1, 0);
  r = mprotect(n, 3 * MB, PROT_READ | PROT_WRITE);
  printf("mprotect none map RW: %d\n", r);
  probe("none map", n, 0, 1);
  probe("none map", n, 3 * MB - 1, 1);
  r = munmap(n, 3 * MB);
  printf("munmap: %d %d\n", r, munmap(m, 6 * MB));
  return 0;
}
