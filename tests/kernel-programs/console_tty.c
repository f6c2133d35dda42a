/* The console as a program sees it: a tty (isatty, TCGETS), a character device, no window size; a line
 * read from stdin. Prints facts, then the line it read, upper-cased. */
#include <ctype.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>
int main(void) {
  struct stat st;
  struct winsize ws = {1, 1, 1, 1};
  struct termios t;
  printf("isatty 0 1 2: %d %d %d\n", isatty(0), isatty(1), isatty(2));
  printf("fstat(1) character device: %d\n", fstat(1, &st) == 0 && S_ISCHR(st.st_mode));
  int r = ioctl(1, TIOCGWINSZ, &ws);
  printf("TIOCGWINSZ: %d rows %d cols %d\n", r, ws.ws_row, ws.ws_col);
  r = tcgetattr(0, &t);
  printf("tcgetattr: %d ICANON %d\n", r, (t.c_lflag & ICANON) != 0);
  r = dup2(1, 9);
  printf("dup2(1, 9) = %d, write through it: ", r);
  fflush(stdout);
  write(9, "ok\n", 3);
  char line[128];
  if (!fgets(line, sizeof line, stdin)) return 1;
  for (char *p = line; *p; p++) *p = (char)toupper((unsigned char)*p);
  printf("read: %s", line);
  return 0;
}
