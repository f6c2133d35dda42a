/* label-diff.o (default -fPIE): KNOWN HAZARD.  A computed-goto table of
 * label DIFFERENCES (&&lbl - &&base, the form glibc's vfprintf uses in
 * libc.so builds).  The assembler resolves each `.long .Lx-.Lbase` itself,
 * so the table in .rodata carries NO relocation, yet its entries are .text
 * offsets that change if a syscall site between the labels grows.  A
 * rewriter that grows code cannot see the table and must either not grow
 * this function or refuse it; GNU-ld-linked it runs fine.
 * Link: gcc -static label-diff.o */
#include <stdio.h>
#include <unistd.h>

static inline long sys0(long n)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "0"(n) : "rcx", "r11", "memory");
    return r;
}

__attribute__((noinline)) long run(const unsigned char *code, long pid)
{
    static const int offsets[] = {&&op_inc - &&op_inc, &&op_pid - &&op_inc,
                                  &&op_double - &&op_inc, &&op_halt - &&op_inc};
    long acc = 0;
#define NEXT goto *(&&op_inc + offsets[*code++])
    NEXT;
op_inc:
    acc += 1;
    NEXT;
op_pid:
    acc += sys0(39) == pid ? 1000 : -100000;
    NEXT;
op_double:
    acc *= 2;
    NEXT;
op_halt:
    return acc;
#undef NEXT
}

int main(void)
{
    static const unsigned char prog[] = {0, 0, 2, 1, 2, 0, 1, 3};
    printf("run = %ld\n", run(prog, getpid()));
    return 0;
}
