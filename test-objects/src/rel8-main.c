/* rel8-main.o: drives the functions in rel8.o and prints whether each
 * returned the expected value.  Link: gcc -static rel8-main.o rel8.o */
#include <stdio.h>
#include <unistd.h>

long rel8_fwd_jcc(long skip);
long rel8_fwd_jmp(void);
long rel8_loop(long n);
long rel8_fwd_limit(long skip);
long rel8_back_limit(long n);
long rel8_near_limit(long skip);
long rel8_cascade(long n);

static int failures;

static void check(const char *what, long got, long want)
{
    int ok = got == want;
    failures += !ok;
    printf("%-24s %s\n", what, ok ? "ok" : "FAILED");
}

int main(void)
{
    long pid = getpid();
    check("fwd_jcc taken", rel8_fwd_jcc(1), -1);
    check("fwd_jcc not taken", rel8_fwd_jcc(0), pid);
    check("fwd_jmp", rel8_fwd_jmp(), pid);
    check("loop", rel8_loop(4), 4);
    check("fwd_limit taken", rel8_fwd_limit(1), 0);
    check("fwd_limit not taken", rel8_fwd_limit(0), pid + 30);
    check("back_limit", rel8_back_limit(3), 9);
    check("near_limit taken", rel8_near_limit(1), 7);
    check("near_limit not taken", rel8_near_limit(0), pid + 7);
    check("cascade", rel8_cascade(5), 5003);
    check("cascade n=1", rel8_cascade(1), 1001);
    return failures;
}
