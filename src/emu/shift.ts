// Shifts and rotates: shl/sal/shr/sar/rol/ror/rcl/rcr/shld/shrd. 64-bit rotates through carry and double
// shifts go through bigint (rare); plain 64-bit shifts work on the 32-bit halves.
import type { Cpu } from './cpu.ts';
import type { Define } from './handlers.ts';
import { K_IMM, K_MEM, K_REG, type Insn } from './insn.ts';
import { big, MASK, SIGN, szp } from './flags.ts';

export const SHL = 0, SHR = 1, SAR = 2;
const ROL = 3, ROR = 4, RCL = 5, RCR = 6;

function count(c: Cpu, d: Insn): number {
  // Operand 1 is CL or imm8 (or absent = 1 for the D0/D1 forms).
  const raw = d.n < 2 ? 1 : d.k1 === K_IMM ? d.immLo : c.lo[1] & 0xff;
  return raw & (d.s0 === 8 ? 63 : 31);
}

/**
 * shl/shr/sar of the 64-bit value (lo, hi) by n (1-63) on the halves: the result in c.rl/c.rh, and CF, OF,
 * AF, ZF, SF, PF set (OF as for a count of 1). Shared by the generic handler and fast.ts's register forms.
 */
export function shift64(c: Cpu, op: number, n: number, lo: number, hi: number): void {
  let cf: number;
  const oldTop = hi >>> 31;
  if (op === SHL) {
    if (n < 32) {
      cf = (hi >>> (32 - n)) & 1;
      hi = ((hi << n) | (lo >>> (32 - n))) >>> 0;
      lo = (lo << n) >>> 0;
    } else {
      cf = n === 32 ? hi & 1 : (lo >>> (64 - n)) & 1; // the last bit out is bit 64-n
      hi = (lo << (n - 32)) >>> 0;
      lo = 0;
    }
    c.of = (hi >>> 31) ^ cf;
  } else {
    const sign = op === SAR ? (hi | 0) >> 31 : 0;
    if (n < 32) {
      cf = (lo >>> (n - 1)) & 1;
      lo = ((lo >>> n) | (hi << (32 - n))) >>> 0;
      hi = (op === SAR ? (hi | 0) >> n : hi >>> n) >>> 0;
    } else {
      cf = n === 32 ? lo >>> 31 : (op === SAR ? (hi | 0) >> (n - 33) : hi >>> (n - 33)) & 1; // the last bit out is bit n-1
      lo = (op === SAR ? (hi | 0) >> (n - 32) : hi >>> (n - 32)) >>> 0;
      hi = sign >>> 0;
    }
    c.of = op === SHR ? oldTop : 0;
  }
  c.cf = cf;
  c.af = 0;
  szp(c, 8, lo, hi);
  c.rl = lo;
  c.rh = hi;
}

function shift(op: number) {
  return (c: Cpu, d: Insn): void => {
    const n = count(c, d);
    if (n === 0) {
      // Still a read (and fault) of the destination; flags unchanged. A 32-bit register dest is zero-extended.
      if (d.k0 === K_REG && d.s0 === 4) c.hi[d.r0] = 0;
      else if (d.k0 === K_MEM) c.rmem(c.ea(d), d.s0);
      return;
    }
    const a = d.k0 === K_MEM ? c.ea(d) : 0;
    const s = d.s0;
    let lo = c.rd0(d, a);
    let hi = c.th;
    const bits = s * 8;
    if (s === 8) {
      if (op === SHL || op === SHR || op === SAR) {
        shift64(c, op, n, lo, hi);
        c.wr0(d, a, c.rl, c.rh);
        return;
      }
      const v = big(8, lo, hi);
      const nb = BigInt(n);
      let r: bigint;
      if (op === ROL) {
        r = BigInt.asUintN(64, (v << nb) | (v >> (64n - nb)));
        c.cf = Number(r & 1n);
        c.of = Number(r >> 63n) ^ c.cf;
      } else if (op === ROR) {
        r = BigInt.asUintN(64, (v >> nb) | (v << (64n - nb)));
        c.cf = Number(r >> 63n);
        c.of = Number((r >> 63n) ^ ((r >> 62n) & 1n));
      } else if (op === RCL) {
        const w = (BigInt(c.cf) << 64n) | v; // 65-bit value
        const rot = ((w << nb) | (w >> (65n - nb))) & ((1n << 65n) - 1n);
        r = rot & ((1n << 64n) - 1n);
        c.cf = Number(rot >> 64n);
        c.of = Number(r >> 63n) ^ c.cf;
      } else {
        const w = (BigInt(c.cf) << 64n) | v;
        const rot = ((w >> nb) | (w << (65n - nb))) & ((1n << 65n) - 1n);
        r = rot & ((1n << 64n) - 1n);
        c.cf = Number(rot >> 64n);
        c.of = Number((r >> 63n) ^ ((r >> 62n) & 1n));
      }
      c.wr0(d, a, Number(r & 0xffffffffn), Number(r >> 32n));
      return;
    }
    const m = MASK[s];
    const sb = SIGN[s];
    let r: number;
    switch (op) {
      case SHL: {
        // n ≤ 31: compute in two steps to stay within 32 bits.
        const wide = n < bits ? lo * 2 ** n : 0;
        c.cf = n <= bits ? Math.floor((lo * 2 ** (n - 1)) / 2 ** (bits - 1)) & 1 : 0;
        r = wide % 2 ** bits;
        if (s === 4) r = r >>> 0;
        c.of = (r & sb ? 1 : 0) ^ c.cf;
        c.af = 0;
        szp(c, s, r, 0);
        break;
      }
      case SHR:
        c.cf = n <= bits ? (lo >>> (n - 1)) & 1 : 0;
        r = n < bits ? lo >>> n : 0;
        c.of = lo & sb ? 1 : 0;
        c.af = 0;
        szp(c, s, r, 0);
        break;
      case SAR: {
        const sv = s === 1 ? (lo << 24) >> 24 : s === 2 ? (lo << 16) >> 16 : lo | 0;
        const k = Math.min(n, bits - 1);
        c.cf = n <= bits ? (sv >> (Math.min(n, 32) - 1)) & 1 : (sv < 0 ? 1 : 0);
        if (n > bits) c.cf = sv < 0 ? 1 : 0;
        r = (sv >> k) & m;
        if (n >= bits) r = sv < 0 ? m : 0;
        if (s === 4) r = r >>> 0;
        c.of = 0;
        c.af = 0;
        szp(c, s, r, 0);
        break;
      }
      case ROL: {
        const k = n % bits;
        r = k === 0 ? lo : s === 4 ? ((lo << k) | (lo >>> (32 - k))) >>> 0 : ((lo << k) | (lo >>> (bits - k))) & m;
        c.cf = r & 1;
        c.of = (r & sb ? 1 : 0) ^ c.cf;
        break;
      }
      case ROR: {
        const k = n % bits;
        r = k === 0 ? lo : s === 4 ? ((lo >>> k) | (lo << (32 - k))) >>> 0 : ((lo >>> k) | (lo << (bits - k))) & m;
        c.cf = r & sb ? 1 : 0;
        c.of = ((r >>> (bits - 1)) ^ (r >>> (bits - 2))) & 1;
        break;
      }
      default: {
        // rcl/rcr through a (bits+1)-bit value, in bigint for simplicity.
        const w = (BigInt(c.cf) << BigInt(bits)) | BigInt(lo >>> 0);
        const width = BigInt(bits + 1);
        const k = BigInt(n % (bits + 1));
        const all = (1n << width) - 1n;
        const rot = op === RCL ? ((w << k) | (w >> (width - k))) & all : ((w >> k) | (w << (width - k))) & all;
        r = Number(rot & BigInt(m));
        c.cf = Number(rot >> BigInt(bits));
        c.of = op === RCL ? ((r & sb ? 1 : 0) ^ c.cf) : ((r >>> (bits - 1)) ^ (r >>> (bits - 2))) & 1;
        break;
      }
    }
    c.wr0(d, a, r, 0);
    void hi;
  };
}

/** shld/shrd dest, src, count. */
function shiftDouble(left: boolean) {
  return (c: Cpu, d: Insn): void => {
    const s = d.s0;
    const raw = d.k2 === K_IMM ? d.immLo : c.lo[1] & 0xff;
    const n = raw & (s === 8 ? 63 : 31);
    const a = d.k0 === K_MEM ? c.ea(d) : 0;
    const dl = c.rd0(d, a), dh = c.th;
    if (n === 0) {
      if (d.k0 === K_REG && s === 4) c.hi[d.r0] = 0;
      return;
    }
    const sl = c.rreg(d.r1, s), sh = c.th;
    const bits = BigInt(s * 8);
    const dv = big(s, dl, dh), sv = big(s, sl, sh);
    const mask = (1n << bits) - 1n;
    const nb = BigInt(n);
    let r: bigint;
    let cf: number;
    if (left) {
      const w = (dv << bits) | sv; // dest:src
      r = (w << nb >> bits) & mask;
      cf = Number((dv >> (bits - nb)) & 1n);
    } else {
      const w = (sv << bits) | dv; // src:dest
      r = (w >> nb) & mask;
      cf = Number((dv >> (nb - 1n)) & 1n);
    }
    if (n > s * 8) r = r & mask; // undefined for 16-bit counts beyond the width
    c.cf = cf;
    const top = Number(r >> (bits - 1n)) & 1;
    c.of = top ^ Number(dv >> (bits - 1n) & 1n);
    c.af = 0;
    const rl = Number(r & 0xffffffffn), rh = Number(r >> 32n);
    szp(c, s, rl, rh);
    c.wr0(d, a, rl, rh);
  };
}

export function registerShift(def: Define): void {
  const make = shift;
  def(['Shl', 'Sal'], make(SHL));
  def('Shr', make(SHR));
  def('Sar', make(SAR));
  def('Rol', make(ROL));
  def('Ror', make(ROR));
  def('Rcl', make(RCL));
  def('Rcr', make(RCR));
  def('Shld', shiftDouble(true));
  def('Shrd', shiftDouble(false));
}
