/* A small application for a UKL image: arguments, environment, the clock, and an exit status. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <time.h>

int main(int argc, char **argv) {
  struct utsname u;
  uname(&u);
  printf("hello from %s %s (%s), argv[0] = %s\n", u.sysname, u.release, u.machine, argv[0]);
  for (int i = 1; i < argc; i++) printf("  argv[%d] = \"%s\"\n", i, argv[i]);
  const char *greeting = getenv("GREETING");
  printf("  GREETING = %s\n", greeting ? greeting : "(unset)");
  time_t now = time(NULL);
  printf("  the wall clock says %s", ctime(&now));
  return argc - 1;
}
