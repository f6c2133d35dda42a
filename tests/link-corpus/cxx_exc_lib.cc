#include <cstdio>
#include <stdexcept>
#include "cxx_exc.h"

LibError::LibError(int c) : std::logic_error("lib error " + std::to_string(c)), code(c) {}
struct Local { ~Local() { std::printf("~Local in lib\n"); } };
void lib_throw(int x) {
  Local l;
  if (x == 3) throw LibError(x);
  if (x == 4) throw std::runtime_error("runtime " + std::to_string(x));
  throw x * 10;
}
void lib_rethrow() {
  try { throw std::invalid_argument("bad arg"); }
  catch (...) { std::printf("lib caught, rethrowing\n"); throw; }
}
void lib_call_back(void (*f)()) { Local l; f(); }
