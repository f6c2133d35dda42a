/* redzone-main.o: installs a known alternate signal stack, then calls
 * redzone.o's ____longjmp_chk-style function (kernel writes a stack_t into
 * the red zone) and the canary function (16 qwords below %rsp across
 * getpid), plus two COMPILED leaf functions for which gcc -O2 keeps volatile
 * local arrays in the red zone across an inline `syscall` (no stack
 * adjustment): red_zone_leaf_top uses -0xc..-0x1(%rsp) (where a call's
 * return address lands), red_zone_leaf_wide uses -0x78..-0x9(%rsp).
 * Prints whether each red-zone datum survived; exits 1 if any did not.
 * Link: gcc -static redzone-main.o redzone.o */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int redzone_sigaltstack(stack_t *out);
unsigned long redzone_canary(void);

static inline long raw_getpid(void)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "0"(39L) : "rcx", "r11", "memory");
    return r;
}

/* gcc -O2 puts top[] at -0xc(%rsp)..-0x1(%rsp): the slot a `call` would
 * overwrite with its return address. */
__attribute__((noinline)) long red_zone_leaf_top(int seed)
{
    volatile int top[3];
    for (int i = 0; i < 3; i++)
        top[i] = seed + i;
    long r = raw_getpid();
    long bad = 0;
    for (int i = 0; i < 3; i++)
        bad |= (long)(top[i] != seed + i) << i;
    return r > 0 ? bad : -1;
}

/* gcc -O2 puts wide[] at -0x78(%rsp)..-0x9(%rsp) (16-byte aligned). */
__attribute__((noinline)) long red_zone_leaf_wide(long seed)
{
    volatile long wide[14];
    for (int i = 0; i < 14; i++)
        wide[i] = seed * (i + 1);
    long r = raw_getpid();
    long bad = 0;
    for (int i = 0; i < 14; i++)
        bad |= (long)(wide[i] != seed * (i + 1)) << i;
    return r > 0 ? bad : -1;
}

static char altstack[65536] __attribute__((aligned(16)));

int main(void)
{
    stack_t ss = {.ss_sp = altstack, .ss_flags = 0, .ss_size = sizeof altstack};
    if (sigaltstack(&ss, NULL) != 0) {
        puts("sigaltstack failed");
        return 1;
    }
    stack_t got;
    memset(&got, 0xee, sizeof got);
    int rc = redzone_sigaltstack(&got);
    printf("sigaltstack via red zone: rc=%d sp %s, flags %d, size %zu\n", rc,
           got.ss_sp == (void *)altstack ? "matches" : "WRONG", got.ss_flags, got.ss_size);

    unsigned long mask = redzone_canary();
    printf("red zone canary across getpid: %s (mask %#lx)\n", mask == 0 ? "intact" : "CORRUPTED", mask);

    long top = red_zone_leaf_top(0x1234);
    printf("compiled leaf, red zone top across syscall: %s (mask %#lx)\n", top == 0 ? "intact" : "CORRUPTED",
           (unsigned long)top);
    long wide = red_zone_leaf_wide(0x1234);
    printf("compiled leaf, wide red zone across syscall: %s (mask %#lx)\n", wide == 0 ? "intact" : "CORRUPTED",
           (unsigned long)wide);
    int ok = rc == 0 && got.ss_sp == (void *)altstack && got.ss_flags == 0 && got.ss_size == sizeof altstack &&
             mask == 0 && top == 0 && wide == 0;
    return ok ? 0 : 1;
}
