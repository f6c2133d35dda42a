/* sigreturn-main.o: installs a SIGUSR1 handler with a raw rt_sigaction
 * syscall, SA_SIGINFO | SA_RESTORER and sigreturn.o's my_restore_rt as the
 * restorer, raises the signal with a raw kill syscall, and checks that the
 * handler ran and returned through the trampoline: the handler stores 0x1234
 * in the saved RAX of its ucontext, so rt_sigreturn makes the interrupted
 * kill() "return" 0x1234.
 * Link: gcc -static sigreturn-main.o sigreturn.o */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

struct kernel_sigaction {
    void (*handler)(int, siginfo_t *, void *);
    unsigned long flags;
    void (*restorer)(void);
    unsigned long mask;
};

#define K_SA_SIGINFO 0x00000004UL
#define K_SA_RESTORER 0x04000000UL

void my_restore_rt(void);
long raw_rt_sigaction(int sig, const struct kernel_sigaction *act, struct kernel_sigaction *oact);
long raw_kill(int pid, int sig);

static volatile int handled_sig;
static volatile int handled_code;

static void handler(int sig, siginfo_t *info, void *uc_)
{
    ucontext_t *uc = uc_;
    handled_sig = sig;
    handled_code = info->si_code;
    uc->uc_mcontext.gregs[REG_RAX] = 0x1234;
}

int main(void)
{
    struct kernel_sigaction act, old;
    memset(&act, 0, sizeof act);
    act.handler = handler;
    act.flags = K_SA_SIGINFO | K_SA_RESTORER;
    act.restorer = my_restore_rt;
    long rc = raw_rt_sigaction(SIGUSR1, &act, NULL);
    printf("rt_sigaction: %ld\n", rc);

    long k = raw_kill(getpid(), SIGUSR1);
    printf("handler saw signal %d, si_code %d\n", handled_sig, handled_code);
    printf("kill returned %#lx\n", k);

    memset(&old, 0, sizeof old);
    raw_rt_sigaction(SIGUSR1, NULL, &old);
    printf("restorer registered: %s\n", old.restorer == my_restore_rt ? "yes" : "no");
    printf("returned from signal handler\n");
    return (handled_sig == SIGUSR1 && k == 0x1234) ? 0 : 1;
}
