// IEEE binary32/binary64 arithmetic as SSE/SSE2 performs it under MXCSR (Intel SDM vol. 1 ch. 11.5): the
// rounding control, DAZ (denormal operands read as signed zeros, DE not reported), FTZ (tiny results
// become signed zeros with UE and PE) and the six exception flags, all masked: the default result is
// delivered and the flag stays set (sticky) until software clears it. Unmasked exceptions (#XM) are not
// delivered.
//
// Operands and results are lanes of the xmm file: double lane i is c.xd[2i] (low word) and c.xd[2i+1],
// float lane i is c.xd[i]. The common case (normal operands and results far from the exponent limits)
// takes the host's round-to-nearest result plus an exact error term (TwoSum/TwoProduct), which decides
// inexactness and directed rounding; anything else (zeros under directed rounding, denormals, infinities,
// NaNs, results near overflow or underflow) goes through exact BigInt arithmetic and one rounding
// (roundPack), which applies the SDM's rules literally, tininess detected after rounding.
import type { Cpu } from './cpu.ts';
import { bitLength, isqrt, shiftRound } from './exact.ts';

export const MX_IE = 1, MX_DE = 2, MX_ZE = 4, MX_OE = 8, MX_UE = 16, MX_PE = 32;
const MX_DAZ = 0x40, MX_FTZ = 0x8000;

export const ADD = 0, SUB = 1, MUL = 2, DIV = 3, SQRT = 4;

interface Fmt {
  bits: number;
  /** Significand width with the integer bit. */
  p: number;
  emin: number;
  emax: number;
  bias: number;
  inf: bigint;
  max: bigint;
  quiet: bigint;
  defaultNaN: bigint;
}
const F64: Fmt = { bits: 64, p: 53, emin: -1022, emax: 1023, bias: 1023, inf: 0x7ff0000000000000n, max: 0x7fefffffffffffffn, quiet: 1n << 51n, defaultNaN: 0xfff8000000000000n };
const F32: Fmt = { bits: 32, p: 24, emin: -126, emax: 127, bias: 127, inf: 0x7f800000n, max: 0x7f7fffffn, quiet: 1n << 22n, defaultNaN: 0xffc00000n };

const ZERO = 0, FIN = 1, INF = 2, QNAN = 3, SNAN = 4;
/** An unpacked operand: value = (-1)^s * m * 2^e for FIN. */
interface U {
  cls: number;
  s: number;
  m: bigint;
  e: number;
  den: boolean;
  raw: bigint;
}

function unpack64(lo: number, hi: number): U {
  const s = hi >>> 31, ex = (hi >>> 20) & 0x7ff, fh = hi & 0xfffff;
  const raw = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  if (ex === 0x7ff) return { cls: (fh | lo) === 0 ? INF : fh & 0x80000 ? QNAN : SNAN, s, m: 0n, e: 0, den: false, raw };
  const f = (BigInt(fh) << 32n) | BigInt(lo >>> 0);
  if (ex === 0) return f === 0n ? { cls: ZERO, s, m: 0n, e: 0, den: false, raw } : { cls: FIN, s, m: f, e: -1074, den: true, raw };
  return { cls: FIN, s, m: f | (1n << 52n), e: ex - 1075, den: false, raw };
}

function unpack32(u: number): U {
  const s = u >>> 31, ex = (u >>> 23) & 0xff, f = u & 0x7fffff;
  const raw = BigInt(u >>> 0);
  if (ex === 0xff) return { cls: f === 0 ? INF : f & 0x400000 ? QNAN : SNAN, s, m: 0n, e: 0, den: false, raw };
  if (ex === 0) return f === 0 ? { cls: ZERO, s, m: 0n, e: 0, den: false, raw } : { cls: FIN, s, m: BigInt(f), e: -149, den: true, raw };
  return { cls: FIN, s, m: BigInt(f | 0x800000), e: ex - 150, den: false, raw };
}

function lane(c: Cpu, f: Fmt, i: number): U {
  return f === F64 ? unpack64(c.xd[2 * i], c.xd[2 * i + 1]) : unpack32(c.xd[i]);
}

function put(c: Cpu, f: Fmt, i: number, bits: bigint): void {
  if (f === F64) {
    c.xd[2 * i] = Number(bits & 0xffffffffn);
    c.xd[2 * i + 1] = Number(bits >> 32n);
  } else c.xd[i] = Number(bits);
}

/** DAZ and DE for a finite operand: a denormal reads as a signed zero under DAZ, else it raises DE. */
function denormal(c: Cpu, u: U): void {
  if (!u.den) return;
  if (c.mxcsr & MX_DAZ) {
    u.cls = ZERO;
    u.m = 0n;
    u.den = false;
  } else c.mxcsr |= MX_DE;
}

/** Lost-bits flag of the last shiftRound (scratch; `lost` mirrors its pe). */
const rf = { pe: false };
let lost = false;
function round(M: bigint, sh: number, s: number, rc: number): bigint {
  rf.pe = false;
  const q = shiftRound(M, sh, s, rc, rf);
  lost = rf.pe;
  return q;
}

/** Whether an overflow under rc for sign s gives infinity (else the largest finite value). */
function overflowsToInf(rc: number, s: number): boolean {
  return rc === 0 || (rc === 1 && s === 1) || (rc === 2 && s === 0);
}

/**
 * Round (-1)^s * M * 2^E (M > 0; a sticky bit, if any, is M's lowest bit and M has at least p + 2 bits)
 * to the format under MXCSR, setting PE/OE/UE; FTZ flushes tiny results. Returns the result's bits.
 */
function roundPack(c: Cpu, f: Fmt, s: number, M: bigint, E: number): bigint {
  const rc = (c.mxcsr >> 13) & 3;
  const p = f.p;
  const sign = BigInt(s) << BigInt(f.bits - 1);
  const bl = bitLength(M);
  // Rounded to p bits with an unbounded exponent: decides overflow and tininess (after rounding).
  let q: bigint, e: number, inexact: boolean;
  if (bl > p) {
    q = round(M, bl - p, s, rc);
    inexact = lost;
    e = E + bl - p;
    if (q >> BigInt(p)) {
      q >>= 1n;
      e++;
    }
  } else {
    q = M << BigInt(p - bl);
    e = E - (p - bl);
    inexact = false;
  }
  const top = e + p - 1;
  if (top > f.emax) {
    c.mxcsr |= MX_OE | MX_PE;
    return sign | (overflowsToInf(rc, s) ? f.inf : f.max);
  }
  if (top >= f.emin) {
    if (inexact) c.mxcsr |= MX_PE;
    return sign | (BigInt(top + f.bias) << BigInt(p - 1)) | (q & ((1n << BigInt(p - 1)) - 1n));
  }
  // Tiny.
  if (c.mxcsr & MX_FTZ) {
    c.mxcsr |= MX_UE | MX_PE;
    return sign;
  }
  const sh = f.emin - (p - 1) - E; // the denormal's unit is 2^(emin - p + 1)
  let d: bigint;
  if (sh > 0) {
    d = round(M, sh, s, rc);
    if (lost) c.mxcsr |= MX_UE | MX_PE;
  } else d = M << BigInt(-sh);
  return sign | d; // a denormal that rounded up to 2^(p-1) is the smallest normal's encoding
}

/** The exact result of op on finite nonzero operands, rounded. */
function exact(c: Cpu, f: Fmt, op: number, a: U, b: U): bigint {
  switch (op) {
    case ADD:
    case SUB: {
      const bs = b.s ^ (op === SUB ? 1 : 0);
      const E = Math.min(a.e, b.e);
      const A = a.m << BigInt(a.e - E), B = b.m << BigInt(b.e - E);
      const sum = (a.s ? -A : A) + (bs ? -B : B);
      if (sum === 0n) return ((c.mxcsr >> 13) & 3) === 1 ? 1n << BigInt(f.bits - 1) : 0n;
      return sum < 0n ? roundPack(c, f, 1, -sum, E) : roundPack(c, f, 0, sum, E);
    }
    case MUL:
      return roundPack(c, f, a.s ^ b.s, a.m * b.m, a.e + b.e);
    case DIV: {
      const k = f.p + 3 + bitLength(b.m);
      const num = a.m << BigInt(k);
      const q = num / b.m;
      const sticky = num % b.m !== 0n ? 1n : 0n;
      return roundPack(c, f, a.s ^ b.s, (q << 1n) | sticky, a.e - b.e - k - 1);
    }
    default: {
      let M = b.m, E = b.e;
      if (E & 1) {
        M <<= 1n;
        E -= 1;
      }
      const k = 2 * (f.p + 3);
      const N = M << BigInt(k);
      const r = isqrt(N);
      const sticky = r * r !== N ? 1n : 0n;
      return roundPack(c, f, 0, (r << 1n) | sticky, (E - k) / 2 - 1);
    }
  }
}

/** op(a, b) (sqrt: of b) on lanes in the general case: NaNs, specials, DAZ/DE, then the exact result. */
function general(c: Cpu, f: Fmt, op: number, t: number, s: number): void {
  const a = lane(c, f, t), b = lane(c, f, s);
  const unary = op === SQRT;
  // NaN operands: IE for a signaling one; the first NaN operand (destination first), quieted.
  if ((!unary && a.cls >= QNAN) || b.cls >= QNAN) {
    if ((!unary && a.cls === SNAN) || b.cls === SNAN) c.mxcsr |= MX_IE;
    return put(c, f, t, ((!unary && a.cls >= QNAN) ? a.raw : b.raw) | f.quiet);
  }
  // DE ranks below IE and ZE (SDM vol. 1 11.5.2): an invalid operation or a division by zero does not report it.
  const de = c.mxcsr & MX_DE;
  if (!unary) denormal(c, a);
  denormal(c, b);
  const invalid = (): void => {
    c.mxcsr = (c.mxcsr & ~MX_DE) | de | MX_IE;
    put(c, f, t, f.defaultNaN);
  };
  const signed = (sg: number, mag: bigint): bigint => (BigInt(sg) << BigInt(f.bits - 1)) | mag;
  const rc = (c.mxcsr >> 13) & 3;
  switch (op) {
    case ADD:
    case SUB: {
      const bs = b.s ^ (op === SUB ? 1 : 0);
      if (a.cls === INF || b.cls === INF) {
        if (a.cls === INF && b.cls === INF && a.s !== bs) return invalid();
        return put(c, f, t, a.cls === INF ? signed(a.s, f.inf) : signed(bs, f.inf));
      }
      if (a.cls === ZERO && b.cls === ZERO) return put(c, f, t, signed(a.s === bs ? a.s : rc === 1 ? 1 : 0, 0n));
      if (a.cls === ZERO) return put(c, f, t, roundPack(c, f, bs, b.m, b.e));
      if (b.cls === ZERO) return put(c, f, t, roundPack(c, f, a.s, a.m, a.e));
      break;
    }
    case MUL: {
      const sg = a.s ^ b.s;
      if (a.cls === INF || b.cls === INF) {
        if (a.cls === ZERO || b.cls === ZERO) return invalid();
        return put(c, f, t, signed(sg, f.inf));
      }
      if (a.cls === ZERO || b.cls === ZERO) return put(c, f, t, signed(sg, 0n));
      break;
    }
    case DIV: {
      const sg = a.s ^ b.s;
      if (a.cls === INF) return b.cls === INF ? invalid() : put(c, f, t, signed(sg, f.inf));
      if (b.cls === INF) return put(c, f, t, signed(sg, 0n));
      if (b.cls === ZERO) {
        if (a.cls === ZERO) return invalid();
        c.mxcsr = (c.mxcsr & ~MX_DE) | de | MX_ZE;
        return put(c, f, t, signed(sg, f.inf));
      }
      if (a.cls === ZERO) return put(c, f, t, signed(sg, 0n));
      break;
    }
    default: {
      if (b.cls === ZERO) return put(c, f, t, signed(b.s, 0n));
      if (b.s) return invalid();
      if (b.cls === INF) return put(c, f, t, f.inf);
    }
  }
  put(c, f, t, exact(c, f, op, a, b));
}

// ------------------------------------------------------------------------------------------------
// The common case

const f32buf = new Float32Array(1);
const u32of32 = new Uint32Array(f32buf.buffer);
const f64buf = new Float64Array(1);
const u32of64 = new Uint32Array(f64buf.buffer);

/** The neighbour of a finite nonzero double toward +inf (up) or -inf. */
function nextDouble(x: number, up: boolean): number {
  f64buf[0] = x;
  let lo = u32of64[0], hi = u32of64[1];
  if ((x > 0) === up) {
    lo = (lo + 1) >>> 0;
    if (lo === 0) hi = (hi + 1) >>> 0;
  } else {
    if (lo === 0) hi = (hi - 1) >>> 0;
    lo = (lo - 1) >>> 0;
  }
  u32of64[0] = lo;
  u32of64[1] = hi;
  return f64buf[0];
}

function nextFloat(x: number, up: boolean): number {
  f32buf[0] = x;
  u32of32[0] = (x > 0) === up ? u32of32[0] + 1 : u32of32[0] - 1;
  return f32buf[0];
}

/** The sign of (exact op(a, b)) - r, for r the round-to-nearest double result, by error-free transforms. */
function errorSign(op: number, a: number, b: number, r: number): number {
  let e: number;
  if (op === ADD || op === SUB) {
    const bb = op === SUB ? -b : b;
    const bv = r - a;
    e = (a - (r - bv)) + (bb - bv);
  } else if (op === MUL) e = twoProdErr(a, b, r);
  else if (op === DIV) {
    // a - r*b exactly; sign(a/b - r) = sign(a - r*b) * sign(b)
    const p = r * b;
    e = (a - p) - twoProdErr(r, b, p);
    if (b < 0) e = -e;
  } else {
    const p = r * r;
    e = (b - p) - twoProdErr(r, r, p);
  }
  return e > 0 ? 1 : e < 0 ? -1 : 0;
}

/** p*q - prod exactly (Dekker), for prod = p*q rounded and no overflow or underflow in the parts. */
function twoProdErr(p: number, q: number, prod: number): number {
  let t = 134217729 * p;
  const ph = t - (t - p), pl = p - ph;
  t = 134217729 * q;
  const qh = t - (t - q), ql = q - qh;
  return ((ph * qh - prod) + ph * ql + pl * qh) + pl * ql;
}

// Magnitudes for which the error terms are exact and the results stay normal in every rounding mode.
const LO64 = 2 ** -900, HI64 = 2 ** 990, LO32 = 2 ** -100, HI32 = 2 ** 100, RLO32 = 2 ** -120, RHI32 = 2 ** 120;
const inRange = (v: number, lo: number, hi: number): boolean => {
  const m = Math.abs(v);
  return m >= lo && m <= hi;
};

function native(op: number, a: number, b: number): number {
  return op === ADD ? a + b : op === SUB ? a - b : op === MUL ? a * b : op === DIV ? a / b : Math.sqrt(b);
}

/**
 * Whether a zero result in the common case is exact with the right sign: a cancellation under round to
 * nearest, or a zero operand (a zero from nonzero factors is an underflow).
 */
function zeroOk(op: number, rc: number, a: number, b: number): boolean {
  return op === ADD || op === SUB ? rc === 0 : op === MUL ? a === 0 || b === 0 : op === DIV ? a === 0 : true;
}

/** Double lanes t = op(t, s) (sqrt: of s), with MXCSR rounding, DAZ/FTZ and flags. */
export function arith64(c: Cpu, op: number, t: number, s: number): void {
  const x = c.xdbl;
  const a = x[t], b = x[s];
  const r = native(op, a, b);
  const rc = (c.mxcsr >> 13) & 3;
  if ((op === SQRT || a === 0 || inRange(a, LO64, HI64)) && (b === 0 || inRange(b, LO64, HI64)) &&
    (r === 0 ? zeroOk(op, rc, a, b) : inRange(r, LO64, HI64))) {
    if (r === 0) {
      x[t] = r;
      return;
    }
    const dir = errorSign(op, a, b, r);
    if (dir === 0) {
      x[t] = r;
      return;
    }
    c.mxcsr |= MX_PE;
    x[t] = rc === 0 || (rc === 1 && dir > 0) || (rc === 2 && dir < 0) || (rc === 3 && (dir > 0) === (r > 0)) ? r : nextDouble(r, rc === 2 || (rc === 3 && r < 0));
    return;
  }
  general(c, F64, op, t, s);
}

/** Float lanes t = op(t, s) (sqrt: of s). */
export function arith32(c: Cpu, op: number, t: number, s: number): void {
  const x = c.xf;
  const a = x[t], b = x[s];
  const rc = (c.mxcsr >> 13) & 3;
  if ((op === SQRT || a === 0 || inRange(a, LO32, HI32)) && (b === 0 || inRange(b, LO32, HI32))) {
    // Float operands in double: the double result rounds correctly to float (p = 53 >= 2 * 24 + 2).
    const r = native(op, a, b);
    if (r === 0 ? zeroOk(op, rc, a, b) : inRange(r, RLO32, RHI32)) {
      const f = Math.fround(r);
      const dir = f !== r ? (r > f ? 1 : -1) : r === 0 ? 0 : errorSign(op, a, b, r);
      if (dir === 0) {
        x[t] = f;
        return;
      }
      c.mxcsr |= MX_PE;
      x[t] = rc === 0 || (rc === 1 && dir > 0) || (rc === 2 && dir < 0) || (rc === 3 && (dir > 0) === (f > 0)) ? f : nextFloat(f, rc === 2 || (rc === 3 && f < 0));
      return;
    }
  }
  general(c, F32, op, t, s);
}

// ------------------------------------------------------------------------------------------------
// Compares, min/max

/** Unpacked lanes a (dest) and b for a compare-like operation; NaN -> IE per `qnanInvalid`, else DAZ/DE. */
function compareOperands(c: Cpu, f: Fmt, t: number, s: number, qnanInvalid: boolean): [U, U] | undefined {
  const a = lane(c, f, t), b = lane(c, f, s);
  if (a.cls >= QNAN || b.cls >= QNAN) {
    if (qnanInvalid || a.cls === SNAN || b.cls === SNAN) c.mxcsr |= MX_IE;
    return undefined;
  }
  denormal(c, a);
  denormal(c, b);
  return [a, b];
}

/** -1, 0, 1 for ordered a < b, a = b, a > b. */
function order(a: U, b: U): number {
  const sa = a.cls === ZERO ? 0 : a.s ? -1 : 1, sb = b.cls === ZERO ? 0 : b.s ? -1 : 1;
  if (sa !== sb) return sa < sb ? -1 : 1;
  if (sa === 0) return 0;
  let mag: number;
  if (a.cls === INF || b.cls === INF) mag = a.cls === b.cls ? 0 : a.cls === INF ? 1 : -1;
  else {
    const E = Math.min(a.e, b.e);
    const A = a.m << BigInt(a.e - E), B = b.m << BigInt(b.e - E);
    mag = A === B ? 0 : A > B ? 1 : -1;
  }
  return sa < 0 ? -mag : mag;
}

/** A scalar comparison of lanes: -1, 0, 1, or 2 for unordered; flags per comis (qnanInvalid) or ucomis. */
export function compareLanes(c: Cpu, size: 4 | 8, t: number, s: number, qnanInvalid: boolean): number {
  const f = size === 8 ? F64 : F32;
  const fast = size === 8 ? c.xdbl : c.xf;
  const a = fast[t], b = fast[s];
  // Normal or zero operands compare natively (no flags).
  if ((a === 0 || inRange(a, size === 8 ? 2.2250738585072014e-308 : 1.1754943508222875e-38, Infinity)) &&
    (b === 0 || inRange(b, size === 8 ? 2.2250738585072014e-308 : 1.1754943508222875e-38, Infinity))) {
    return a < b ? -1 : a > b ? 1 : 0;
  }
  const ops = compareOperands(c, f, t, s, qnanInvalid);
  return ops === undefined ? 2 : order(ops[0], ops[1]);
}

/** min/max of lanes into t: the second operand when either is NaN or both are zero (IE for any NaN). */
export function minMaxLane(c: Cpu, size: 4 | 8, t: number, s: number, isMax: boolean): void {
  const f = size === 8 ? F64 : F32;
  const ops = compareOperands(c, f, t, s, true);
  if (ops === undefined) {
    // The second operand, as read: a denormal under DAZ is delivered as a signed zero.
    const b = lane(c, f, s);
    return b.den && c.mxcsr & MX_DAZ ? put(c, f, t, BigInt(b.s) << BigInt(f.bits - 1)) : copyLane(c, size, t, s);
  }
  const [a, b] = ops;
  const o = order(a, b);
  const takeA = a.cls !== ZERO || b.cls !== ZERO ? (isMax ? o > 0 : o < 0) : false;
  const pick = takeA ? a : b;
  // An operand read as zero under DAZ is delivered as that zero.
  put(c, f, t, pick.cls === ZERO ? BigInt(pick.s) << BigInt(f.bits - 1) : pick.raw);
}

function copyLane(c: Cpu, size: 4 | 8, t: number, s: number): void {
  if (size === 8) {
    c.xd[2 * t] = c.xd[2 * s];
    c.xd[2 * t + 1] = c.xd[2 * s + 1];
  } else c.xd[t] = c.xd[s];
}

// ------------------------------------------------------------------------------------------------
// Conversions

/** cvtsd2ss / cvtpd2ps lane: double lane s -> float lane t. */
export function doubleToFloat(c: Cpu, t: number, s: number): void {
  const v = c.xdbl[s];
  const rc = (c.mxcsr >> 13) & 3;
  if (inRange(v, RLO32, RHI32)) {
    const f = Math.fround(v);
    if (f !== v) {
      c.mxcsr |= MX_PE;
      const dir = v > f ? 1 : -1;
      c.xf[t] = rc === 0 || (rc === 1 && dir > 0) || (rc === 2 && dir < 0) || (rc === 3 && (dir > 0) === (f > 0)) ? f : nextFloat(f, rc === 2 || (rc === 3 && f < 0));
    } else c.xf[t] = f;
    return;
  }
  const u = lane(c, F64, s);
  if (u.cls >= QNAN) {
    if (u.cls === SNAN) c.mxcsr |= MX_IE;
    const hi = c.xd[2 * s + 1], lo = c.xd[2 * s];
    c.xd[t] = ((hi & 0x80000000) | 0x7fc00000 | ((hi & 0x7ffff) << 3) | (lo >>> 29)) >>> 0;
    return;
  }
  denormal(c, u);
  const sign = BigInt(u.s) << 31n;
  if (u.cls === ZERO) return put(c, F32, t, sign);
  if (u.cls === INF) return put(c, F32, t, sign | F32.inf);
  put(c, F32, t, roundPack(c, F32, u.s, u.m, u.e));
}

/** cvtss2sd / cvtps2pd lane: float value v (already read) -> double lane t. */
export function floatToDouble(c: Cpu, t: number, bits: number): void {
  const u = unpack32(bits);
  if (u.cls >= QNAN) {
    if (u.cls === SNAN) c.mxcsr |= MX_IE;
    c.xd[2 * t + 1] = ((bits & 0x80000000) | 0x7ff80000 | ((bits & 0x3fffff) >>> 3)) >>> 0;
    c.xd[2 * t] = (bits & 7) << 29;
    return;
  }
  denormal(c, u);
  if (u.cls === ZERO) {
    c.xdbl[t] = u.s ? -0 : 0;
    return;
  }
  f32buf[0] = 0;
  u32of32[0] = bits;
  c.xdbl[t] = f32buf[0];
}

/** A signed integer (exact bigint) to a float or double lane t, rounded under MXCSR. */
export function intToLane(c: Cpu, size: 4 | 8, t: number, v: bigint): void {
  const f = size === 8 ? F64 : F32;
  const n = Number(v);
  if (n > -(2 ** f.p) && n < 2 ** f.p) {
    if (size === 8) c.xdbl[t] = n;
    else c.xf[t] = n;
    return;
  }
  put(c, f, t, v < 0n ? roundPack(c, f, 1, -v, 0) : roundPack(c, f, 0, v, 0));
}

/**
 * A float or double lane to a signed integer of `bits` (32/64) rounded under MXCSR.RC or truncated; NaN,
 * infinity and out-of-range values give the integer indefinite value with IE (and no PE).
 */
export function laneToInt(c: Cpu, size: 4 | 8, s: number, bits: 32 | 64, truncate: boolean): bigint {
  const u = size === 8 ? unpack64(c.xd[2 * s], c.xd[2 * s + 1]) : unpack32(c.xd[s]);
  const indefinite = -(1n << BigInt(bits - 1));
  if (u.cls >= INF) {
    c.mxcsr |= MX_IE;
    return indefinite;
  }
  if (u.den && c.mxcsr & MX_DAZ) return 0n;
  if (u.cls === ZERO) return 0n;
  let q: bigint;
  let inexact = false;
  if (u.e >= 0) q = u.e > 64 ? 1n << 80n : u.m << BigInt(u.e);
  else {
    q = round(u.m, -u.e, u.s, truncate ? 3 : (c.mxcsr >> 13) & 3);
    inexact = lost;
  }
  const r = u.s ? -q : q;
  if (r < indefinite || r > -indefinite - 1n) {
    c.mxcsr |= MX_IE;
    return indefinite;
  }
  if (inexact) c.mxcsr |= MX_PE;
  return r;
}
