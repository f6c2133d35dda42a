// Static constructors/destructors across two TUs (order within a TU is declaration order, across TUs it is
// link order, destructors reversed), init_priority, function-local statics, and atexit mixed in.
#include <cstdio>
#include <cstdlib>
#include "cxx_static.h"

Tracer::Tracer(const char *n) : name(n) { std::printf("construct %s\n", n); }
Tracer::~Tracer() { std::printf("destroy %s\n", name); }

Tracer a1("a1");
static Tracer a2("a2");
Tracer early __attribute__((init_priority(200))) ("early(prio 200)");
Tracer &lazy() { static Tracer t("function-local static"); return t; }

int main() {
  std::printf("main starts; b1 is %s\n", b1_name());
  lazy(); lazy();
  std::atexit([] { std::printf("atexit handler\n"); });
  static Tracer in_main("static in main");
  std::printf("main returns\n");
  return 33;
}
