// RTTI: dynamic_cast (down, cross, failing, to void*), typeid on polymorphic objects and types,
// type_info equality and names, bad_cast / bad_typeid, virtual and multiple inheritance.
#include <cstdio>
#include <cxxabi.h>
#include <cstdlib>
#include <typeinfo>
#include <memory>
#include <string>
#include <vector>

struct Base { virtual ~Base() = default; virtual const char *who() const { return "Base"; } };
struct Left : virtual Base { const char *who() const override { return "Left"; } int l = 1; };
struct Right : virtual Base { int r = 2; };
struct Diamond : Left, Right { const char *who() const override { return "Diamond"; } };
struct Other { virtual ~Other() = default; };
template <class T> struct Box : Base { T v{}; const char *who() const override { return "Box"; } };

static std::string demangle(const char *n) { int st; char *d = abi::__cxa_demangle(n, nullptr, nullptr, &st); std::string s = st == 0 ? d : n; std::free(d); return s; }

int main() {
  std::vector<std::unique_ptr<Base>> v;
  v.emplace_back(new Base); v.emplace_back(new Left); v.emplace_back(new Diamond); v.emplace_back(new Box<int>); v.emplace_back(new Box<double>);
  for (auto &p : v) {
    Base *b = p.get();
    std::printf("%-8s typeid=%-12s left=%d right=%d diamond=%d void*==self:%d\n", b->who(), demangle(typeid(*b).name()).c_str(),
                dynamic_cast<Left *>(b) != nullptr, dynamic_cast<Right *>(b) != nullptr, dynamic_cast<Diamond *>(b) != nullptr,
                dynamic_cast<void *>(b) == static_cast<void *>(b) || dynamic_cast<Diamond *>(b) != nullptr);
  }
  Diamond d; Left *l = &d; Right *r = dynamic_cast<Right *>(l);
  std::printf("cross cast Left->Right ok=%d r=%d\n", r != nullptr, r ? r->r : -1);
  std::printf("typeid(int)==typeid(int): %d, typeid(Box<int>)!=typeid(Box<double>): %d\n", typeid(int) == typeid(int), typeid(Box<int>) != typeid(Box<double>));
  std::printf("names: %s %s %s\n", typeid(Diamond).name(), typeid(Box<long>).name(), typeid(const char *).name());
  try { Base &b = *v[0]; (void)dynamic_cast<Diamond &>(b); } catch (const std::bad_cast &e) { std::printf("bad_cast: %s\n", e.what()); }
  try { Base *np = nullptr; (void)typeid(*np); } catch (const std::bad_typeid &e) { std::printf("bad_typeid: %s\n", e.what()); }
  Other o; Base *bo = reinterpret_cast<Base *>(&o); (void)bo;
  std::printf("Other dynamic_cast to Base: %d\n", dynamic_cast<Base *>(static_cast<Other *>(&o)) != nullptr);
  return 0;
}
