/* Unbounded recursion: the stack runs into the guard page under it. */
#include <stdio.h>
#include <string.h>
static int recurse(int n) {
  volatile char frame[512];
  memset((char *)frame, n, sizeof frame);
  return recurse(n + 1) + frame[n % 512];
}
int main(void) {
  printf("recursing\n");
  fflush(stdout);
  return recurse(0);
}
