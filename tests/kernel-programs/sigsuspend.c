/* sigsuspend: a blocked pending signal is delivered inside it, and the old mask comes back after. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>
static volatile int got;
static void h(int s) { got = s; }
int main(void) {
  signal(SIGUSR1, h);
  sigset_t block, old, wait;
  sigemptyset(&block); sigaddset(&block, SIGUSR1);
  sigprocmask(SIG_BLOCK, &block, &old);
  kill(getpid(), SIGUSR1);
  printf("pending, got=%d\n", got);
  sigemptyset(&wait);
  int r = sigsuspend(&wait);
  sigset_t now; sigprocmask(SIG_SETMASK, NULL, &now);
  printf("sigsuspend=%d got=%d still blocked=%d\n", r, got, sigismember(&now, SIGUSR1));
  return 0;
}
