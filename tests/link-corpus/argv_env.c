/* argv, environ (the harness passes a fixed argv and environment) and stdin. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv, char **envp) {
  printf("argc=%d\n", argc);
  for (int i = 0; i < argc; i++) printf("argv[%d]=\"%s\"\n", i, argv[i]);
  printf("argv[argc]=%s\n", argv[argc] == NULL ? "NULL" : "non-null");
  printf("envp==environ: %d\n", envp == environ);
  for (char **e = environ; *e; e++) printf("env: %s\n", *e);
  const char *v = getenv("UKL_CORPUS");
  printf("getenv(UKL_CORPUS)=%s\n", v ? v : "(null)");
  setenv("UKL_NEW", "value", 1);
  printf("after setenv: %s\n", getenv("UKL_NEW"));
  unsetenv("UKL_CORPUS");
  printf("after unsetenv: %s\n", getenv("UKL_CORPUS") ? "still set" : "gone");
  char line[128]; int lines = 0; size_t bytes = 0;
  while (fgets(line, sizeof line, stdin)) { lines++; bytes += strlen(line); if (lines <= 2) printf("stdin: %s", line); }
  printf("stdin lines=%d bytes=%zu\n", lines, bytes);
  return 40 + argc;
}
