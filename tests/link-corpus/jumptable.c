/* Dense switches (jump tables in .rodata: R_X86_64_32S/64 or PC-relative entries, depending on -fPIE),
   computed goto (&&label tables), and a function-pointer table. */
#include <stdio.h>

__attribute__((noinline)) static int classify(int c) {
  switch (c) {
  case 0: return 11; case 1: return 23; case 2: return 37; case 3: return 41; case 4: return 53;
  case 5: return 67; case 6: return 71; case 7: return 83; case 8: return 97; case 9: return 101;
  case 10: return 113; case 11: return 127; case 12: return 131; case 13: return 149; case 14: return 151;
  case 15: return 163; case 17: return 173; case 19: return 181; case 20: return 191; default: return -1;
  }
}
__attribute__((noinline)) static const char *name(unsigned op) {
  switch (op) {
  case 'a': return "add"; case 'b': return "branch"; case 'c': return "call"; case 'd': return "div";
  case 'e': return "eq"; case 'f': return "fma"; case 'g': return "goto"; case 'h': return "halt";
  case 'i': return "inc"; case 'j': return "jmp"; case 'k': return "kill"; case 'l': return "load";
  default: return "?";
  }
}
static long interp(const unsigned char *code) {
  static const void *ops[] = { &&op_push, &&op_add, &&op_mul, &&op_dup, &&op_end };
  long stack[64]; int sp = 0; const unsigned char *pc = code;
#define NEXT goto *ops[*pc++]
  NEXT;
op_push: stack[sp++] = *pc++; NEXT;
op_add: sp--; stack[sp - 1] += stack[sp]; NEXT;
op_mul: sp--; stack[sp - 1] *= stack[sp]; NEXT;
op_dup: stack[sp] = stack[sp - 1]; sp++; NEXT;
op_end: return stack[sp - 1];
}
static int f0(int x) { return x + 1; } static int f1(int x) { return x * 5; } static int f2(int x) { return x - 9; }
static int (*const table[])(int) = { f0, f1, f2 };

int main(void) {
  long sum = 0;
  for (int i = -2; i < 25; i++) { int v = classify(i); sum = sum * 3 + v; printf("%d:%d ", i, v); }
  printf("\nsum %ld\n", sum);
  for (unsigned c = 'a'; c <= 'm'; c++) printf("%s ", name(c));
  static const unsigned char prog[] = { 0, 6, 3, 2, 0, 7, 1, 3, 1, 4 };
  printf("\ninterp %ld\n", interp(prog));
  int x = 3; for (int i = 0; i < 9; i++) x = table[i % 3](x);
  printf("table %d\n", x);
  return 0;
}
