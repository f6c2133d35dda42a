#include "comdat.h"
const void *b_inline_addr() { return inline_addr(); }
const void *b_twice_addr() { return reinterpret_cast<const void *>(&twice_t<int>); }
const void *b_total_addr() { return &Acc<int>::total; }
const void *b_vtable_obj() { return make_poly(); }
int b_work() { Acc<int>::add(1); return shared_counter() * 10 + twice_t(2); }
