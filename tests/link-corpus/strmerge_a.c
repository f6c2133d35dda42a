/* String merging (SHF_MERGE|SHF_STRINGS .rodata.str1.*): the same literals in two TUs, suffixes, wide
   strings and merged constants.  Only facts that do not depend on whether the linker merges are printed. */
#include <stdio.h>
#include <string.h>
#include <wchar.h>
const char *b_hello(void);
const char *b_suffix(void);
const wchar_t *b_wide(void);
const double *b_const(void);
static const double here = 3.14159;
int main(void) {
  const char *h = "hello, merged world";
  printf("%s | %s | %s\n", h, b_hello(), b_suffix());
  printf("equal contents: %d, suffix is tail: %d\n", strcmp(h, b_hello()) == 0, strcmp(b_suffix(), "merged world") == 0);
  printf("wide length %zu equal %d\n", wcslen(b_wide()), wcscmp(b_wide(), L"wide literal") == 0);
  printf("constant %.5f %.5f\n", here, *b_const());
  const char *list[] = { "alpha", "beta", "gamma", "alpha", "" };
  size_t total = 0; for (int i = 0; i < 5; i++) total += strlen(list[i]);
  printf("total length %zu, empty string ok %d\n", total, list[4][0] == 0);
  return 0;
}
