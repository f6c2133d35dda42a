/* A system call nobody implements: -1/ENOSYS, as on Linux. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
int main(void) {
  long r = syscall(1000, 1, 2, 3);
  printf("syscall(1000) = %ld errno=%s\n", r, errno == ENOSYS ? "ENOSYS" : "other");
  return r == -1 && errno == ENOSYS ? 3 : 1;
}
