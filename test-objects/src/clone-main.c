/* clone-main.o: starts a child with clone.o's raw_clone(CLONE_VM | SIGCHLD)
 * on a static 64 KiB stack.  The child (sharing memory, touching no libc or
 * TLS) records its own pid with a raw getpid syscall and a value derived from
 * its argument, and exits with status 42; the parent waits and reports.
 * Link: gcc -static clone-main.o clone.o */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>

long raw_clone(unsigned long flags, void *stack_top, int (*fn)(void *), void *arg);

static char child_stack[64 * 1024] __attribute__((aligned(16)));
static volatile long child_pid_seen;
static volatile int child_value;

static int child_fn(void *arg)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "0"(39L) : "rcx", "r11", "memory");
    child_pid_seen = r;
    child_value = *(int *)arg * 2;
    return 42;
}

int main(void)
{
    int arg = 21;
    long pid = raw_clone(CLONE_VM | SIGCHLD, child_stack + sizeof child_stack, child_fn, &arg);
    if (pid <= 0) {
        printf("clone failed: %ld\n", pid);
        return 1;
    }
    int status = 0;
    if (waitpid((pid_t)pid, &status, 0) != pid) {
        puts("waitpid failed");
        return 1;
    }
    printf("child exited: %s, status %d\n", WIFEXITED(status) ? "yes" : "no", WEXITSTATUS(status));
    printf("child value: %d\n", child_value);
    printf("child pid matches clone result: %s\n", child_pid_seen == pid ? "yes" : "no");
    return (WIFEXITED(status) && WEXITSTATUS(status) == 42 && child_value == 42 && child_pid_seen == pid) ? 0 : 1;
}
