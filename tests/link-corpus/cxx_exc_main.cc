// Exceptions thrown across functions and translation units (cxx_exc_lib.cc), nested try, rethrow,
// std exceptions from the library, catch(...), noexcept -> not reached, destructors run during unwinding.
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>
#include "cxx_exc.h"

struct Guard { const char *n; ~Guard() { std::printf("~Guard(%s)\n", n); } };

static int level3(int x) { Guard g{"level3"}; if (x > 2) lib_throw(x); return x; }
static int level2(int x) { Guard g{"level2"}; return level3(x) + 1; }

int main() {
  for (int i = 1; i <= 5; i++) {
    try {
      std::printf("level2(%d) = %d\n", i, level2(i));
    } catch (const LibError &e) {
      std::printf("caught LibError code=%d what=%s\n", e.code, e.what());
    } catch (const std::runtime_error &e) {
      std::printf("caught runtime_error: %s\n", e.what());
    } catch (int v) {
      std::printf("caught int %d\n", v);
    }
  }
  try { std::vector<int> v(3); (void)v.at(10); } catch (const std::out_of_range &) { std::printf("caught out_of_range from libstdc++\n"); }
  try { lib_rethrow(); } catch (const std::exception &e) { std::printf("rethrown: %s\n", e.what()); }
  try { try { throw std::string("inner"); } catch (std::string &s) { s += "+rethrow"; throw; } }
  catch (const std::string &s) { std::printf("caught string %s\n", s.c_str()); }
  try { lib_call_back([] { throw 3.5; }); } catch (double d) { std::printf("caught double %.1f through lib frame\n", d); }
  std::printf("uncaught_exceptions=%d\n", std::uncaught_exceptions());
  return 0;
}
