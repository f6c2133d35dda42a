// System instructions: cpuid, rdtsc, rdmsr/wrmsr, mov to/from control and debug registers, descriptor
// tables (lgdt/lidt/sgdt/sidt/ltr/lldt/str/sldt), invlpg, swapgs, in/out, hlt, cli/sti, clts, and the
// instructions that are no-ops for an emulator (fences, prefetches, hint NOPs, endbr64, cache control).
import type { Cpu } from './cpu.ts';
import { CS, GS, F_IF, toU64 } from './cpu.ts';
import type { Define } from './handlers.ts';
import { K_CR, K_DR, K_IMM, K_MEM, K_REG, type Insn } from './insn.ts';
import { cpuid } from './cpuid.ts';
import { Fault, GP, Stop, UD } from './types.ts';

function priv(c: Cpu): void {
  if (c.cpl !== 0) throw new Fault(GP, 0);
}

function iopl(c: Cpu): number {
  return (c.getFlags() >> 12) & 3;
}

function movCr(c: Cpu, d: Insn): void {
  priv(c);
  if (d.k0 === K_CR) c.writeCr(d.r0, c.getReg(d.r1) & (c.bits === 64 ? 0xffffffffffffffffn : 0xffffffffn));
  else {
    const v = c.readCr(d.r1);
    c.wreg(d.r0, d.s0, Number(v & 0xffffffffn), Number(v >> 32n));
  }
}

function movDr(c: Cpu, d: Insn): void {
  priv(c);
  if (d.k0 === K_DR) c.dr[d.r0] = c.regNum(d.r1);
  else {
    const v = d.r1 === 6 ? 0xffff0ff0 : d.r1 === 7 ? 0x400 | c.dr[7] : c.dr[d.r1];
    c.setRegNum(d.r0, v);
    if (d.s0 === 4) c.hi[d.r0] = 0;
  }
}

function descTable(load: boolean, idt: boolean) {
  return (c: Cpu, d: Insn): void => {
    const a = c.ea(d);
    if (load) {
      priv(c);
      const limit = c.read16(a);
      let base: number;
      if (c.bits === 64) {
        const l = c.read64(a + 2);
        base = (c.th | 0) * 4294967296 + l;
      } else base = c.read32(a + 2);
      if (idt) {
        c.idtBase = base;
        c.idtLimit = limit;
      } else {
        c.gdtBase = base;
        c.gdtLimit = limit;
      }
    } else {
      const base = idt ? c.idtBase : c.gdtBase;
      c.write16(a, idt ? c.idtLimit : c.gdtLimit);
      if (c.bits === 64) {
        const u = toU64(base);
        c.write64(a + 2, Number(u & 0xffffffffn), Number(u >> 32n));
      } else c.write32(a + 2, base >>> 0);
    }
  };
}

/** Load TR or LDTR from a (16-byte in long mode) system descriptor. */
function loadSystemSeg(tr: boolean) {
  return (c: Cpu, d: Insn): void => {
    priv(c);
    const sel = d.k0 === K_MEM ? c.read16(c.ea(d)) : c.rreg(d.r0, 2);
    if (!tr && (sel & ~3) === 0) {
      c.ldtSel = 0;
      c.ldtBase = 0;
      c.ldtLimit = 0;
      return;
    }
    if (sel & 4) throw new Fault(GP, sel & 0xfffc);
    const { lo, hi } = c.readDescriptor(sel);
    if (!(hi & 0x8000)) throw new Fault(11, sel & 0xfffc);
    let base = ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0;
    if (c.bits === 64) {
      const upper = c.mmu.supervisor(() => c.read32(c.gdtBase + (sel & ~7) + 8));
      base = (upper | 0) * 4294967296 + base;
    }
    let limit = (lo & 0xffff) | (hi & 0xf0000);
    if (hi & 0x800000) limit = limit * 4096 + 4095;
    if (tr) {
      c.trSel = sel;
      c.trBase = base;
      c.trLimit = limit;
      // Mark the TSS busy.
      c.mmu.supervisor(() => c.write32(c.gdtBase + (sel & ~7) + 4, hi | 0x200));
    } else {
      c.ldtSel = sel;
      c.ldtBase = base;
      c.ldtLimit = limit;
    }
  };
}

function inOut(isIn: boolean) {
  return (c: Cpu, d: Insn): void => {
    if (c.cr0 & 1 && c.cpl > iopl(c)) throw new Fault(GP, 0);
    if (isIn) {
      const size = d.s0 as 1 | 2 | 4;
      const port = d.k1 === K_IMM ? d.immLo & 0xff : c.lo[2] & 0xffff;
      const v = c.ports ? c.ports.in(port, size) : 0xffffffff;
      c.wreg(0, size, size === 4 ? v >>> 0 : v & (size === 1 ? 0xff : 0xffff), 0);
    } else {
      const size = d.s1 as 1 | 2 | 4;
      const port = d.k0 === K_IMM ? d.immLo & 0xff : c.lo[2] & 0xffff;
      c.ports?.out(port, size, c.rreg(0, size));
    }
  };
}

const nop = (): void => {};
const ud = (): void => {
  throw new Fault(UD);
};

export function registerSystem(def: Define): void {
  def('Cpuid', (c) => {
    const [a, b, cc, dd] = cpuid(c.lo[0], c.lo[1]);
    c.wreg(0, 4, a >>> 0, 0);
    c.wreg(3, 4, b >>> 0, 0);
    c.wreg(1, 4, cc >>> 0, 0);
    c.wreg(2, 4, dd >>> 0, 0);
  });
  def('Rdtsc', (c) => {
    if (c.cr4 & 4 && c.cpl > 0) throw new Fault(GP, 0);
    const t = c.tsc();
    c.wreg(0, 4, Number(t & 0xffffffffn), 0);
    c.wreg(2, 4, Number(t >> 32n), 0);
  });
  def('Rdmsr', (c) => {
    priv(c);
    const v = c.rdmsr(c.lo[1]);
    c.wreg(0, 4, Number(v & 0xffffffffn), 0);
    c.wreg(2, 4, Number((v >> 32n) & 0xffffffffn), 0);
  });
  def('Wrmsr', (c) => {
    priv(c);
    c.wrmsr(c.lo[1], (BigInt(c.lo[2]) << 32n) | BigInt(c.lo[0]));
  });
  def(['Lgdt'], descTable(true, false));
  def(['Lidt'], descTable(true, true));
  def(['Sgdt'], descTable(false, false));
  def(['Sidt'], descTable(false, true));
  def('Ltr', loadSystemSeg(true));
  def('Lldt', loadSystemSeg(false));
  def('Str', (c, d) => (d.k0 === K_MEM ? c.write16(c.ea(d), c.trSel) : c.wreg(d.r0, d.s0, c.trSel, 0)));
  def('Sldt', (c, d) => (d.k0 === K_MEM ? c.write16(c.ea(d), c.ldtSel) : c.wreg(d.r0, d.s0, c.ldtSel, 0)));
  def('Smsw', (c, d) => (d.k0 === K_MEM ? c.write16(c.ea(d), c.cr0 & 0xffff) : c.wreg(d.r0, d.s0, c.cr0 >>> 0, 0)));
  def('Invlpg', (c, d) => {
    priv(c);
    c.mmu.invalidate(c.ea(d));
  });
  def('Swapgs', (c) => {
    if (c.bits !== 64) throw new Fault(UD);
    priv(c);
    const t = c.segBase[GS];
    c.segBase[GS] = c.kernelGsBase;
    c.kernelGsBase = t;
  });
  def('In', inOut(true));
  def('Out', inOut(false));
  def('Hlt', (c, d) => {
    if (c.snippetMode) throw new Stop({ kind: 'halt', rip: BigInt.asUintN(64, BigInt(d.ip)) });
    priv(c);
    c.halted = true;
    c.brk = true;
  });
  def('Cli', (c) => {
    if (c.cr0 & 1 && c.cpl > iopl(c)) throw new Fault(GP, 0);
    c.rfl &= ~F_IF;
  });
  def('Sti', (c) => {
    if (c.cr0 & 1 && c.cpl > iopl(c)) throw new Fault(GP, 0);
    if (!(c.rfl & F_IF)) c.intShadow = true;
    c.brk = true;
    c.rfl |= F_IF;
  });
  def('Clts', (c) => {
    priv(c);
    c.cr0 &= ~8;
  });
  def(['Wbinvd', 'Invd'], (c) => priv(c));
  def(['Rdsspd', 'Rdsspq', 'Nop', 'Pause', 'Lfence', 'Mfence', 'Sfence', 'Endbr64', 'Endbr32', 'Prefetch', 'Prefetchw', 'Prefetchnta', 'Prefetcht0', 'Prefetcht1', 'Prefetcht2', 'Clflush', 'Clflushopt', 'Reservednop'], nop);
  def(['Ud2', 'Ud0', 'Ud1', 'Rdtscp', 'Rdrand', 'Rdseed', 'Xgetbv', 'Rdfsbase', 'Rdgsbase', 'Wrfsbase', 'Wrgsbase', 'Rdpid', 'Xsave', 'Xrstor', 'Xsaveopt', 'Xsavec', 'Xsave64', 'Xrstor64'], ud);
  void CS;
  void K_REG;
}

/** mov with control/debug register operands (the generic mov lives in alu.ts). */
export function systemMov(c: Cpu, d: Insn): boolean {
  if (d.k0 === K_CR || d.k1 === K_CR) {
    movCr(c, d);
    return true;
  }
  if (d.k0 === K_DR || d.k1 === K_DR) {
    movDr(c, d);
    return true;
  }
  return false;
}
