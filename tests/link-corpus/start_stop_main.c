/* __start_SEC/__stop_SEC: user sections whose names are C identifiers, filled from two TUs, iterated in
   link order; an empty-referenced section via weak start/stop; a section with 16-byte aligned entries. */
#include <stdio.h>
#include <stdint.h>

struct entry { const char *name; int (*fn)(int); int prio; };
#define REGISTER(n, f, p) static const struct entry reg_##n __attribute__((used, section("ukl_registry"), aligned(8))) = { #n, f, p }

static int sq(int x) { return x * x; }
static int neg(int x) { return -x; }
REGISTER(square, sq, 1);
REGISTER(negate, neg, 2);

extern const struct entry __start_ukl_registry[], __stop_ukl_registry[];
struct big { char tag[16]; } __attribute__((aligned(16)));
static struct big b1 __attribute__((used, section("ukl_aligned"))) = { "first" };
static struct big b2 __attribute__((used, section("ukl_aligned"))) = { "second" };
extern struct big __start_ukl_aligned[], __stop_ukl_aligned[];
extern const char __start_ukl_nothing[] __attribute__((weak)), __stop_ukl_nothing[] __attribute__((weak));

int main(void) {
  size_t n = (size_t)(__stop_ukl_registry - __start_ukl_registry);
  printf("%zu registry entries\n", n);
  int sum = 0;
  for (const struct entry *e = __start_ukl_registry; e < __stop_ukl_registry; e++) {
    printf("  %s prio %d f(7)=%d\n", e->name, e->prio, e->fn(7));
    sum += e->fn(7);
  }
  printf("aligned section: %zu entries, start aligned %d, writable: ", (size_t)(__stop_ukl_aligned - __start_ukl_aligned), ((uintptr_t)__start_ukl_aligned & 15) == 0);
  __start_ukl_aligned[0].tag[0] = 'F';
  for (struct big *b = __start_ukl_aligned; b < __stop_ukl_aligned; b++) printf("%s ", b->tag);
  printf("\nunreferenced section bounds equal: %d\n", __start_ukl_nothing == __stop_ukl_nothing);
  (void)b1; (void)b2;
  return sum & 0x7f;
}
