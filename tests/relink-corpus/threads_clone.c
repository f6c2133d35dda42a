/* Threads under syscall rewriting: many pthreads (glibc 2.36 creates them with clone3, falling back to
   clone), thread-local data (initialised __thread, .tbss, a TLS array), a mutex + condition variable
   (futex waits and wakes), a barrier, pthread_join results; then glibc's clone() with a child stack
   (CLONE_VM, the child writes the parent's memory) and a fork-like clone without a new stack through
   syscall(SYS_clone, SIGCHLD, 0) (the child resumes inside the rewritten syscall() wrapper).
   Output is deterministic: nothing depends on pids, tids, addresses or scheduling. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define NTHREADS 24

static __thread int tls_init = 1000;
static __thread long tls_zero;
static __thread char tls_buf[256];
static __thread uintptr_t tls_self;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int arrived, go;
static long total;
static pthread_barrier_t barrier;
static uintptr_t tls_addrs[NTHREADS];

static void *worker(void *arg) {
  int id = (int)(intptr_t)arg;
  tls_init += id;
  tls_zero += id * 2;
  memset(tls_buf, 'a' + id % 26, sizeof tls_buf);
  tls_self = (uintptr_t)&tls_init;
  tls_addrs[id] = tls_self;

  pthread_mutex_lock(&mu);
  arrived++;
  pthread_cond_broadcast(&cv);
  while (!go) pthread_cond_wait(&cv, &mu);
  pthread_mutex_unlock(&mu);

  int serial = pthread_barrier_wait(&barrier) == PTHREAD_BARRIER_SERIAL_THREAD;

  /* a few plain syscalls per thread */
  long pid_same = syscall(SYS_getpid) == getpid();
  long tid_other = gettid() != getpid();
  sched_yield();

  int ok = tls_init == 1000 + id && tls_zero == id * 2 && tls_buf[0] == 'a' + id % 26 && tls_buf[255] == 'a' + id % 26 &&
           tls_self == (uintptr_t)&tls_init && pid_same && tid_other;
  pthread_mutex_lock(&mu);
  total += id;
  pthread_mutex_unlock(&mu);
  return (void *)(intptr_t)(ok ? 100 + id + (serial ? 1000 : 0) : -1);
}

static volatile int clone_flag;
static volatile int clone3_flag;

/* Runs on the clone3 child's own stack; no libc calls (the child shares the parent's TLS). */
__attribute__((noinline, used)) int clone3_child_fn(void) {
  clone3_flag = 77;
  return 31;
}

struct clone_args_v0 {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

/* A raw clone3 in the style of glibc's __clone3: the child starts on a new stack, right after the same
   `syscall` instruction, with no return address anywhere; it calls the function and exits with a raw exit. */
static long raw_clone3(struct clone_args_v0 *ca) {
  long rax;
  __asm__ volatile(
      "mov $435, %%eax\n\t"
      "syscall\n\t"
      "test %%rax, %%rax\n\t"
      "jnz 1f\n\t"
      "xor %%ebp, %%ebp\n\t"
      "and $-16, %%rsp\n\t"
      "call clone3_child_fn\n\t"
      "mov %%eax, %%edi\n\t"
      "mov $60, %%eax\n\t"
      "syscall\n\t"
      "hlt\n"
      "1:"
      : "=a"(rax)
      : "D"(ca), "S"(sizeof *ca)
      : "rcx", "r11", "memory");
  return rax;
}
static int clone_child(void *arg) {
  clone_flag = *(int *)arg * 3;
  return 9;
}

int main(void) {
  pthread_t t[NTHREADS];
  pthread_barrier_init(&barrier, NULL, NTHREADS);
  for (int i = 0; i < NTHREADS; i++)
    if (pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i) != 0) { puts("pthread_create failed"); return 1; }
  pthread_mutex_lock(&mu);
  while (arrived < NTHREADS) pthread_cond_wait(&cv, &mu);
  go = 1;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
  int good = 0, serials = 0;
  for (int i = 0; i < NTHREADS; i++) {
    void *r;
    pthread_join(t[i], &r);
    intptr_t v = (intptr_t)r;
    if (v >= 1000) { serials++; v -= 1000; }
    if (v == 100 + i) good++;
    else printf("thread %d returned %ld\n", i, (long)v);
  }
  int distinct = 1;
  for (int i = 0; i < NTHREADS; i++)
    for (int j = i + 1; j < NTHREADS; j++)
      if (tls_addrs[i] == tls_addrs[j]) distinct = 0;
  printf("threads: %d of %d good, barrier serial threads %d, total %ld, TLS addresses distinct %d\n", good, NTHREADS, serials, total, distinct);
  printf("main TLS untouched: %d %ld %d\n", tls_init, tls_zero, tls_buf[0]);

  /* more waves of short-lived threads (go stays set: no waiting on the condition variable) */
  pthread_barrier_destroy(&barrier);
  for (int round = 0; round < 3; round++) {
    pthread_barrier_init(&barrier, NULL, 8);
    for (int i = 0; i < 8; i++) pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i);
    int g = 0;
    for (int i = 0; i < 8; i++) {
      void *r;
      pthread_join(t[i], &r);
      g += ((intptr_t)r % 1000) == 100 + i;
    }
    pthread_barrier_destroy(&barrier);
    printf("round %d: %d of 8 good\n", round, g);
  }

  /* glibc clone() with a child stack */
  size_t sz = 1 << 16;
  char *stack = malloc(sz);
  int arg = 14;
  pid_t c = clone(clone_child, stack + sz, CLONE_VM | SIGCHLD, &arg);
  int st = 0;
  pid_t w = waitpid(c, &st, 0);
  printf("clone: waited %d, exit %d, child wrote %d\n", w == c, WIFEXITED(st) ? WEXITSTATUS(st) : -1, clone_flag);
  free(stack);

  /* raw clone3 with a new stack (CLONE_VM) */
  stack = malloc(sz);
  struct clone_args_v0 ca = { .flags = CLONE_VM, .exit_signal = SIGCHLD, .stack = (uint64_t)(uintptr_t)stack, .stack_size = sz };
  long c3 = raw_clone3(&ca);
  w = c3 > 0 ? waitpid((pid_t)c3, &st, 0) : -1;
  printf("raw clone3: waited %d, exit %d, child wrote %d\n", w == c3, WIFEXITED(st) ? WEXITSTATUS(st) : -1, clone3_flag);
  free(stack);

  /* fork-like clone through syscall(): no new stack, the child returns through the same code */
  fflush(stdout);
  long r = syscall(SYS_clone, (long)SIGCHLD, 0L, 0L, 0L, 0L);
  if (r == 0) _exit(23);
  w = waitpid((pid_t)r, &st, 0);
  printf("syscall(SYS_clone): waited %d, exit %d\n", w == r, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  return 0;
}
