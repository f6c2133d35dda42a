/* cxx-main.o: C++ exceptions thrown in cxx-lib.o and caught here (by
 * exact type, by base class, catch(...), rethrow across objects, unwinding
 * frames with destructors), RTTI (dynamic_cast success/failure, typeid),
 * static constructors/destructors in both objects, a function-local static
 * with a guard, and iostream output mixed with stdio.
 * Link: g++ -static cxx-main.o cxx-lib.o */
#include <cstdio>
#include <iostream>
#include <string>
#include <typeinfo>
#include "cxx.h"

namespace {
struct Tracer {
    const char *name;
    explicit Tracer(const char *n) : name(n) { std::printf("static ctor %s\n", name); }
    ~Tracer() { std::printf("static dtor %s\n", name); }
};
Tracer main_tracer("main");

struct Local {
    ~Local() { std::printf("  unwinding main frame\n"); }
};

__attribute__((noinline)) void middle(int kind)
{
    Local l;
    lib_throw(kind);
    std::printf("  no exception for kind %d\n", kind);
}

int &call_count()
{
    static int count = [] { std::printf("local static initialised\n"); return 0; }();
    return count;
}
}  // namespace

static void run(int kind)
{
    call_count()++;
    std::cout << "kind " << kind << ":" << std::endl;
    try {
        middle(kind);
    } catch (const DeepError &e) {
        std::cout << "  caught DeepError: " << e.what() << " code " << e.code << std::endl;
    } catch (const AppError &e) {
        std::cout << "  caught AppError: " << e.what() << " code " << e.code << std::endl;
    } catch (const std::logic_error &e) {
        std::cout << "  caught logic_error (" << (dynamic_cast<const std::out_of_range *>(&e) ? "out_of_range" : "?")
                  << "): " << e.what() << std::endl;
    } catch (int v) {
        std::cout << "  caught int " << v << std::endl;
    } catch (...) {
        std::cout << "  caught something else" << std::endl;
    }
}

int main()
{
    for (int kind = 0; kind <= 5; kind++)
        run(kind);

    try {
        lib_catch_and_rethrow(0);
    } catch (const std::exception &e) {
        std::cout << "rethrown: " << e.what() << " (" << typeid(e).name() << ")" << std::endl;
    }

    for (int k = 0; k < 3; k++) {
        Shape *s = lib_make_shape(k);
        Rect *r = dynamic_cast<Rect *>(s);
        Square *q = dynamic_cast<Square *>(s);
        std::cout << s->name() << " area " << s->area() << " typeid " << typeid(*s).name()
                  << " rect? " << (r ? "yes" : "no") << " square? " << (q ? "yes" : "no") << std::endl;
        delete s;
    }
    try {
        Shape *s = lib_make_shape(2);
        Rect &r = dynamic_cast<Rect &>(*s);
        (void)r;
    } catch (const std::bad_cast &) {
        std::cout << "bad_cast caught" << std::endl;
    }
    std::cout << "calls: " << call_count() << std::endl;
    return 0;
}
