#include "comdat.h"
#include <typeinfo>
int main() {
  int a = shared_counter(); int b = b_work(); int c = shared_counter();
  std::printf("counter sequence %d %d %d\n", a, b, c);
  Acc<int>::add(5); Acc<long>::add(6);
  std::printf("Acc<int>::total=%d Acc<long>::total=%ld\n", Acc<int>::total, Acc<long>::total);
  std::printf("same inline address: %d\n", inline_addr() == b_inline_addr());
  std::printf("same template instance: %d\n", reinterpret_cast<const void *>(&twice_t<int>) == b_twice_addr());
  std::printf("same template static: %d\n", static_cast<const void *>(&Acc<int>::total) == b_total_addr());
  std::printf("same static object in inline fn: %d, id %d, typeid %s\n", static_cast<const void *>(make_poly()) == b_vtable_obj(), make_poly()->id(), typeid(*make_poly()).name());
  std::printf("twice_t: %d %.1f\n", twice_t(21), twice_t(1.25));
  return 0;
}
