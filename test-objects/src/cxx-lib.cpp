/* cxx-lib.o: throws C++ exceptions of several types that cross into
 * cxx-main.o, defines the key functions of a small class hierarchy (vtables
 * and typeinfo in this object), and has a static object whose constructor and
 * destructor print.  Library for cxx-main.o. */
#include <cstdio>
#include <string>
#include "cxx.h"

namespace {
struct Tracer {
    const char *name;
    explicit Tracer(const char *n) : name(n) { std::printf("static ctor %s\n", name); }
    ~Tracer() { std::printf("static dtor %s\n", name); }
};
Tracer lib_tracer("lib");

struct Guard {
    int kind;
    explicit Guard(int k) : kind(k) {}
    ~Guard() { std::printf("  unwinding lib frame (kind %d)\n", kind); }
};
}  // namespace

Shape::~Shape() {}
const char *Rect::name() const { return "rect"; }
int Rect::area() const { return w * h; }
const char *Square::name() const { return "square"; }
const char *Circle::name() const { return "circle"; }
int Circle::area() const { return 3 * r * r; }

__attribute__((noinline)) void lib_throw(int kind)
{
    Guard g(kind);
    switch (kind) {
    case 0: throw AppError("app error", 7);
    case 1: throw std::out_of_range("index out of range");
    case 2: throw 42;
    case 3: throw std::string("a string");
    case 4: throw DeepError();
    default: break;
    }
}

Shape *lib_make_shape(int kind)
{
    switch (kind) {
    case 0: return new Rect(2, 3);
    case 1: return new Square(4);
    default: return new Circle(2);
    }
}

int lib_catch_and_rethrow(int kind)
{
    try {
        lib_throw(kind);
    } catch (const AppError &e) {
        std::printf("  lib caught AppError code %d, rethrowing\n", e.code);
        throw;
    }
    return -1;
}
