/* Signals under syscall rewriting: sigaction with SA_SIGINFO, raise, kill to self, a handler that
   modifies a global, nested signals (a handler that raises another handled signal, and SA_NODEFER
   re-entry of the same one), and sigaltstack with longjmp out of a handler running on the alternate
   stack. Built with -O2 -D_FORTIFY_SOURCE=2, so longjmp/siglongjmp are __longjmp_chk, whose
   ____longjmp_chk asks the kernel (sigaltstack, result in the red zone) whether it runs on the alternate
   stack when the jump goes to a deeper stack address: the case where the alternate stack lies above
   the setjmp frame (an array in main's frame). Nothing printed depends on pids or addresses. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t counter, depth, max_depth, order_pos;
static volatile int order[16];
static volatile int last_signo, last_code, last_pid_ok;
static sigjmp_buf jb;
static volatile int on_alt;
static stack_t alt;

static void note(int what) { if (order_pos < 16) order[order_pos++] = what; }

static void info_handler(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  counter += 10;
  last_signo = sig;
  last_code = si->si_code;
  last_pid_ok = si->si_pid == getpid();
}

static void inner(int sig) {
  depth++;
  if (depth > max_depth) max_depth = depth;
  note(100 + sig);
  depth--;
}

static void outer(int sig) {
  depth++;
  if (depth > max_depth) max_depth = depth;
  note(200 + sig);
  raise(SIGUSR2); /* delivered now, nested in this handler */
  note(300 + sig);
  depth--;
}

static volatile sig_atomic_t reentries;
static void reentrant(int sig) {
  depth++;
  if (depth > max_depth) max_depth = depth;
  note(400 + depth);
  if (reentries++ < 3) raise(sig); /* SA_NODEFER: re-enters itself */
  depth--;
}

static void on_altstack_jump(int sig) {
  (void)sig;
  stack_t cur;
  sigaltstack(NULL, &cur);
  on_alt = (cur.ss_flags & SS_ONSTACK) != 0;
  volatile char here;
  on_alt = on_alt && (uintptr_t)&here >= (uintptr_t)alt.ss_sp && (uintptr_t)&here < (uintptr_t)alt.ss_sp + alt.ss_size;
  siglongjmp(jb, 7);
}

static void install(int sig, void (*h)(int), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = h;
  sa.sa_flags = flags;
  sigemptyset(&sa.sa_mask);
  if (sigaction(sig, &sa, NULL) != 0) { perror("sigaction"); exit(2); }
}

/* setjmp in this (deeper) frame; the handler then runs on `stackmem`, which may be above it. */
__attribute__((noinline)) static int jump_from_alt(int sig, int rounds) {
  volatile int got = 0;
  for (volatile int i = 0; i < rounds; i++) {
    on_alt = 0;
    int r = sigsetjmp(jb, 1);
    if (r == 0) {
      raise(sig);
      printf("  round %d: handler returned (unexpected)\n", i);
    } else {
      got += r;
      if (!on_alt) printf("  round %d: handler was not on the alternate stack\n", i);
    }
  }
  return got;
}

static void altstack_case(const char *what, void *mem, size_t size) {
  alt.ss_sp = mem;
  alt.ss_size = size;
  alt.ss_flags = 0;
  if (sigaltstack(&alt, NULL) != 0) { perror("sigaltstack"); exit(2); }
  install(SIGUSR1, on_altstack_jump, SA_ONSTACK);
  int got = jump_from_alt(SIGUSR1, 5);
  stack_t cur;
  sigaltstack(NULL, &cur);
  printf("%s: longjmp out of the alternate stack 5 times, sum %d, on_alt %d, ss_flags now %d\n", what, got, on_alt, cur.ss_flags);
  sigset_t m;
  sigprocmask(SIG_SETMASK, NULL, &m);
  printf("%s: SIGUSR1 blocked after siglongjmp: %d\n", what, sigismember(&m, SIGUSR1));
}

/* A signal that arrives while the process is blocked in read(): without SA_RESTART read fails with EINTR,
   with SA_RESTART the kernel restarts the syscall (re-executes the `syscall` instruction) and the handler's
   write to the pipe ends it. */
static int restart_pipe[2];
static volatile sig_atomic_t alarms;
static void on_alarm(int sig) {
  (void)sig;
  alarms++;
  if (alarms == 2) { char c = 'r'; if (write(restart_pipe[1], &c, 1) != 1) _exit(3); }
}

static void interrupted_read(void) {
  if (pipe(restart_pipe) != 0) { perror("pipe"); exit(2); }
  struct itimerval it = { .it_value = { 0, 20000 } };
  char c = 0;
  install(SIGALRM, on_alarm, 0);
  setitimer(ITIMER_REAL, &it, NULL);
  errno = 0;
  ssize_t n = read(restart_pipe[0], &c, 1);
  printf("read without SA_RESTART: %zd %s, alarms %d\n", n, n < 0 && errno == EINTR ? "EINTR" : "?", alarms);
  install(SIGALRM, on_alarm, SA_RESTART);
  setitimer(ITIMER_REAL, &it, NULL);
  n = read(restart_pipe[0], &c, 1);
  printf("read with SA_RESTART: %zd '%c', alarms %d\n", n, c, alarms);
  close(restart_pipe[0]);
  close(restart_pipe[1]);
}

static char static_stack[1 << 16] __attribute__((aligned(16)));

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = info_handler;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  sigaction(SIGRTMIN, &sa, NULL);

  raise(SIGUSR1);
  printf("raise: counter %d signo %d SI_TKILL %d\n", counter, last_signo, last_code == SI_TKILL);
  kill(getpid(), SIGUSR1);
  printf("kill self: counter %d signo %d SI_USER %d pid ok %d\n", counter, last_signo, last_code == SI_USER, last_pid_ok);
  union sigval v = { .sival_int = 5 };
  sigqueue(getpid(), SIGRTMIN, v);
  printf("sigqueue: counter %d SI_QUEUE %d\n", counter, last_code == SI_QUEUE);

  install(SIGUSR2, inner, 0);
  install(SIGUSR1, outer, 0);
  order_pos = 0;
  kill(getpid(), SIGUSR1);
  printf("nested:");
  for (int i = 0; i < order_pos; i++) printf(" %d", order[i]);
  printf(" (max depth %d)\n", max_depth);

  install(SIGHUP, reentrant, SA_NODEFER);
  order_pos = 0;
  max_depth = 0;
  raise(SIGHUP);
  printf("SA_NODEFER re-entry:");
  for (int i = 0; i < order_pos; i++) printf(" %d", order[i]);
  printf(" (max depth %d)\n", max_depth);

  /* blocked, pending, then delivered when unblocked */
  install(SIGUSR2, inner, 0);
  sigset_t set, old;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR2);
  sigprocmask(SIG_BLOCK, &set, &old);
  order_pos = 0;
  raise(SIGUSR2);
  printf("blocked: delivered %d\n", order_pos);
  sigprocmask(SIG_SETMASK, &old, NULL);
  printf("unblocked: delivered %d\n", order_pos);

  interrupted_read();

  /* The alternate stack above the setjmp frame: ____longjmp_chk's sigaltstack path. */
  char stackmem[1 << 16] __attribute__((aligned(16)));
  altstack_case("alt stack in main's frame", stackmem, sizeof stackmem);
  /* The alternate stack in .bss (below the stack): the plain path. */
  altstack_case("alt stack in .bss", static_stack, sizeof static_stack);

  stack_t off = { .ss_flags = SS_DISABLE };
  sigaltstack(&off, NULL);
  stack_t cur;
  sigaltstack(NULL, &cur);
  printf("alt stack disabled: %d\n", (cur.ss_flags & SS_DISABLE) != 0);
  return 0;
}
