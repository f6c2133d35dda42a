// Arithmetic with flags on (lo, hi) uint32 pairs: the helpers leave the result in c.rl/c.rh and set
// CF/OF/ZF/SF/AF/PF as the hardware does. Sizes 1, 2, 4 use only `lo`.
import type { Cpu } from './cpu.ts';

export const MASK = [0, 0xff, 0xffff, 0, 0xffffffff];
export const SIGN = [0, 0x80, 0x8000, 0, 0x80000000];

/** a + b + cin. */
export function add(c: Cpu, s: number, alo: number, ahi: number, blo: number, bhi: number, cin: number): void {
  if (s === 8) {
    const l = alo + blo + cin;
    const rl = l >>> 0;
    const h = ahi + bhi + (l > 0xffffffff ? 1 : 0);
    const rh = h >>> 0;
    c.cf = h > 0xffffffff ? 1 : 0;
    c.of = (((ahi ^ rh) & (bhi ^ rh)) >>> 31);
    c.zf = (rl | rh) === 0 ? 1 : 0;
    c.sf = rh >>> 31;
    c.af = (alo ^ blo ^ rl) & 0x10;
    c.pfb = rl;
    c.rl = rl;
    c.rh = rh;
    return;
  }
  const sum = alo + blo + cin;
  const m = MASK[s];
  const r = s === 4 ? sum >>> 0 : sum & m;
  const sb = SIGN[s];
  c.cf = sum > m ? 1 : 0;
  c.of = (alo ^ r) & (blo ^ r) & sb ? 1 : 0;
  c.zf = r === 0 ? 1 : 0;
  c.sf = r & sb ? 1 : 0;
  c.af = (alo ^ blo ^ r) & 0x10;
  c.pfb = r;
  c.rl = r;
  c.rh = 0;
}

/** a - b - bin. */
export function sub(c: Cpu, s: number, alo: number, ahi: number, blo: number, bhi: number, bin: number): void {
  if (s === 8) {
    const l = alo - blo - bin;
    const rl = l >>> 0;
    const h = ahi - bhi - (l < 0 ? 1 : 0);
    const rh = h >>> 0;
    c.cf = h < 0 ? 1 : 0;
    c.of = (((ahi ^ bhi) & (ahi ^ rh)) >>> 31);
    c.zf = (rl | rh) === 0 ? 1 : 0;
    c.sf = rh >>> 31;
    c.af = (alo ^ blo ^ rl) & 0x10;
    c.pfb = rl;
    c.rl = rl;
    c.rh = rh;
    return;
  }
  const d = alo - blo - bin;
  const r = s === 4 ? d >>> 0 : d & MASK[s];
  const sb = SIGN[s];
  c.cf = d < 0 ? 1 : 0;
  c.of = (alo ^ blo) & (alo ^ r) & sb ? 1 : 0;
  c.zf = r === 0 ? 1 : 0;
  c.sf = r & sb ? 1 : 0;
  c.af = (alo ^ blo ^ r) & 0x10;
  c.pfb = r;
  c.rl = r;
  c.rh = 0;
}

/** Flags of a logical result (CF = OF = 0; AF undefined, cleared). */
export function logic(c: Cpu, s: number, rl: number, rh: number): void {
  c.cf = 0;
  c.of = 0;
  c.af = 0;
  c.pfb = rl;
  if (s === 8) {
    c.zf = (rl | rh) === 0 ? 1 : 0;
    c.sf = rh >>> 31;
  } else {
    c.zf = rl === 0 ? 1 : 0;
    c.sf = rl & SIGN[s] ? 1 : 0;
  }
  c.rl = rl;
  c.rh = rh;
}

/** ZF, SF, PF from a result (shifts, etc.). */
export function szp(c: Cpu, s: number, rl: number, rh: number): void {
  c.pfb = rl;
  if (s === 8) {
    c.zf = (rl | rh) === 0 ? 1 : 0;
    c.sf = rh >>> 31;
  } else {
    c.zf = rl === 0 ? 1 : 0;
    c.sf = rl & SIGN[s] ? 1 : 0;
  }
}

/** A value of `s` bytes as a bigint (unsigned). */
export function big(s: number, lo: number, hi: number): bigint {
  return s === 8 ? (BigInt(hi) << 32n) | BigInt(lo >>> 0) : BigInt(lo >>> 0);
}

/** Sign-extend `lo` of size s (≤ 4) to a JS number. */
export function sext(s: number, lo: number): number {
  return s === 1 ? (lo << 24) >> 24 : s === 2 ? (lo << 16) >> 16 : lo | 0;
}

/** Split a bigint into c.rl/c.rh (low 64 bits). */
export function setBig(c: Cpu, v: bigint): void {
  v = BigInt.asUintN(64, v);
  c.rl = Number(v & 0xffffffffn);
  c.rh = Number(v >> 32n);
}
