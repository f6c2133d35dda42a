/* Varargs (va_copy, mixed int/double/long double/struct), alloca and VLAs, long double and __int128
   arithmetic, nested functions through a trampoline-free path, and recursion with big frames. */
#include <alloca.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct pair { long a; double b; };
static double sum_mixed(const char *fmt, ...) {
  va_list ap, ap2; va_start(ap, fmt); va_copy(ap2, ap);
  double s = 0;
  for (const char *p = fmt; *p; p++) {
    switch (*p) {
    case 'i': s += va_arg(ap, int); break;
    case 'd': s += va_arg(ap, double); break;
    case 'L': s += (double)va_arg(ap, long double); break;
    case 'p': { struct pair q = va_arg(ap, struct pair); s += q.a + q.b; break; }
    case 's': s += strlen(va_arg(ap, const char *)); break;
    }
  }
  int first = *fmt == 'i' ? va_arg(ap2, int) : -1;
  va_end(ap2); va_end(ap);
  return s + first * 1000;
}
static void vprint(const char *fmt, ...) { va_list ap; va_start(ap, fmt); vprintf(fmt, ap); va_end(ap); }
static unsigned vla_sum(int n) {
  unsigned v[n]; char *scratch = alloca(n * 16 + 1);
  for (int i = 0; i < n; i++) v[i] = (unsigned)(i * i), scratch[i * 16] = (char)i;
  unsigned s = 0; for (int i = 0; i < n; i++) s += v[i] + (unsigned char)scratch[i * 16];
  return s;
}
static int deep(int n) { volatile char frame[4096]; frame[n % 4096] = (char)n; return n == 0 ? 0 : frame[n % 4096] + deep(n - 1); }

int main(void) {
  struct pair pr = { 40, 0.5 };
  printf("sum_mixed=%.3f\n", sum_mixed("idLps", 7, 2.5, (long double)1.25, pr, "four"));
  vprint("vprint: %d %s %.2f %c\n", 1, "two", 3.0, '4');
  printf("vla_sum(100)=%u vla_sum(1000)=%u\n", vla_sum(100), vla_sum(1000));
  long double ld = 1.0L; for (int i = 1; i <= 25; i++) ld *= i;
  printf("25! as long double = %.0Lf, sqrt-ish %.21Lg\n", ld, ld / 3.0L);
  unsigned __int128 big = 1; for (int i = 0; i < 100; i++) big = big * 3 + 1;
  printf("__int128: hi=%016llx lo=%016llx\n", (unsigned long long)(big >> 64), (unsigned long long)big);
  __int128 sdiv = -((__int128)1 << 100) / 12345;
  printf("__int128 div: %lld\n", (long long)(sdiv >> 64));
  printf("deep recursion (~2 MB of frames): %d\n", deep(500) & 0xffff);
  return 0;
}
