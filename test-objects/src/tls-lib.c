/* tls-lib.o (built with -fPIC): general-dynamic (R_X86_64_TLSGD + call
 * __tls_get_addr) accesses to default-visibility TLS variables, and
 * local-dynamic (R_X86_64_TLSLD + R_X86_64_DTPOFF32) accesses to static ones.
 * A static link must relax these to local-exec.  Library for tls-main.o. */

__thread long lib_counter = 7;              /* .tdata */
__thread char lib_name[16] = "tls-lib";     /* .tdata */
static __thread int lib_static_a = 100;     /* .tdata, local -> LD */
static __thread int lib_static_b;           /* .tbss, local -> LD */

extern __thread int tls_init;               /* defined in tls-main.o */

long lib_bump(long d)
{
    lib_counter += d;
    return lib_counter;
}

int lib_read_main_tls(void)
{
    return tls_init;
}

int lib_static_sum(int d)
{
    lib_static_a += d;
    lib_static_b += 2 * d;
    return lib_static_a + lib_static_b;
}
