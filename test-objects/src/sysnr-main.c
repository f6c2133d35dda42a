/* sysnr-main.o: calls every function in sysnr.o and compares the result
 * with the libc equivalent, prints one line per case, then leaves through
 * sysnr.o's _exit-style nr_exit(0) (exit_group with the number taken from a
 * register).  Link: gcc -static sysnr-main.o sysnr.o */
#include <stdio.h>
#include <unistd.h>

long nr_b8(void);
long nr_rexw(void);
long nr_xor_read(long fd);
long nr_reg(long nr, long a1, long a2, long a3);
long nr_two_paths(int sel);
long nr_other_block(void);
long nr_mov_is_target(int sel);
long nr_al(void);
long nr_pushpop(void);
long nr_mem(void);
long nr_lea(long n);
long nr_far(long x);
long nr_back_to_back(void);
int nr_false_positive(const char *buf);
void nr_exit(int status) __attribute__((noreturn));
long nr_cold(void);

static int failures;

static void check(const char *what, long got, long want)
{
    int ok = got == want;
    failures += !ok;
    printf("%-20s %s\n", what, ok ? "ok" : "FAILED");
}

int main(void)
{
    long pid = getpid(), ppid = getppid(), uid = getuid();
    check("mov $n,%eax", nr_b8(), pid);
    check("mov $n,%rax", nr_rexw(), pid);
    check("xor %eax,%eax (read)", nr_xor_read(-1), -9);
    check("from register", nr_reg(39, 0, 0, 0), pid);
    check("from register (uid)", nr_reg(102, 0, 0, 0), uid);
    check("two paths, getpid", nr_two_paths(0), pid);
    check("two paths, getppid", nr_two_paths(1), ppid);
    check("other block", nr_other_block(), uid);
    check("mov is target 0", nr_mov_is_target(0), pid + 1);
    check("mov is target 1", nr_mov_is_target(1), pid);
    check("mov $n,%al", nr_al(), pid);
    check("push/pop", nr_pushpop(), pid);
    check("from memory", nr_mem(), pid);
    check("lea", nr_lea(38), pid);
    check("far", nr_far(2), pid - 72);
    check("back to back", nr_back_to_back(), 1);
    char buf[8] = "abcde";
    check("false positives", nr_false_positive(buf), 0x50f + 1);
    check(".text.unlikely", nr_cold(), ppid);
    printf("failures: %d\n", failures);
    fflush(stdout);
    nr_exit(failures);
}
