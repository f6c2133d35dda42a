/* stdout is a pipe in the harness: full buffering, so nothing reaches it unless exit flushes
   (via __libc_atexit / _IO_cleanup).  No newline at the end, no fflush, output bigger than nothing. */
#include <stdio.h>
int main(void) {
  for (int i = 0; i < 3; i++) printf("line %d\n", i);
  fputs("stderr is unbuffered", stderr);
  printf("last words without newline");
  return 0;
}
