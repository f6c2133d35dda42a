/* tls-main.o (default -fPIE): defines TLS variables in .tdata (initialised,
 * one 64-byte aligned) and .tbss (zero), accesses its own ones with the
 * local-exec model (R_X86_64_TPOFF32) and tls-lib.o's ones with the
 * initial-exec model (R_X86_64_GOTTPOFF), from main and from pthreads.
 * Link: gcc -static -pthread tls-main.o tls-lib.o tls-desc.o */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

__thread int tls_init = 42;                              /* .tdata */
__thread long tls_zero;                                  /* .tbss  */
_Thread_local _Alignas(64) char tls_aligned[40] = "aligned";  /* .tdata, align 64 */
static __thread int tls_static_arr[16];                  /* .tbss, local */

extern __thread long lib_counter;   /* tls-lib.o: 7 */
extern __thread char lib_name[16];  /* tls-lib.o: "tls-lib" */

long lib_bump(long d);              /* tls-lib.o (general dynamic) */
int lib_read_main_tls(void);        /* tls-lib.o (GD to tls_init) */
int lib_static_sum(int d);          /* tls-lib.o (local dynamic) */
int desc_get(void);                 /* tls-desc.o (TLSDESC) */
int desc_bump(int d);

#define NTHREADS 4

struct result {
    int fresh_ok;        /* initial values seen by a new thread */
    int final_ok;        /* values after modification */
    uintptr_t addr;      /* &tls_init in that thread */
};

static int check_fresh(void)
{
    int ok = 1;
    ok &= tls_init == 42;
    ok &= tls_zero == 0;
    ok &= strcmp(tls_aligned, "aligned") == 0;
    ok &= ((uintptr_t)tls_aligned & 63) == 0;
    for (int i = 0; i < 16; i++)
        ok &= tls_static_arr[i] == 0;
    ok &= lib_counter == 7;
    ok &= strcmp(lib_name, "tls-lib") == 0;
    ok &= lib_read_main_tls() == 42;
    ok &= desc_get() == 42 + 5;
    return ok;
}

static int modify_and_check(int k)
{
    tls_init += k;
    tls_zero = 1000 + k;
    tls_aligned[0] = (char)('A' + k);
    tls_static_arr[15] = k * 3;
    long c = lib_bump(k);             /* 7 + k */
    int s1 = lib_static_sum(k);       /* 100 + k + 2k */
    int s2 = lib_static_sum(1);       /* 100 + k + 1 + 2k + 2 */
    int d = desc_bump(k);             /* 5 + k */
    int ok = 1;
    ok &= c == 7 + k;
    ok &= s1 == 100 + 3 * k;
    ok &= s2 == 103 + 3 * k;
    ok &= d == 5 + k;
    ok &= desc_get() == 42 + k + 5 + k;
    ok &= lib_read_main_tls() == 42 + k;
    ok &= tls_zero == 1000 + k && tls_static_arr[15] == k * 3 && tls_aligned[0] == 'A' + k;
    return ok;
}

static struct result results[NTHREADS];

static void *worker(void *arg)
{
    int k = (int)(intptr_t)arg;
    struct result *r = &results[k];
    r->fresh_ok = check_fresh();
    r->final_ok = modify_and_check(k + 1);
    r->addr = (uintptr_t)&tls_init;
    return NULL;
}

int main(void)
{
    printf("main fresh: %s\n", check_fresh() ? "ok" : "BAD");
    int main_ok = modify_and_check(10);
    printf("main modified: %s\n", main_ok ? "ok" : "BAD");

    pthread_t t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        if (pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i) != 0) {
            puts("pthread_create failed");
            return 1;
        }
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(t[i], NULL);

    int distinct = 1;
    for (int i = 0; i < NTHREADS; i++) {
        printf("thread %d: fresh %s, modified %s\n", i,
               results[i].fresh_ok ? "ok" : "BAD", results[i].final_ok ? "ok" : "BAD");
        if (results[i].addr == (uintptr_t)&tls_init)
            distinct = 0;
        for (int j = 0; j < i; j++)
            if (results[j].addr == results[i].addr)
                distinct = 0;
    }
    printf("per-thread addresses distinct: %s\n", distinct ? "yes" : "no");
    /* main thread's values must be untouched by the workers */
    int still = tls_init == 52 && tls_zero == 1010 && lib_counter == 17 && desc_get() == 42 + 10 + 15;
    printf("main values after threads: %s\n", still ? "ok" : "BAD");
    return 0;
}
