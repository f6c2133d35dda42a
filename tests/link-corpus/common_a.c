/* Common symbols (-fcommon): tentative definitions in several TUs are merged (largest size wins),
   an initialized definition beats the commons, and commons land in .bss (zero). */
#include <stdio.h>
#include <string.h>
int counter;            /* common in both TUs */
char buffer[64];        /* common: 64 here, 16 in common_b.c -> 64 bytes */
int initialized;        /* common here, initialized (= 5) in common_b.c */
double dcommon;
void b_touch(void);
extern char buffer_end_marker;

int main(void) {
  printf("zero at start: counter=%d dcommon=%g buffer[0..63]=%d\n", counter, dcommon, (int)(memchr(buffer, 1, 64) == NULL));
  b_touch();
  counter += 2;
  memset(buffer, 'A', 63);
  printf("counter=%d initialized=%d buffer=%.63s dcommon=%g\n", counter, initialized, buffer, dcommon);
  return counter;
}
