// Decoding with iced-x86, once per guest address: instructions are cached per physical page and the page's
// cache is dropped when the guest writes to it (self-modifying code, a loader reusing memory). An
// instruction that crosses a page boundary is decoded afresh each time (rare; keeps invalidation simple).
import { Code, Decoder, DecoderOptions, Instruction, OpKind, Register } from '../asm/iced.ts';
import { createRequire } from 'node:module';
import type * as Iced from 'iced-x86';
import type { Cpu } from './cpu.ts';
import { CS } from './cpu.ts';
import { Insn, K_FAR, K_IMM, K_MEM, K_REG, K_SEG, K_XMM, K_CR, K_DR, K_ST, K_MM, K_STR, type Handler } from './insn.ts';
import { ACC_EXEC } from './mmu.ts';
import { handlerFor } from './handlers.ts';
import { fastHandler } from './fast.ts';
import { Fault, PF } from './types.ts';

const iced = createRequire(import.meta.url)('iced-x86') as typeof Iced;
const MemorySizeExt = iced.MemorySizeExt;

const TWO32 = 4294967296;

/** GPR number of an iced register (AH..BH = 16..19), or -1. */
export function gprIndex(r: number): number {
  if (r >= Register.AL && r <= Register.BL) return r - Register.AL;
  if (r >= Register.AH && r <= Register.BH) return 16 + r - Register.AH;
  if (r >= Register.SPL && r <= Register.R15L) return 4 + r - Register.SPL;
  if (r >= Register.AX && r <= Register.R15W) return r - Register.AX;
  if (r >= Register.EAX && r <= Register.R15D) return r - Register.EAX;
  if (r >= Register.RAX && r <= Register.R15) return r - Register.RAX;
  return -1;
}

export function gprSize(r: number): number {
  if (r >= Register.AL && r <= Register.R15L) return 1;
  if (r >= Register.AX && r <= Register.R15W) return 2;
  if (r >= Register.EAX && r <= Register.R15D) return 4;
  return 8;
}

/** A register operand as (kind, number, size). */
function regOperand(r: number, bits: number): [number, number, number] {
  const g = gprIndex(r);
  if (g >= 0) return [K_REG, g, gprSize(r)];
  if (r >= Register.ES && r <= Register.GS) return [K_SEG, r - Register.ES, 2];
  if (r >= Register.XMM0 && r <= Register.XMM15) return [K_XMM, r - Register.XMM0, 16];
  if (r >= Register.CR0 && r <= Register.CR15) return [K_CR, r - Register.CR0, bits === 64 ? 8 : 4];
  if (r >= Register.DR0 && r <= Register.DR15) return [K_DR, r - Register.DR0, bits === 64 ? 8 : 4];
  if (r >= Register.ST0 && r <= Register.ST7) return [K_ST, r - Register.ST0, 10];
  if (r >= Register.MM0 && r <= Register.MM7) return [K_MM, r - Register.MM0, 8];
  return [0, 0, 0];
}

/** A 64-bit bigint as a signed double. */
function signed64(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

const raw = new Instruction();

/** What is fixed for an iced Code (read once: every property read is a call into wasm). */
interface CodeInfo {
  mn: number;
  cc: number;
  spInc: number;
  n: number;
}
const codeInfo: (CodeInfo | undefined)[] = [];

function infoFor(i: Iced.Instruction, code: number): CodeInfo {
  let info = codeInfo[code];
  if (!info) {
    const n = i.opCount;
    const mn = i.mnemonic;
    // The stack increment of ret imm16/enter depends on the immediate; those handlers do not use it.
    info = { mn, cc: i.conditionCode, spInc: i.stackPointerIncrement, n };
    codeInfo[code] = info;
  }
  return info;
}

/** Build the emulator's record from iced's decoded instruction. */
export function buildInsn(i: Iced.Instruction, la: number, bits: number): Insn {
  const code = i.code;
  const info = infoFor(i, code);
  const d = new Insn(handlerFor(info.mn, code));
  d.ip = la;
  d.len = i.length;
  d.next = bits === 64 ? la + i.length : (la + i.length) >>> 0;
  if (bits === 16) d.next = (la + i.length) & 0xffff;
  d.code = code;
  d.mn = info.mn;
  d.n = info.n;
  d.rep = i.hasRepePrefix || i.hasRepPrefix ? 1 : i.hasRepnePrefix ? 2 : 0;
  d.lock = i.hasLockPrefix;
  d.cc = info.cc;
  const spInc = info.spInc;
  d.osize = spInc !== 0 ? Math.abs(spInc) : bits === 64 ? 8 : 4;
  let opSize = 0;
  let haveImm = false;
  for (let k = 0; k < Math.min(4, d.n); k++) {
    const kind = i.opKind(k); // not fixed per Code: an r/m operand is a register or memory
    let ok = 0, or = 0, os = 0;
    switch (kind) {
      case OpKind.Register:
        [ok, or, os] = regOperand(i.opRegister(k), bits);
        break;
      case OpKind.NearBranch16:
      case OpKind.NearBranch32:
      case OpKind.NearBranch64: {
        const t = i.nearBranchTarget;
        d.target = bits === 64 ? signed64(t) : Number(t & 0xffffffffn);
        ok = K_IMM;
        os = kind === OpKind.NearBranch16 ? 2 : kind === OpKind.NearBranch32 ? 4 : 8;
        break;
      }
      case OpKind.FarBranch16:
      case OpKind.FarBranch32:
        ok = K_FAR;
        d.farSel = i.farBranchSelector;
        d.target = kind === OpKind.FarBranch16 ? i.farBranch16 : i.farBranch32 >>> 0;
        os = kind === OpKind.FarBranch16 ? 2 : 4;
        break;
      case OpKind.Immediate8_2nd:
        d.imm2 = i.immediate8_2nd;
        ok = K_IMM;
        os = 1;
        break;
      case OpKind.Immediate8:
      case OpKind.Immediate16:
      case OpKind.Immediate32:
      case OpKind.Immediate64:
      case OpKind.Immediate8to16:
      case OpKind.Immediate8to32:
      case OpKind.Immediate8to64:
      case OpKind.Immediate32to64: {
        let v: bigint;
        switch (kind) {
          case OpKind.Immediate8: v = BigInt(i.immediate8 & 0xff); os = 1; break;
          case OpKind.Immediate16: v = BigInt(i.immediate16 & 0xffff); os = 2; break;
          case OpKind.Immediate32: v = BigInt(i.immediate32 >>> 0); os = 4; break;
          case OpKind.Immediate64: v = BigInt.asUintN(64, i.immediate64); os = 8; break;
          case OpKind.Immediate8to16: v = BigInt(i.immediate8to16 & 0xffff); os = 2; break;
          case OpKind.Immediate8to32: v = BigInt(i.immediate8to32 >>> 0); os = 4; break;
          case OpKind.Immediate8to64: v = BigInt.asUintN(64, i.immediate8to64); os = 8; break;
          default: v = BigInt.asUintN(64, i.immediate32to64); os = 8; break;
        }
        if (!haveImm) {
          d.immLo = Number(v & 0xffffffffn);
          d.immHi = Number(v >> 32n);
          haveImm = true;
        }
        ok = K_IMM;
        break;
      }
      case OpKind.Memory: {
        ok = K_MEM;
        os = MemorySizeExt.size(i.memorySize);
        d.msize = os;
        const b = i.memoryBase;
        const x = i.memoryIndex;
        d.scale = i.memoryIndexScale;
        d.seg = i.memorySegment - Register.ES;
        if (b === Register.RIP || b === Register.EIP) {
          d.base = -1;
          d.asize = b === Register.RIP ? 8 : 4;
          d.disp = b === Register.RIP ? signed64(i.ipRelMemoryAddress) : Number(i.ipRelMemoryAddress & 0xffffffffn);
        } else {
          d.base = b === Register.None ? -1 : gprIndex(b);
          d.index = x === Register.None ? -1 : gprIndex(x);
          const sizeReg = b !== Register.None ? b : x;
          d.asize = sizeReg !== Register.None ? gprSize(sizeReg) : bits === 64 ? 8 : bits === 32 ? 4 : 2;
          const disp = i.memoryDisplacement;
          d.disp = d.asize === 8 ? signed64(disp) : d.asize === 4 ? Number(BigInt.asIntN(32, disp)) : Number(BigInt.asIntN(16, disp));
        }
        break;
      }
      case OpKind.MemorySegSI:
      case OpKind.MemorySegESI:
      case OpKind.MemorySegRSI:
      case OpKind.MemorySegDI:
      case OpKind.MemorySegEDI:
      case OpKind.MemorySegRDI:
      case OpKind.MemoryESDI:
      case OpKind.MemoryESEDI:
      case OpKind.MemoryESRDI:
        ok = K_STR;
        os = MemorySizeExt.size(i.memorySize);
        d.msize = os;
        d.asize = kind === OpKind.MemorySegSI || kind === OpKind.MemorySegDI || kind === OpKind.MemoryESDI ? 2 : kind === OpKind.MemorySegESI || kind === OpKind.MemorySegEDI || kind === OpKind.MemoryESEDI ? 4 : 8;
        if (kind <= OpKind.MemorySegRDI) d.seg = i.memorySegment - Register.ES;
        break;
    }
    if (k === 0) {
      d.k0 = ok; d.r0 = or; d.s0 = os;
      opSize = os;
    } else if (k === 1) {
      d.k1 = ok; d.r1 = or; d.s1 = os;
    } else if (k === 2) {
      d.k2 = ok; d.r2 = or; d.s2 = os;
    } else {
      d.k3 = ok; d.r3 = or;
    }
  }
  if (d.k1 === K_IMM && d.s1 < opSize && opSize <= 8 && d.k0 !== K_XMM) {
    // imm8/imm16 forms: the value is already extended by iced to the operation size when it says so.
    d.s1 = opSize;
  }
  if (d.k0 === K_IMM && d.n === 1 && d.s0 > 0 && spInc === 0) opSize = d.s0;
  if (d.msize === 0 && d.k0 !== K_MEM && d.k1 !== K_MEM) d.msize = opSize;
  const dh = Math.floor(d.disp / TWO32);
  d.dispLo = (d.disp - dh * TWO32) >>> 0;
  d.dispHi = dh >>> 0;
  const fast = fastHandler(d, bits);
  if (fast) d.exec = fast;
  return d;
}

export class CodeCache {
  /** Per physical page: 1 when decoded instructions of that page are cached. */
  pages: Uint8Array;
  private cache: (Insn[] | undefined)[] = [];
  private fetchLa = NaN;
  /** Bumped whenever translations or decodings may have changed: successor links older than this are stale. */
  epoch = 1;
  /** Instructions decoded so far and the time spent decoding them (for --stats). */
  decodeCount = 0;
  decodeMs = 0;
  private fetchPa = 0;
  private readonly buf = new Uint8Array(15);

  constructor(private readonly c: Cpu) {
    this.pages = new Uint8Array(Math.ceil(c.ramSize / 4096) + 1);
  }

  /** Forget the cached instruction-fetch translation (TLB flush, CPL change). */
  resetFetch(): void {
    this.fetchLa = NaN;
    this.epoch++;
  }

  invalidate(ppn: number): void {
    const e = this.decoders.get(ppn);
    if (e) {
      e.dec.free();
      this.decoders.delete(ppn);
    }
    const page = this.cache[ppn];
    if (page) for (const d of page) if (d) d.dead = true;
    this.pages[ppn] = 0;
    this.cache[ppn] = undefined;
    this.epoch++;
    this.c.blocks.invalidate(ppn);
    this.c.mmu.allowWrite(ppn);
  }

  invalidateRange(pa: number, n: number): void {
    for (let p = Math.floor(pa / 4096); p <= Math.floor((pa + n - 1) / 4096); p++) if (this.pages[p]) this.invalidate(p);
  }

  flushAll(): void {
    for (const e of this.decoders.values()) e.dec.free();
    this.decoders.clear();
    for (const page of this.cache) if (page) for (const d of page) if (d) d.dead = true;
    this.pages.fill(0);
    this.cache = [];
    this.fetchLa = NaN;
    this.epoch++;
    this.c.blocks.flush();
    this.c.mmu.refreshTags();
  }

  /** Mark physical page `ppn` as holding decoded code (writes to it must reach invalidate). */
  private markCode(ppn: number): void {
    if (this.pages[ppn]) return;
    this.pages[ppn] = 1;
    this.c.mmu.dropWrite(ppn);
  }

  /** The physical address of instruction fetch at linear `la` (faults as fetch would). */
  translateFetch(la: number): number {
    const off = la - this.fetchLa;
    if (off >= 0 && off < 4096) return this.fetchPa + off;
    const pa = this.c.mmu.tr(la, ACC_EXEC);
    const o = la & 4095;
    this.fetchLa = la - o;
    this.fetchPa = pa - o;
    return pa;
  }

  /** The decoded instruction at linear `la` = physical `pa` (64-bit mode: the cached one when there is one). */
  insnAt(la: number, pa: number): Insn {
    const page = this.cache[pa >>> 12];
    if (page !== undefined) {
      const d = page[pa & 4095];
      if (d !== undefined && d.ip === la) return d;
    }
    return this.decode(la, pa);
  }

  /** The decoded instruction at the current rip. */
  fetch(): Insn {
    const c = this.c;
    const la = c.bits === 64 ? c.rip : c.bits === 32 ? (c.rip + c.segBase[CS]) >>> 0 : (c.rip & 0xffff) + c.segBase[CS];
    const off = la - this.fetchLa;
    let pa: number;
    if (off >= 0 && off < 4096) pa = this.fetchPa + off;
    else {
      pa = c.mmu.tr(la, ACC_EXEC);
      const o = la & 4095;
      this.fetchLa = la - o;
      this.fetchPa = pa - o;
    }
    const page = this.cache[pa >>> 12];
    if (page !== undefined) {
      const d = page[pa & 4095];
      if (d !== undefined && d.ip === (c.bits === 64 ? la : c.rip)) return d;
    }
    return this.decode(la, pa);
  }

  private decode(la: number, pa: number): Insn {
    const t0 = performance.now();
    try {
      return this.decodeUncounted(la, pa);
    } finally {
      this.decodeCount++;
      this.decodeMs += performance.now() - t0;
    }
  }

  /** One iced Decoder per code page (its bytes plus 15 of what follows), dropped when the page is written. */
  private readonly decoders = new Map<number, { dec: InstanceType<typeof Decoder>; bits: number }>();

  private pageDecoder(ppn: number): InstanceType<typeof Decoder> {
    const c = this.c;
    let e = this.decoders.get(ppn);
    if (e && e.bits !== c.bits) {
      e.dec.free();
      e = undefined;
    }
    if (!e) {
      const start = ppn * 4096;
      e = { dec: new Decoder(c.bits, c.ram.subarray(start, Math.min(c.ramSize, start + 4096 + 15)), DecoderOptions.None), bits: c.bits };
      this.decoders.set(ppn, e);
      this.markCode(ppn); // writes to the page must drop the decoder's copy
    }
    return e.dec;
  }

  private decodeUncounted(la: number, pa: number): Insn {
    const c = this.c;
    const o = la & 4095;
    if (o <= 4096 - 15 && pa + 15 <= c.ramSize) {
      // Fast path: the instruction cannot leave the page.
      const dec = this.pageDecoder(pa >>> 12);
      dec.position = o;
      dec.ip = c.bits === 64 ? BigInt.asUintN(64, BigInt(la)) : BigInt(la >>> 0);
      dec.decodeOut(raw);
      if (raw.code !== Code.INVALID) return this.remember(buildInsn(raw, c.bits === 64 ? la : c.rip, c.bits), o, pa);
    }
    const inPage = Math.min(15, 4096 - o);
    const buf = this.buf;
    let n = 0;
    let crossFault: Fault | undefined;
    for (; n < inPage; n++) buf[n] = pa + n < c.ramSize ? c.ram[pa + n] : c.mmioRead(pa + n, 1);
    if (n < 15) {
      try {
        const pa2 = c.mmu.tr(la + n, ACC_EXEC);
        for (let k = 0; n < 15; n++, k++) buf[n] = pa2 + k < c.ramSize ? c.ram[pa2 + k] : 0xff;
      } catch (e) {
        if (!(e instanceof Fault)) throw e;
        crossFault = e;
      }
    }
    const dec = new Decoder(c.bits, buf.subarray(0, n), DecoderOptions.None);
    try {
      dec.ip = c.bits === 64 ? BigInt.asUintN(64, BigInt(la)) : BigInt(la >>> 0);
      dec.decodeOut(raw);
    } finally {
      dec.free();
    }
    if (raw.code === Code.INVALID) {
      if (crossFault) {
        c.cr2 = c.bits === 64 ? la - o + 4096 : la - o + 4096;
        throw crossFault;
      }
      const d = new Insn(raiseUD);
      d.ip = la;
      d.len = 1;
      d.next = la + 1;
      return d;
    }
    return this.remember(buildInsn(raw, c.bits === 64 ? la : c.rip, c.bits), o, pa);
  }

  /** Cache an instruction that lies within its page. */
  private remember(d: Insn, o: number, pa: number): Insn {
    if (o + d.len <= 4096 && pa < this.c.ramSize) {
      const ppn = pa >>> 12;
      let page = this.cache[ppn];
      if (page === undefined) {
        page = new Array<Insn>(4096);
        this.cache[ppn] = page;
        this.markCode(ppn);
      }
      page[pa & 4095] = d;
    }
    return d;
  }

  /** The bytes of the instruction at linear `la` (for diagnoses; empty when unreadable). */
  bytesAt(la: number, len = 15): Uint8Array {
    const c = this.c;
    const out: number[] = [];
    for (let k = 0; k < len; k++) {
      const pa = c.mmu.probe(la + k);
      if (pa < 0 || pa >= c.ramSize) break;
      out.push(c.ram[pa]);
    }
    return Uint8Array.from(out);
  }
}

const raiseUD: Handler = () => {
  throw new Fault(6);
};

export { TWO32, PF };
