// Inline translations of the common integer instructions (64-bit mode): mov/movzx/movsx/lea, the ALU
// operations, inc/dec/neg/not, push/pop, shifts by an immediate or CL, imul, mul, setcc/cmovcc, nop. Each
// reproduces its family handler in alu.ts/shift.ts/fast.ts/muldiv.ts exactly, flags included (only the live
// ones are computed), and writes its destination before its flags, so a faulting store leaves the flags as
// they were.
import { Mnemonic } from '../../asm/iced.ts';
import { K_IMM, K_MEM, K_REG, type Insn } from '../insn.ts';
import { AF, ALL_FLAGS, CF, COND_READS, condExpr, Gen, lit, OF } from './gen.ts';

/** An instruction form translated inline: the flags it reads and fully writes, and its code. */
export interface Inline {
  reads: number;
  writes: number;
  emit(g: Gen, d: Insn): void;
}

const MASK = [0, 0xff, 0xffff, 0, 0xffffffff];
/** A memory operand's address as the names of its int32 halves (gen.ts ea). */
type Addr = [string, string];
const NO_ADDR: Addr = ['', ''];
const GPR = (k: number, r: number) => k === K_REG && r < 20;

/** Operand 0 or 1 of size s as [lo, hi] constants (memory through the address `a`). */
function read(g: Gen, k: number, r: number, s: number, a: Addr, d: Insn): [string, string] {
  if (k === K_IMM) return [String(d.immLo), s === 8 ? String(d.immHi) : '0'];
  if (k === K_MEM) return g.load(s, a);
  const lo = g.v('r');
  g.line(`const ${lo} = ${g.rlo(r, s)};`);
  if (s !== 8) return [lo, '0'];
  const hi = g.v('rh');
  g.line(`const ${hi} = H[${r}];`);
  return [lo, hi];
}

function write0(g: Gen, d: Insn, s: number, a: Addr, lo: string, hi: string): void {
  if (d.k0 === K_MEM) g.store(s, a, lo, hi);
  else g.wreg(d.r0, s, lo, hi);
}

// ---- add/sub families (as flags.ts add/sub)

/** Emit a + b + cin (or a - b - cin); returns the result's [lo, hi] and sets the live flags after `writeBack`. */
function addSub(g: Gen, sub: boolean, s: number, alo: string, ahi: string, blo: string, bhi: string, cin: string, writeBack: (lo: string, hi: string) => void, keepCf = false): void {
  const rl = g.v('rl');
  const op = sub ? '-' : '+';
  if (s === 8) {
    const l = g.v('l'), h = g.v('h'), rh = g.v('rh');
    g.line(`const ${l} = ${alo} ${op} ${blo}${cin === '0' ? '' : ` ${op} ${cin}`}; const ${rl} = ${l} >>> 0;`);
    g.line(`const ${h} = ${ahi} ${op} ${bhi} ${op} (${sub ? `${l} < 0` : `${l} > 0xffffffff`} ? 1 : 0); const ${rh} = ${h} >>> 0;`);
    writeBack(rl, rh);
    if (!keepCf) g.flag(CF, 'cf', sub ? `${h} < 0 ? 1 : 0` : `${h} > 0xffffffff ? 1 : 0`);
    g.flag(OF, 'of', sub ? `((${ahi} ^ ${bhi}) & (${ahi} ^ ${rh})) >>> 31` : `((${ahi} ^ ${rh}) & (${bhi} ^ ${rh})) >>> 31`);
    g.flag(AF, 'af', `(${alo} ^ ${blo} ^ ${rl}) & 0x10`);
    g.szp(8, rl, rh);
    return;
  }
  const t = g.v('x');
  const bits = s * 8;
  g.line(`const ${t} = ${alo} ${op} ${blo}${cin === '0' ? '' : ` ${op} ${cin}`}; const ${rl} = ${s === 4 ? `${t} >>> 0` : `${t} & ${MASK[s]}`};`);
  writeBack(rl, '0');
  if (!keepCf) g.flag(CF, 'cf', sub ? `${t} < 0 ? 1 : 0` : `${t} > ${MASK[s]} ? 1 : 0`);
  const ofx = sub ? `(${alo} ^ ${blo}) & (${alo} ^ ${rl})` : `(${alo} ^ ${rl}) & (${blo} ^ ${rl})`;
  g.flag(OF, 'of', s === 4 ? `(${ofx}) >>> 31` : `((${ofx}) >>> ${bits - 1}) & 1`);
  g.flag(AF, 'af', `(${alo} ^ ${blo} ^ ${rl}) & 0x10`);
  g.szp(s, rl, '0');
}

/** Flags of a logical result (CF = OF = AF = 0, as flags.ts logic). */
function logicFlags(g: Gen, s: number, rl: string, rh: string): void {
  g.flag(CF, 'cf', '0');
  g.flag(OF, 'of', '0');
  g.flag(AF, 'af', '0');
  g.szp(s, rl, rh);
}

const ALU: Record<number, { sub: boolean; logic: string; carry: boolean; write: boolean }> = {
  [Mnemonic.Add]: { sub: false, logic: '', carry: false, write: true },
  [Mnemonic.Adc]: { sub: false, logic: '', carry: true, write: true },
  [Mnemonic.Sub]: { sub: true, logic: '', carry: false, write: true },
  [Mnemonic.Sbb]: { sub: true, logic: '', carry: true, write: true },
  [Mnemonic.Cmp]: { sub: true, logic: '', carry: false, write: false },
  [Mnemonic.And]: { sub: false, logic: '&', carry: false, write: true },
  [Mnemonic.Or]: { sub: false, logic: '|', carry: false, write: true },
  [Mnemonic.Xor]: { sub: false, logic: '^', carry: false, write: true },
  [Mnemonic.Test]: { sub: false, logic: '&', carry: false, write: false },
};

function aluForm(d: Insn): Inline | null {
  const op = ALU[d.mn];
  if (op === undefined || d.n !== 2) return null;
  const s = d.s0;
  if (s !== 1 && s !== 2 && s !== 4 && s !== 8) return null;
  if (!(GPR(d.k0, d.r0) || d.k0 === K_MEM) || !(GPR(d.k1, d.r1) || d.k1 === K_MEM || d.k1 === K_IMM)) return null;
  if ((d.k0 === K_MEM || d.k1 === K_MEM) && !Gen.addressable(d)) return null;
  if (d.k1 !== K_IMM && d.s1 !== s) return null;
  return {
    reads: op.carry ? CF : 0,
    writes: ALL_FLAGS,
    emit(g, d) {
      const a = d.k0 === K_MEM || d.k1 === K_MEM ? g.ea(d) : NO_ADDR;
      const [alo, ahi] = read(g, d.k0, d.r0, s, a, d);
      const [blo, bhi] = read(g, d.k1, d.r1, s, a, d);
      const wb = (lo: string, hi: string) => { if (op.write) write0(g, d, s, a, lo, hi); };
      if (op.logic === '') {
        addSub(g, op.sub, s, alo, ahi, blo, bhi, op.carry ? 'c.cf' : '0', wb);
        return;
      }
      const rl = g.v('rl');
      g.line(`const ${rl} = (${alo} ${op.logic} ${blo}) >>> 0;`);
      let rh = '0';
      if (s === 8) {
        rh = g.v('rh');
        g.line(`const ${rh} = (${ahi} ${op.logic} ${bhi}) >>> 0;`);
      }
      wb(rl, rh);
      logicFlags(g, s, rl, rh);
    },
  };
}

function incDecNegNot(d: Insn): Inline | null {
  const mn = d.mn;
  if (mn !== Mnemonic.Inc && mn !== Mnemonic.Dec && mn !== Mnemonic.Neg && mn !== Mnemonic.Not) return null;
  const s = d.s0;
  if (d.n !== 1 || (s !== 1 && s !== 2 && s !== 4 && s !== 8)) return null;
  if (!(GPR(d.k0, d.r0) || (d.k0 === K_MEM && Gen.addressable(d)))) return null;
  return {
    reads: 0,
    writes: mn === Mnemonic.Not ? 0 : mn === Mnemonic.Neg ? ALL_FLAGS : ALL_FLAGS & ~CF,
    emit(g, d) {
      const a = d.k0 === K_MEM ? g.ea(d) : NO_ADDR;
      const [lo, hi] = read(g, d.k0, d.r0, s, a, d);
      const wb = (l: string, h: string) => write0(g, d, s, a, l, h);
      if (mn === Mnemonic.Not) {
        const rl = g.v('rl');
        g.line(`const ${rl} = ${s >= 4 ? `~${lo} >>> 0` : `~${lo} & ${MASK[s]}`};`);
        wb(rl, s === 8 ? `~${hi} >>> 0` : '0');
      } else if (mn === Mnemonic.Neg) addSub(g, true, s, '0', '0', lo, hi, '0', wb);
      else addSub(g, mn === Mnemonic.Dec, s, lo, hi, '1', '0', '0', wb, true);
    },
  };
}

// ---- data movement

function movForm(d: Insn): Inline | null {
  const s = d.s0;
  if (d.n !== 2 || (s !== 1 && s !== 2 && s !== 4 && s !== 8)) return null;
  const k0 = d.k0, k1 = d.k1;
  if (!(GPR(k0, d.r0) || k0 === K_MEM) || !(GPR(k1, d.r1) || k1 === K_MEM || k1 === K_IMM)) return null;
  if (k0 === K_MEM && k1 === K_MEM) return null;
  if ((k0 === K_MEM || k1 === K_MEM) && !Gen.addressable(d)) return null;
  return {
    reads: 0,
    writes: 0,
    emit(g, d) {
      if (k0 === K_REG && k1 === K_REG && s >= 4) {
        g.line(s === 8 ? `L[${d.r0}] = L[${d.r1}]; H[${d.r0}] = H[${d.r1}];` : `L[${d.r0}] = L[${d.r1}]; H[${d.r0}] = 0;`);
        return;
      }
      const a = k0 === K_MEM || k1 === K_MEM ? g.ea(d) : NO_ADDR;
      const [lo, hi] = read(g, k1, d.r1, s, a, d);
      write0(g, d, s, a, lo, hi);
    },
  };
}

function extendForm(d: Insn): Inline | null {
  const mn = d.mn;
  if (mn !== Mnemonic.Movzx && mn !== Mnemonic.Movsx && mn !== Mnemonic.Movsxd) return null;
  const s0 = d.s0, s1 = d.s1;
  if (d.n !== 2 || !GPR(d.k0, d.r0) || (s0 !== 2 && s0 !== 4 && s0 !== 8) || (s1 !== 1 && s1 !== 2 && s1 !== 4)) return null;
  if (!(GPR(d.k1, d.r1) || (d.k1 === K_MEM && Gen.addressable(d)))) return null;
  return {
    reads: 0,
    writes: 0,
    emit(g, d) {
      const a = d.k1 === K_MEM ? g.ea(d) : NO_ADDR;
      const [lo] = read(g, d.k1, d.r1, s1, a, d);
      if (mn === Mnemonic.Movzx) {
        g.wreg(d.r0, s0, lo, '0');
        return;
      }
      const v = g.v('sx');
      g.line(`const ${v} = ${s1 === 1 ? `(${lo} << 24) >> 24` : s1 === 2 ? `(${lo} << 16) >> 16` : `${lo} | 0`};`);
      g.wreg(d.r0, s0, `${v} >>> 0`, `${v} < 0 ? 0xffffffff : 0`);
    },
  };
}

function leaForm(d: Insn): Inline | null {
  if (d.mn !== Mnemonic.Lea || !GPR(d.k0, d.r0) || d.asize !== 8 || (d.s0 !== 8 && d.s0 !== 4 && d.s0 !== 2)) return null;
  return {
    reads: 0,
    writes: 0,
    emit(g, d) {
      // The address on halves, as alu.ts lea computes it (no segment base; RIP-relative: the absolute target).
      const [al, ah] = g.eaFlat(d);
      g.wreg(d.r0, d.s0, al, `${ah} >>> 0`);
    },
  };
}

// ---- stack

/** rsp = its value + delta (modulo 2^64), from the address halves gen.ts regAddr computes. */
export function setRsp(g: Gen, [al, ah]: [string, string]): void {
  g.wreg(4, 8, al, ah);
}

function pushPopForm(d: Insn): Inline | null {
  if (d.osize !== 8 || d.n !== 1) return null;
  if (d.mn === Mnemonic.Push && ((d.k0 === K_REG && d.s0 === 8 && d.r0 < 16) || d.k0 === K_IMM)) {
    return {
      reads: 0,
      writes: 0,
      emit(g, d) {
        const a = g.regAddr(4, -8);
        if (d.k0 === K_IMM) g.store(8, a, String(d.immLo), String(d.immHi));
        else {
          const [lo, hi] = read(g, K_REG, d.r0, 8, NO_ADDR, d);
          g.store(8, a, lo, hi);
        }
        setRsp(g, a);
      },
    };
  }
  if (d.mn === Mnemonic.Pop && d.k0 === K_REG && d.s0 === 8 && d.r0 < 16) {
    return {
      reads: 0,
      writes: 0,
      emit(g, d) {
        const [lo, hi] = g.load(8, g.regAddr(4, 0));
        setRsp(g, g.regAddr(4, 8));
        g.wreg(d.r0, 8, lo, hi);
      },
    };
  }
  return null;
}

// ---- shifts by an immediate (register destination, 32/64 bits; as fast.ts)

function shiftForm(d: Insn): Inline | null {
  const mn = d.mn;
  const left = mn === Mnemonic.Shl || mn === Mnemonic.Sal;
  if (!left && mn !== Mnemonic.Shr && mn !== Mnemonic.Sar) return null;
  if (d.n !== 2 || d.k1 !== K_IMM || d.k0 !== K_REG || d.r0 >= 16 || (d.s0 !== 4 && d.s0 !== 8)) return null;
  const s = d.s0;
  const n = d.immLo & (s === 8 ? 63 : 31);
  return {
    reads: 0,
    writes: n === 0 ? 0 : ALL_FLAGS,
    emit(g, d) {
      const r = d.r0;
      if (n === 0) {
        if (s === 4) g.line(`H[${r}] = 0;`);
        return;
      }
      const lo = g.v('lo');
      g.line(`const ${lo} = L[${r}];`);
      if (s === 4) {
        const res = g.v('rl');
        if (left) {
          g.line(`const ${res} = (${lo} << ${n}) >>> 0; L[${r}] = ${res}; H[${r}] = 0;`);
          g.flag(CF, 'cf', `(${lo} >>> ${32 - n}) & 1`);
          g.flag(OF, 'of', `(${res} >>> 31) ^ ((${lo} >>> ${32 - n}) & 1)`);
        } else if (mn === Mnemonic.Shr) {
          g.line(`const ${res} = ${lo} >>> ${n}; L[${r}] = ${res}; H[${r}] = 0;`);
          g.flag(CF, 'cf', `(${lo} >>> ${n - 1}) & 1`);
          g.flag(OF, 'of', `${lo} >>> 31`);
        } else {
          g.line(`const ${res} = ((${lo} | 0) >> ${n}) >>> 0; L[${r}] = ${res}; H[${r}] = 0;`);
          g.flag(CF, 'cf', `((${lo} | 0) >> ${n - 1}) & 1`);
          g.flag(OF, 'of', '0');
        }
        g.flag(AF, 'af', '0');
        g.szp(4, res, '0');
        return;
      }
      const hi = g.v('hi'), rl = g.v('rl'), rh = g.v('rh');
      g.line(`const ${hi} = H[${r}];`);
      let cf: string;
      if (left) {
        if (n < 32) {
          g.line(`const ${rh} = ((${hi} << ${n}) | (${lo} >>> ${32 - n})) >>> 0, ${rl} = (${lo} << ${n}) >>> 0;`);
          cf = `(${hi} >>> ${32 - n}) & 1`;
        } else {
          g.line(`const ${rh} = (${lo} << ${n - 32}) >>> 0, ${rl} = 0;`);
          cf = n === 32 ? `${hi} & 1` : `(${lo} >>> ${64 - n}) & 1`;
        }
      } else {
        const sar = mn === Mnemonic.Sar;
        const h = sar ? `(${hi} | 0)` : hi;
        if (n < 32) {
          g.line(`const ${rl} = ((${lo} >>> ${n}) | (${hi} << ${32 - n})) >>> 0, ${rh} = (${h} ${sar ? '>>' : '>>>'} ${n}) >>> 0;`);
          cf = `(${lo} >>> ${n - 1}) & 1`;
        } else {
          g.line(`const ${rl} = (${h} ${sar ? '>>' : '>>>'} ${n - 32}) >>> 0, ${rh} = ${sar ? `(${h} >> 31) >>> 0` : '0'};`);
          cf = n === 32 ? `${lo} >>> 31` : `(${h} ${sar ? '>>' : '>>>'} ${n - 33}) & 1`;
        }
      }
      g.line(`L[${r}] = ${rl}; H[${r}] = ${rh};`);
      g.flag(CF, 'cf', cf);
      g.flag(OF, 'of', left ? `(${rh} >>> 31) ^ (${cf})` : mn === Mnemonic.Shr ? `${hi} >>> 31` : '0');
      g.flag(AF, 'af', '0');
      g.szp(8, rl, rh);
    },
  };
}

// ---- mul and imul

/** Emit the unsigned 32x32 -> 64-bit product of two uint32 expressions from 16-bit partial products (exact
 * in doubles, as muldiv.ts umul32); returns the [low, high] names. */
function umul32(g: Gen, x: string, y: string): [string, string] {
  const p = g.v('p'), m = g.v('mid'), lo = g.v('ml'), hi = g.v('mh');
  g.line(`const ${p} = (${x} & 0xffff) * (${y} & 0xffff), ${m} = (${x} & 0xffff) * (${y} >>> 16) + (${x} >>> 16) * (${y} & 0xffff) + Math.floor(${p} / 65536);`);
  g.line(`const ${lo} = ((${m} % 65536) * 65536 + (${p} % 65536)) >>> 0, ${hi} = ((${x} >>> 16) * (${y} >>> 16) + Math.floor(${m} / 65536)) >>> 0;`);
  return [lo, hi];
}

// imul r, r/m[, imm] (32 and 64 bits): the product's low half inline; when CF/OF are read, the handler
// (muldiv.ts) computes everything.

function imulForm(d: Insn): Inline | null {
  if (d.mn !== Mnemonic.Imul || (d.n !== 2 && d.n !== 3) || !GPR(d.k0, d.r0) || (d.s0 !== 4 && d.s0 !== 8)) return null;
  if (!(GPR(d.k1, d.r1) || (d.k1 === K_MEM && Gen.addressable(d))) || (d.n === 3 && d.k2 !== K_IMM)) return null;
  const s = d.s0;
  return {
    reads: 0,
    writes: ALL_FLAGS,
    emit(g, d) {
      if (g.needs(CF | OF)) {
        g.callHandler(d);
        return;
      }
      const a = d.k1 === K_MEM ? g.ea(d) : NO_ADDR;
      let xl: string, xh: string, yl: string, yh: string;
      if (d.n === 3) {
        [xl, xh] = read(g, d.k1, d.r1, s, a, d);
        [yl, yh] = [String(d.immLo), String(d.immHi)];
      } else {
        [xl, xh] = read(g, K_REG, d.r0, s, NO_ADDR, d);
        [yl, yh] = read(g, d.k1, d.r1, s, a, d);
      }
      const rl = g.v('rl');
      g.line(`const ${rl} = Math.imul(${xl}, ${yl}) >>> 0;`);
      let rh = '0';
      if (s === 8) {
        // high word of the low 64 bits: umulhi(xl, yl) + xl*yh + xh*yl (mod 2^32)
        const [, mh] = umul32(g, xl, yl);
        rh = g.v('rh');
        g.line(`const ${rh} = (${mh} + Math.imul(${xl}, ${yh}) + Math.imul(${xh}, ${yl})) >>> 0;`);
      }
      g.wreg(d.r0, s, rl, rh);
      g.flag(AF, 'af', '0');
      g.szp(s, rl, rh);
    },
  };
}

/** mul r/m32, mul r/m64 (edx:eax, rdx:rax = rax times the operand): flags as muldiv.ts mul sets them. */
function mulForm(d: Insn): Inline | null {
  if (d.mn !== Mnemonic.Mul || d.n !== 1 || (d.s0 !== 4 && d.s0 !== 8)) return null;
  if (!(GPR(d.k0, d.r0) || (d.k0 === K_MEM && Gen.addressable(d)))) return null;
  const s = d.s0;
  return {
    reads: 0,
    writes: ALL_FLAGS,
    emit(g, d) {
      const [bl, bh] = read(g, d.k0, d.r0, s, d.k0 === K_MEM ? g.ea(d) : NO_ADDR, d);
      const a0 = g.v('a'), a1 = g.v('a');
      g.line(`const ${a0} = L[0], ${a1} = H[0];`);
      let lo: string, hi: string, over: string;
      if (s === 4) {
        const [l, h] = umul32(g, a0, bl);
        g.line(`L[0] = ${l}; H[0] = 0; L[2] = ${h}; H[2] = 0;`);
        [lo, hi, over] = [l, '0', `${h} !== 0`];
      } else {
        // 64x64 -> 128 from four 32x32 products (as muldiv.ts mul64).
        const [r0, h00] = umul32(g, a0, bl);
        const [l01, h01] = umul32(g, a0, bh);
        const [l10, h10] = umul32(g, a1, bl);
        const [l11, h11] = umul32(g, a1, bh);
        const s1 = g.v('s'), s2 = g.v('s'), r1 = g.v('r'), r2 = g.v('r'), r3 = g.v('r');
        g.line(`const ${s1} = ${h00} + ${l01} + ${l10}, ${r1} = ${s1} >>> 0;`);
        g.line(`const ${s2} = ${h01} + ${h10} + ${l11} + Math.floor(${s1} / 4294967296), ${r2} = ${s2} >>> 0, ${r3} = (${h11} + Math.floor(${s2} / 4294967296)) >>> 0;`);
        g.line(`L[0] = ${r0}; H[0] = ${r1}; L[2] = ${r2}; H[2] = ${r3};`);
        [lo, hi, over] = [r0, r1, `(${r2} | ${r3}) !== 0`];
      }
      g.flag(CF, 'cf', `${over} ? 1 : 0`);
      g.flag(OF, 'of', `${over} ? 1 : 0`);
      g.flag(AF, 'af', '0');
      g.szp(s, lo, hi);
    },
  };
}

// ---- shifts by CL (register destination, 32/64 bits). A count of 0 leaves every flag as it was, so the
// instruction counts as reading them all.

function shiftClForm(d: Insn): Inline | null {
  const mn = d.mn;
  const left = mn === Mnemonic.Shl || mn === Mnemonic.Sal;
  const sar = mn === Mnemonic.Sar;
  if (!left && !sar && mn !== Mnemonic.Shr) return null;
  if (d.n !== 2 || d.k1 !== K_REG || d.r1 !== 1 || d.s1 !== 1 || d.k0 !== K_REG || d.r0 >= 16 || (d.s0 !== 4 && d.s0 !== 8)) return null;
  const s = d.s0;
  return {
    reads: ALL_FLAGS,
    writes: 0,
    emit(g, d) {
      const r = d.r0;
      const n = g.v('n'), lo = g.v('lo'), rl = g.v('rl');
      g.line(`const ${n} = L[1] & ${s === 8 ? 63 : 31}, ${lo} = L[${r}];`);
      g.line(`if (${n} !== 0) {`);
      if (s === 4) {
        const cf = g.v('cf');
        if (left) g.line(`const ${rl} = (${lo} << ${n}) >>> 0, ${cf} = (${lo} >>> (32 - ${n})) & 1;`);
        else if (sar) g.line(`const ${rl} = ((${lo} | 0) >> ${n}) >>> 0, ${cf} = ((${lo} | 0) >> (${n} - 1)) & 1;`);
        else g.line(`const ${rl} = ${lo} >>> ${n}, ${cf} = (${lo} >>> (${n} - 1)) & 1;`);
        g.line(`L[${r}] = ${rl}; H[${r}] = 0;`);
        g.flag(CF, 'cf', cf);
        g.flag(OF, 'of', left ? `(${rl} >>> 31) ^ ${cf}` : sar ? '0' : `${lo} >>> 31`);
        g.flag(AF, 'af', '0');
        g.szp(4, rl, '0');
        g.line(`} else H[${r}] = 0;`);
        return;
      }
      const hi = g.v('hi'), rh = g.v('rh'), cf = g.v('cf');
      g.line(`const ${hi} = H[${r}]; let ${rl}, ${rh}, ${cf};`);
      if (left) {
        g.line(`if (${n} < 32) { ${rh} = ((${hi} << ${n}) | (${lo} >>> (32 - ${n}))) >>> 0; ${rl} = (${lo} << ${n}) >>> 0; ${cf} = (${hi} >>> (32 - ${n})) & 1; }`);
        g.line(`else { ${rh} = (${lo} << (${n} - 32)) >>> 0; ${rl} = 0; ${cf} = ${n} === 32 ? ${hi} & 1 : (${lo} >>> (64 - ${n})) & 1; }`);
      } else {
        const h = sar ? `(${hi} | 0)` : hi, op = sar ? '>>' : '>>>';
        g.line(`if (${n} < 32) { ${rl} = ((${lo} >>> ${n}) | (${hi} << (32 - ${n}))) >>> 0; ${rh} = (${h} ${op} ${n}) >>> 0; ${cf} = (${lo} >>> (${n} - 1)) & 1; }`);
        g.line(`else { ${rl} = (${h} ${op} (${n} - 32)) >>> 0; ${rh} = ${sar ? `(${h} >> 31) >>> 0` : '0'}; ${cf} = ${n} === 32 ? ${lo} >>> 31 : (${h} ${op} (${n} - 33)) & 1; }`);
      }
      g.line(`L[${r}] = ${rl}; H[${r}] = ${rh};`);
      g.flag(CF, 'cf', cf);
      g.flag(OF, 'of', left ? `(${rh} >>> 31) ^ ${cf}` : sar ? '0' : `${hi} >>> 31`);
      g.flag(AF, 'af', '0');
      g.szp(8, rl, rh);
      g.line('}');
    },
  };
}

// ---- conditions

const SETCC = new Set<number>([Mnemonic.Seto, Mnemonic.Setno, Mnemonic.Setb, Mnemonic.Setae, Mnemonic.Sete, Mnemonic.Setne, Mnemonic.Setbe, Mnemonic.Seta, Mnemonic.Sets, Mnemonic.Setns, Mnemonic.Setp, Mnemonic.Setnp, Mnemonic.Setl, Mnemonic.Setge, Mnemonic.Setle, Mnemonic.Setg]);
const CMOVCC = new Set<number>([Mnemonic.Cmovo, Mnemonic.Cmovno, Mnemonic.Cmovb, Mnemonic.Cmovae, Mnemonic.Cmove, Mnemonic.Cmovne, Mnemonic.Cmovbe, Mnemonic.Cmova, Mnemonic.Cmovs, Mnemonic.Cmovns, Mnemonic.Cmovp, Mnemonic.Cmovnp, Mnemonic.Cmovl, Mnemonic.Cmovge, Mnemonic.Cmovle, Mnemonic.Cmovg]);

function condForm(d: Insn): Inline | null {
  if (SETCC.has(d.mn) && d.n === 1 && (GPR(d.k0, d.r0) || (d.k0 === K_MEM && Gen.addressable(d)))) {
    return {
      reads: COND_READS[d.cc],
      writes: 0,
      emit(g, d) {
        const v = `(${condExpr(d.cc)} ? 1 : 0)`;
        if (d.k0 === K_MEM) g.store(1, g.ea(d), v, '0');
        else g.wreg(d.r0, 1, v, '0');
      },
    };
  }
  if (CMOVCC.has(d.mn) && d.n === 2 && GPR(d.k0, d.r0) && (d.s0 === 2 || d.s0 === 4 || d.s0 === 8) && (GPR(d.k1, d.r1) || (d.k1 === K_MEM && Gen.addressable(d)))) {
    return {
      reads: COND_READS[d.cc],
      writes: 0,
      emit(g, d) {
        const s = d.s0;
        const a = d.k1 === K_MEM ? g.ea(d) : NO_ADDR;
        const [lo, hi] = read(g, d.k1, d.r1, s, a, d); // memory is read even when the condition is false
        g.line(`if (${condExpr(d.cc)}) {`);
        g.wreg(d.r0, s, lo, hi);
        g.line(s === 4 ? `} else H[${d.r0}] = 0;` : '}');
      },
    };
  }
  return null;
}

const NOPS = new Set<number>([Mnemonic.Nop, Mnemonic.Endbr64, Mnemonic.Endbr32]);
const nop: Inline = { reads: 0, writes: 0, emit() {} };

/** The inline form of an integer instruction, or null (its handler is called). */
export function planInt(d: Insn): Inline | null {
  if (NOPS.has(d.mn)) return nop;
  if (d.mn === Mnemonic.Mov) return movForm(d);
  return aluForm(d) ?? extendForm(d) ?? leaForm(d) ?? pushPopForm(d) ?? incDecNegNot(d) ?? shiftForm(d) ?? shiftClForm(d) ?? condForm(d) ?? imulForm(d) ?? mulForm(d);
}

