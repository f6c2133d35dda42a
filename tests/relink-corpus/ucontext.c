/* ucontext under syscall rewriting: getcontext/makecontext/swapcontext/setcontext are hand-written assembly
   in glibc that call rt_sigprocmask with a raw `syscall` while saving or loading a whole register context
   (and %rsp); coroutines ping-pong between stacks, each switch changing the signal mask, and a context
   that returns goes through __start_context to uc_link. Output is deterministic. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

static ucontext_t main_ctx, co_ctx[2], done_ctx;
static int trace[64], ntrace;
static volatile int resumed;

static int usr1_blocked(void) {
  sigset_t s;
  sigprocmask(SIG_BLOCK, NULL, &s);
  return sigismember(&s, SIGUSR1);
}

static void coroutine(int id, int rounds) {
  for (int i = 0; i < rounds; i++) {
    trace[ntrace++] = id * 100 + i * 10 + usr1_blocked();
    swapcontext(&co_ctx[id], id == 0 ? &co_ctx[1] : &main_ctx);
  }
}

static void finished(void) { trace[ntrace++] = 999; }

int main(void) {
  static char stacks[3][64 * 1024];
  for (volatile int id = 0; id < 2; id++) {
    getcontext(&co_ctx[id]);
    co_ctx[id].uc_stack.ss_sp = stacks[id];
    co_ctx[id].uc_stack.ss_size = sizeof stacks[id];
    co_ctx[id].uc_link = &main_ctx;
    sigemptyset(&co_ctx[id].uc_sigmask);
    if (id == 1) sigaddset(&co_ctx[id].uc_sigmask, SIGUSR1); /* coroutine 1 runs with SIGUSR1 blocked */
    makecontext(&co_ctx[id], (void (*)(void))coroutine, 2, id, 4);
  }
  for (int i = 0; i < 5; i++) {
    swapcontext(&main_ctx, &co_ctx[0]);
    trace[ntrace++] = 500 + usr1_blocked();
  }
  printf("trace:");
  for (int i = 0; i < ntrace; i++) printf(" %d", trace[i]);
  printf("\n");

  /* a context that returns: uc_link continues in `done_ctx` */
  ntrace = 0;
  ucontext_t fin;
  getcontext(&fin);
  fin.uc_stack.ss_sp = stacks[2];
  fin.uc_stack.ss_size = sizeof stacks[2];
  fin.uc_link = &done_ctx;
  makecontext(&fin, finished, 0);
  getcontext(&done_ctx);
  if (!resumed) {
    resumed = 1;
    setcontext(&fin);
    puts("setcontext returned (unexpected)");
  }
  printf("after uc_link: trace %d, resumed %d, SIGUSR1 blocked %d\n", ntrace ? trace[0] : -1, resumed, usr1_blocked());
  return 0;
}
