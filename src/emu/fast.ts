// Specialized handlers chosen at decode time for the hottest instruction forms (64-bit mode): register and
// memory moves, movzx, jcc per condition, push/pop/call/ret of 64-bit values. Each is its own small function,
// so V8 can inline the memory path into it. Any form not listed keeps its family's generic handler.
import { Mnemonic } from '../asm/iced.ts';
import type { Cpu } from './cpu.ts';
import { K_IMM, K_MEM, K_REG, type Handler, type Insn } from './insn.ts';
import { fastAlu } from './fast-alu.ts';
import { SAR, SHL, SHR, shift64 } from './shift.ts';

const ALU_NAMES = new Map<number, string>([
  [Mnemonic.Add, 'add'], [Mnemonic.Or, 'or'], [Mnemonic.Adc, 'adc'], [Mnemonic.Sbb, 'sbb'], [Mnemonic.And, 'and'],
  [Mnemonic.Sub, 'sub'], [Mnemonic.Xor, 'xor'], [Mnemonic.Cmp, 'cmp'], [Mnemonic.Test, 'test'],
]);

const movRR64: Handler = (c, d) => {
  c.lo[d.r0] = c.lo[d.r1];
  c.hi[d.r0] = c.hi[d.r1];
};
const movRR32: Handler = (c, d) => {
  c.lo[d.r0] = c.lo[d.r1];
  c.hi[d.r0] = 0;
};
const movRM64: Handler = (c, d) => {
  const l = c.read64(c.ea(d));
  c.lo[d.r0] = l;
  c.hi[d.r0] = c.th;
};
const movRM32: Handler = (c, d) => {
  c.lo[d.r0] = c.read32(c.ea(d));
  c.hi[d.r0] = 0;
};
const movMR64: Handler = (c, d) => c.write64(c.ea(d), c.lo[d.r1], c.hi[d.r1]);
const movMR32: Handler = (c, d) => c.write32(c.ea(d), c.lo[d.r1]);
const movMR8: Handler = (c, d) => c.write8(c.ea(d), d.r1 < 16 ? c.lo[d.r1] & 0xff : (c.lo[d.r1 - 16] >>> 8) & 0xff);
const movRI64: Handler = (c, d) => {
  c.lo[d.r0] = d.immLo;
  c.hi[d.r0] = d.immHi;
};
const movRI32: Handler = (c, d) => {
  c.lo[d.r0] = d.immLo;
  c.hi[d.r0] = 0;
};
const movMI64: Handler = (c, d) => c.write64(c.ea(d), d.immLo, d.immHi);
const movMI32: Handler = (c, d) => c.write32(c.ea(d), d.immLo);
const movMI8: Handler = (c, d) => c.write8(c.ea(d), d.immLo & 0xff);
const movzxRM8: Handler = (c, d) => {
  c.lo[d.r0] = c.read8(c.ea(d));
  c.hi[d.r0] = 0;
};
const movzxRM16: Handler = (c, d) => {
  c.lo[d.r0] = c.read16(c.ea(d));
  c.hi[d.r0] = 0;
};
const push64: Handler = (c, d) => {
  const r = d.r0;
  const sp = c.regNum(4) - 8;
  c.write64(sp, c.lo[r], c.hi[r]);
  c.setRegNum(4, sp);
};
const pop64: Handler = (c, d) => {
  const sp = c.regNum(4);
  const l = c.read64(sp);
  const h = c.th;
  c.setRegNum(4, sp + 8);
  c.lo[d.r0] = l;
  c.hi[d.r0] = h;
};
const callRel64: Handler = (c, d) => {
  const sp = c.regNum(4) - 8;
  const ret = d.next;
  const h = Math.floor(ret / 4294967296);
  c.write64(sp, ret - h * 4294967296, h >>> 0);
  c.setRegNum(4, sp);
  c.rip = d.target;
};
const ret64: Handler = (c) => {
  const sp = c.regNum(4);
  const l = c.read64(sp);
  const t = (c.th | 0) * 4294967296 + l;
  c.setRegNum(4, sp + 8);
  c.jumpTo(t, 8);
};

// Shifts of a register by imm8 or CL (flags as in shift.ts; a count of 0 changes nothing but zero-extends).
function shiftCount(c: Cpu, d: Insn, mask: number): number {
  return (d.k1 === K_IMM ? d.immLo : c.lo[1]) & mask;
}
function szp32(c: Cpu, r: number): void {
  c.zf = r === 0 ? 1 : 0;
  c.sf = r >>> 31;
  c.pfb = r;
  c.af = 0;
}
const shl32: Handler = (c, d) => {
  const n = shiftCount(c, d, 31), r0 = d.r0, lo = c.lo[r0];
  c.hi[r0] = 0;
  if (n === 0) return;
  const r = (lo << n) >>> 0;
  c.cf = (lo >>> (32 - n)) & 1;
  c.of = (r >>> 31) ^ c.cf;
  c.lo[r0] = r;
  szp32(c, r);
};
const shr32: Handler = (c, d) => {
  const n = shiftCount(c, d, 31), r0 = d.r0, lo = c.lo[r0];
  c.hi[r0] = 0;
  if (n === 0) return;
  const r = lo >>> n;
  c.cf = (lo >>> (n - 1)) & 1;
  c.of = lo >>> 31;
  c.lo[r0] = r;
  szp32(c, r);
};
const sar32: Handler = (c, d) => {
  const n = shiftCount(c, d, 31), r0 = d.r0, lo = c.lo[r0] | 0;
  c.hi[r0] = 0;
  if (n === 0) return;
  const r = (lo >> n) >>> 0;
  c.cf = (lo >> (n - 1)) & 1;
  c.of = 0;
  c.lo[r0] = r;
  szp32(c, r);
};
// 64-bit register shifts: shift.ts's shift64 on the register's halves.
const shl64: Handler = (c, d) => shiftReg64(c, d, SHL);
const shr64: Handler = (c, d) => shiftReg64(c, d, SHR);
const sar64: Handler = (c, d) => shiftReg64(c, d, SAR);
function shiftReg64(c: Cpu, d: Insn, op: number): void {
  const n = shiftCount(c, d, 63), r0 = d.r0;
  if (n === 0) return;
  shift64(c, op, n, c.lo[r0], c.hi[r0]);
  c.lo[r0] = c.rl;
  c.hi[r0] = c.rh;
}

const JCC: Handler[] = [
  (c, d) => void (c.rip = d.target),
  (c, d) => { if (c.of === 1) c.rip = d.target; },
  (c, d) => { if (c.of === 0) c.rip = d.target; },
  (c, d) => { if (c.cf === 1) c.rip = d.target; },
  (c, d) => { if (c.cf === 0) c.rip = d.target; },
  (c, d) => { if (c.zf === 1) c.rip = d.target; },
  (c, d) => { if (c.zf === 0) c.rip = d.target; },
  (c, d) => { if ((c.cf | c.zf) === 1) c.rip = d.target; },
  (c, d) => { if ((c.cf | c.zf) === 0) c.rip = d.target; },
  (c, d) => { if (c.sf === 1) c.rip = d.target; },
  (c, d) => { if (c.sf === 0) c.rip = d.target; },
  (c: Cpu, d: Insn) => { if (c.cond(11)) c.rip = d.target; },
  (c: Cpu, d: Insn) => { if (c.cond(12)) c.rip = d.target; },
  (c, d) => { if (c.sf !== c.of) c.rip = d.target; },
  (c, d) => { if (c.sf === c.of) c.rip = d.target; },
  (c, d) => { if (c.zf === 1 || c.sf !== c.of) c.rip = d.target; },
  (c, d) => { if (c.zf === 0 && c.sf === c.of) c.rip = d.target; },
];

const JCC_MNEMONICS = new Set<number>([Mnemonic.Jo, Mnemonic.Jno, Mnemonic.Jb, Mnemonic.Jae, Mnemonic.Je, Mnemonic.Jne, Mnemonic.Jbe, Mnemonic.Ja, Mnemonic.Js, Mnemonic.Jns, Mnemonic.Jp, Mnemonic.Jnp, Mnemonic.Jl, Mnemonic.Jge, Mnemonic.Jle, Mnemonic.Jg]);

/** A faster handler for this 64-bit-mode instruction form, or undefined. */
export function fastHandler(d: Insn, bits: number): Handler | undefined {
  if (bits !== 64) return undefined;
  const mn = d.mn;
  if (JCC_MNEMONICS.has(mn) && d.k0 === K_IMM) return JCC[d.cc];
  const alu = ALU_NAMES.get(mn);
  if (alu !== undefined && d.k0 === K_REG && d.r0 < 16 && (d.s0 === 4 || d.s0 === 8)) {
    if (d.k1 === K_REG && d.r1 < 16 && d.s1 === d.s0) return fastAlu(alu, d.s0, false);
    if (d.k1 === K_IMM) return fastAlu(alu, d.s0, true);
  }
  if ((mn === Mnemonic.Shl || mn === Mnemonic.Sal || mn === Mnemonic.Shr || mn === Mnemonic.Sar) && d.k0 === K_REG && d.r0 < 16 && d.n === 2 && (d.k1 === K_IMM || d.k1 === K_REG)) {
    const left = mn === Mnemonic.Shl || mn === Mnemonic.Sal;
    if (d.s0 === 8) return left ? shl64 : mn === Mnemonic.Shr ? shr64 : sar64;
    if (d.s0 === 4) return left ? shl32 : mn === Mnemonic.Shr ? shr32 : sar32;
  }
  if (mn === Mnemonic.Mov) {
    if (d.k0 === K_REG && d.r0 < 16) {
      if (d.k1 === K_REG && d.r1 < 16) return d.s0 === 8 ? movRR64 : d.s0 === 4 ? movRR32 : undefined;
      if (d.k1 === K_MEM) return d.s0 === 8 ? movRM64 : d.s0 === 4 ? movRM32 : undefined;
      if (d.k1 === K_IMM) return d.s0 === 8 ? movRI64 : d.s0 === 4 ? movRI32 : undefined;
    }
    if (d.k0 === K_MEM) {
      if (d.k1 === K_REG) return d.s0 === 8 ? movMR64 : d.s0 === 4 ? movMR32 : d.s0 === 1 ? movMR8 : undefined;
      if (d.k1 === K_IMM) return d.s0 === 8 ? movMI64 : d.s0 === 4 ? movMI32 : d.s0 === 1 ? movMI8 : undefined;
    }
    return undefined;
  }
  if (mn === Mnemonic.Movzx && d.k0 === K_REG && d.k1 === K_MEM && (d.s0 === 4 || d.s0 === 8)) return d.s1 === 1 ? movzxRM8 : d.s1 === 2 ? movzxRM16 : undefined;
  if (mn === Mnemonic.Push && d.k0 === K_REG && d.s0 === 8 && d.osize === 8) return push64;
  if (mn === Mnemonic.Pop && d.k0 === K_REG && d.s0 === 8 && d.osize === 8) return pop64;
  if (mn === Mnemonic.Call && d.k0 === K_IMM) return callRel64;
  if (mn === Mnemonic.Ret && d.n === 0) return ret64;
  return undefined;
}
