/* ifunc.o (default -fPIE): a GNU indirect function.  The static link must
 * create a PLT entry + R_X86_64_IRELATIVE that glibc's start-up code applies.
 * The ifunc is called directly, through a pointer taken in code, and through
 * a pointer stored in initialised data (R_X86_64_64 against an IFUNC symbol);
 * both pointers must be equal (canonical PLT address). */
#include <stdio.h>

static int scale_by_two(int x) { return x * 2; }
static int scale_by_three(int x) { return x * 3; }

static volatile int prefer_three = 1;   /* read by the resolver */
static int resolver_calls;

typedef int scale_fn(int);

static scale_fn *resolve_scale(void)
{
    resolver_calls++;
    return prefer_three ? scale_by_three : scale_by_two;
}

int scale(int x) __attribute__((ifunc("resolve_scale")));

/* a second ifunc, resolved to the other implementation */
static scale_fn *resolve_double(void)
{
    return scale_by_two;
}
int double_it(int x) __attribute__((ifunc("resolve_double")));

scale_fn *const scale_in_data = scale;
scale_fn *volatile double_in_data = double_it;

int main(void)
{
    scale_fn *volatile p = scale;
    printf("scale(7) = %d\n", scale(7));
    printf("double_it(7) = %d\n", double_it(7));
    printf("via code pointer: %d\n", p(5));
    printf("via data pointer: %d %d\n", scale_in_data(5), double_in_data(5));
    printf("pointer equality: %s\n", p == scale_in_data ? "yes" : "no");
    printf("resolver ran: %s\n", resolver_calls > 0 ? "yes" : "no");
    return 0;
}
