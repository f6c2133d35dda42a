// Control transfer and the stack: jmp/jcc/call/ret/loop/jrcxz, push/pop (incl. flags and segments),
// enter/leave, int/int3/into, iret, far jmp/call/ret, syscall/sysret.
import { Code } from '../asm/iced.ts';
import type { Cpu } from './cpu.ts';
import { CS, SSEG, F_IF, F_RF, F_AC, F_ID, EFER_SCE, EFER_LMA, fromU64 } from './cpu.ts';
import type { Define } from './handlers.ts';
import { K_FAR, K_IMM, K_MEM, K_REG, K_SEG, type Insn } from './insn.ts';
import { BP, Fault, GP, OF, Stop, UD } from './types.ts';

const codeNames = Code as unknown as Record<number, string>;
/** Indirect far jmp/call through memory (m16:16, m16:32, m16:64). */
const FAR_INDIRECT = new Set([Code.Call_m1616, Code.Call_m1632, Code.Call_m1664, Code.Jmp_m1616, Code.Jmp_m1632, Code.Jmp_m1664].map(Number));

function target(c: Cpu, d: Insn): number {
  if (d.k0 === K_IMM) return d.target;
  const s = d.s0;
  const lo = d.k0 === K_MEM ? c.rmem(c.ea(d), s) : c.rreg(d.r0, s);
  return s === 8 ? (c.th | 0) * 4294967296 + lo : lo;
}

function jmp(c: Cpu, d: Insn): void {
  if (d.k0 === K_FAR || FAR_INDIRECT.has(d.code)) return farJmp(c, d, false);
  if (d.k0 === K_IMM) {
    c.rip = d.target;
    return;
  }
  c.jumpTo(target(c, d), d.s0);
}

function jcc(c: Cpu, d: Insn): void {
  if (c.cond(d.cc)) c.rip = d.target;
}

function call(c: Cpu, d: Insn): void {
  if (d.k0 === K_FAR || FAR_INDIRECT.has(d.code)) return farJmp(c, d, true);
  const t = target(c, d);
  const size = c.bits === 64 ? 8 : d.osize;
  if (size === 8) c.pushNum(c.rip);
  else c.push(size, c.rip, 0);
  if (d.k0 === K_IMM) c.rip = t;
  else c.jumpTo(t, d.s0);
}

function ret(c: Cpu, d: Insn): void {
  const size = c.bits === 64 ? 8 : c.bits === 32 ? 4 : 2;
  const t = size === 8 ? c.popNum() : c.pop(size);
  if (d.n === 1) {
    if (c.bits === 64) c.setRegNum(4, c.regNum(4) + d.immLo);
    else c.lo[4] = c.lo[4] + d.immLo;
  }
  c.jumpTo(t, size);
}

/** Far jmp/call through an immediate pointer or m16:16/32/64. */
function farJmp(c: Cpu, d: Insn, isCall: boolean): void {
  let sel: number, off: number;
  let size: number;
  if (d.k0 === K_FAR) {
    sel = d.farSel;
    off = d.target;
    size = d.s0;
  } else {
    const a = c.ea(d);
    size = d.msize - 2;
    off = size === 8 ? (() => { const l = c.read64(a); return (c.th | 0) * 4294967296 + l; })() : size === 4 ? c.read32(a) : c.read16(a);
    sel = c.read16(a + size);
  }
  if (isCall) {
    const s = c.bits === 64 ? 8 : size;
    const oldCs = c.segSel[CS];
    const ret = c.rip;
    c.loadSeg(CS, sel);
    if (s === 8) {
      c.pushNum(oldCs);
      c.pushNum(ret);
    } else {
      c.push(s, oldCs, 0);
      c.push(s, ret, 0);
    }
  } else c.loadSeg(CS, sel);
  c.rip = c.bits === 64 ? off : off >>> 0;
}

function retf(c: Cpu, d: Insn): void {
  const name = codeNames[d.code] ?? '';
  const size = name.startsWith('Retfq') ? 8 : name.startsWith('Retfw') ? 2 : 4;
  const ip = size === 8 ? c.popNum() : c.pop(size);
  const cs = size === 8 ? c.popNum() : c.pop(size);
  const newCpl = cs & 3;
  if (newCpl > c.cpl) {
    // Return to an outer level pops SS:RSP too.
    const sp = size === 8 ? c.popNum() : c.pop(size);
    const ss = size === 8 ? c.popNum() : c.pop(size);
    c.loadSeg(CS, cs);
    c.segSel[SSEG] = ss & 0xffff;
    if (c.bits === 64) c.setRegNum(4, sp);
    else c.lo[4] = sp;
  } else c.loadSeg(CS, cs);
  if (d.n === 1) c.setRegNum(4, c.regNum(4) + d.immLo);
  c.rip = c.bits === 64 ? ip : ip >>> 0;
}

function iret(c: Cpu, d: Insn): void {
  const name = codeNames[d.code] ?? '';
  const size = name.startsWith('Iretq') ? 8 : name.startsWith('Iretw') ? 2 : 4;
  if (!(c.cr0 & 1)) {
    const ip = c.pop(2), cs = c.pop(2), fl = c.pop(2);
    c.loadSeg(CS, cs);
    c.setFlags((c.getFlags() & 0xffff0000) | fl);
    c.rip = ip;
    return;
  }
  const pop = () => (size === 8 ? c.popNum() : c.pop(size));
  const ip = pop();
  const cs = pop() & 0xffff;
  const fl = pop();
  const newCpl = cs & 3;
  const long = (c.efer & EFER_LMA) !== 0 && c.bits === 64;
  let sp = 0, ss = 0;
  const popStack = long || newCpl > c.cpl;
  if (popStack) {
    sp = pop();
    ss = pop() & 0xffff;
  }
  if (newCpl < c.cpl) throw new Fault(GP, cs & 0xfffc);
  const oldCpl = c.cpl;
  c.loadSeg(CS, cs);
  // IOPL and IF change only at sufficient privilege.
  let keep = 0;
  if (oldCpl > 0) keep |= 0x3000;
  if (oldCpl > ((c.getFlags() >> 12) & 3)) keep |= F_IF;
  const cur = c.getFlags();
  c.setFlags(((fl & ~keep) | (cur & keep)) & (size === 2 ? 0xffff : 0x3f7fd5) | (size === 2 ? cur & 0xffff0000 : 0));
  if (popStack) {
    if (c.bits === 64) c.setRegNum(4, sp);
    else c.lo[4] = sp;
    c.segSel[SSEG] = ss;
    if (c.bits !== 64 && (ss & ~3) !== 0) c.loadSeg(SSEG, ss);
    else c.segBase[SSEG] = 0;
  }
  c.jumpTo(ip, c.bits === 64 ? 8 : 4);
}

function push(c: Cpu, d: Insn): void {
  const size = d.osize;
  if (d.k0 === K_SEG) {
    c.push(size, c.segSel[d.r0], 0);
    return;
  }
  let lo: number, hi: number;
  if (d.k0 === K_IMM) {
    lo = d.immLo;
    hi = d.immHi;
  } else if (d.k0 === K_REG) {
    lo = c.rreg(d.r0, size);
    hi = c.th;
  } else {
    lo = c.rmem(c.ea(d), size);
    hi = c.th;
  }
  c.push(size, lo, hi);
}

function pop(c: Cpu, d: Insn): void {
  const size = d.osize;
  const lo = c.pop(size);
  const hi = c.th;
  if (d.k0 === K_SEG) {
    c.loadSeg(d.r0, lo);
    if (d.r0 === SSEG) c.intShadow = true;
    c.brk = true;
  } else if (d.k0 === K_REG) c.wreg(d.r0, size, lo, hi);
  else c.wmem(c.ea(d), size, lo, hi);
}

function pushf(c: Cpu, d: Insn): void {
  c.push(d.osize, c.getFlags() & ~(F_RF | 0x20000), 0);
}

function popf(c: Cpu, d: Insn): void {
  const size = d.osize;
  const v = c.pop(size);
  const cur = c.getFlags();
  let keep = 0x20000 | 0x80000 | 0x100000; // VM VIF VIP never change here
  if (c.cpl > 0) keep |= 0x3000;
  if (c.cpl > ((cur >> 12) & 3)) keep |= F_IF;
  let nv = (v & ~keep) | (cur & keep);
  if (size === 2) nv = (cur & 0xffff0000) | (nv & 0xffff);
  nv &= 0x3f7fd5 | F_AC | F_ID;
  c.setFlags(nv);
}

function leave(c: Cpu, d: Insn): void {
  if (c.bits === 64) {
    c.lo[4] = c.lo[5];
    c.hi[4] = c.hi[5];
    const v = c.pop(d.osize === 2 ? 2 : 8);
    c.wreg(5, d.osize === 2 ? 2 : 8, v, c.th);
  } else {
    c.lo[4] = c.lo[5];
    const v = c.pop(d.osize === 2 ? 2 : 4);
    c.wreg(5, d.osize === 2 ? 2 : 4, v, 0);
  }
}

function enter(c: Cpu, d: Insn): void {
  const size = c.bits === 64 ? 8 : 4;
  const alloc = d.immLo & 0xffff;
  const level = d.imm2 & 31;
  c.push(size, c.lo[5], c.hi[5]);
  const frame = c.regNum(4);
  for (let i = 1; i < level; i++) {
    const bp = c.regNum(5) - i * size;
    const v = c.rmem(bp, size);
    c.push(size, v, c.th);
  }
  if (level > 0) c.pushNum(frame);
  c.setRegNum(5, frame);
  if (c.bits === 64) c.setRegNum(4, c.regNum(4) - alloc);
  else c.lo[4] = c.lo[4] - alloc;
}

function loop(c: Cpu, d: Insn): void {
  const s = d.asize === 8 || (c.bits === 64 && d.asize !== 4) ? 8 : 4;
  let z: boolean;
  if (s === 8) {
    const v = c.regNum(1) - 1;
    c.setRegNum(1, v < -9223372036854775808 ? v + 18446744073709551616 : v);
    z = c.lo[1] === 0 && c.hi[1] === 0;
  } else {
    c.wreg(1, 4, (c.lo[1] - 1) >>> 0, 0);
    z = c.lo[1] === 0;
  }
  const name = codeNames[d.code] ?? '';
  let take = !z;
  if (name.startsWith('Loope')) take = take && c.zf === 1;
  else if (name.startsWith('Loopne')) take = take && c.zf === 0;
  if (take) c.rip = d.target;
}

function jrcxz(c: Cpu, d: Insn): void {
  const name = codeNames[d.code] ?? '';
  const z = name.startsWith('Jrcxz') ? c.lo[1] === 0 && c.hi[1] === 0 : name.startsWith('Jecxz') ? c.lo[1] === 0 : (c.lo[1] & 0xffff) === 0;
  if (z) c.rip = d.target;
}

function int(c: Cpu, d: Insn): void {
  const v = d.immLo & 0xff;
  if (c.exceptionHook) throw new Fault(v === 3 ? BP : GP, v === 3 ? -1 : v * 8 + 2);
  c.deliver(v, -1, 'soft');
}

function int3(c: Cpu, d: Insn): void {
  if (c.snippetMode) throw new Stop({ kind: 'breakpoint', rip: BigInt.asUintN(64, BigInt(d.ip)) });
  if (c.exceptionHook) throw new Fault(BP);
  c.deliver(BP, -1, 'soft');
}

function syscall(c: Cpu, d: Insn): void {
  if (c.syscallHook) {
    c.syscallHook(c);
    return;
  }
  if (!(c.efer & EFER_SCE) || c.bits !== 64) throw new Fault(UD);
  c.setRegNum(1, c.rip);
  const fl = c.getFlags();
  c.lo[11] = fl & ~F_RF;
  c.hi[11] = 0;
  const star = c.star;
  const cs = Number((star >> 32n) & 0xfffcn);
  c.segSel[CS] = cs;
  c.segAttr[CS] = 0xa09b;
  c.segBase[CS] = 0;
  c.segSel[SSEG] = cs + 8;
  c.segBase[SSEG] = 0;
  c.cpl = 0;
  c.setFlags(fl & ~c.fmask & ~F_RF);
  c.updateMode();
  c.rip = c.lstar;
  void d;
}

function sysret(c: Cpu, d: Insn): void {
  if (!(c.efer & EFER_SCE)) throw new Fault(UD);
  if (c.cpl !== 0) throw new Fault(GP, 0);
  const name = codeNames[d.code] ?? '';
  const q = name.startsWith('Sysretq');
  const base = Number((c.star >> 48n) & 0xffffn);
  let t: number;
  if (q) {
    t = c.regNum(1);
    if (t < -140737488355328 || t >= 140737488355328) throw new Fault(GP, 0);
    c.segSel[CS] = (base + 16) | 3;
    c.segAttr[CS] = 0xa0fb;
  } else {
    t = c.lo[1];
    c.segSel[CS] = base | 3;
    c.segAttr[CS] = 0xc0fb;
  }
  c.segBase[CS] = 0;
  c.segSel[SSEG] = (base + 8) | 3;
  c.segBase[SSEG] = 0;
  c.cpl = 3;
  c.setFlags((c.lo[11] & 0x3c7fd7) | 2);
  c.updateMode();
  c.rip = t;
}

export function registerControl(def: Define): void {
  def('Jmp', jmp);
  def(['Jo', 'Jno', 'Jb', 'Jae', 'Je', 'Jne', 'Jbe', 'Ja', 'Js', 'Jns', 'Jp', 'Jnp', 'Jl', 'Jge', 'Jle', 'Jg'], jcc);
  def('Call', call);
  def('Ret', ret);
  def('Retf', retf);
  def('Iret', iret);
  def('Iretd', iret);
  def('Iretq', iret);
  def('Push', push);
  def('Pop', pop);
  def(['Pushf', 'Pushfd', 'Pushfq'], pushf);
  def(['Popf', 'Popfd', 'Popfq'], popf);
  def('Leave', leave);
  def('Enter', enter);
  def(['Loop', 'Loope', 'Loopne'], loop);
  def(['Jrcxz', 'Jecxz', 'Jcxz'], jrcxz);
  def('Int', int);
  def('Int3', int3);
  def('Into', (c) => { if (c.of) { if (c.exceptionHook) throw new Fault(OF); c.deliver(OF, -1, 'soft'); } });
  def('Syscall', syscall);
  def(['Sysret', 'Sysretq'], sysret);
  void fromU64;
}
