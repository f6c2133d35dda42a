/* cxx-syscall-eh.o: inline `syscall` instructions inside a try block, between
 * two calls that may throw, and inside the catch handler, so the
 * .gcc_except_table call-site ranges (uleb128 offsets, no relocations) and
 * the landing pads lie after syscall sites.  Growing a syscall site moves the
 * later call sites; the LSDA must be rewritten or the exception escapes.
 * Link: g++ -static cxx-syscall-eh.o */
#include <cstdio>
#include <unistd.h>

static inline long raw_getpid()
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "0"(39L) : "rcx", "r11", "memory");
    return r;
}

__attribute__((noipa)) void maybe_throw(long v, int when)
{
    if (when)
        throw when;
    (void)v;
}

struct Cleanup {
    int *flag;
    ~Cleanup() { *flag += 1; }
};

__attribute__((noipa)) int guarded(int when, int *cleanups)
{
    try {
        Cleanup c{cleanups};
        long a = raw_getpid();
        maybe_throw(a, when == 1 ? 1 : 0);
        long b = raw_getpid();
        maybe_throw(b, when == 2 ? 2 : 0);
        long d = raw_getpid();
        maybe_throw(d, when == 3 ? 3 : 0);
        return (a == b && b == d) ? 0 : -1;
    } catch (int e) {
        long c = raw_getpid();
        return e * 10 + (c == getpid());
    }
}

int main()
{
    int cleanups = 0;
    for (int when = 0; when <= 3; when++)
        std::printf("guarded(%d) = %d\n", when, guarded(when, &cleanups));
    std::printf("cleanups run: %d\n", cleanups);
    return 0;
}
