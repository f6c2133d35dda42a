/* An integer division by zero (#DE). */
#include <stdio.h>
volatile int zero;
int main(void) {
  printf("dividing\n");
  fflush(stdout);
  return 10 / zero;
}
