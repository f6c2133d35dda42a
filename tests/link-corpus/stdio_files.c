/* stdio to a real file: fprintf/fscanf round trip, fseek/ftell, fgets, ungetc, setvbuf, tmpfile. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void) {
  char path[] = "/tmp/ukl-link-corpus-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) { perror("mkstemp"); return 2; }
  FILE *f = fdopen(fd, "w+");
  static char buf[256];
  setvbuf(f, buf, _IOFBF, sizeof buf); /* small buffer: many flushes */
  for (int i = 0; i < 200; i++) fprintf(f, "%d %s %.3f 0x%x\n", i, i % 2 ? "odd" : "even", i / 7.0, i * 2654435761u);
  long end = ftell(f);
  printf("written %ld bytes\n", end);
  rewind(f);
  int n, count = 0; char word[16]; double d; unsigned x; unsigned long sum = 0;
  while (fscanf(f, "%d %15s %lf 0x%x", &n, word, &d, &x) == 4) {
    sum = sum * 31 + (unsigned long)n + strlen(word) + (unsigned long)(d * 1000) + x;
    count++;
  }
  printf("read %d records, checksum %lu\n", count, sum);
  fseek(f, 0, SEEK_SET);
  char line[64];
  fgets(line, sizeof line, f);
  printf("first line: %s", line);
  int c = fgetc(f); ungetc(c, f);
  printf("peek: %c, second: %c\n", c, fgetc(f));
  fseek(f, -20, SEEK_END);
  printf("tail at %ld: ", ftell(f));
  while ((c = fgetc(f)) != EOF) putchar(c == '\n' ? '|' : c);
  putchar('\n');
  fclose(f);
  unlink(path);

  FILE *t = tmpfile();
  fputs("tmpfile works\n", t);
  fwrite("binary\0data", 1, 11, t);
  rewind(t);
  char b2[64] = {0};
  size_t got = fread(b2, 1, sizeof b2, t);
  printf("tmpfile read %zu bytes: %s|%s\n", got, b2, b2 + 21);
  fclose(t);
  fprintf(stderr, "stderr: done\n");
  return 3;
}
