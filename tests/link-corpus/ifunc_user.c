/* A user IFUNC: the resolver picks an implementation at start-up (IRELATIVE in a static executable);
   the address of the ifunc symbol is taken and compared, and it is called directly and through a pointer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int impl_a(int x) { return x * 2; }
static int impl_b(int x) { return x * 3; }
static int resolver_calls;
static void *resolve_twice(void) { resolver_calls++; return getenv == NULL ? (void *)impl_b : (void *)impl_a; }
int twice(int) __attribute__((ifunc("resolve_twice")));

typedef size_t (*len_fn)(const char *);
static size_t my_len(const char *s) { size_t n = 0; while (s[n]) n++; return n + 1000; }
static len_fn resolve_mylen(void) { return my_len; }
size_t mylen(const char *) __attribute__((ifunc("resolve_mylen")));

int (*volatile fp)(int) = twice;
len_fn volatile strlen_ptr = strlen; /* glibc's own ifunc, by address */

int main(void) {
  printf("twice(21)=%d via pointer=%d same address=%d\n", twice(21), fp(21), fp == twice);
  printf("mylen(\"abc\")=%zu\n", mylen("abc"));
  printf("strlen through pointer=%zu, same as direct=%d\n", strlen_ptr("hello"), strlen_ptr == strlen);
  char buf[64]; memset(buf, 'z', sizeof buf); memcpy(buf, "copied", 7);
  printf("memcpy/memset ifuncs: %s %c\n", buf, buf[63]);
  printf("resolver ran before main: %s\n", resolver_calls >= 1 ? "yes" : "no");
  return 0;
}
