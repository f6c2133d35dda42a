/* gdb backtrace through rewritten libc: say() -> puts -> ... -> write -> __ukl_syscall. */
#include <stdio.h>
__attribute__((noinline)) void say(const char *s) { puts(s); fflush(stdout); }
int main(void) { say("hello from bt"); return 0; }
