/* Start-up and exit order: constructor/destructor priorities, raw .init_array.N / .fini_array.N /
   .preinit_array / .ctors.N / .ctors entries, atexit and on_exit order.  Every hook appends to a trace that
   main prints, and the exit-time hooks print directly (stdout is flushed by exit). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char trace[512];
static void add(const char *s) { strcat(trace, s); strcat(trace, " "); }

__attribute__((constructor(101))) static void c101(void) { add("ctor101"); }
__attribute__((constructor(65535))) static void c65535(void) { add("ctor65535"); }
__attribute__((constructor(300))) static void c300(void) { add("ctor300"); }
__attribute__((constructor)) static void cdefault(void) { add("ctor"); }
__attribute__((constructor(200))) static void c200(void) { add("ctor200"); }
__attribute__((constructor)) static void cdefault2(void) { add("ctor2"); }

static void ia500(int argc, char **argv, char **envp) { (void)argv; (void)envp; char b[32]; snprintf(b, sizeof b, "init_array.500(argc=%d)", argc); add(b); }
static void ia150(void) { add("init_array.150"); }
static void ia(void) { add("init_array"); }
static void pre(void) { add("preinit"); }
static void ct(void) { add("ctors"); }
static void ct400(void) { add("ctors.65135"); /* .ctors.N has priority 65535-N: 400 */ }
__attribute__((used, section(".init_array.00500"))) static void (*p_ia500)(int, char **, char **) = ia500;
__attribute__((used, section(".init_array.00150"))) static void (*p_ia150)(void) = ia150;
__attribute__((used, section(".init_array"))) static void (*p_ia)(void) = ia;
__attribute__((used, section(".preinit_array"))) static void (*p_pre)(void) = pre;
__attribute__((used, section(".ctors"))) static void (*p_ct)(void) = ct;
__attribute__((used, section(".ctors.65135"))) static void (*p_ct400)(void) = ct400;

__attribute__((destructor(101))) static void d101(void) { puts("dtor101"); }
__attribute__((destructor(300))) static void d300(void) { puts("dtor300"); }
__attribute__((destructor)) static void ddefault(void) { puts("dtor"); }
static void fa(void) { puts("fini_array"); }
static void fa200(void) { puts("fini_array.200"); }
__attribute__((used, section(".fini_array"))) static void (*p_fa)(void) = fa;
__attribute__((used, section(".fini_array.00200"))) static void (*p_fa200)(void) = fa200;

static void ax1(void) { puts("atexit 1"); }
static void ax2(void) { puts("atexit 2"); }
static void ax3(void) { puts("atexit 3 (registered in a constructor)"); }
static void onx(int status, void *arg) { printf("on_exit status=%d arg=%s\n", status, (const char *)arg); }
__attribute__((constructor(250))) static void reg(void) { atexit(ax3); add("ctor250(atexit)"); }

int main(void) {
  printf("trace: %s\n", trace);
  atexit(ax1);
  on_exit(onx, "hello");
  atexit(ax2);
  printf("main returns 9");   /* no newline, no fflush: exit must flush */
  return 9;
}
