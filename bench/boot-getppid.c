/* bench/boot.mjs: time N getppid() calls (glibc's wrapper: one syscall each) and print ns per call. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  struct timespec a, b;
  long sink = 0;
  for (long i = 0; i < 1000; i++) sink += getppid(); /* warm up */
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < n; i++) sink += getppid();
  clock_gettime(CLOCK_MONOTONIC, &b);
  double ns = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / (double)n;
  printf("getppid: %.1f ns/call (%ld calls, sink %ld)\n", ns, n, sink);
  return 0;
}
