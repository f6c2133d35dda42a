/* switch.c -> switch-pie.o (default -fPIE), switch-nopie.o (-fno-pie),
 * switch-cet.o (-fPIE -fcf-protection=full).
 *
 * A dense switch compiled to a jump table whose cases contain inline
 * `syscall`s (PIE: 4-byte entries in .rodata, R_X86_64_PC32 against .text,
 * dispatched by lea/movslq/add/jmp *%reg; no-PIE: 8-byte R_X86_64_64 entries,
 * `jmp *table(,%reg,8)` with R_X86_64_32S; CET: endbr64 at case labels and
 * `notrack jmp`), and a computed-goto table of &&label pointers
 * (R_X86_64_64 against .text, in .data.rel.ro.local for PIE / .rodata for
 * no-PIE) with a syscall in one of its blocks.  Growing .text must move
 * every table entry that points past a syscall site.
 * Link: gcc -static switch-pie.o (resp. switch-nopie.o, switch-cet.o) */
#include <stdio.h>
#include <unistd.h>

static inline long sys0(long n)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "0"(n) : "rcx", "r11", "memory");
    return r;
}

static volatile long sink;

__attribute__((noinline)) int dispatch(int op, long pid)
{
    int r;
    switch (op) {
    case 0: r = 3; sink = 0; break;
    case 1: r = sys0(39) == pid ? 11 : -1; break;         /* getpid */
    case 2: r = 17; sink = 2; break;
    case 3: r = 23 + (int)sink; break;
    case 4: r = sys0(110) == (long)getppid() ? 29 : -1; break;  /* getppid */
    case 5: r = 31; sink = 5; break;
    case 6: r = sys0(102) == (long)getuid() ? 37 : -1; break;  /* getuid */
    case 7: r = 41; sink = 7; break;
    case 8: r = 43 + (int)(sink & 1); break;
    case 9: r = sys0(39) == pid ? 47 : -1; break;
    case 10: r = 53; sink = 10; break;
    default: r = -1; break;
    }
    return r;
}

/* computed goto: a threaded interpreter over a tiny bytecode */
enum { OP_PUSH1, OP_ADD, OP_DUP, OP_PID, OP_HALT };

__attribute__((noinline)) long interpret(const unsigned char *code, long pid)
{
    static void *const labels[] = {&&do_push1, &&do_add, &&do_dup, &&do_pid, &&do_halt};
    long stack[16];
    int sp = 0;
#define NEXT goto *labels[*code++]
    NEXT;
do_push1:
    stack[sp++] = 1;
    NEXT;
do_add:
    sp--;
    stack[sp - 1] += stack[sp];
    NEXT;
do_dup:
    stack[sp] = stack[sp - 1];
    sp++;
    NEXT;
do_pid:
    stack[sp++] = sys0(39) == pid ? 100 : -1000;
    NEXT;
do_halt:
    return stack[sp - 1];
#undef NEXT
}

int main(void)
{
    long pid = getpid();
    int sum = 0;
    for (int op = -1; op <= 11; op++) {
        int r = dispatch(op, pid);
        printf("dispatch(%d) = %d\n", op, r);
        sum += r;
    }
    printf("sum = %d\n", sum);
    static const unsigned char prog[] = {OP_PUSH1, OP_DUP, OP_ADD, OP_DUP, OP_ADD, OP_PID,
                                         OP_ADD, OP_PUSH1, OP_ADD, OP_HALT};
    printf("interpret = %ld\n", interpret(prog, pid));
    return 0;
}
