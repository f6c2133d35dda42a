/* abort(): SIGABRT's default action; nothing extra is printed, the status is 128 + 6. */
#include <stdio.h>
#include <stdlib.h>
int main(void) {
  printf("about to abort\n");
  fflush(stdout);
  abort();
}
