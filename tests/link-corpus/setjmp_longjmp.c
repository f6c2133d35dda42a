/* setjmp/longjmp (incl. from nested calls and through a function pointer), sigsetjmp/siglongjmp. */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>

static jmp_buf env;
static sigjmp_buf senv;
static int depth;

static void dive(int n) {
  volatile char pad[64]; pad[0] = (char)n;
  depth++;
  if (n == 0) longjmp(env, 42 + pad[0]);
  dive(n - 1);
}
static void (*volatile diver)(int) = dive;

int main(void) {
  volatile int rounds = 0;
  int v = setjmp(env);
  printf("setjmp returned %d (round %d)\n", v, rounds);
  if (rounds++ < 3) diver(10 * rounds);
  printf("depth reached %d\n", depth);
  volatile int s = sigsetjmp(senv, 1);
  if (s == 0) {
    sigset_t set; sigemptyset(&set); sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    siglongjmp(senv, 7);
  }
  sigset_t cur; sigprocmask(SIG_BLOCK, NULL, &cur);
  printf("siglongjmp returned %d, SIGUSR1 blocked after restore: %d\n", s, sigismember(&cur, SIGUSR1));
  if (setjmp(env) == 0) longjmp(env, 0);
  printf("longjmp(env, 0) makes setjmp return 1\n");
  return 5;
}
