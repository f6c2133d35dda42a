/* libm (-lm, a linker script on Debian) and libgcc soft-float helpers; every value printed with %.17g.
   Volatile inputs stop gcc from folding the calls at compile time. */
#include <fenv.h>
#include <math.h>
#include <stdio.h>
#include <complex.h>

static volatile double in[] = { 0.5, 1.0, 2.5, -3.25, 10.0, 1e-5, 123.456 };

int main(void) {
  double acc = 0;
  for (unsigned i = 0; i < sizeof in / sizeof in[0]; i++) {
    double x = in[i];
    printf("x=%.17g sin=%.17g cos=%.17g tan=%.17g\n", x, sin(x), cos(x), tan(x));
    printf("  exp=%.17g log=%.17g pow=%.17g sqrt=%.17g cbrt=%.17g\n", exp(x), log(fabs(x)), pow(fabs(x), 1.0 / 3), sqrt(fabs(x)), cbrt(x));
    printf("  lgamma=%.17g tgamma=%.17g erf=%.17g atan2=%.17g hypot=%.17g\n", lgamma(x), tgamma(x), erf(x), atan2(x, 2.0), hypot(x, 3.0));
    printf("  fma=%.17g expm1=%.17g log1p=%.17g asinh=%.17g j0=%.17g\n", fma(x, x, -1.0), expm1(x), log1p(fabs(x)), asinh(x), j0(x));
    float f = (float)x;
    printf("  sinf=%.9g expf=%.9g powf=%.9g\n", sinf(f), expf(f), powf(fabsf(f), 0.25f));
    long double l = x;
    printf("  sinl=%.21Lg expl=%.21Lg\n", sinl(l), expl(l));
    acc += sin(x) * exp(-fabs(x));
  }
  volatile double z = 0.0;
  printf("nan: %d inf: %d signbit(-0): %d\n", isnan(z / z), isinf(1.0 / z), signbit(-z));
  printf("round %.17g trunc %.17g rint %.17g nearbyint %.17g lround %ld\n", round(in[2]), trunc(in[3]), rint(in[2]), nearbyint(in[3]), lround(in[3]));
  fesetround(FE_UPWARD);
  volatile double third = 1.0 / 3.0 * in[1];
  fesetround(FE_TONEAREST);
  printf("upward 1/3 = %.17g\n", third);
  double complex c = cexp(I * in[1]);
  printf("cexp(i) = %.17g %+.17gi\n", creal(c), cimag(c));
  __float128 q = in[6]; q = q * q / 3;
  printf("float128 via double: %.17g\n", (double)q);
  printf("acc=%.17g\n", acc);
  return (int)acc + 11;
}
