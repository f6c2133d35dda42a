/* ctor-order-main.o: constructors/destructors with explicit priorities
 * (.init_array.NNNNN / .fini_array.NNNNN sections that the linker must sort
 * by priority ACROSS objects, interleaving with ctor-order-lib.o), default
 * priority ones (.init_array / .fini_array, kept in link order), a
 * .preinit_array entry, and atexit() handlers registered from a constructor
 * and from main.  main ends with exit(3).
 * Link (order matters): gcc -static ctor-order-main.o ctor-order-lib.o */
#include <stdio.h>
#include <stdlib.h>

static void say(const char *s) { printf("%s\n", s); }

static void preinit(int argc, char **argv, char **envp)
{
    (void)argc; (void)argv; (void)envp;
    /* stdio works here in a static executable */
    say("preinit_array");
}
__attribute__((section(".preinit_array"), used)) static void (*const preinit_entry)(int, char **, char **) = preinit;

__attribute__((constructor(101))) static void c101(void) { say("ctor 101 (main)"); }
__attribute__((constructor(300))) static void c300(void) { say("ctor 300 (main)"); }
__attribute__((constructor)) static void cdef_a(void) { say("ctor default A (main)"); }
__attribute__((constructor)) static void cdef_b(void) { say("ctor default B (main)"); }

__attribute__((destructor(101))) static void d101(void) { say("dtor 101 (main)"); }
__attribute__((destructor(300))) static void d300(void) { say("dtor 300 (main)"); }
__attribute__((destructor)) static void ddef(void) { say("dtor default (main)"); }

static void atexit_from_ctor(void) { say("atexit registered in ctor 102"); }
static void atexit_first(void) { say("atexit registered first in main"); }
static void atexit_second(void) { say("atexit registered second in main"); }

__attribute__((constructor(102))) static void c102(void)
{
    say("ctor 102 (main)");
    atexit(atexit_from_ctor);
}

int main(void)
{
    say("main");
    atexit(atexit_first);
    atexit(atexit_second);
    exit(3);
}
