/* vfork-main.o: vforks with vfork.o's my_vfork; the child writes a shared
 * variable (same address space), overwrites stack below the parent's frame by
 * calling a function with a large local buffer, and _exit(7)s; the parent
 * waits and reports.  Link: gcc -static vfork-main.o vfork.o */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

long my_vfork(void);

static volatile int shared;

__attribute__((noinline)) static void scribble(void)
{
    volatile char junk[512];
    memset((char *)junk, 0xa5, sizeof junk);
    shared = junk[100] == (char)0xa5 ? 1 : 2;
}

int main(void)
{
    long pid = my_vfork();
    if (pid == 0) {
        scribble();
        _exit(7);
    }
    if (pid < 0) {
        printf("vfork failed: %ld\n", pid);
        return 1;
    }
    int status = 0;
    waitpid((pid_t)pid, &status, 0);
    printf("child status: %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    printf("shared written by child: %d\n", shared);
    return (WIFEXITED(status) && WEXITSTATUS(status) == 7 && shared == 1) ? 0 : 1;
}
