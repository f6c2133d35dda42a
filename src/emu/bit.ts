// Bit instructions: bt/bts/btr/btc (with the bit-string addressing of a register offset into memory),
// bsf/bsr, tzcnt/lzcnt (executed as bsf/bsr: BMI1/ABM are not advertised, as on CPUs without them), popcnt.
import type { Cpu } from './cpu.ts';
import type { Define } from './handlers.ts';
import { K_IMM, K_MEM, type Insn } from './insn.ts';

const BT = 0, BTS = 1, BTR = 2, BTC = 3;

function bitop(op: number) {
  return (c: Cpu, d: Insn): void => {
    const s = d.s0;
    const bits = s * 8;
    if (d.k0 === K_MEM) {
      let a = c.ea(d);
      let off: number;
      if (d.k1 === K_IMM) off = d.immLo & (bits - 1);
      else {
        const lo = c.rreg(d.r1, s);
        const v = s === 8 ? (c.th | 0) * 4294967296 + lo : s === 4 ? lo | 0 : (lo << 16) >> 16;
        a += Math.floor(v / 8);
        off = ((v % 8) + 8) % 8;
      }
      a += off >> 3;
      off &= 7;
      const byte = c.read8(a);
      c.cf = (byte >> off) & 1;
      if (op === BTS) c.write8(a, byte | (1 << off));
      else if (op === BTR) c.write8(a, byte & ~(1 << off));
      else if (op === BTC) c.write8(a, byte ^ (1 << off));
      return;
    }
    const n = (d.k1 === K_IMM ? d.immLo : c.rreg(d.r1, s)) & (bits - 1);
    let lo = c.rreg(d.r0, s);
    let hi = c.th;
    if (n >= 32) {
      const m = 1 << (n - 32);
      c.cf = hi & m ? 1 : 0;
      if (op === BTS) hi |= m;
      else if (op === BTR) hi &= ~m;
      else if (op === BTC) hi ^= m;
    } else {
      const m = 1 << n;
      c.cf = lo & m ? 1 : 0;
      if (op === BTS) lo |= m;
      else if (op === BTR) lo &= ~m;
      else if (op === BTC) lo ^= m;
    }
    if (op !== BT) c.wreg(d.r0, s, lo >>> 0, hi >>> 0);
  };
}

function src(c: Cpu, d: Insn): number {
  return d.k1 === K_MEM ? c.rmem(c.ea(d), d.s1) : c.rreg(d.r1, d.s1);
}

function bsf(c: Cpu, d: Insn): void {
  const s = d.s0;
  const lo = src(c, d);
  const hi = c.th;
  if (lo === 0 && hi === 0) {
    c.zf = 1; // destination unchanged
    return;
  }
  c.zf = 0;
  const r = lo !== 0 ? 31 - Math.clz32(lo & -lo) : 32 + 31 - Math.clz32(hi & -hi);
  c.wreg(d.r0, s, r, 0);
}

function bsr(c: Cpu, d: Insn): void {
  const s = d.s0;
  const lo = src(c, d);
  const hi = c.th;
  if (lo === 0 && hi === 0) {
    c.zf = 1;
    return;
  }
  c.zf = 0;
  const r = hi !== 0 ? 63 - Math.clz32(hi) : 31 - Math.clz32(lo);
  c.wreg(d.r0, s, r, 0);
}

function pop32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

function popcnt(c: Cpu, d: Insn): void {
  const lo = src(c, d);
  const hi = c.th;
  const r = pop32(lo) + pop32(hi);
  c.wreg(d.r0, d.s0, r, 0);
  c.zf = r === 0 ? 1 : 0;
  c.cf = c.of = c.sf = c.af = 0;
  c.pfb = 1;
}

export function registerBit(def: Define): void {
  def('Bt', bitop(BT));
  def('Bts', bitop(BTS));
  def('Btr', bitop(BTR));
  def('Btc', bitop(BTC));
  def(['Bsf', 'Tzcnt'], bsf);
  def(['Bsr', 'Lzcnt'], bsr);
  def('Popcnt', popcnt);
}
