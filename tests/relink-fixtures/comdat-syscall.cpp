// An inline function with a raw syscall: it lands in a COMDAT group (.text._Z10pid_inlinev) whose
// code has no relocation, so the rewriter must add a .rela section to the group.
#include <cstdio>
#include <unistd.h>
inline long pid_inline() {
  long r;
  __asm__ volatile("syscall" : "=a"(r) : "0"(39L) : "rcx", "r11", "memory");
  return r;
}
long (*keep)() = pid_inline;
int main() {
  std::printf("same pid: %s\n", keep() == (long)getpid() ? "yes" : "no");
  return 0;
}
