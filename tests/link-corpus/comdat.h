// COMDAT: inline functions (with a function-local static), templates and a vtable/typeinfo emitted in
// both TUs; the linker keeps one copy of each group, so addresses and statics are shared.
#include <cstdio>
inline int shared_counter() { static int n = 0; return ++n; }
inline const void *inline_addr() { return reinterpret_cast<const void *>(&shared_counter); }
template <class T> struct Acc { static T total; static void add(T v) { total += v; } };
template <class T> T Acc<T>::total = T(100);
template <class T> T twice_t(T v) { return v + v; }
struct Poly { virtual ~Poly() {} virtual int id() const { return 7; } };
inline Poly *make_poly() { static Poly p; return &p; }
const void *b_inline_addr();
const void *b_twice_addr();
const void *b_total_addr();
const void *b_vtable_obj();
int b_work();
