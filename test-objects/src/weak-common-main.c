/* weak-common-main.o (built with -fcommon): tentative definitions that
 * become SHN_COMMON symbols (one also defined, larger, in weak-common-lib.o;
 * one with 32-byte alignment), weak definitions overridden by strong ones in
 * weak-common-lib.o, a weak definition nobody overrides, and undefined weak
 * function/data references that must resolve to 0 (in PIE code these go
 * through R_X86_64_REX_GOTPCRELX, so the GOT slot must hold 0).
 * Link: gcc -static weak-common-main.o weak-common-lib.o */
#include <stdint.h>
#include <stdio.h>

int common_int;                          /* COMMON, size 4 (also in lib) */
char common_buf[16];                     /* COMMON, size 16 (lib: 64) */
double common_aligned[4] __attribute__((aligned(32)));  /* COMMON, align 32 */

__attribute__((weak)) int weak_fn(void) { return 1; }      /* lib overrides */
__attribute__((weak)) int weak_only(void) { return 10; }   /* not overridden */
__attribute__((weak)) int weak_data = 1;                   /* lib overrides */

extern void missing_fn(void) __attribute__((weak));
extern int missing_data __attribute__((weak));

void lib_fill_common(int v);   /* weak-common-lib.o */
int lib_read_common(void);
int lib_buf_size(void);

int main(void)
{
    lib_fill_common(77);
    printf("common_int = %d (lib reads %d)\n", common_int, lib_read_common());
    common_int = 5;
    printf("after store, lib reads %d\n", lib_read_common());
    printf("common_buf[0..1] = %d %d, lib buffer size %d\n", common_buf[0], common_buf[1], lib_buf_size());
    printf("common_aligned 32-byte aligned: %s\n",
           ((uintptr_t)common_aligned & 31) == 0 ? "yes" : "no");
    printf("weak_fn() = %d\n", weak_fn());
    printf("weak_only() = %d\n", weak_only());
    printf("weak_data = %d\n", weak_data);
    printf("missing_fn is null: %s\n", missing_fn == 0 ? "yes" : "no");
    printf("missing_data is null: %s\n", &missing_data == 0 ? "yes" : "no");
    if (missing_fn)
        missing_fn();
    return 0;
}
