// Integer data movement and arithmetic: mov/movzx/movsx/lea/xchg, add/adc/sub/sbb/and/or/xor/cmp/test,
// inc/dec/neg/not, cmpxchg/xadd/cmpxchg8b/16b, cbw.../cwd..., setcc/cmovcc, flag instructions.
import type { Cpu } from './cpu.ts';
import { PARITY } from './cpu.ts';
import type { Define } from './handlers.ts';
import { K_IMM, K_MEM, K_REG, K_SEG, type Insn } from './insn.ts';
import { add, logic, sub, MASK, SIGN } from './flags.ts';
import { Fault, GP, UD } from './types.ts';
import { systemMov } from './system.ts';

const ADD = 0, OR = 1, ADC = 2, SBB = 3, AND = 4, SUB = 5, XOR = 6, CMP = 7, TEST = 8;

/**
 * One handler per ALU operation. Each is compiled from its own source text so that V8 keeps separate type
 * feedback and optimized code per operation (closures of one function literal would share them).
 */
function binop(op: number): (c: Cpu, d: Insn) => void {
  const names = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp', 'test'];
  const compute = [
    'add(c, s, alo, ahi, blo, bhi, 0);',
    'logic(c, s, (alo | blo) >>> 0, (ahi | bhi) >>> 0);',
    'add(c, s, alo, ahi, blo, bhi, c.cf);',
    'sub(c, s, alo, ahi, blo, bhi, c.cf);',
    'logic(c, s, (alo & blo) >>> 0, (ahi & bhi) >>> 0);',
    'sub(c, s, alo, ahi, blo, bhi, 0);',
    'logic(c, s, (alo ^ blo) >>> 0, (ahi ^ bhi) >>> 0);',
    'sub(c, s, alo, ahi, blo, bhi, 0);',
    'logic(c, s, (alo & blo) >>> 0, (ahi & bhi) >>> 0);',
  ][op];
  const write = op < CMP ? 'if (d.k0 === 1) c.wreg(d.r0, s, c.rl, c.rh); else c.wmem(a, s, c.rl, c.rh);' : '';
  const src = `return function alu_${names[op]}(c, d) {
    const s = d.s0;
    const a = d.k0 === 2 || d.k1 === 2 ? c.ea(d) : 0;
    const alo = d.k0 === 1 ? c.rreg(d.r0, s) : c.rmem(a, s);
    const ahi = c.th;
    let blo, bhi;
    if (d.k1 === 3) { blo = d.immLo; bhi = d.immHi; }
    else { blo = d.k1 === 1 ? c.rreg(d.r1, s) : c.rmem(a, s); bhi = c.th; }
    ${compute}
    ${write}
  };`;
  return new Function('add', 'sub', 'logic', src)(add, sub, logic) as (c: Cpu, d: Insn) => void;
}

function mov(c: Cpu, d: Insn): void {
  if (d.k0 === K_REG) {
    if (d.k1 === K_REG) {
      const lo = c.rreg(d.r1, d.s1);
      c.wreg(d.r0, d.s0, lo, c.th);
      return;
    }
    if (d.k1 === K_MEM || d.k1 === K_IMM) {
      const lo = c.rd1(d, d.k1 === K_MEM ? c.ea(d) : 0);
      c.wreg(d.r0, d.s0, lo, c.th);
      return;
    }
  }
  if (d.k0 === K_SEG || d.k1 === K_SEG) return movSeg(c, d);
  if (systemMov(c, d)) return;
  const a = c.ea(d);
  const lo = c.rd1(d, a);
  c.wmem(a, d.s0, lo, c.th);
}

function movSeg(c: Cpu, d: Insn): void {
  if (d.k0 === K_SEG) {
    const a = d.k1 === K_MEM ? c.ea(d) : 0;
    const v = d.k1 === K_MEM ? c.read16(a) : c.rreg(d.r1, 2);
    if (d.r0 === 1) throw new Fault(UD);
    c.loadSeg(d.r0, v);
    if (d.r0 === 2) c.intShadow = true;
    c.brk = true;
    return;
  }
  const v = c.segSel[d.r1];
  if (d.k0 === K_MEM) c.write16(c.ea(d), v);
  else c.wreg(d.r0, d.s0, v, 0);
}

function movzx(c: Cpu, d: Insn): void {
  const lo = d.k1 === K_MEM ? c.rmem(c.ea(d), d.s1) : c.rreg(d.r1, d.s1);
  c.wreg(d.r0, d.s0, lo, 0);
}

function movsx(c: Cpu, d: Insn): void {
  const s1 = d.s1;
  const lo = d.k1 === K_MEM ? c.rmem(c.ea(d), s1) : c.rreg(d.r1, s1);
  const v = s1 === 1 ? (lo << 24) >> 24 : s1 === 2 ? (lo << 16) >> 16 : lo | 0;
  c.wreg(d.r0, d.s0, v >>> 0, v < 0 ? 0xffffffff : 0);
}

function lea(c: Cpu, d: Insn): void {
  // Computed on 32-bit halves (exact for every 64-bit value); no segment base.
  let lo = d.dispLo, hi = d.dispHi;
  if (d.asize === 8) {
    if (d.base >= 0) {
      lo += c.lo[d.base];
      hi += c.hi[d.base];
    }
    if (d.index >= 0) {
      lo += c.lo[d.index] * d.scale;
      hi += c.hi[d.index] * d.scale;
    }
    const carry = Math.floor(lo / 4294967296);
    c.wreg(d.r0, d.s0, lo >>> 0, (hi + carry) >>> 0);
    return;
  }
  if (d.base >= 0) lo += d.asize === 4 ? c.lo[d.base] : c.lo[d.base] & 0xffff;
  if (d.index >= 0) lo += (d.asize === 4 ? c.lo[d.index] : c.lo[d.index] & 0xffff) * d.scale;
  c.wreg(d.r0, d.s0, d.asize === 4 ? lo >>> 0 : lo & 0xffff, 0);
}

function xchg(c: Cpu, d: Insn): void {
  const s = d.s0;
  if (d.k0 === K_REG && d.k1 === K_REG) {
    const al = c.rreg(d.r0, s), ah = c.th;
    const bl = c.rreg(d.r1, s), bh = c.th;
    c.wreg(d.r0, s, bl, bh);
    c.wreg(d.r1, s, al, ah);
    return;
  }
  const a = c.ea(d);
  const memFirst = d.k0 === K_MEM;
  const r = memFirst ? d.r1 : d.r0;
  const ml = c.rmem(a, s), mh = c.th;
  const rl = c.rreg(r, s), rh = c.th;
  c.wmem(a, s, rl, rh);
  c.wreg(r, s, ml, mh);
}

function incdec(dec: boolean) {
  return (c: Cpu, d: Insn): void => {
    const a = d.k0 === K_MEM ? c.ea(d) : 0;
    const s = d.s0;
    const lo = c.rd0(d, a);
    const hi = c.th;
    const cf = c.cf;
    if (dec) sub(c, s, lo, hi, 1, 0, 0);
    else add(c, s, lo, hi, 1, 0, 0);
    c.cf = cf;
    c.wr0(d, a, c.rl, c.rh);
  };
}

function neg(c: Cpu, d: Insn): void {
  const a = d.k0 === K_MEM ? c.ea(d) : 0;
  const s = d.s0;
  const lo = c.rd0(d, a);
  const hi = c.th;
  sub(c, s, 0, 0, lo, hi, 0);
  c.wr0(d, a, c.rl, c.rh);
}

function not(c: Cpu, d: Insn): void {
  const a = d.k0 === K_MEM ? c.ea(d) : 0;
  const s = d.s0;
  const lo = c.rd0(d, a);
  const hi = c.th;
  c.wr0(d, a, s === 8 || s === 4 ? ~lo >>> 0 : ~lo & MASK[s], ~hi >>> 0);
}

function cmpxchg(c: Cpu, d: Insn): void {
  const a = d.k0 === K_MEM ? c.ea(d) : 0;
  const s = d.s0;
  const dl = c.rd0(d, a), dh = c.th;
  const al = c.rreg(0, s), ah = c.th;
  sub(c, s, al, ah, dl, dh, 0);
  if (c.zf) {
    const sl = c.rreg(d.r1, s);
    c.wr0(d, a, sl, c.th);
  } else {
    if (d.k0 === K_MEM) c.wmem(a, s, dl, dh); // the destination is always written
    c.wreg(0, s, dl, dh);
  }
}

function cmpxchg8or16(c: Cpu, d: Insn): void {
  const a = c.ea(d);
  if (d.msize === 16) {
    if (a % 16 !== 0) throw new Fault(GP, 0);
    const m0 = c.read64(a), m1 = c.th, m2 = c.read64(a + 8), m3 = c.th;
    if (m0 === c.lo[0] && m1 === c.hi[0] && m2 === c.lo[2] && m3 === c.hi[2]) {
      c.zf = 1;
      c.write64(a, c.lo[3], c.hi[3]);
      c.write64(a + 8, c.lo[1], c.hi[1]);
    } else {
      c.zf = 0;
      c.write64(a, m0, m1);
      c.write64(a + 8, m2, m3);
      c.wreg(0, 8, m0, m1);
      c.wreg(2, 8, m2, m3);
    }
    return;
  }
  const m0 = c.read32(a), m1 = c.read32(a + 4);
  if (m0 === c.lo[0] && m1 === c.lo[2]) {
    c.zf = 1;
    c.write32(a, c.lo[3]);
    c.write32(a + 4, c.lo[1]);
  } else {
    c.zf = 0;
    c.write32(a, m0);
    c.write32(a + 4, m1);
    c.wreg(0, 4, m0, 0);
    c.wreg(2, 4, m1, 0);
  }
}

function xadd(c: Cpu, d: Insn): void {
  const a = d.k0 === K_MEM ? c.ea(d) : 0;
  const s = d.s0;
  const dl = c.rd0(d, a), dh = c.th;
  const sl = c.rreg(d.r1, s), sh = c.th;
  add(c, s, dl, dh, sl, sh, 0);
  const rl = c.rl, rh = c.rh;
  c.wreg(d.r1, s, dl, dh);
  c.wr0(d, a, rl, rh);
}

function bswap(c: Cpu, d: Insn): void {
  const sw = (x: number) => (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
  if (d.s0 === 8) {
    const lo = c.lo[d.r0], hi = c.hi[d.r0];
    c.lo[d.r0] = sw(hi);
    c.hi[d.r0] = sw(lo);
  } else if (d.s0 === 4) c.wreg(d.r0, 4, sw(c.lo[d.r0]), 0);
  else c.wreg(d.r0, 2, 0, 0); // undefined for 16-bit; hardware gives 0
}

function setcc(c: Cpu, d: Insn): void {
  const v = c.cond(d.cc) ? 1 : 0;
  if (d.k0 === K_MEM) c.write8(c.ea(d), v);
  else c.wreg(d.r0, 1, v, 0);
}

function cmovcc(c: Cpu, d: Insn): void {
  const a = d.k1 === K_MEM ? c.ea(d) : 0;
  const lo = c.rd1(d, a); // memory is read even when the condition is false
  const hi = c.th;
  if (c.cond(d.cc)) c.wreg(d.r0, d.s0, lo, hi);
  else if (d.s0 === 4) c.hi[d.r0] = 0;
}

export function registerAlu(def: Define): void {
  def('Add', binop(ADD));
  def('Or', binop(OR));
  def('Adc', binop(ADC));
  def('Sbb', binop(SBB));
  def('And', binop(AND));
  def('Sub', binop(SUB));
  def('Xor', binop(XOR));
  def('Cmp', binop(CMP));
  def('Test', binop(TEST));
  def('Mov', mov);
  def('Movzx', movzx);
  def(['Movsx', 'Movsxd'], movsx);
  def('Lea', lea);
  def('Xchg', xchg);
  def('Inc', incdec(false));
  def('Dec', incdec(true));
  def('Neg', neg);
  def('Not', not);
  def('Cmpxchg', cmpxchg);
  def(['Cmpxchg8b', 'Cmpxchg16b'], cmpxchg8or16);
  def('Xadd', xadd);
  def('Bswap', bswap);
  def(['Seto', 'Setno', 'Setb', 'Setae', 'Sete', 'Setne', 'Setbe', 'Seta', 'Sets', 'Setns', 'Setp', 'Setnp', 'Setl', 'Setge', 'Setle', 'Setg'], setcc);
  def(['Cmovo', 'Cmovno', 'Cmovb', 'Cmovae', 'Cmove', 'Cmovne', 'Cmovbe', 'Cmova', 'Cmovs', 'Cmovns', 'Cmovp', 'Cmovnp', 'Cmovl', 'Cmovge', 'Cmovle', 'Cmovg'], cmovcc);
  def('Cbw', (c) => c.wreg(0, 2, ((c.lo[0] << 24) >> 24) & 0xffff, 0));
  def('Cwde', (c) => c.wreg(0, 4, ((c.lo[0] << 16) >> 16) >>> 0, 0));
  def('Cdqe', (c) => c.wreg(0, 8, c.lo[0], c.lo[0] & 0x80000000 ? 0xffffffff : 0));
  def('Cwd', (c) => c.wreg(2, 2, c.lo[0] & 0x8000 ? 0xffff : 0, 0));
  def('Cdq', (c) => c.wreg(2, 4, c.lo[0] & 0x80000000 ? 0xffffffff : 0, 0));
  def('Cqo', (c) => c.wreg(2, 8, c.hi[0] & 0x80000000 ? 0xffffffff : 0, c.hi[0] & 0x80000000 ? 0xffffffff : 0));
  def('Clc', (c) => { c.cf = 0; });
  def('Stc', (c) => { c.cf = 1; });
  def('Cmc', (c) => { c.cf ^= 1; });
  def('Cld', (c) => { c.df = 0; });
  def('Std', (c) => { c.df = 1; });
  def('Lahf', (c) => c.wreg(16, 1, c.getFlags() & 0xd5 | 2, 0));
  def('Sahf', (c) => {
    const ah = (c.lo[0] >>> 8) & 0xff;
    c.cf = ah & 1;
    c.pfb = ah & 4 ? 0 : 1;
    c.af = ah & 0x10;
    c.zf = (ah >> 6) & 1;
    c.sf = (ah >> 7) & 1;
  });
  def('Xlatb', (c, d) => {
    const base = d.asize === 8 ? c.regNum(3) : d.asize === 4 ? c.lo[3] : c.lo[3] & 0xffff;
    const la = base + (c.lo[0] & 0xff) + (d.seg >= 4 ? c.segBase[d.seg] : 0);
    c.wreg(0, 1, c.read8(la), 0);
  });
  void PARITY;
  void SIGN;
}
