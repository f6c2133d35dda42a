#include <stdexcept>
struct LibError : std::logic_error { int code; LibError(int c); };
[[noreturn]] void lib_throw(int x);
void lib_rethrow();
void lib_call_back(void (*f)());
