#include <wchar.h>
const char *b_hello(void) { return "hello, merged world"; }
const char *b_suffix(void) { return "merged world"; }
const wchar_t *b_wide(void) { return L"wide literal"; }
const double *b_const(void) { static const double c = 3.14159; return &c; }
