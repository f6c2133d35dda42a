/* Driver for selfrel-table.S: calls both table entries. */
#include <stdio.h>
#include <unistd.h>
long sr_call(long);
int main(void) {
  printf("entry 0 is getpid: %s\n", sr_call(0) == getpid() ? "yes" : "no");
  printf("entry 1 returns %ld\n", sr_call(1));
  return 0;
}
