/* Clocks and sleeping: the monotonic clock advances across nanosleep by at least the time asked for;
 * the wall clock is after 2020; clock_getres answers; getrandom fills a buffer. */
#include <stdio.h>
#include <sys/random.h>
#include <time.h>
int main(void) {
  struct timespec a, b, res, wall;
  clock_gettime(CLOCK_MONOTONIC, &a);
  struct timespec d = {0, 20 * 1000 * 1000};
  int r = nanosleep(&d, NULL);
  clock_gettime(CLOCK_MONOTONIC, &b);
  long ns = (b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec);
  clock_gettime(CLOCK_REALTIME, &wall);
  unsigned char buf[32] = {0};
  ssize_t got = getrandom(buf, sizeof buf, 0);
  int nonzero = 0;
  for (unsigned i = 0; i < sizeof buf; i++) nonzero += buf[i] != 0;
  printf("nanosleep=%d slept>=20ms:%d\n", r, ns >= 20000000L);
  printf("realtime after 2020:%d\n", wall.tv_sec > 1577836800L);
  printf("getres=%d getrandom=%zd random:%d\n", clock_getres(CLOCK_MONOTONIC, &res), got, nonzero > 8);
  return 0;
}
