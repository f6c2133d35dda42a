/* Processes under syscall rewriting: posix_spawn (glibc 2.36: clone3/clone with CLONE_VM|CLONE_VFORK on a
   separate stack) of /bin/echo and of the program itself; vfork + execve of the program itself and vfork +
   _exit; fork + wait with exit statuses and a child killed by a signal; posix_spawn file actions (the
   child's stdout into a pipe that the parent reads). The child mode is selected by UKL_CHILD in the
   environment, so the corpus's argument list does not matter. Output is deterministic: every child is
   waited for before the parent prints again, and stdout is flushed before every fork. */
#define _GNU_SOURCE
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const char *self = "/proc/self/exe";

static void show(const char *what, int st) {
  if (WIFEXITED(st)) printf("%s: exited %d\n", what, WEXITSTATUS(st));
  else if (WIFSIGNALED(st)) printf("%s: killed by signal %d\n", what, WTERMSIG(st));
  else printf("%s: status 0x%x\n", what, st);
  fflush(stdout);
}

static char *child_env[] = { "UKL_CHILD=1", "PATH=/usr/bin:/bin", "LC_ALL=C", NULL };

static int child_main(int argc, char **argv) {
  printf("child: argc %d", argc);
  for (int i = 1; i < argc; i++) printf(" [%s]", argv[i]);
  printf("\n");
  return argc + 40;
}

int main(int argc, char **argv) {
  const char *mode = getenv("UKL_CHILD");
  if (mode && strcmp(mode, "1") == 0) return child_main(argc, argv);
  fflush(stdout);

  /* posix_spawn /bin/echo */
  pid_t pid;
  int st;
  char *echo_argv[] = { "echo", "spawned", "echo", "says", "hi", NULL };
  int rc = posix_spawn(&pid, "/bin/echo", NULL, NULL, echo_argv, child_env);
  if (rc == 0 && waitpid(pid, &st, 0) == pid) show("echo", st);
  printf("posix_spawn echo: rc %d\n", rc);

  /* posix_spawnp the program itself, stdout redirected to a pipe */
  int fds[2];
  if (pipe(fds) != 0) return 2;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  posix_spawn_file_actions_addclose(&fa, fds[1]);
  posix_spawnattr_t at;
  posix_spawnattr_init(&at);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&at, &none);
  posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
  char *self_argv[] = { "self", "from posix_spawn", "x", NULL };
  rc = posix_spawn(&pid, self, &fa, &at, self_argv, child_env);
  close(fds[1]);
  char buf[256];
  ssize_t n, got = 0;
  while ((n = read(fds[0], buf + got, sizeof buf - 1 - got)) > 0) got += n;
  buf[got] = 0;
  close(fds[0]);
  printf("posix_spawn self: rc %d, through the pipe: %s", rc, buf);
  fflush(stdout);
  if (rc == 0 && waitpid(pid, &st, 0) == pid) show("self", st);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);

  /* posix_spawn of a missing program: the error comes back from the child */
  char *missing_argv[] = { "missing", NULL };
  rc = posix_spawn(&pid, "/nonexistent/program", NULL, NULL, missing_argv, child_env);
  printf("posix_spawn missing: rc %d (ENOENT %d)\n", rc, rc == 2);
  fflush(stdout);
  if (rc == 0 && waitpid(pid, &st, 0) == pid) show("missing", st);

  /* vfork + exec of the program itself */
  pid = vfork();
  if (pid == 0) {
    char *a[] = { "self", "from vfork", NULL };
    execve(self, a, child_env);
    _exit(127);
  }
  if (waitpid(pid, &st, 0) == pid) show("vfork+exec", st);

  /* vfork + _exit: the parent resumes on the shared stack */
  volatile int marker = 5;
  pid = vfork();
  if (pid == 0) _exit(marker + 1);
  if (waitpid(pid, &st, 0) == pid) show("vfork+_exit", st);
  printf("marker after vfork: %d\n", marker);

  /* fork + wait, several children */
  for (int i = 0; i < 3; i++) {
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
      printf("fork child %d\n", i);
      fflush(stdout);
      _exit(10 + i);
    }
    if (waitpid(pid, &st, 0) == pid) {
      char what[32];
      snprintf(what, sizeof what, "fork %d", i);
      show(what, st);
    }
  }

  /* a child that kills itself */
  fflush(stdout);
  pid = fork();
  if (pid == 0) {
    raise(SIGTERM);
    _exit(99);
  }
  if (waitpid(pid, &st, 0) == pid) show("fork+raise(SIGTERM)", st);

  /* system() uses posix_spawn of /bin/sh */
  fflush(stdout);
  st = system("echo from system; exit 4");
  show("system", st);
  return 0;
}
