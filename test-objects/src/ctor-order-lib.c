/* ctor-order-lib.o: constructors/destructors whose priorities interleave with
 * ctor-order-main.o's (200, 400, default).  Library for ctor-order-main.o. */
#include <stdio.h>

static void say(const char *s) { printf("%s\n", s); }

__attribute__((constructor(200))) static void c200(void) { say("ctor 200 (lib)"); }
__attribute__((constructor(400))) static void c400(void) { say("ctor 400 (lib)"); }
__attribute__((constructor)) static void cdef(void) { say("ctor default (lib)"); }

__attribute__((destructor(200))) static void d200(void) { say("dtor 200 (lib)"); }
__attribute__((destructor(400))) static void d400(void) { say("dtor 400 (lib)"); }
__attribute__((destructor)) static void ddef(void) { say("dtor default (lib)"); }
