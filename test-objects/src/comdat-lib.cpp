/* comdat-lib.o: second instantiation of everything in comdat.h
 * (library for comdat-main.o). */
#include <typeinfo>
#include "comdat.h"

int make_seed()
{
    return 1234;
}

int lib_use(int k)
{
    Box<int> b(k);
    Box<long> bl(k);
    Dog d;
    Animal &a = d;
    return shared_counter() + twice(b.get()) + (int)twice(bl.get()) + (a.sound()[0] == 'w') + guarded_static();
}

int_fn lib_twice_ptr()
{
    return &twice<int>;
}

counter_fn lib_counter_ptr()
{
    return &shared_counter;
}

const void *lib_dog_vtable_probe(const Animal *a)
{
    return &typeid(*a);
}

Animal *lib_new_dog()
{
    return new Dog;   /* needs Dog's vtable and typeinfo in this object too */
}

int *lib_inline_var_addr()
{
    return &inline_var;
}

int lib_box_instances()
{
    return Box<int>::instances;
}
