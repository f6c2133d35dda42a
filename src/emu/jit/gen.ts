// The code generator's context for one region (translate.ts): JavaScript source for register, address and memory access with
// every operand field of the decoded instruction folded in as a constant. Memory goes through the MMU's
// per-access tag arrays (a hit is a RAM page this privilege may read or write, with no decoded code on it for
// writes); a miss, a page-crossing access or MMIO leaves the function before the instruction, and the run
// loop executes it with its handler, which translates, faults and invalidates decoded code as the
// interpreter does.
import type { Insn } from '../insn.ts';

/** Arithmetic flags as bits (liveness sets). */
export const CF = 1, PF = 2, AF = 4, ZF = 8, SF = 16, OF = 32, ALL_FLAGS = 63;

/** A number as a source literal. */
export function lit(n: number): string {
  return n < 0 || Object.is(n, -0) ? `(${n})` : String(n);
}

export class Gen {
  readonly out: string[] = [];
  /** Closure constants of the function (handlers and instructions the code calls). */
  readonly names: string[] = [];
  readonly values: unknown[] = [];
  private nvar = 0;
  /** Index of the instruction being emitted in the region, and of its block's first instruction. */
  k = 0;
  bs = 0;
  /** Flags read after this instruction (only these need computing). */
  live = ALL_FLAGS;

  line(s: string): void {
    this.out.push(s);
  }

  /** A fresh variable name. */
  v(prefix = 't'): string {
    return `${prefix}${this.nvar++}`;
  }

  /** Emit a call of d's own handler (as the interpreter runs it; c.rip is the next instruction). */
  callHandler(d: Insn): void {
    const h = `$h${this.k}`, i = `$d${this.k}`;
    this.names.push(h, i);
    this.values.push(d.exec, d);
    this.line(`c.rip = ${lit(d.next)}; ${h}(c, ${i});`);
  }

  /** Leave the function before the current instruction, which has changed nothing yet: the run loop
   * executes it with its handler (a TLB miss, a page-crossing or MMIO access, a store to a page holding
   * code, a fault to raise). */
  exitBefore(): string {
    return exitTo(this.k * 4 + EXIT_BEFORE, this.k - this.bs);
  }

  needs(flag: number): boolean {
    return (this.live & flag) !== 0;
  }

  // ---- registers (r 16-19 = AH CH DH BH for size 1)

  /** Low part of GPR r read at size s (an expression). */
  rlo(r: number, s: number): string {
    if (s === 8 || s === 4) return `L[${r}]`;
    if (s === 2) return `(L[${r}] & 0xffff)`;
    return r < 16 ? `(L[${r}] & 0xff)` : `((L[${r - 16}] >>> 8) & 0xff)`;
  }

  /** Write GPR r at size s (32-bit writes clear the high half; 8/16-bit ones merge). */
  wreg(r: number, s: number, lo: string, hi: string): void {
    if (s === 8) this.line(`L[${r}] = ${lo}; H[${r}] = ${hi};`);
    else if (s === 4) this.line(`L[${r}] = ${lo}; H[${r}] = 0;`);
    else if (s === 2) this.line(`L[${r}] = (L[${r}] & 0xffff0000) | ((${lo}) & 0xffff);`);
    else if (r < 16) this.line(`L[${r}] = (L[${r}] & 0xffffff00) | ((${lo}) & 0xff);`);
    else this.line(`L[${r - 16}] = (L[${r - 16}] & 0xffff00ff) | (((${lo}) & 0xff) << 8);`);
  }

  /** A 64-bit register as a signed double (exact for canonical addresses, as Cpu.regNum). */
  regNum(r: number): string {
    return `((H[${r}] | 0) * 4294967296 + L[${r}])`;
  }

  // ---- addresses

  /** Whether the memory operand's address can be generated (64-bit addressing). */
  static addressable(d: Insn): boolean {
    return d.asize === 8;
  }

  /** Emit the effective linear address of d's memory operand as int32 halves (lo as uint32, hi signed),
   * exact modulo 2^64 as Cpu.ea; returns the two variable names. */
  ea(d: Insn): [string, string] {
    const [al, ah] = this.eaFlat(d);
    if (d.seg < 4) return [al, ah];
    // FS/GS: the base is a signed double, added to the signed address (as Cpu.ea), then split again.
    const a = this.v('a'), sl = this.v('al'), sh = this.v('ah');
    this.line(`const ${a} = ${ah} * 4294967296 + ${al} + c.segBase[${d.seg}];`);
    this.line(`const ${sl} = ${a} >>> 0, ${sh} = Math.floor(${a} / 4294967296) | 0;`);
    return [sl, sh];
  }

  /** The address without a segment base, as int32 halves (also lea's result). */
  eaFlat(d: Insn): [string, string] {
    const al = this.v('al'), ah = this.v('ah');
    const b = d.base, x = d.index;
    if (b < 0 && x < 0) {
      const h = Math.floor(d.disp / 4294967296);
      this.line(`const ${al} = ${d.disp - h * 4294967296}, ${ah} = ${h | 0};`);
      return [al, ah];
    }
    const lo: string[] = [], hi: string[] = [];
    if (b >= 0) {
      lo.push(`L[${b}]`);
      hi.push(`H[${b}]`);
    }
    if (x >= 0) {
      lo.push(d.scale === 1 ? `L[${x}]` : `L[${x}] * ${d.scale}`);
      hi.push(d.scale === 1 ? `H[${x}]` : `H[${x}] * ${d.scale}`);
    }
    if (d.disp !== 0) lo.push(lit(d.disp)); // a signed 32-bit displacement
    if (lo.length === 1 && (x < 0 || d.scale === 1)) {
      this.line(`const ${al} = ${lo[0]}, ${ah} = ${hi[0]} | 0;`);
      return [al, ah];
    }
    const l = this.v('l');
    this.line(`const ${l} = ${lo.join(' + ')};`);
    this.line(`const ${al} = ${l} >>> 0, ${ah} = (${hi.join(' + ')} + Math.floor(${l} / 4294967296)) | 0;`);
    return [al, ah];
  }

  // ---- memory

  /** The fast-path test and offset for an access of s bytes at address halves [al, ah]: declares the TLB
   * index and page offset variables; returns [condition, physical address expression]. */
  probe(s: number, al: string, ah: string, write: boolean): [string, string] {
    const i = this.v('i'), o = this.v('o');
    this.line(`const ${i} = (${al} >>> 12) & 4095, ${o} = ${al} & 4095;`);
    const [tl, th] = write ? ['WL', 'WH'] : ['RL', 'RH'];
    return [`${tl}[${i}] === (${al} >>> 12) && ${th}[${i}] === ${ah} && ${o} <= ${4096 - s}`, `(FR[${i}] | ${o})`];
  }

  /** Emit a read of s bytes at address halves [al, ah]; returns [lo, hi] variable names (hi '0' unless s = 8). */
  load(s: number, [al, ah]: [string, string]): [string, string] {
    const lo = this.v('m'), hi = s === 8 ? this.v('mh') : '0';
    this.line(`let ${lo}${s === 8 ? `, ${hi}` : ''};`);
    const [ok, p] = this.probe(s, al, ah, false);
    let fast: string;
    switch (s) {
      case 1: fast = `${lo} = ram[${p}];`; break;
      case 2: fast = `${lo} = dv.getUint16(${p}, true);`; break;
      case 4: fast = `${lo} = dv.getUint32(${p}, true);`; break;
      default: {
        const q = this.v('q');
        fast = `const ${q} = ${p}; ${lo} = dv.getUint32(${q}, true); ${hi} = dv.getUint32(${q} + 4, true);`;
      }
    }
    this.line(`if (${ok}) { ${fast} } else ${this.exitBefore()}`);
    return [lo, hi];
  }

  /** Emit a write of s bytes (lo, and hi for s = 8) at address halves [al, ah]. */
  store(s: number, [al, ah]: [string, string], lo: string, hi: string): void {
    const [ok, p] = this.probe(s, al, ah, true);
    let fast: string;
    switch (s) {
      case 1: fast = `ram[${p}] = ${lo};`; break;
      case 2: fast = `dv.setUint16(${p}, ${lo}, true);`; break;
      case 4: fast = `dv.setUint32(${p}, ${lo}, true);`; break;
      default: {
        const q = this.v('q');
        fast = `const ${q} = ${p}; dv.setUint32(${q}, ${lo}, true); dv.setUint32(${q} + 4, ${hi}, true);`;
      }
    }
    this.line(`if (${ok}) { ${fast} } else ${this.exitBefore()}`);
  }

  /** Address halves of the 64-bit register r (e.g. rsp) plus a small constant delta. */
  regAddr(r: number, delta: number): [string, string] {
    const al = this.v('al'), ah = this.v('ah');
    if (delta === 0) this.line(`const ${al} = L[${r}], ${ah} = H[${r}] | 0;`);
    else {
      const l = this.v('l');
      this.line(`const ${l} = L[${r}] + ${lit(delta)};`);
      this.line(`const ${al} = ${l} >>> 0, ${ah} = (H[${r}] + ${delta < 0 ? `(${l} < 0 ? -1 : 0)` : `(${l} > 4294967295 ? 1 : 0)`}) | 0;`);
    }
    return [al, ah];
  }

  // ---- flags

  /** Assign a flag field when the flag is live. */
  flag(bit: number, field: 'cf' | 'pfb' | 'af' | 'zf' | 'sf' | 'of', expr: string): void {
    if (this.live & bit) this.line(`c.${field} = ${expr};`);
  }

  /** ZF, SF, PF of a result of size s (lo, hi for s = 8). */
  szp(s: number, lo: string, hi: string): void {
    if (s === 8) {
      this.flag(ZF, 'zf', `(${lo} | ${hi}) === 0 ? 1 : 0`);
      this.flag(SF, 'sf', `${hi} >>> 31`);
    } else {
      this.flag(ZF, 'zf', `${lo} === 0 ? 1 : 0`);
      this.flag(SF, 'sf', `${lo} >>> ${s * 8 - 1}`);
    }
    this.flag(PF, 'pfb', lo);
  }
}

/** How a region function left at its instruction k: before it (the run loop then executes it with its
 * handler), or after it, to its branch target, to its next instruction, or where it set c.rip. */
export const EXIT_BEFORE = 0, EXIT_TAKEN = 1, EXIT_NEXT = 2, EXIT_SET = 3;

/** Leave the region function: `code` is k * 4 + EXIT_* (k below 1024: regions are shorter), `done` the
 * instructions completed in the current block. Every exit breaks to one shared return after the loop
 * (EXIT_RETURN), so a rarely taken exit holds no arithmetic or property access of its own that V8's
 * optimized code would deoptimize on for lack of feedback. */
export function exitTo(code: number, done: number | string): string {
  return `{ ex = ${code}; nd = ${done}; break out; }`;
}

/** The shared return: -((instructions done) * 4096 + code) - 1, which Cpu.runBlocks decodes. */
export const EXIT_RETURN = 'return -((n + nd) * 4096 + ex) - 1;';

/** iced condition code (1-16, as Cpu.cond) → the flags it reads. */
export const COND_READS = [0, OF, OF, CF, CF, ZF, ZF, CF | ZF, CF | ZF, SF, SF, PF, PF, SF | OF, SF | OF, ZF | SF | OF, ZF | SF | OF];

/** iced condition code → a boolean expression over the CPU's flag fields (as Cpu.cond). */
export function condExpr(cc: number): string {
  switch (cc) {
    case 1: return 'c.of === 1';
    case 2: return 'c.of === 0';
    case 3: return 'c.cf === 1';
    case 4: return 'c.cf === 0';
    case 5: return 'c.zf === 1';
    case 6: return 'c.zf === 0';
    case 7: return '(c.cf | c.zf) === 1';
    case 8: return '(c.cf | c.zf) === 0';
    case 9: return 'c.sf === 1';
    case 10: return 'c.sf === 0';
    case 11: return 'PAR[c.pfb & 0xff] === 1';
    case 12: return 'PAR[c.pfb & 0xff] === 0';
    case 13: return 'c.sf !== c.of';
    case 14: return 'c.sf === c.of';
    case 15: return '(c.zf === 1 || c.sf !== c.of)';
    case 16: return '(c.zf === 0 && c.sf === c.of)';
    default: return 'true';
  }
}
