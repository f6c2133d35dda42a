/* Heavy malloc/free/realloc/calloc with many sizes (small bins, large bins, mmap threshold). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <malloc.h>

static uint32_t rng = 12345;
static uint32_t next(void) { rng = rng * 1103515245u + 12345u; return rng >> 8; }

#define SLOTS 1024
int main(void) {
  static unsigned char *p[SLOTS];
  static size_t sz[SLOTS];
  uint64_t sum = 0; size_t live = 0;
  for (int round = 0; round < 40000; round++) {
    int i = next() % SLOTS;
    size_t n;
    uint32_t k = next() % 100;
    if (k < 70) n = next() % 256; else if (k < 95) n = next() % 8192; else if (k < 99) n = next() % 200000; else n = 300000 + next() % 2000000;
    if (p[i] && (next() & 1)) {
      /* realloc and verify the preserved prefix */
      size_t keep = sz[i] < n ? sz[i] : n;
      unsigned char *q = realloc(p[i], n ? n : 1);
      for (size_t j = 0; j < keep; j++) if (q[j] != (unsigned char)(i + j)) { printf("realloc lost data\n"); return 1; }
      for (size_t j = keep; j < n; j++) q[j] = (unsigned char)(i + j);
      live += n; live -= sz[i];
      p[i] = q; sz[i] = n;
    } else {
      if (p[i]) { for (size_t j = 0; j < sz[i]; j++) sum += p[i][j] ^ j; free(p[i]); live -= sz[i]; }
      if (next() % 4 == 0) {
        p[i] = calloc(n ? n : 1, 1);
        for (size_t j = 0; j < n; j++) if (p[i][j]) { printf("calloc not zero\n"); return 1; }
      } else p[i] = malloc(n);
      if (!p[i] && n) { printf("malloc(%zu) failed\n", n); return 1; }
      for (size_t j = 0; j < n; j++) p[i][j] = (unsigned char)(i + j);
      sz[i] = n; live += n;
    }
  }
  for (int i = 0; i < SLOTS; i++) { for (size_t j = 0; j < sz[i]; j++) sum += p[i][j] ^ j; free(p[i]); }
  void *al = NULL;
  int r = posix_memalign(&al, 4096, 12345);
  printf("posix_memalign %d aligned %d\n", r, ((uintptr_t)al & 4095) == 0);
  free(al);
  void *a2 = aligned_alloc(64, 640);
  printf("aligned_alloc aligned %d\n", ((uintptr_t)a2 & 63) == 0);
  free(a2);
  void *m = memalign(256, 100);
  printf("memalign aligned %d, usable >= 100: %d\n", ((uintptr_t)m & 255) == 0, malloc_usable_size(m) >= 100);
  free(m);
  printf("checksum %llu, live at end %zu\n", (unsigned long long)sum, live);
  return 0;
}
