/* qsort/bsearch with callbacks through function pointers, also a static (local) comparator and a pointer table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rec { int key; char name[12]; };
static int by_key(const void *a, const void *b) { const struct rec *x = a, *y = b; return (x->key > y->key) - (x->key < y->key); }
static int by_name(const void *a, const void *b) { return strcmp(((const struct rec *)a)->name, ((const struct rec *)b)->name); }
int cmp_int_desc(const void *a, const void *b) { int x = *(const int *)a, y = *(const int *)b; return (y > x) - (y < x); }
static int (*const comparators[])(const void *, const void *) = { by_key, by_name };
static int calls;
static int counting(const void *a, const void *b) { calls++; return comparators[0](a, b); }

int main(void) {
  enum { N = 5000 };
  static struct rec r[N];
  unsigned s = 7;
  for (int i = 0; i < N; i++) { s = s * 69069 + 1; r[i].key = (int)(s >> 4) % 100000; snprintf(r[i].name, sizeof r[i].name, "n%07u", (s >> 3) % 9999991); }
  qsort(r, N, sizeof r[0], comparators[1]);
  printf("by name: first %s last %s\n", r[0].name, r[N - 1].name);
  qsort(r, N, sizeof r[0], counting);
  printf("by key: first %d last %d, comparator called: %s\n", r[0].key, r[N - 1].key, calls > N ? "many times" : "too few");
  int found = 0;
  for (int k = 0; k < 100000; k += 37) { struct rec q = { .key = k }; if (bsearch(&q, r, N, sizeof r[0], by_key)) found++; }
  printf("bsearch found %d keys\n", found);
  int a[] = { 5, 3, 9, 1, 7, 2, 8, 6, 4, 0 };
  qsort(a, 10, sizeof a[0], cmp_int_desc);
  for (int i = 0; i < 10; i++) printf("%d%c", a[i], i == 9 ? '\n' : ' ');
  int key = 7; int *hit = bsearch(&key, a, 10, sizeof a[0], cmp_int_desc);
  printf("7 at index %td\n", hit - a);
  return 0;
}
