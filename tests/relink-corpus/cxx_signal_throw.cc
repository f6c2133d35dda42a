// Unwinding out of a signal handler through an interrupted syscall, under syscall rewriting: the handler
// throws (compiled with -fnon-call-exceptions), and the unwinder goes through the signal frame (libgcc
// recognises glibc's __restore_rt, which stays a real rt_sigreturn), the syscall entry (the hosted
// __ukl_syscall, where the signal arrived), the rewritten call site in libc's read/nanosleep/poll (whose CFA
// is 0x80 lower plus the return address while the call is in progress) and up to the try block in main.
// Also _Unwind_Backtrace from a handler that interrupted a syscall must reach main. Destructors of
// objects between the throw and the catch run. Nothing printed depends on timing or addresses.
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <poll.h>
#include <stdexcept>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <unwind.h>

struct Interrupted {
  int sig;
  int round;
};

static volatile int round_no;
static int destroyed;
static int fds[2];

struct Guard {
  const char *what;
  ~Guard() { destroyed++; }
};

extern "C" void on_alarm(int sig) { throw Interrupted{sig, round_no}; }

static void arm() {
  struct itimerval it = {};
  it.it_value.tv_usec = 20000;
  setitimer(ITIMER_REAL, &it, nullptr);
}

__attribute__((noinline)) static ssize_t blocked_read() {
  Guard g{"read"};
  char c;
  return read(fds[0], &c, 1);
}

__attribute__((noinline)) static int blocked_nanosleep() {
  Guard g{"nanosleep"};
  struct timespec ts = {3600, 0};
  return nanosleep(&ts, nullptr);
}

__attribute__((noinline)) static int blocked_poll() {
  Guard g{"poll"};
  struct pollfd p = {fds[0], POLLIN, 0};
  return poll(&p, 1, -1);
}

static int frames, reached_main;
static unsigned long main_lo, main_hi;

static _Unwind_Reason_Code count_frame(struct _Unwind_Context *ctx, void *) {
  unsigned long ip = _Unwind_GetIP(ctx);
  frames++;
  if (ip >= main_lo && ip < main_hi) reached_main = 1;
  return _URC_NO_REASON;
}

extern "C" void on_alarm_backtrace(int) { _Unwind_Backtrace(count_frame, nullptr); }

int main() {
  // main's extent, roughly: from its address to the next function in the text (generous upper bound)
  main_lo = reinterpret_cast<unsigned long>(&main);
  main_hi = main_lo + 4096;
  if (pipe(fds) != 0) return 2;
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sa.sa_flags = SA_NODEFER; // the handler never returns: do not leave SIGALRM blocked
  sigemptyset(&sa.sa_mask);
  sigaction(SIGALRM, &sa, nullptr);

  int (*const fns[])() = {[]() { return static_cast<int>(blocked_read()); }, blocked_nanosleep, blocked_poll};
  const char *names[] = {"read", "nanosleep", "poll"};
  for (int i = 0; i < 3; i++) {
    for (int r = 0; r < 2; r++) {
      round_no = i * 2 + r;
      try {
        arm();
        int rc = fns[i]();
        std::printf("%s returned %d (unexpected)\n", names[i], rc);
      } catch (const Interrupted &e) {
        std::printf("%s: caught signal %d in round %d, destructors run %d\n", names[i], e.sig, e.round, destroyed);
      }
    }
  }

  sa.sa_handler = on_alarm_backtrace;
  sa.sa_flags = 0;
  sigaction(SIGALRM, &sa, nullptr);
  arm();
  char c;
  errno = 0;
  ssize_t n = read(fds[0], &c, 1);
  std::printf("backtrace from a handler interrupting read: read %zd (EINTR %d), more than 3 frames %d, reached main %d\n", n, errno == EINTR, frames > 3, reached_main);
  return 0;
}
