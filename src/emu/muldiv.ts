// mul/imul/div/idiv. 8/16-bit products are exact in doubles, 32-bit ones use 16-bit partial products,
// 64-bit ones and all wide divisions use bigint. #DE on a zero divisor or a quotient that does not fit.
import type { Cpu } from './cpu.ts';
import type { Define } from './handlers.ts';
import { K_IMM, K_MEM, type Insn } from './insn.ts';
import { big, sext, szp } from './flags.ts';
import { DE, Fault } from './types.ts';

/** Unsigned 32×32 → 64 into c.rl (low) / c.rh (high). */
export function umul32(c: Cpu, a: number, b: number): void {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const p00 = a0 * b0;
  const mid = a0 * b1 + a1 * b0 + Math.floor(p00 / 65536);
  c.rl = (((mid % 65536) * 65536) + (p00 % 65536)) >>> 0;
  c.rh = (a1 * b1 + Math.floor(mid / 65536)) >>> 0;
}

/** High 64 bits of the last mul64 (low 64 bits are in c.rl/c.rh). */
let w2 = 0, w3 = 0;

/** 64×64 → 128-bit product from 32-bit limbs (exact in doubles); signed adjusts the high half. */
function mul64(c: Cpu, a0: number, a1: number, b0: number, b1: number, signed: boolean): void {
  umul32(c, a0, b0);
  const r0 = c.rl, h00 = c.rh;
  umul32(c, a0, b1);
  const l01 = c.rl, h01 = c.rh;
  umul32(c, a1, b0);
  const l10 = c.rl, h10 = c.rh;
  umul32(c, a1, b1);
  const l11 = c.rl, h11 = c.rh;
  const s1 = h00 + l01 + l10;
  const r1 = s1 >>> 0;
  const s2 = h01 + h10 + l11 + Math.floor(s1 / 4294967296);
  let r2 = s2 >>> 0;
  let r3 = (h11 + Math.floor(s2 / 4294967296)) >>> 0;
  if (signed) {
    // (a - 2^64·[a<0]) (b - 2^64·[b<0]) = a·b - 2^64 (b·[a<0] + a·[b<0]) mod 2^128
    if (a1 & 0x80000000) {
      const t = r2 - b0;
      r2 = t >>> 0;
      r3 = (r3 - b1 - (t < 0 ? 1 : 0)) >>> 0;
    }
    if (b1 & 0x80000000) {
      const t = r2 - a0;
      r2 = t >>> 0;
      r3 = (r3 - a1 - (t < 0 ? 1 : 0)) >>> 0;
    }
  }
  c.rl = r0;
  c.rh = r1;
  w2 = r2;
  w3 = r3;
}

function operand(c: Cpu, d: Insn): number {
  return d.k0 === K_MEM ? c.rmem(c.ea(d), d.s0) : c.rreg(d.r0, d.s0);
}

function mul(c: Cpu, d: Insn): void {
  const s = d.s0;
  const b = operand(c, d), bh = c.th;
  let over: boolean;
  if (s === 1) {
    const p = (c.lo[0] & 0xff) * b;
    c.wreg(0, 2, p, 0);
    over = p > 0xff;
    szp(c, 1, p & 0xff, 0);
  } else if (s === 2) {
    const p = (c.lo[0] & 0xffff) * b;
    c.wreg(0, 2, p & 0xffff, 0);
    c.wreg(2, 2, p >>> 16, 0);
    over = p > 0xffff;
    szp(c, 2, p & 0xffff, 0);
  } else if (s === 4) {
    umul32(c, c.lo[0], b);
    const lo = c.rl, hi = c.rh;
    c.wreg(0, 4, lo, 0);
    c.wreg(2, 4, hi, 0);
    over = hi !== 0;
    szp(c, 4, lo, 0);
  } else {
    mul64(c, c.lo[0], c.hi[0], b, bh, false);
    c.wreg(0, 8, c.rl, c.rh);
    c.wreg(2, 8, w2, w3);
    over = (w2 | w3) !== 0;
    szp(c, 8, c.lo[0], c.hi[0]);
  }
  c.cf = c.of = over ? 1 : 0;
  c.af = 0;
}

function imul1(c: Cpu, d: Insn): void {
  const s = d.s0;
  const b = operand(c, d), bh = c.th;
  let over: boolean;
  if (s <= 2) {
    const p = sext(s, c.lo[0]) * sext(s, b);
    if (s === 1) {
      c.wreg(0, 2, p & 0xffff, 0);
      over = p !== (p << 24) >> 24;
    } else {
      c.wreg(0, 2, p & 0xffff, 0);
      c.wreg(2, 2, (p >> 16) & 0xffff, 0);
      over = p !== (p << 16) >> 16;
    }
    szp(c, s, p & (s === 1 ? 0xff : 0xffff), 0);
  } else if (s === 4) {
    const p = BigInt(c.lo[0] | 0) * BigInt(b | 0);
    const u = BigInt.asUintN(64, p);
    c.wreg(0, 4, Number(u & 0xffffffffn), 0);
    c.wreg(2, 4, Number(u >> 32n), 0);
    over = p !== BigInt.asIntN(32, p);
    szp(c, 4, c.lo[0], 0);
  } else {
    mul64(c, c.lo[0], c.hi[0], b, bh, true);
    c.wreg(0, 8, c.rl, c.rh);
    c.wreg(2, 8, w2, w3);
    const ext = c.rh & 0x80000000 ? 0xffffffff : 0;
    over = w2 !== ext || w3 !== ext;
    szp(c, 8, c.lo[0], c.hi[0]);
  }
  c.cf = c.of = over ? 1 : 0;
  c.af = 0;
}

/** imul r, r/m[, imm]. */
function imulN(c: Cpu, d: Insn): void {
  if (d.n === 1) return imul1(c, d);
  const s = d.s0;
  const a = d.k1 === K_MEM ? c.ea(d) : 0;
  let xl: number, xh: number, yl: number, yh: number;
  if (d.n === 3) {
    xl = d.k1 === K_MEM ? c.rmem(a, s) : c.rreg(d.r1, s);
    xh = c.th;
    yl = d.immLo;
    yh = d.immHi;
  } else {
    xl = c.rreg(d.r0, s);
    xh = c.th;
    yl = d.k1 === K_MEM ? c.rmem(a, s) : d.k1 === K_IMM ? d.immLo : c.rreg(d.r1, s);
    yh = c.th;
  }
  let over: boolean;
  if (s <= 2) {
    const p = sext(s, xl) * sext(s, yl);
    const r = p & 0xffff;
    over = p !== (p << 16) >> 16;
    c.wreg(d.r0, 2, r, 0);
    szp(c, 2, r, 0);
  } else if (s === 4) {
    const p = (xl | 0) * (yl | 0);
    let r: number;
    if (Math.abs(p) < 9007199254740992) {
      r = Number(BigInt.asUintN(32, BigInt(p)));
      over = p > 2147483647 || p < -2147483648;
    } else {
      const bp = BigInt(xl | 0) * BigInt(yl | 0);
      r = Number(BigInt.asUintN(32, bp));
      over = true;
    }
    c.wreg(d.r0, 4, r, 0);
    szp(c, 4, r, 0);
  } else {
    mul64(c, xl, xh, yl, yh, true);
    const ext = c.rh & 0x80000000 ? 0xffffffff : 0;
    over = w2 !== ext || w3 !== ext;
    c.wreg(d.r0, 8, c.rl, c.rh);
    szp(c, 8, c.rl, c.rh);
  }
  c.cf = c.of = over ? 1 : 0;
  c.af = 0;
}

function div(signed: boolean) {
  return (c: Cpu, d: Insn): void => {
    const s = d.s0;
    const bl = operand(c, d), bh = c.th;
    if (s === 1) {
      const n = c.lo[0] & 0xffff;
      let q: number, r: number;
      if (signed) {
        const dv = sext(1, bl);
        if (dv === 0) throw new Fault(DE);
        const nn = (n << 16) >> 16;
        q = Math.trunc(nn / dv);
        r = nn - q * dv;
        if (q > 127 || q < -128) throw new Fault(DE);
      } else {
        if (bl === 0) throw new Fault(DE);
        q = Math.floor(n / bl);
        r = n % bl;
        if (q > 0xff) throw new Fault(DE);
      }
      c.wreg(0, 2, ((r & 0xff) << 8) | (q & 0xff), 0);
      return;
    }
    if (s === 2 || (s === 4 && !signed && c.lo[2] === 0)) {
      const n = s === 2 ? ((c.lo[2] & 0xffff) * 65536 + (c.lo[0] & 0xffff)) : c.lo[0];
      let q: number, r: number;
      if (signed) {
        const dv = sext(2, bl);
        if (dv === 0) throw new Fault(DE);
        const nn = n | 0;
        q = Math.trunc(nn / dv);
        r = nn - q * dv;
        if (q > 32767 || q < -32768) throw new Fault(DE);
      } else {
        if (bl === 0) throw new Fault(DE);
        q = Math.floor(n / bl);
        r = n - q * bl;
        if (q > (s === 2 ? 0xffff : 0xffffffff)) throw new Fault(DE);
      }
      c.wreg(0, s, q >>> 0, 0);
      c.wreg(2, s, r >>> 0, 0);
      return;
    }
    if (s === 8 && !signed && c.lo[2] === 0 && c.hi[2] === 0 && c.hi[0] < 0x200000 && bh < 0x200000) {
      // Both fit in 53 bits: exact in doubles.
      const n = c.hi[0] * 4294967296 + c.lo[0];
      const dv = bh * 4294967296 + bl;
      if (dv === 0) throw new Fault(DE);
      const q = Math.floor(n / dv);
      const r = n - q * dv;
      c.setRegNum(0, q);
      c.setRegNum(2, r);
      return;
    }
    const bits = BigInt(s * 8);
    const mask = (1n << bits) - 1n;
    const num = ((big(s, c.lo[2], c.hi[2]) & mask) << bits) | (big(s, c.lo[0], c.hi[0]) & mask);
    let dv = big(s, bl, bh) & mask;
    if (dv === 0n) throw new Fault(DE);
    let q: bigint, r: bigint;
    if (signed) {
      const nn = BigInt.asIntN(s * 16, num);
      dv = BigInt.asIntN(s * 8, dv);
      q = nn / dv;
      r = nn % dv;
      if (q !== BigInt.asIntN(s * 8, q)) throw new Fault(DE);
    } else {
      q = num / dv;
      r = num % dv;
      if (q > mask) throw new Fault(DE);
    }
    const qu = BigInt.asUintN(64, q), ru = BigInt.asUintN(64, r);
    c.wreg(0, s, Number(qu & 0xffffffffn), Number((qu >> 32n) & 0xffffffffn));
    c.wreg(2, s, Number(ru & 0xffffffffn), Number((ru >> 32n) & 0xffffffffn));
  };
}

export function registerMulDiv(def: Define): void {
  def('Mul', mul);
  def('Imul', imulN);
  def('Div', div(false));
  def('Idiv', div(true));
}
