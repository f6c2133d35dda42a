/* With ctor_only.c: an application object nobody references is still linked, and its constructor runs. */
#include <stdio.h>
extern int ctor_ran __attribute__((weak));
int main(void) {
  printf("main: ctor_ran is %s\n", &ctor_ran ? "linked" : "missing");
  return &ctor_ran && ctor_ran == 7 ? 4 : 1;
}
