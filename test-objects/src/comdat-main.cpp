/* comdat-main.o: C++ inline functions, template instantiations, vtables,
 * typeinfo, guard variables and an inline variable that are also emitted by
 * comdat-lib.o.  Checks at run time that only one copy survived the link.
 * Link: g++ -static comdat-main.o comdat-lib.o */
#include <cstdio>
#include <typeinfo>
#include "comdat.h"

int main()
{
    int a = shared_counter();   /* 1 */
    int r = lib_use(5);         /* shared_counter 2 + 10 + 10 + 1 + 1234 */
    int b = shared_counter();   /* 3 */
    std::printf("shared_counter: %d %d %d\n", a, r, b);

    Box<int> box(7);
    std::printf("twice: %d %ld %g\n", twice(box.get()), twice(21L), twice(1.25));
    std::printf("Box<int>::instances: %d (lib sees %d)\n", Box<int>::instances, lib_box_instances());

    std::printf("same twice<int>: %s\n", lib_twice_ptr() == &twice<int> ? "yes" : "no");
    std::printf("same shared_counter: %s\n",
                lib_counter_ptr() == &shared_counter ? "yes" : "no");

    Dog d;
    std::printf("same typeinfo: %s\n", lib_dog_vtable_probe(&d) == &typeid(Dog) ? "yes" : "no");
    std::printf("typeid name: %s\n", typeid(d).name());
    Animal *ld = lib_new_dog();
    std::printf("lib's dog: %s, same vtable: %s\n", ld->sound(),
                *reinterpret_cast<void **>(ld) == *reinterpret_cast<void **>(static_cast<Animal *>(&d)) ? "yes" : "no");
    delete ld;

    inline_var += 1;
    std::printf("inline_var: %d same address: %s\n", *lib_inline_var_addr(),
                lib_inline_var_addr() == &inline_var ? "yes" : "no");
    std::printf("guarded_static: %d\n", guarded_static());
    return 0;
}
