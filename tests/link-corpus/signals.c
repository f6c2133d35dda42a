/* Signals: sigaction handlers (plain and SA_SIGINFO), raise, kill(getpid()), blocked + pending signals,
   sigsuspend-free delivery on unblock, a handler that uses a static counter. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t hits[65];
static volatile int last_code, last_value;

static void plain(int sig) { hits[sig]++; }
static void info(int sig, siginfo_t *si, void *uc) { (void)uc; hits[sig]++; last_code = si->si_code; last_value = si->si_value.sival_int; }

int main(void) {
  struct sigaction sa; memset(&sa, 0, sizeof sa);
  sa.sa_handler = plain; sigemptyset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  sa.sa_handler = NULL; sa.sa_sigaction = info; sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR2, &sa, NULL);
  sigaction(SIGRTMIN + 1, &sa, NULL);

  raise(SIGUSR1);
  kill(getpid(), SIGUSR1);
  printf("SIGUSR1 hits: %d\n", hits[SIGUSR1]);
  kill(getpid(), SIGUSR2);
  printf("SIGUSR2 hits: %d code is SI_USER: %d\n", hits[SIGUSR2], last_code == SI_USER);
  union sigval v = { .sival_int = 1234 };
  sigqueue(getpid(), SIGRTMIN + 1, v);
  printf("RT signal hits: %d value: %d code is SI_QUEUE: %d\n", hits[SIGRTMIN + 1], last_value, last_code == SI_QUEUE);

  sigset_t set, old; sigemptyset(&set); sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, &old);
  kill(getpid(), SIGUSR1); kill(getpid(), SIGUSR1);
  sigset_t pend; sigpending(&pend);
  printf("while blocked: hits %d pending %d\n", hits[SIGUSR1], sigismember(&pend, SIGUSR1));
  sigprocmask(SIG_SETMASK, &old, NULL);
  printf("after unblock: hits %d\n", hits[SIGUSR1]);

  signal(SIGTERM, SIG_IGN);
  raise(SIGTERM);
  printf("SIGTERM ignored, still running; strsignal: %s\n", strsignal(SIGSEGV));
  struct sigaction q; sigaction(SIGUSR2, NULL, &q);
  printf("SIGUSR2 handler installed: %d flags has SA_SIGINFO: %d\n", q.sa_sigaction == info, (q.sa_flags & SA_SIGINFO) != 0);
  return 0;
}
