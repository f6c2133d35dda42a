/* Shared by comdat-main.cpp and comdat-lib.cpp: everything here is emitted
 * into COMDAT groups in BOTH objects, so the linker must keep one copy. */
#ifndef COMDAT_H
#define COMDAT_H

/* inline function with a function-local static (the static lives in its own
 * COMDAT group; if the linker kept two copies, each object would count on
 * its own and the totals below would be wrong) */
__attribute__((noinline)) inline int shared_counter()
{
    static int n = 0;
    return ++n;
}

/* function-local static needing a guard variable (dynamic initialisation) */
int make_seed();
__attribute__((noinline)) inline int guarded_static()
{
    static int seed = make_seed();
    return seed;
}

template <typename T>
__attribute__((noinline)) T twice(T x)
{
    return x + x;
}

/* class template with a static data member, virtual functions (vtable and
 * typeinfo in COMDAT groups) */
template <typename T>
struct Box {
    static int instances;
    T value;
    explicit Box(T v) : value(v) { ++instances; }
    virtual ~Box() {}
    virtual T get() const { return value; }
};
template <typename T>
int Box<T>::instances = 0;

/* class with only inline virtual functions: vtable/typeinfo are COMDAT */
struct Animal {
    virtual ~Animal() {}
    virtual const char *sound() const { return "..."; }
};
struct Dog : Animal {
    const char *sound() const override { return "woof"; }
};

/* C++17 inline variable */
inline int inline_var = 100;

typedef int (*int_fn)(int);

/* implemented in comdat-lib.cpp */
int lib_use(int k);
int_fn lib_twice_ptr();
typedef int (*counter_fn)();
counter_fn lib_counter_ptr();
const void *lib_dog_vtable_probe(const Animal *a);
Animal *lib_new_dog();
int *lib_inline_var_addr();
int lib_box_instances();

#endif
