// x87 instructions over the software extended-precision state (x87-state.ts): loads/stores of every memory
// format, exact add/sub/mul/div/sqrt, comparisons, control/status/environment, fxsave/fxrstor. The
// transcendental instructions (fsin, f2xm1, fyl2x, ...) are computed in double precision and widened, so
// they can differ from hardware in the last bits of the 64-bit significand.
import type { Cpu } from './cpu.ts';
import { CR0_EM, CR0_TS } from './cpu.ts';
import type { Define } from './handlers.ts';
import { K_MEM, K_ST, type Insn } from './insn.ts';
import { Fault, GP, NM } from './types.ts';
import {
  BIAS, fromBigInt, fromDouble, isInf80, isNaN80, isZero80, toBigInt, toDouble, toFloat, unpack, X_INDEF, type X80, type Fpu,
  type RoundFlags,
} from './x87-state.ts';
import { Code } from '../asm/iced.ts';
import { isqrt } from './exact.ts';

const codeNames = Code as unknown as Record<number, string>;
const TOP = 1n << 63n;

function check(c: Cpu): void {
  if (c.cr0 & (CR0_EM | CR0_TS)) throw new Fault(NM);
}

function quiet(x: X80): X80 {
  return { s: x.s, e: x.e, m: x.m | (1n << 62n) };
}

function invalid(f: Fpu): X80 {
  f.sw |= 1;
  return X_INDEF;
}

function nanResult(f: Fpu, a: X80, b: X80): X80 {
  if ((isNaN80(a) && !(a.m & (1n << 62n))) || (isNaN80(b) && !(b.m & (1n << 62n)))) f.sw |= 1;
  if (isNaN80(a) && isNaN80(b)) return quiet(a.m >= b.m ? a : b);
  return quiet(isNaN80(a) ? a : b);
}

export function addX(f: Fpu, a: X80, b: X80, negB: boolean): X80 {
  const bs = b.s ^ (negB ? 1 : 0);
  if (isNaN80(a) || isNaN80(b)) return nanResult(f, a, b);
  if (isInf80(a)) {
    if (isInf80(b) && a.s !== bs) return invalid(f);
    return a;
  }
  if (isInf80(b)) return { s: bs, e: b.e, m: b.m };
  if (isZero80(a) && isZero80(b)) return { s: a.s === bs ? a.s : f.rc === 1 ? 1 : 0, e: 0, m: 0n };
  if (isZero80(b)) return f.round(a.s, ...unpack(a));
  if (isZero80(a)) return f.round(bs, ...unpack(b));
  let [Ma, Ea] = unpack(a);
  let [Mb, Eb] = unpack(b);
  // Far-apart operands: the smaller only matters as a sticky bit.
  if (Ea - Eb > 200) {
    Mb = 1n;
    Eb = Ea - 200;
  } else if (Eb - Ea > 200) {
    Ma = 1n;
    Ea = Eb - 200;
  }
  const E = Math.min(Ea, Eb);
  const A = Ma << BigInt(Ea - E), B = Mb << BigInt(Eb - E);
  const sum = (a.s ? -A : A) + (bs ? -B : B);
  if (sum === 0n) return { s: f.rc === 1 ? 1 : 0, e: 0, m: 0n };
  return sum < 0n ? f.round(1, -sum, E) : f.round(0, sum, E);
}

export function mulX(f: Fpu, a: X80, b: X80): X80 {
  const s = a.s ^ b.s;
  if (isNaN80(a) || isNaN80(b)) return nanResult(f, a, b);
  if (isInf80(a) || isInf80(b)) {
    if (isZero80(a) || isZero80(b)) return invalid(f);
    return { s, e: 0x7fff, m: TOP };
  }
  if (isZero80(a) || isZero80(b)) return { s, e: 0, m: 0n };
  const [Ma, Ea] = unpack(a);
  const [Mb, Eb] = unpack(b);
  return f.round(s, Ma * Mb, Ea + Eb);
}

export function divX(f: Fpu, a: X80, b: X80): X80 {
  const s = a.s ^ b.s;
  if (isNaN80(a) || isNaN80(b)) return nanResult(f, a, b);
  if (isInf80(a)) return isInf80(b) ? invalid(f) : { s, e: 0x7fff, m: TOP };
  if (isInf80(b)) return { s, e: 0, m: 0n };
  if (isZero80(b)) {
    if (isZero80(a)) return invalid(f);
    f.sw |= 4; // ZE
    return { s, e: 0x7fff, m: TOP };
  }
  if (isZero80(a)) return { s, e: 0, m: 0n };
  const [Ma, Ea] = unpack(a);
  const [Mb, Eb] = unpack(b);
  const num = Ma << 130n;
  const q = num / Mb;
  const sticky = num % Mb !== 0n ? 1n : 0n;
  return f.round(s, (q << 1n) | sticky, Ea - Eb - 131);
}

export function sqrtX(f: Fpu, a: X80): X80 {
  if (isNaN80(a)) return nanResult(f, a, a);
  if (isZero80(a)) return a;
  if (a.s) return invalid(f);
  if (isInf80(a)) return a;
  let [M, E] = unpack(a);
  if (E % 2 !== 0) {
    M <<= 1n;
    E -= 1;
  }
  const M2 = M << 140n;
  const r = isqrt(M2);
  const sticky = r * r !== M2 ? 1n : 0n;
  return f.round(0, (r << 1n) | sticky, E / 2 - 70 - 1);
}

/** -1, 0, 1, or 2 for unordered. */
export function cmpX(f: Fpu, a: X80, b: X80): number {
  if (isNaN80(a) || isNaN80(b)) return 2;
  if (isInf80(a) || isInf80(b)) {
    const va = isInf80(a) ? (a.s ? -Infinity : Infinity) : 0;
    const vb = isInf80(b) ? (b.s ? -Infinity : Infinity) : 0;
    if (isInf80(a) && isInf80(b)) return va === vb ? 0 : va < vb ? -1 : 1;
    if (isInf80(a)) return a.s ? -1 : 1;
    return b.s ? 1 : -1;
  }
  const saved = f.sw;
  const d = addX(f, a, b, true);
  f.sw = saved;
  if (isZero80(d)) return 0;
  return d.s ? -1 : 1;
}

// ------------------------------------------------------------------------------------------------
// Memory formats

/** Set by readX when the m32/m64 operand it read was a denormal (the x87 reports DE for it). */
let memDenormal = false;

/** An 80-bit denormal or pseudo-denormal operand (exponent field 0, significand nonzero). */
function isDenormal80(x: X80): boolean {
  return x.e === 0 && x.m !== 0n;
}

/**
 * Run an operation on operands a and b and report DE when one of them is a denormal, unless a NaN
 * operand or an invalid operation or division by zero took precedence (SDM vol. 1 8.7).
 */
function withDenormal<T>(f: Fpu, a: X80, b: X80, memDen: boolean, run: () => T): T {
  const den = memDen || isDenormal80(a) || isDenormal80(b);
  if (!den) return run();
  const sticky = f.sw & 0x05;
  f.sw &= ~0x05;
  const r = run();
  if (!(f.sw & 0x05) && !isNaN80(a) && !isNaN80(b)) f.sw |= 0x02;
  f.sw |= sticky;
  return r;
}

function readX(c: Cpu, d: Insn, a: number): X80 {
  const f = c.fpu;
  memDenormal = false;
  switch (d.msize) {
    case 4: {
      const u = c.read32(a);
      memDenormal = (u & 0x7f800000) === 0 && (u & 0x7fffff) !== 0;
      const buf = new DataView(new ArrayBuffer(4));
      buf.setUint32(0, u, true);
      const v = buf.getFloat32(0, true);
      if (Number.isNaN(v)) return { s: u >>> 31, e: 0x7fff, m: TOP | (BigInt(u & 0x7fffff) << 40n) };
      return fromDouble(v);
    }
    case 8: {
      const lo = c.read64(a), hi = c.th;
      memDenormal = (hi & 0x7ff00000) === 0 && ((hi & 0xfffff) | lo) !== 0;
      const buf = new DataView(new ArrayBuffer(8));
      buf.setUint32(0, lo, true);
      buf.setUint32(4, hi, true);
      const v = buf.getFloat64(0, true);
      if (Number.isNaN(v)) return { s: hi >>> 31, e: 0x7fff, m: TOP | (((BigInt(hi & 0xfffff) << 32n) | BigInt(lo)) << 11n) };
      return fromDouble(v);
    }
    default: {
      const lo = c.read64(a), hi = c.th;
      const se = c.read16(a + 8);
      void f;
      return { s: se >> 15, e: se & 0x7fff, m: (BigInt(hi) << 32n) | BigInt(lo) };
    }
  }
}

function writeX(c: Cpu, size: number, a: number, x: X80): void {
  const f = c.fpu;
  const flags: RoundFlags = { pe: false, oe: false, ue: false, up: false };
  if (size === 10) {
    f.sw &= ~0x200;
    c.checkWritable(a, 10);
    c.write64(a, Number(x.m & 0xffffffffn), Number(x.m >> 32n));
    c.write16(a + 8, (x.s << 15) | x.e);
    return;
  }
  if (size === 4) {
    const v = toFloat(x, f.rc, flags);
    const buf = new DataView(new ArrayBuffer(4));
    if (isNaN80(x)) buf.setUint32(0, ((x.s << 31) | 0x7fc00000 | Number((x.m >> 40n) & 0x3fffffn)) >>> 0, true);
    else buf.setFloat32(0, v, true);
    c.write32(a, buf.getUint32(0, true));
  } else {
    const v = toDouble(x, f.rc, flags);
    const buf = new DataView(new ArrayBuffer(8));
    buf.setFloat64(0, v, true);
    if (isNaN80(x)) {
      const frac = (x.m >> 11n) & 0xfffffffffffffn;
      buf.setUint32(4, ((x.s << 31) | 0x7ff80000 | Number(frac >> 32n)) >>> 0, true);
      buf.setUint32(0, Number(frac & 0xffffffffn), true);
    }
    c.write64(a, buf.getUint32(0, true), buf.getUint32(4, true));
  }
  if (isNaN80(x) && !(x.m & (1n << 62n))) f.sw |= 1; // a signaling NaN converted: IE
  f.roundFlags(flags);
}

function readInt(c: Cpu, size: number, a: number): bigint {
  if (size === 2) return BigInt((c.read16(a) << 16) >> 16);
  if (size === 4) return BigInt(c.read32(a) | 0);
  const lo = c.read64(a);
  return BigInt.asIntN(64, (BigInt(c.th) << 32n) | BigInt(lo));
}

function writeInt(c: Cpu, size: number, a: number, x: X80, truncate: boolean): void {
  const f = c.fpu;
  const flags: RoundFlags = { pe: false, oe: false, ue: false, up: false };
  const v = toBigInt(x, truncate ? 3 : f.rc, flags);
  const bits = size * 8;
  const min = -(1n << BigInt(bits - 1)), max = (1n << BigInt(bits - 1)) - 1n;
  let out: bigint;
  if (v === null || v < min || v > max) {
    // Invalid: the integer indefinite value, IE alone (no PE, C1 clear).
    f.sw = (f.sw | 1) & ~0x200;
    out = min;
  } else {
    out = v;
    f.roundFlags(flags);
  }
  const u = BigInt.asUintN(bits, out);
  if (size === 2) c.write16(a, Number(u));
  else if (size === 4) c.write32(a, Number(u));
  else c.write64(a, Number(u & 0xffffffffn), Number(u >> 32n));
}

// ------------------------------------------------------------------------------------------------
// Instructions

const CONSTS: Record<string, X80> = {
  Fld1: { s: 0, e: BIAS, m: TOP },
  Fldz: { s: 0, e: 0, m: 0n },
  Fldpi: { s: 0, e: BIAS + 1, m: 0xc90fdaa22168c235n },
  Fldl2e: { s: 0, e: BIAS, m: 0xb8aa3b295c17f0bcn },
  Fldl2t: { s: 0, e: BIAS + 1, m: 0xd49a784bcd1b8afen },
  Fldlg2: { s: 0, e: BIAS - 2, m: 0x9a209a84fbcff799n },
  Fldln2: { s: 0, e: BIAS - 1, m: 0xb17217f7d1cf79acn },
};

function fld(c: Cpu, d: Insn): void {
  check(c);
  const f = c.fpu;
  f.sw &= ~0x200; // C1: set only by a stack overflow
  if (d.k0 === K_ST) {
    const v = f.st(d.r0);
    f.push(v);
    return;
  }
  const v = readX(c, d, c.ea(d));
  if (memDenormal) f.sw |= 0x02;
  if (isNaN80(v) && !(v.m & (1n << 62n)) && d.msize !== 10) {
    f.sw |= 1;
    f.push(quiet(v));
    return;
  }
  f.push(v);
}

function fst(pop: boolean) {
  return (c: Cpu, d: Insn): void => {
    check(c);
    const f = c.fpu;
    const v = f.st(0);
    if (d.k0 === K_ST) f.setSt(d.r0, v);
    else writeX(c, d.msize, c.ea(d), v);
    if (pop) f.pop();
  };
}

function fild(c: Cpu, d: Insn): void {
  check(c);
  c.fpu.sw &= ~0x200;
  c.fpu.push(fromBigInt(readInt(c, d.msize, c.ea(d))));
}

function fist(pop: boolean, truncate: boolean) {
  return (c: Cpu, d: Insn): void => {
    check(c);
    writeInt(c, d.msize, c.ea(d), c.fpu.st(0), truncate);
    if (pop) c.fpu.pop();
  };
}

type Arith = 'add' | 'sub' | 'subr' | 'mul' | 'div' | 'divr';

/** a op b with C1 (round-up) and DE reported; memDen: b was a denormal m32/m64. */
function compute(f: Fpu, op: Arith, a: X80, b: X80, memDen = false): X80 {
  f.sw &= ~0x200;
  return withDenormal(f, a, b, memDen, () => computeRaw(f, op, a, b));
}

function computeRaw(f: Fpu, op: Arith, a: X80, b: X80): X80 {
  switch (op) {
    case 'add': return addX(f, a, b, false);
    case 'sub': return addX(f, a, b, true);
    case 'subr': return addX(f, b, a, true);
    case 'mul': return mulX(f, a, b);
    case 'div': return divX(f, a, b);
    default: return divX(f, b, a);
  }
}

/** fadd/fsub/... in all forms: m32/m64 (st0 op= m), st0,sti, sti,st0, the p forms, and fi* (integer memory). */
function arith(op: Arith, pop: boolean, intMem: boolean) {
  return (c: Cpu, d: Insn): void => {
    check(c);
    const f = c.fpu;
    if (d.k0 === K_MEM) {
      const a = c.ea(d);
      const m = intMem ? fromBigInt(readInt(c, d.msize, a)) : readX(c, d, a);
      f.setSt(0, compute(f, op, f.st(0), m, !intMem && memDenormal));
      return;
    }
    if (d.n === 0) {
      // faddp with no operands = faddp st1, st0
      f.setSt(1, compute(f, op, f.st(1), f.st(0)));
      f.pop();
      return;
    }
    const dst = d.r0, srcReg = d.r1;
    f.setSt(dst, compute(f, op, f.st(dst), f.st(srcReg)));
    if (pop) f.pop();
  };
}

function setCompareFlags(f: Fpu, r: number): void {
  // C3 C2 C0: > 000, < 001, = 100, unordered 111
  f.sw &= ~0x4500;
  if (r === 2) f.sw |= 0x4500;
  else if (r === -1) f.sw |= 0x0100;
  else if (r === 0) f.sw |= 0x4000;
}

function fcom(pops: number, unordered: boolean, intMem: boolean) {
  return (c: Cpu, d: Insn): void => {
    check(c);
    const f = c.fpu;
    let b: X80;
    if (d.k0 === K_MEM) b = intMem ? fromBigInt(readInt(c, d.msize, c.ea(d))) : readX(c, d, c.ea(d));
    else if (d.n >= 2) b = f.st(d.r1);
    else if (d.n === 1 && d.k0 === K_ST) b = f.st(d.r0);
    else b = f.st(1);
    const a = f.st(0);
    const memDen = d.k0 === K_MEM && !intMem && memDenormal;
    f.sw &= ~0x200;
    const r = withDenormal(f, a, b, memDen, () => {
      const o = cmpX(f, a, b);
      if (o === 2 && (!unordered || isSnan(a) || isSnan(b))) f.sw |= 1;
      return o;
    });
    setCompareFlags(f, r);
    for (let i = 0; i < pops; i++) f.pop();
  };
}

function isSnan(x: X80): boolean {
  return isNaN80(x) && !(x.m & (1n << 62n));
}

function fcomi(pop: boolean, unordered: boolean) {
  return (c: Cpu, d: Insn): void => {
    check(c);
    const f = c.fpu;
    const a = f.st(0), b = f.st(d.r1);
    f.sw &= ~0x200;
    const r = withDenormal(f, a, b, false, () => {
      const o = cmpX(f, a, b);
      if (o === 2 && (!unordered || isSnan(a) || isSnan(b))) f.sw |= 1;
      return o;
    });
    c.of = 0;
    c.sf = 0;
    c.af = 0;
    c.zf = r === 0 || r === 2 ? 1 : 0;
    c.pfb = r === 2 ? 0 : 1;
    c.cf = r === -1 || r === 2 ? 1 : 0;
    if (pop) f.pop();
  };
}

function fxam(c: Cpu): void {
  check(c);
  const f = c.fpu;
  const p = f.top;
  const x = f.regs[p];
  let cls: number; // C3 C2 C0 as bits 2,1,0
  if (f.empty[p]) cls = 0b101;
  else if (isNaN80(x)) cls = 0b001;
  else if (isInf80(x)) cls = 0b011;
  else if (isZero80(x)) cls = 0b100;
  else if (x.e === 0) cls = 0b110;
  else if (x.m < TOP) cls = 0b000; // unnormal: unsupported
  else cls = 0b010;
  f.sw &= ~0x4700;
  if (cls & 4) f.sw |= 0x4000;
  if (cls & 2) f.sw |= 0x0400;
  if (cls & 1) f.sw |= 0x0100;
  if (!f.empty[p] && x.s) f.sw |= 0x0200;
}

function toNum(f: Fpu, x: X80): number {
  return toDouble(x, 0);
  void f;
}

function unaryDouble(fn: (x: number) => number) {
  return (c: Cpu): void => {
    check(c);
    const f = c.fpu;
    f.setSt(0, fromDouble(fn(toNum(f, f.st(0)))));
    f.sw |= 0x20;
  };
}

const FIX = 256n;
let ln2Fixed: bigint | undefined;

/** ln 2 · 2^256, from ln 2 = Σ 1/(k·2^k) (computed once, with guard bits). */
function ln2(): bigint {
  if (ln2Fixed === undefined) {
    const G = FIX + 32n;
    let sum = 0n;
    for (let k = 1n; k < G + 8n; k++) sum += (1n << (G - k)) / k;
    ln2Fixed = sum >> 32n;
  }
  return ln2Fixed;
}

/**
 * f2xm1 in extended precision: 2^x - 1 = Σ (x·ln2)^k / k! evaluated in 256-bit fixed point, then rounded
 * once under the control word (x in [-1, 1]; hardware is accurate to well under an ulp there).
 */
function f2xm1(c: Cpu): void {
  check(c);
  const f = c.fpu;
  const x = f.st(0);
  if (isNaN80(x)) return f.setSt(0, nanResult(f, x, x));
  if (isZero80(x)) return;
  if (isInf80(x)) return f.setSt(0, x.s ? { s: 1, e: BIAS, m: TOP } : x);
  const [M, E] = unpack(x);
  const L = ln2();
  if (E + 256 < 80) {
    // |x| < 2^-100 or so: 2^x - 1 = x·ln2 (1 + x·ln2/2 + …), the correction is far below an ulp.
    f.setSt(0, f.round(x.s, M * L, E - 256));
    f.sw |= 0x20;
    return;
  }
  const xF = E >= -256 ? M << BigInt(E + 256) : M >> BigInt(-(E + 256));
  const y = ((x.s ? -xF : xF) * L) >> FIX;
  let term = y;
  let sum = 0n;
  for (let k = 2n; term !== 0n; k++) {
    sum += term;
    term = (term * y) / (k << FIX);
  }
  f.setSt(0, sum < 0n ? f.round(1, -sum, -256) : f.round(0, sum, -256));
  f.sw |= 0x20;
}

function frndint(c: Cpu): void {
  check(c);
  const f = c.fpu;
  const x = f.st(0);
  f.sw &= ~0x200;
  if (isNaN80(x)) return f.setSt(0, nanResult(f, x, x));
  if (isInf80(x) || isZero80(x)) return;
  if (isDenormal80(x)) f.sw |= 0x02;
  const flags: RoundFlags = { pe: false, oe: false, ue: false, up: false };
  const v = toBigInt(x, f.rc, flags);
  if (v === null) return;
  const r = fromBigInt(v);
  f.setSt(0, v === 0n ? { s: x.s, e: 0, m: 0n } : r);
  f.roundFlags(flags);
}

function fscale(c: Cpu): void {
  check(c);
  const f = c.fpu;
  const x = f.st(0);
  const n = toBigInt(f.st(1), 3);
  if (n === null || isNaN80(x) || isInf80(x) || isZero80(x)) {
    if (isNaN80(f.st(1))) f.setSt(0, quiet(f.st(1)));
    return;
  }
  const k = Number(n > 100000n ? 100000n : n < -100000n ? -100000n : n);
  const [M, E] = unpack(x);
  f.setSt(0, f.round(x.s, M, E + k));
}

function fxtract(c: Cpu): void {
  check(c);
  const f = c.fpu;
  const x = f.st(0);
  if (isZero80(x)) {
    f.sw |= 4;
    f.setSt(0, { s: 1, e: 0x7fff, m: TOP });
    f.push({ s: x.s, e: 0, m: 0n });
    return;
  }
  const [M, E] = unpack(x);
  const bl = M.toString(2).length;
  const exp = E + bl - 1;
  f.setSt(0, fromBigInt(BigInt(exp)));
  f.push({ s: x.s, e: BIAS, m: M << BigInt(64 - bl) });
}

function fprem(ieee: boolean) {
  return (c: Cpu): void => {
    check(c);
    const f = c.fpu;
    const a = f.st(0), b = f.st(1);
    if (isNaN80(a) || isNaN80(b) || isInf80(a) || isZero80(b)) {
      f.setSt(0, isNaN80(a) || isNaN80(b) ? nanResult(f, a, b) : invalid(f));
      return;
    }
    if (isZero80(a) || isInf80(b)) return;
    const [Ma, Ea] = unpack(a);
    const [Mb, Eb] = unpack(b);
    // Partial remainder: reduce by at most 2^63 per step (C2 = 1 if incomplete).
    let E = Math.min(Ea, Eb);
    let shiftA = Ea - E, shiftB = Eb - E;
    let incomplete = false;
    if (shiftA - shiftB > 63) {
      // Reduce in a chunk: scale b up so the quotient has < 64 bits.
      incomplete = true;
      const chunk = shiftA - shiftB - 32;
      shiftB += chunk;
    }
    const A = Ma << BigInt(shiftA), B = Mb << BigInt(shiftB);
    let q = A / B;
    let r = A - q * B;
    if (ieee && !incomplete) {
      const twice = r * 2n;
      if (twice > B || (twice === B && (q & 1n) === 1n)) {
        r -= B;
        q += 1n;
      }
    }
    const s = r < 0n ? a.s ^ 1 : a.s;
    const mag = r < 0n ? -r : r;
    f.setSt(0, mag === 0n ? { s: a.s, e: 0, m: 0n } : f.round(s, mag, E));
    f.sw &= ~0x4700;
    if (incomplete) f.sw |= 0x400;
    else {
      if (q & 1n) f.sw |= 0x200; // C1 = Q0
      if (q & 2n) f.sw |= 0x4000; // C3 = Q1
      if (q & 4n) f.sw |= 0x100; // C0 = Q2
    }
    E = 0;
    void E;
  };
}

function fnstenv(c: Cpu, d: Insn): void {
  const f = c.fpu;
  const a = c.ea(d);
  const big = d.msize === 28;
  const w = big ? 4 : 2;
  const put = (i: number, v: number) => (big ? c.write32(a + i * 4, v >>> 0) : c.write16(a + i * 2, v & 0xffff));
  put(0, f.cw | (big ? 0xffff0000 : 0));
  put(1, f.status() | (big ? 0xffff0000 : 0));
  put(2, f.tagWord() | (big ? 0xffff0000 : 0));
  put(3, f.fip);
  put(4, f.fop & 0x7ff);
  put(5, f.fdp);
  put(6, big ? 0xffff0000 : 0);
  void w;
  f.cw |= 0x3f; // mask all exceptions
}

function fldenv(c: Cpu, d: Insn): void {
  const f = c.fpu;
  const a = c.ea(d);
  const big = d.msize === 28;
  const get = (i: number) => (big ? c.read32(a + i * 4) & 0xffff : c.read16(a + i * 2));
  f.cw = get(0);
  f.setStatus(get(1));
  f.setTagWord(get(2));
}

function fnsave(c: Cpu, d: Insn): void {
  const f = c.fpu;
  fnstenvAt(c, c.ea(d));
  const a = c.ea(d) + 28;
  for (let i = 0; i < 8; i++) writeX(c, 10, a + i * 10, f.regs[(f.top + i) & 7]);
  f.reset();
  void d;
}

function fnstenvAt(c: Cpu, a: number): void {
  const f = c.fpu;
  c.write32(a, f.cw | 0xffff0000);
  c.write32(a + 4, (f.status() | 0xffff0000) >>> 0);
  c.write32(a + 8, (f.tagWord() | 0xffff0000) >>> 0);
  c.write32(a + 12, f.fip >>> 0);
  c.write32(a + 16, f.fop & 0x7ff);
  c.write32(a + 20, f.fdp >>> 0);
  c.write32(a + 24, 0xffff0000);
}

function frstor(c: Cpu, d: Insn): void {
  const f = c.fpu;
  const a = c.ea(d);
  f.cw = c.read32(a) & 0xffff;
  f.setStatus(c.read32(a + 4) & 0xffff);
  f.setTagWord(c.read32(a + 8) & 0xffff);
  for (let i = 0; i < 8; i++) {
    const lo = c.read64(a + 28 + i * 10), hi = c.th;
    const se = c.read16(a + 28 + i * 10 + 8);
    f.regs[(f.top + i) & 7] = { s: se >> 15, e: se & 0x7fff, m: (BigInt(hi) << 32n) | BigInt(lo) };
  }
}

/** fxsave: the 512-byte FXSAVE area (x87, MXCSR, xmm0-15). */
export function fxsave(c: Cpu, a: number, is64: boolean): void {
  if (a % 16 !== 0) throw new Fault(GP, 0);
  const f = c.fpu;
  c.checkWritable(a, 512);
  c.write16(a, f.cw);
  c.write16(a + 2, f.status());
  c.write8(a + 4, f.tagByte());
  c.write8(a + 5, 0);
  c.write16(a + 6, f.fop & 0x7ff);
  c.write64(a + 8, f.fip >>> 0, 0);
  c.write64(a + 16, f.fdp >>> 0, 0);
  c.write32(a + 24, c.mxcsr);
  c.write32(a + 28, 0xffff);
  for (let i = 0; i < 8; i++) {
    const r = f.regs[(f.top + i) & 7];
    const o = a + 32 + i * 16;
    c.write64(o, Number(r.m & 0xffffffffn), Number(r.m >> 32n));
    c.write16(o + 8, (r.s << 15) | r.e);
    c.write16(o + 10, 0);
    c.write32(o + 12, 0);
  }
  const n = is64 || c.bits === 64 ? 16 : 8;
  for (let i = 0; i < n; i++) for (let k = 0; k < 4; k++) c.write32(a + 160 + i * 16 + k * 4, c.xd[i * 4 + k]);
}

export function fxrstor(c: Cpu, a: number, is64: boolean): void {
  if (a % 16 !== 0) throw new Fault(GP, 0);
  const f = c.fpu;
  const mx = c.read32(a + 24);
  if (mx & ~0xffff) throw new Fault(GP, 0);
  f.cw = c.read16(a);
  f.setStatus(c.read16(a + 2));
  const tags = c.read8(a + 4);
  f.fop = c.read16(a + 6);
  c.mxcsr = mx;
  for (let i = 0; i < 8; i++) {
    const o = a + 32 + i * 16;
    const lo = c.read64(o), hi = c.th;
    const se = c.read16(o + 8);
    const p = (f.top + i) & 7;
    f.regs[p] = { s: se >> 15, e: se & 0x7fff, m: (BigInt(hi) << 32n) | BigInt(lo) };
  }
  for (let p = 0; p < 8; p++) f.empty[p] = !((tags >> p) & 1);
  const n = is64 || c.bits === 64 ? 16 : 8;
  for (let i = 0; i < n; i++) for (let k = 0; k < 4; k++) c.xd[i * 4 + k] = c.read32(a + 160 + i * 16 + k * 4);
}

function fcmov(c: Cpu, d: Insn): void {
  check(c);
  const name = codeNames[d.code] ?? '';
  const m = /^Fcmov(n?)(b|e|be|u)_/.exec(name);
  if (!m) return;
  let cond = m[2] === 'b' ? c.cf === 1 : m[2] === 'e' ? c.zf === 1 : m[2] === 'be' ? (c.cf | c.zf) === 1 : c.cond(11);
  if (m[1]) cond = !cond;
  if (cond) c.fpu.setSt(0, c.fpu.st(d.r1));
}

export function registerX87(def: Define): void {
  def('Fld', fld);
  def('Fst', fst(false));
  def(['Fstp', 'Fstpnce'], fst(true));
  def('Fild', fild);
  def('Fist', fist(false, false));
  def('Fistp', fist(true, false));
  def('Fisttp', fist(true, true));
  for (const [name, v] of Object.entries(CONSTS)) def(name, (c) => { check(c); c.fpu.sw &= ~0x200; c.fpu.push(v); });
  def('Fadd', arith('add', false, false));
  def('Faddp', arith('add', true, false));
  def('Fiadd', arith('add', false, true));
  def('Fsub', arith('sub', false, false));
  def('Fsubp', arith('sub', true, false));
  def('Fisub', arith('sub', false, true));
  def('Fsubr', arith('subr', false, false));
  def('Fsubrp', arith('subr', true, false));
  def('Fisubr', arith('subr', false, true));
  def('Fmul', arith('mul', false, false));
  def('Fmulp', arith('mul', true, false));
  def('Fimul', arith('mul', false, true));
  def('Fdiv', arith('div', false, false));
  def('Fdivp', arith('div', true, false));
  def('Fidiv', arith('div', false, true));
  def('Fdivr', arith('divr', false, false));
  def('Fdivrp', arith('divr', true, false));
  def('Fidivr', arith('divr', false, true));
  def('Fcom', fcom(0, false, false));
  def('Fcomp', fcom(1, false, false));
  def('Fcompp', fcom(2, false, false));
  def('Fucom', fcom(0, true, false));
  def('Fucomp', fcom(1, true, false));
  def('Fucompp', fcom(2, true, false));
  def('Ficom', fcom(0, false, true));
  def('Ficomp', fcom(1, false, true));
  def('Fcomi', fcomi(false, false));
  def('Fcomip', fcomi(true, false));
  def('Fucomi', fcomi(false, true));
  def('Fucomip', fcomi(true, true));
  def('Ftst', (c) => {
    check(c);
    const f = c.fpu;
    const a = f.st(0);
    f.sw &= ~0x200;
    const r = withDenormal(f, a, a, false, () => {
      const o = cmpX(f, a, { s: 0, e: 0, m: 0n });
      if (o === 2) f.sw |= 1; // ftst signals on any NaN
      return o;
    });
    setCompareFlags(f, r);
  });
  def('Fxam', fxam);
  // fchs, fabs, fxch: C1 cleared (a stack underflow clears it too).
  def('Fchs', (c) => { check(c); c.fpu.sw &= ~0x200; const x = c.fpu.st(0); c.fpu.setSt(0, { s: x.s ^ 1, e: x.e, m: x.m }); });
  def('Fabs', (c) => { check(c); c.fpu.sw &= ~0x200; const x = c.fpu.st(0); c.fpu.setSt(0, { s: 0, e: x.e, m: x.m }); });
  def('Fsqrt', (c) => {
    check(c);
    const f = c.fpu;
    const a = f.st(0);
    f.sw &= ~0x200;
    f.setSt(0, withDenormal(f, a, a, false, () => sqrtX(f, a)));
  });
  def('Fxch', (c, d) => {
    check(c);
    const f = c.fpu;
    f.sw &= ~0x200;
    const i = d.n >= 2 ? d.r1 : 1;
    const a = f.st(0), b = f.st(i);
    f.setSt(0, b);
    f.setSt(i, a);
  });
  def('Frndint', frndint);
  def('Fscale', fscale);
  def('Fxtract', fxtract);
  def('Fprem', fprem(false));
  def('Fprem1', fprem(true));
  def('Fsin', unaryDouble(Math.sin));
  def('Fcos', unaryDouble(Math.cos));
  def('F2xm1', f2xm1);
  def('Fsincos', (c) => {
    check(c);
    const f = c.fpu;
    const x = toNum(f, f.st(0));
    f.setSt(0, fromDouble(Math.sin(x)));
    f.push(fromDouble(Math.cos(x)));
    f.sw &= ~0x400;
  });
  def('Fptan', (c) => {
    check(c);
    const f = c.fpu;
    f.setSt(0, fromDouble(Math.tan(toNum(f, f.st(0)))));
    f.push({ s: 0, e: BIAS, m: TOP });
    f.sw &= ~0x400;
  });
  def('Fpatan', (c) => {
    check(c);
    const f = c.fpu;
    const r = Math.atan2(toNum(f, f.st(1)), toNum(f, f.st(0)));
    f.pop();
    f.setSt(0, fromDouble(r));
  });
  def('Fyl2x', (c) => {
    check(c);
    const f = c.fpu;
    const r = toNum(f, f.st(1)) * Math.log2(toNum(f, f.st(0)));
    f.pop();
    f.setSt(0, fromDouble(r));
  });
  def('Fyl2xp1', (c) => {
    check(c);
    const f = c.fpu;
    const r = (toNum(f, f.st(1)) * Math.log1p(toNum(f, f.st(0)))) / Math.LN2;
    f.pop();
    f.setSt(0, fromDouble(r));
  });
  def(['Fnstsw', 'Fstsw'], (c, d) => {
    if (d.k0 === K_MEM) c.write16(c.ea(d), c.fpu.status());
    else c.wreg(0, 2, c.fpu.status(), 0);
  });
  def(['Fnstcw', 'Fstcw'], (c, d) => c.write16(c.ea(d), c.fpu.cw));
  def('Fldcw', (c, d) => { c.fpu.cw = c.read16(c.ea(d)) | 0x40; });
  def(['Fnclex', 'Fclex'], (c) => { c.fpu.sw &= ~0x80ff; });
  def(['Fninit', 'Finit'], (c) => c.fpu.reset());
  def(['Fnstenv', 'Fstenv'], fnstenv);
  def('Fldenv', fldenv);
  def(['Fnsave', 'Fsave'], fnsave);
  def('Frstor', frstor);
  def(['Ffree', 'Ffreep'], (c, d) => {
    const f = c.fpu;
    f.empty[(f.top + d.r0) & 7] = true;
    if (d.mn !== undefined && (codeNames[d.code] ?? '').startsWith('Ffreep')) f.pop();
  });
  def('Fincstp', (c) => { c.fpu.top = (c.fpu.top + 1) & 7; });
  def('Fdecstp', (c) => { c.fpu.top = (c.fpu.top - 1) & 7; });
  def(['Fnop', 'Wait'], (c) => check(c));
  def(['Fcmovb', 'Fcmove', 'Fcmovbe', 'Fcmovu', 'Fcmovnb', 'Fcmovne', 'Fcmovnbe', 'Fcmovnu'], fcmov);
}
