// x87 state and 80-bit extended-precision arithmetic in software: values are kept exactly (sign, biased
// exponent, 64-bit significand with its explicit integer bit) and add/sub/mul/div/sqrt round exactly once
// to the precision control's width under the rounding control, as the hardware does.

/** An 80-bit extended value. */
export interface X80 {
  s: number;
  /** Biased exponent 0..0x7fff. */
  e: number;
  /** 64-bit significand including the integer bit. */
  m: bigint;
}

import { bitLength, shiftRound } from './exact.ts';

export const BIAS = 16383;
const TOP = 1n << 63n;
const M64 = (1n << 64n) - 1n;

export const X_ZERO: X80 = { s: 0, e: 0, m: 0n };
export const X_INDEF: X80 = { s: 1, e: 0x7fff, m: 0xc000000000000000n };

export function isNaN80(x: X80): boolean {
  return x.e === 0x7fff && (x.m & ~TOP) !== 0n;
}
export function isInf80(x: X80): boolean {
  return x.e === 0x7fff && (x.m & ~TOP) === 0n;
}
export function isZero80(x: X80): boolean {
  return x.e === 0 && x.m === 0n;
}

/** Exception flags of one rounding, and `up`: the magnitude was rounded up (the x87's C1). */
export interface RoundFlags {
  pe: boolean;
  oe: boolean;
  ue: boolean;
  up?: boolean;
}

/**
 * Round (-1)^s * M * 2^E to p significant bits (the precision control) in the 80-bit format's exponent
 * range under rc, recording PE/OE/UE and the round-up bit in flags.
 */
export function roundExact(s: number, M: bigint, E: number, p: number, rc: number, flags: RoundFlags): X80 {
  if (M === 0n) return { s, e: 0, m: 0n };
  let bl = bitLength(M);
  // Denormal range: the smallest normal exponent is 1 - BIAS for the integer bit.
  const expOfTop = E + bl - 1; // unbiased exponent of the leading bit
  let keep = p;
  if (expOfTop + BIAS < 1) keep = p - (1 - (expOfTop + BIAS));
  const tiny = isTiny(M, bl, expOfTop, 1 - BIAS, p, s, rc);
  let q: bigint;
  let shift = bl - keep;
  if (keep <= 0) {
    // Everything is below the smallest denormal: result is 0 or the smallest denormal.
    shift = bl - keep;
  }
  if (shift > 0) {
    q = shiftRound(M, shift, s, rc, flags);
    E += shift;
  } else {
    q = M << BigInt(-shift);
    E += shift;
  }
  bl = bitLength(q);
  // Place in the 64-bit significand with exponent.
  const topExp = E + bl - 1;
  let be = topExp + BIAS;
  let m: bigint;
  if (be >= 1) {
    m = q << BigInt(64 - bl);
    if (be >= 0x7fff) {
      flags.oe = true;
      flags.pe = true;
      const toInf = rc === 0 || (rc === 1 && s === 1) || (rc === 2 && s === 0);
      flags.up = toInf;
      return toInf ? { s, e: 0x7fff, m: TOP } : { s, e: 0x7ffe, m: M64 & ~((1n << BigInt(64 - p)) - 1n) };
    }
  } else {
    // Denormal: integer bit clear, exponent field 0, value = m * 2^(1 - BIAS - 63).
    const sh = E - (1 - BIAS - 63);
    m = sh >= 0 ? q << BigInt(sh) : q >> BigInt(-sh);
    be = m >= TOP ? 1 : 0;
  }
  if (tiny && flags.pe) flags.ue = true; // masked underflow: tiny and inexact
  return { s, e: be, m: m & M64 };
}

/**
 * Tininess after rounding (SDM vol. 1 4.9.1.5): M * 2^E, whose leading bit has exponent expOfTop, rounded
 * to p bits with an unbounded exponent, is below the smallest normal 2^minExp.
 */
function isTiny(M: bigint, bl: number, expOfTop: number, minExp: number, p: number, s: number, rc: number): boolean {
  if (expOfTop >= minExp) return false;
  if (expOfTop < minExp - 1 || bl <= p) return true;
  // Just below the smallest normal: tiny unless rounding carries into it.
  return bitLength(shiftRound(M, bl - p, s, rc, { pe: false })) <= p;
}

/** The exact value as (M, E): value = M * 2^E. */
export function unpack(x: X80): [bigint, number] {
  const e = x.e === 0 ? 1 : x.e;
  return [x.m, e - BIAS - 63];
}

export function fromDouble(v: number): X80 {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, v, true);
  const hi = buf.getUint32(4, true), lo = buf.getUint32(0, true);
  const s = hi >>> 31;
  const ex = (hi >>> 20) & 0x7ff;
  const frac = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (ex === 0x7ff) return { s, e: 0x7fff, m: TOP | (frac << 11n) };
  if (ex === 0) {
    if (frac === 0n) return { s, e: 0, m: 0n };
    // Denormal double: normalize into extended (always representable).
    const bl = bitLength(frac);
    const shift = 64 - bl;
    return { s, e: 1 - 1023 - 52 + (bl - 1) + BIAS, m: frac << BigInt(shift) };
  }
  return { s, e: ex - 1023 + BIAS, m: TOP | (frac << 11n) };
}

export function fromFloat(v: number): X80 {
  return fromDouble(v);
}

/** Round to double under rc; returns the double's bits as (hi, lo) via DataView. */
export function toDouble(x: X80, rc: number, flags: RoundFlags = { pe: false, oe: false, ue: false }): number {
  if (x.e === 0x7fff) {
    if ((x.m & ~TOP) === 0n) return x.s ? -Infinity : Infinity;
    const frac = (x.m >> 11n) & 0xfffffffffffffn;
    const buf = new DataView(new ArrayBuffer(8));
    buf.setUint32(4, ((x.s << 31) | 0x7ff00000 | Number(frac >> 32n) | 0x80000) >>> 0, true);
    buf.setUint32(0, Number(frac & 0xffffffffn), true);
    return buf.getFloat64(0, true);
  }
  if (x.m === 0n) return x.s ? -0 : 0;
  const [M, E] = unpack(x);
  return roundToBinary(x.s, M, E, 53, 1022, 1023, rc, flags);
}

export function toFloat(x: X80, rc: number, flags: RoundFlags = { pe: false, oe: false, ue: false }): number {
  if (x.e === 0x7fff) return toDouble(x, rc, flags);
  if (x.m === 0n) return x.s ? -0 : 0;
  const [M, E] = unpack(x);
  return roundToBinary(x.s, M, E, 24, 126, 127, rc, flags);
}

/** Round sign*M*2^E to an IEEE binary format with p-bit significands and the given exponent range. */
function roundToBinary(s: number, M: bigint, E: number, p: number, emin: number, emax: number, rc: number, flags: RoundFlags): number {
  const bl = bitLength(M);
  const topExp = E + bl - 1;
  let keep = p;
  if (topExp < -emin) keep = p - (-emin - topExp);
  let shift = bl - keep;
  let q: bigint;
  if (shift > 0) {
    q = shiftRound(M, shift, s, rc, flags);
  } else {
    q = M << BigInt(-shift);
    shift = 0 - -shift;
  }
  const e2 = E + (bl - keep);
  // value = q * 2^e2 (q exactly representable; Number(q) exact since q ≤ 2^53).
  let v = Number(q) * Math.pow(2, e2);
  if (!Number.isFinite(v) || (v === 0 && q !== 0n)) {
    // Math.pow underflow/overflow for extreme e2: scale in two steps.
    v = Number(q) * Math.pow(2, Math.trunc(e2 / 2)) * Math.pow(2, e2 - Math.trunc(e2 / 2));
  }
  if (flags.pe && isTiny(M, bl, topExp, -emin, p, s, rc)) flags.ue = true; // masked underflow: tiny and inexact
  const max = p === 53 ? Number.MAX_VALUE : 3.4028234663852886e38;
  if (Math.abs(v) > max || !Number.isFinite(v)) {
    flags.oe = true;
    flags.pe = true;
    const toInf = rc === 0 || (rc === 1 && s === 1) || (rc === 2 && s === 0);
    flags.up = toInf;
    v = toInf ? Infinity : max;
  }
  void emax;
  return s ? -v : v;
}

export function fromBigInt(v: bigint): X80 {
  if (v === 0n) return { s: 0, e: 0, m: 0n };
  const s = v < 0n ? 1 : 0;
  const a = s ? -v : v;
  const bl = bitLength(a);
  return { s, e: BIAS + bl - 1, m: a << BigInt(64 - bl) };
}

/** Round to an integer (bigint) under rc; null for NaN/infinity. */
export function toBigInt(x: X80, rc: number, flags: RoundFlags = { pe: false, oe: false, ue: false }): bigint | null {
  if (x.e === 0x7fff) return null;
  if (x.m === 0n) return 0n;
  const [M, E] = unpack(x);
  let q: bigint;
  if (E >= 0) q = M << BigInt(E);
  else {
    const sh = BigInt(-E);
    if (-E > 200) q = 0n;
    else q = M >> sh;
    const rem = -E > 200 ? M : M & ((1n << sh) - 1n);
    if (rem !== 0n) {
      flags.pe = true;
      const half = -E > 200 ? 0n : 1n << (sh - 1n);
      let up = false;
      if (rc === 0) up = -E <= 200 && (rem > half || (rem === half && (q & 1n) === 1n));
      else if (rc === 1) up = x.s === 1;
      else if (rc === 2) up = x.s === 0;
      if (up) {
        q += 1n;
        flags.up = true;
      }
    }
  }
  return x.s ? -q : q;
}

const flagsScratch: RoundFlags = { pe: false, oe: false, ue: false, up: false };

export class Fpu {
  /** Physical registers 0-7. */
  readonly regs: X80[] = Array.from({ length: 8 }, () => X_ZERO);
  /** Tag per physical register: true = empty. */
  readonly empty: boolean[] = Array(8).fill(true);
  top = 0;
  cw = 0x37f;
  /** Status word without TOP (bits 11-13 are taken from `top`). */
  sw = 0;
  fip = 0;
  fdp = 0;
  fop = 0;

  get rc(): number {
    return (this.cw >> 10) & 3;
  }

  /** Significand width from the precision control (24, 53 or 64). */
  get precision(): number {
    const pc = (this.cw >> 8) & 3;
    return pc === 0 ? 24 : pc === 2 ? 53 : 64;
  }

  status(): number {
    return ((this.sw & ~0x3800) | (this.top << 11)) & 0xffff;
  }

  setStatus(v: number): void {
    this.sw = v & ~0x3800;
    this.top = (v >> 11) & 7;
  }

  /** Abridged tag byte (fxsave): bit set = valid. */
  tagByte(): number {
    let t = 0;
    for (let i = 0; i < 8; i++) if (!this.empty[i]) t |= 1 << i;
    return t;
  }

  /** Full tag word (fnstenv). */
  tagWord(): number {
    let t = 0;
    for (let i = 0; i < 8; i++) {
      let tag = 3;
      if (!this.empty[i]) {
        const r = this.regs[i];
        tag = r.e === 0x7fff || (r.e === 0 && r.m !== 0n) || (r.e !== 0 && r.m < TOP) ? 2 : r.m === 0n && r.e === 0 ? 1 : 0;
      }
      t |= tag << (2 * i);
    }
    return t;
  }

  setTagWord(t: number): void {
    for (let i = 0; i < 8; i++) this.empty[i] = ((t >> (2 * i)) & 3) === 3;
  }

  st(i: number): X80 {
    const p = (this.top + i) & 7;
    if (this.empty[p]) {
      this.sw |= 0x41; // IE | SF (stack underflow)
      this.sw &= ~0x200;
      return X_INDEF;
    }
    return this.regs[p];
  }

  setSt(i: number, v: X80): void {
    const p = (this.top + i) & 7;
    this.regs[p] = v;
    this.empty[p] = false;
  }

  push(v: X80): void {
    const p = (this.top - 1) & 7;
    if (!this.empty[p]) {
      this.sw |= 0x241; // IE | SF | C1 (overflow)
      v = X_INDEF;
    }
    this.top = p;
    this.regs[p] = v;
    this.empty[p] = false;
  }

  pop(): void {
    this.empty[this.top] = true;
    this.top = (this.top + 1) & 7;
  }

  reset(): void {
    this.cw = 0x37f;
    this.sw = 0;
    this.top = 0;
    this.empty.fill(true);
    this.fip = this.fdp = this.fop = 0;
  }

  /** Round an exact result to the precision control and record exception flags. */
  round(s: number, M: bigint, E: number): X80 {
    flagsScratch.pe = flagsScratch.oe = flagsScratch.ue = flagsScratch.up = false;
    const r = roundExact(s, M, E, this.precision, this.rc, flagsScratch);
    this.roundFlags(flagsScratch);
    return r;
  }

  /** Record a rounding's PE/OE/UE and set C1 to its round-up bit. */
  roundFlags(flags: RoundFlags): void {
    this.sw = (this.sw & ~0x200) | (flags.up ? 0x200 : 0);
    if (flags.pe) this.sw |= 0x20;
    if (flags.oe) this.sw |= 0x08;
    if (flags.ue) this.sw |= 0x10;
  }
}
