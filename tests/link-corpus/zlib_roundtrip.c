/* zlib (-lz, /usr/lib/x86_64-linux-gnu/libz.a): compress/uncompress, streaming deflate/inflate, crc32/adler32. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int main(int argc, char **argv) {
  size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 200000; /* bench/emu.mjs passes a larger size */
  unsigned char *src = malloc(n);
  unsigned s = 1;
  for (size_t i = 0; i < n; i++) { s = s * 1103515245u + 12345u; src[i] = (i % 1000 < 700) ? "the quick brown fox "[i % 20] : (unsigned char)(s >> 24); }
  uLongf clen = compressBound(n);
  unsigned char *comp = malloc(clen);
  int r = compress2(comp, &clen, src, n, 9);
  printf("compress2: %d, %zu -> %lu bytes\n", r, n, (unsigned long)clen);
  uLongf dlen = n;
  unsigned char *back = malloc(n);
  r = uncompress(back, &dlen, comp, clen);
  printf("uncompress: %d, %lu bytes, equal %d\n", r, (unsigned long)dlen, dlen == n && memcmp(src, back, n) == 0);
  printf("crc32 %08lx adler32 %08lx\n", crc32(0, src, n), adler32(1, src, n));

  z_stream zs; memset(&zs, 0, sizeof zs);
  deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY); /* gzip wrapper */
  unsigned char out[4096]; size_t gz = 0; unsigned long crc = 0;
  zs.next_in = src; zs.avail_in = (uInt)n;
  do { zs.next_out = out; zs.avail_out = sizeof out; r = deflate(&zs, Z_FINISH); gz += sizeof out - zs.avail_out; crc = crc32(crc, out, (uInt)(sizeof out - zs.avail_out)); } while (r == Z_OK);
  deflateEnd(&zs);
  printf("gzip stream: %d, %zu bytes, crc of stream %08lx\n", r, gz, crc);
  printf("zlib version %s\n", strcmp(zlibVersion(), ZLIB_VERSION) == 0 ? "matches header" : "differs");
  free(src); free(comp); free(back);
  return 0;
}
