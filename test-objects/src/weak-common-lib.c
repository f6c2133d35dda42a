/* weak-common-lib.o (built with -fcommon): the larger common_buf, a second
 * tentative common_int, and strong definitions that override the weak ones in
 * weak-common-main.o.  Library for weak-common-main.o. */

int common_int;          /* COMMON, size 4 */
char common_buf[64];     /* COMMON, size 64: the linker must allocate 64 */

int weak_fn(void) { return 2; }   /* strong, overrides the weak one */
int weak_data = 2;               /* strong */

void lib_fill_common(int v)
{
    common_int = v;
    for (int i = 0; i < 64; i++)
        common_buf[i] = (char)(i + 1);
}

int lib_read_common(void) { return common_int; }

int lib_buf_size(void) { return (int)sizeof common_buf; }
