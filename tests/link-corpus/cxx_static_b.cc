#include "cxx_static.h"
Tracer b1("b1");
Tracer later __attribute__((init_priority(60000))) ("later(prio 60000)");
Tracer earliest __attribute__((init_priority(101))) ("earliest(prio 101)");
namespace { Tracer b2("b2"); }
const char *b1_name() { return b1.name; }
