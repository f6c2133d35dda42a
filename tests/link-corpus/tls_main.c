/* __thread variables with pthreads: initialized and zero TLS, local-exec in this TU and extern
   (initial-exec / general-dynamic with -fPIC) from tls_vars.c, over-aligned TLS, TLS arrays. */
#include <pthread.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

extern __thread int tv_init;           /* = 1000, tls_vars.c */
extern __thread long tv_zero;          /* = 0 */
extern __thread char tv_name[16];      /* "tls-name" */
extern __thread double tv_aligned;     /* aligned(64), = 2.5 */
int tls_vars_bump(void);               /* increments tv_init through its own TU's access */

static __thread int local_init = 7;
static __thread int local_zero;
static __thread int local_array[100] = { [0] = 1, [99] = 99 };
__thread unsigned long big_zero[512];

struct result { int id, init, zero, lz, arr, bump; long tz; char name[16]; int aligned_ok; double al; unsigned long bz; };

static void *worker(void *arg) {
  struct result *r = arg;
  r->init = tv_init; r->zero = local_zero; r->tz = tv_zero; r->lz = local_init;
  for (int i = 0; i < r->id; i++) { tv_init += 3; local_zero++; local_init *= 2; tv_zero -= 5; big_zero[i * 7] += (unsigned long)i; }
  local_array[50] = r->id;
  r->arr = local_array[0] + local_array[99] + local_array[50];
  snprintf(tv_name, sizeof tv_name, "thread-%d", r->id);
  memcpy(r->name, tv_name, sizeof r->name);
  r->bump = tls_vars_bump();
  r->aligned_ok = ((uintptr_t)&tv_aligned & 63) == 0;
  r->al = tv_aligned * r->id;
  for (int i = 0; i < 512; i++) r->bz += big_zero[i];
  return NULL;
}

int main(void) {
  enum { T = 6 };
  pthread_t th[T]; struct result res[T];
  memset(res, 0, sizeof res);
  for (int i = 0; i < T; i++) { res[i].id = i + 1; if (pthread_create(&th[i], NULL, worker, &res[i])) return 1; }
  for (int i = 0; i < T; i++) pthread_join(th[i], NULL);
  for (int i = 0; i < T; i++)
    printf("thread %d: init=%d zero=%d tz=%ld local_init=%d arr=%d bump=%d name=%s aligned=%d al=%g bz=%lu\n", res[i].id,
           res[i].init, res[i].zero, res[i].tz, res[i].lz, res[i].arr, res[i].bump, res[i].name, res[i].aligned_ok, res[i].al, res[i].bz);
  printf("main: tv_init=%d local_init=%d local_zero=%d name=%s aligned=%d\n", tv_init, local_init, local_zero, tv_name,
         (int)(((uintptr_t)&tv_aligned & 63) == 0));
  return 17;
}
