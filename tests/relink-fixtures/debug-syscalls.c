/* Compiled with -g by the debug-info test: inline syscalls inside a loop and a switch, so .debug_info,
 * .debug_line, .debug_rnglists/.debug_loclists hold addresses inside code that grows. */
static inline long raw0(long nr) {
  long r;
  __asm__ volatile("syscall" : "=a"(r) : "0"(nr) : "rcx", "r11", "memory");
  return r;
}

long dbg_pids(int n) {
  long s = 0;
  for (int i = 0; i < n; i++) {
    long p = raw0(39);
    if (p > 0) s += 1;
  }
  return s;
}

long dbg_switch(int k) {
  switch (k) {
  case 0: return raw0(39) > 0 ? 3 : -3;
  case 1: return 11;
  case 2: return raw0(110) > 0 ? 17 : -17;
  case 3: return 25;
  case 4: return 29;
  case 5: return raw0(102) >= 0 ? 31 : -31;
  default: return -1;
  }
}
