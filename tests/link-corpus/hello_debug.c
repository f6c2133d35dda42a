/* Built with -g for the gdb check: a breakpoint at main, a backtrace, DWARF relocations in .debug_*. */
#include <stdio.h>
static int helper(int x) { return x * 2 + 1; }
int main(int argc, char **argv) {
  (void)argv;
  printf("hello, debugger %d\n", helper(argc));
  return 0;
}
