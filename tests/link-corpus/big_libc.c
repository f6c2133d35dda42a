/* A program that pulls in a lot of libc without NSS: locale "C", strftime/gmtime/mktime (TZ from the
   environment), regex, getopt_long, strtod/printf of floats, wide-char conversions, fnmatch, tsearch,
   hsearch, strtok_r, qsort, sscanf, snprintf %a, random_r, div, and ctype. */
#define _GNU_SOURCE
#include <ctype.h>
#include <fnmatch.h>
#include <getopt.h>
#include <inttypes.h>
#include <locale.h>
#include <regex.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

static int cmpint(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }
static void walker(const void *node, VISIT v, int depth) { if (v == postorder || v == leaf) printf("%d@%d ", **(const int *const *)node, depth); }

int main(int argc, char **argv) {
  printf("setlocale: %s\n", setlocale(LC_ALL, "C"));
  struct option longopts[] = { { "verbose", no_argument, NULL, 'v' }, { "level", required_argument, NULL, 'l' }, { 0, 0, 0, 0 } };
  int c, verbose = 0; const char *level = "none";
  while ((c = getopt_long(argc, argv, "vl:", longopts, NULL)) != -1) { if (c == 'v') verbose++; else if (c == 'l') level = optarg; }
  printf("getopt: verbose=%d level=%s rest=%d\n", verbose, level, argc - optind);

  time_t t = 1700000000; struct tm tm; gmtime_r(&t, &tm);
  char buf[128]; strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %A %B %j %U %z", &tm);
  printf("strftime: %s\n", buf);
  tm.tm_mday += 40; time_t t2 = timegm(&tm); printf("timegm +40 days: %lld\n", (long long)t2);
  struct tm lt; localtime_r(&t, &lt); strftime(buf, sizeof buf, "%c %Z", &lt); printf("localtime (TZ=%s): %s\n", getenv("TZ"), buf);

  regex_t re; regmatch_t m[4];
  int rc = regcomp(&re, "([a-z]+)-([0-9]+)\\.(txt|log)$", REG_EXTENDED | REG_ICASE);
  const char *names[] = { "report-2024.txt", "Data-7.LOG", "nope.txt", "x-1.log.bak" };
  for (int i = 0; i < 4; i++) {
    if (regexec(&re, names[i], 4, m, 0) == 0) printf("regex %s: %.*s / %.*s / %.*s\n", names[i], (int)(m[1].rm_eo - m[1].rm_so), names[i] + m[1].rm_so,
                                                      (int)(m[2].rm_eo - m[2].rm_so), names[i] + m[2].rm_so, (int)(m[3].rm_eo - m[3].rm_so), names[i] + m[3].rm_so);
    else printf("regex %s: no match\n", names[i]);
  }
  regfree(&re);
  regex_t bad; rc = regcomp(&bad, "a[b", 0); regerror(rc, &bad, buf, sizeof buf); printf("regerror: %s\n", buf);

  const char *nums[] = { "3.14159", "-1e-300", "0x1.8p3", "inf", "nan", "1e400", "2.2250738585072014e-308", "123abc" };
  for (int i = 0; i < 8; i++) { char *end; double d = strtod(nums[i], &end); printf("strtod(%s)=%.17g %a rest='%s'\n", nums[i], d, d, end); }
  printf("printf floats: %e %f %g %.0f %.30f %10.4f|%-10.2e|\n", 1234.5678, 0.1, 1e-10, 2.5, 1.0 / 3, -3.14159, 6.02e23);
  printf("long double: %.25Lg %La\n", 1.0L / 3, 1.0L / 3);
  printf("integers: %jd %ju %#o %#x %+d % d %05d %" PRIx64 "\n", INTMAX_MIN, UINTMAX_MAX, 8, 255, 5, 5, 42, UINT64_C(0xdeadbeefcafe));
  double sd; int si; char sw[16]; sscanf("  42 2.5e3 word", "%d %lf %15s", &si, &sd, sw); printf("sscanf: %d %g %s\n", si, sd, sw);

  wchar_t wbuf[64]; size_t wn = mbstowcs(wbuf, "wide chars", 64); char back[64]; wcstombs(back, wbuf, 64);
  swprintf(wbuf, 64, L"%ls=%d", L"answer", 42); printf("wide: %zu %s %ls %zu\n", wn, back, wbuf, wcslen(wbuf));
  printf("fnmatch: %d %d %d\n", fnmatch("*.c", "main.c", 0), fnmatch("a?c", "abc", 0), fnmatch("[!x]*", "xyz", 0) == FNM_NOMATCH);

  int vals[] = { 50, 20, 80, 10, 30, 70, 90, 60, 40 }; void *root = NULL;
  for (int i = 0; i < 9; i++) tsearch(&vals[i], &root, cmpint);
  printf("twalk: "); twalk(root, walker); printf("\n");
  hcreate(64); ENTRY e = { "key1", "value1" }; hsearch(e, ENTER); e.key = "key2"; e.data = "value2"; hsearch(e, ENTER);
  e.key = "key2"; ENTRY *f = hsearch(e, FIND); printf("hsearch: %s\n", f ? (char *)f->data : "missing"); hdestroy();

  char text[] = "a,b;;c,,d;e"; char *save; int k = 0;
  for (char *tok = strtok_r(text, ",;", &save); tok; tok = strtok_r(NULL, ",;", &save)) printf("%stok%d=%s", k ? " " : "", k, tok), k++;
  printf("\n");
  int arr[20]; for (int i = 0; i < 20; i++) arr[i] = (i * 7919) % 31; qsort(arr, 20, sizeof arr[0], cmpint);
  for (int i = 0; i < 20; i++) printf("%d ", arr[i]); printf("\n");
  struct random_data rd; char state[64]; memset(&rd, 0, sizeof rd); initstate_r(42, state, sizeof state, &rd);
  int32_t r1, r2; random_r(&rd, &r1); random_r(&rd, &r2); printf("random_r: %d %d\n", r1, r2);
  div_t dv = div(-17, 5); ldiv_t lv = ldiv(1000000007L, 97); printf("div: %d %d ldiv: %ld %ld\n", dv.quot, dv.rem, lv.quot, lv.rem);
  int up = 0, dg = 0; for (const char *p = "Hello World 2024!"; *p; p++) { up += isupper((unsigned char)*p) != 0; dg += isdigit((unsigned char)*p) != 0; }
  printf("ctype: upper=%d digits=%d toupper=%c\n", up, dg, toupper('q'));
  snprintf(buf, 8, "%s", "truncated string"); printf("snprintf truncation: %s\n", buf);
  printf("strerror: %s | %s\n", strerror(2), strerror(12));
  return 0;
}
