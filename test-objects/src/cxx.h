/* Shared by cxx-main.cpp and cxx-lib.cpp. */
#ifndef CXX_H
#define CXX_H
#include <stdexcept>

struct AppError : std::runtime_error {
    int code;
    AppError(const char *what, int c) : std::runtime_error(what), code(c) {}
};
struct DeepError : AppError {
    DeepError() : AppError("deep", 99) {}
};

struct Shape {
    virtual ~Shape();
    virtual const char *name() const = 0;
    virtual int area() const = 0;
};
struct Rect : Shape {
    int w, h;
    Rect(int w, int h) : w(w), h(h) {}
    const char *name() const override;
    int area() const override;
};
struct Square : Rect {
    explicit Square(int s) : Rect(s, s) {}
    const char *name() const override;
};
struct Circle : Shape {
    int r;
    explicit Circle(int r) : r(r) {}
    const char *name() const override;
    int area() const override;
};

/* cxx-lib.cpp */
void lib_throw(int kind);
Shape *lib_make_shape(int kind);
int lib_catch_and_rethrow(int kind);
#endif
