/* abs-reloc.c -> abs-reloc-nopie.o (-fno-pie), abs-reloc-large.o
 * (-fno-pie -mcmodel=large), abs-reloc-kernel.o (-fno-pie -mcmodel=kernel
 * -mno-red-zone, the UKL compilation style).
 * Absolute addressing: `mov $sym,%edi` (R_X86_64_32), `sym(,%reg,4)`
 * (R_X86_64_32S), pointers in initialised data with and without addends
 * (R_X86_64_64), and in the large model movabs $sym (R_X86_64_64 in .text)
 * and indirect calls through registers.  All variants are runnable at the
 * default static base (0x400000 < 2 GiB, so 32S/32 fit).
 * Link: gcc -static abs-reloc-nopie.o (resp. -large.o, -kernel.o) */
#include <stdio.h>
#include <string.h>

int table[8] = {2, 3, 5, 7, 11, 13, 17, 19};
static int counter;
static const char *const names[] = {"zero", "one", "two", "three"};
int *const table_ptr = &table[3];            /* R_X86_64_64 .data + 12 */
long table_end = (long)&table[8];            /* R_X86_64_64 with addend 32 */

static int f0(int x) { return x + 100; }
static int f1(int x) { return x + 200; }
static int f2(int x) { return x + 300; }
int (*const fns[])(int) = {f0, f1, f2};

__attribute__((noinline)) void bump(int *p, int by)
{
    *p += by;
}

__attribute__((noinline)) int pick(int i)
{
    return table[i];                          /* table(,%rdi,4): 32S */
}

int main(int argc, char **argv)
{
    (void)argv;
    int i = argc - 1;                         /* 0 at run time, opaque to gcc */
    bump(&counter, 5);                        /* mov $counter,%edi: R_X86_64_32 */
    bump(&counter, pick(i + 4));
    printf("counter = %d\n", counter);
    printf("pick(2) = %d, *table_ptr = %d\n", pick(i + 2), *table_ptr);
    printf("table_end - table = %ld bytes\n", table_end - (long)table);
    printf("names[%d] = %s, names[3] = %s\n", i + 1, names[i + 1], names[i + 3]);
    int acc = 0;
    for (int k = 0; k < 3; k++)
        acc += fns[k + i](k);
    printf("fns sum = %d\n", acc);
    printf("strlen(names[2]) = %zu\n", strlen(names[i + 2]));
    return 0;
}
