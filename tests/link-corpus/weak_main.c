/* Weak symbols: undefined weak functions and data are 0 at run time; a weak definition here is
   overridden by a strong one in weak_other.c; a weak definition nobody overrides is used; weak alias. */
#include <stdio.h>

extern void missing_fn(void) __attribute__((weak));
extern int missing_data __attribute__((weak));
extern int missing_array[] __attribute__((weak));
int overridden(void) __attribute__((weak));
int overridden(void) { return 1; }
__attribute__((weak)) int kept(void) { return 2; }
__attribute__((weak)) int weak_var = 10;
int strong_impl(void) { return 99; }
int alias_fn(void) __attribute__((weak, alias("strong_impl")));
int other_uses_weak(void);
static void (*volatile mfp)(void) = missing_fn;

int main(void) {
  printf("missing_fn is %s, through data %s\n", missing_fn ? "non-null" : "null", mfp ? "non-null" : "null");
  printf("&missing_data is %s, missing_array is %s\n", &missing_data ? "non-null" : "null", missing_array ? "non-null" : "null");
  if (missing_fn) missing_fn();
  printf("overridden()=%d kept()=%d weak_var=%d alias_fn()=%d\n", overridden(), kept(), weak_var, alias_fn());
  printf("other TU sees: %d\n", other_uses_weak());
  return 0;
}
