/* A load through a null pointer: page 0 is unmapped. */
#include <stdio.h>
int *volatile target;
int main(void) {
  printf("before the fault\n");
  fflush(stdout);
  return *target;
}
