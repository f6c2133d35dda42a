/* tls-desc.o (built with -fPIC -mtls-dialect=gnu2): TLS descriptors
 * (R_X86_64_GOTPC32_TLSDESC + R_X86_64_TLSDESC_CALL), which a static link
 * must relax to local-exec.  Library for tls-main.o. */

__thread int desc_var = 5;
extern __thread int tls_init;

int desc_get(void)
{
    return tls_init + desc_var;
}

int desc_bump(int d)
{
    desc_var += d;
    return desc_var;
}
