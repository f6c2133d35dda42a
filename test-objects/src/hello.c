/* hello.o -- smallest C program: printf/puts through libc, no .eh_frame
 * (built with -fno-asynchronous-unwind-tables).  Baseline for every linker test. */
#include <stdio.h>

int main(void)
{
    printf("hello, %s %d\n", "world", 42);
    puts("bye");
    return 0;
}
