// The emulator's own decoded instruction: what iced-x86 yields, flattened once into plain JS fields so that
// execution never goes back into wasm. Handlers are looked up by mnemonic (handlers.ts).
import type { Cpu } from './cpu.ts';

export type Handler = (c: Cpu, d: Insn) => void;

/** Operand kinds. */
export const K_NONE = 0, K_REG = 1, K_MEM = 2, K_IMM = 3, K_XMM = 4, K_SEG = 5, K_ST = 6, K_CR = 7, K_DR = 8, K_MM = 9, K_STR = 10, K_FAR = 11;

export class Insn {
  exec: Handler;
  /** Linear address of the instruction and of the next one (signed canonical doubles in 64-bit mode). */
  ip = 0;
  next = 0;
  len = 0;
  /** iced Code and Mnemonic. */
  code = 0;
  mn = 0;
  /** Operand count and, per operand: kind (K_*), register number, size in bytes. */
  n = 0;
  k0 = 0; k1 = 0; k2 = 0; k3 = 0;
  r0 = 0; r1 = 0; r2 = 0; r3 = 0;
  s0 = 0; s1 = 0; s2 = 0;
  /** Immediate (the first one), as 32-bit halves of its value sign/zero-extended to 64 bits; imm2 = a second imm8. */
  immLo = 0;
  immHi = 0;
  imm2 = 0;
  /** Memory operand: base/index GPR (-1 none), scale (1 without an index), displacement (RIP-relative: absolute target, base -1), segment 0-5, address size. */
  base = -1;
  index = -1;
  scale = 1;
  disp = 0;
  /** The displacement as two's complement 32-bit halves (lea and 64-bit address arithmetic). */
  dispLo = 0;
  dispHi = 0;
  seg = 3;
  asize = 8;
  /** Size of the memory operand in bytes (iced MemorySize). */
  msize = 0;
  /** Operand size for string ops / implicit-operand instructions (bytes). */
  osize = 4;
  /** 1 = rep/repe, 2 = repne. */
  rep = 0;
  lock = false;
  /** Near branch target, or far branch offset. */
  target = 0;
  farSel = 0;
  /** Condition code (iced ConditionCode) for jcc/setcc/cmovcc. */
  cc = 0;
  /** Free per-family slot (e.g. an ALU op number). */
  aux = 0;
  /** Decoded successors: at `next` and at `target` (valid while linkEpoch equals the code cache's epoch). */
  succ: Insn | null = null;
  tsucc: Insn | null = null;
  linkEpoch = 0;
  /** The page this came from was written to: decode again. */
  dead = false;

  constructor(exec: Handler) {
    this.exec = exec;
  }
}
