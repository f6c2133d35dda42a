#include <stdio.h>
int ctor_ran;
__attribute__((constructor)) static void hello_from_ctor(void) {
  ctor_ran = 7;
  printf("constructor in an unreferenced object\n");
}
