// The CPU: architectural state, memory access through the MMU, operand access, flags, the run loop and
// exception/interrupt delivery. Instruction semantics live in the family modules (alu.ts, shift.ts, ...),
// reached through the handler table (handlers.ts); decoding and its cache in decode.ts.
//
// Representation: a 64-bit GPR is two uint32 halves (lo[r], hi[r]); a read of an operand returns the low half
// and leaves the high half in `th`. Linear addresses are signed doubles (canonical 48-bit values are exact);
// physical addresses are plain numbers. Flags are kept as separate fields (CF/OF/ZF/SF/AF eagerly, PF as the
// result byte whose parity it is).
import { Mmu } from './mmu.ts';
import { CodeCache } from './decode.ts';
import { Fault, Stop, type InterruptSource, type Mmio, type PortIo, type StopReason, DF, GP, PF, SS, UD, NP, VECTOR_NAMES } from './types.ts';
import { Insn, K_IMM, K_MEM, K_REG } from './insn.ts';
import { Fpu } from './x87-state.ts';
import { BlockCache, type Block, type JitMode, DEFAULT_HOT } from './jit/block.ts';
import { EXIT_BEFORE, EXIT_SET, EXIT_TAKEN } from './jit/gen.ts';

export interface CpuOptions {
  /** Bytes of guest RAM, from physical address 0 (rounded up to 4 KiB). */
  memorySize: number;
  ports?: PortIo;
  mmio?: Mmio;
  interrupts?: InterruptSource;
  /** rdtsc from the host clock instead of the instruction count. */
  realTimeTsc?: boolean;
  /** Block translation (jit/block.ts): 'off', 'eager' or the runs after which a block is compiled. */
  jit?: JitMode;
}

export const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let p = 1;
  for (let b = i; b; b >>= 1) p ^= b & 1;
  PARITY[i] = p;
}

/** RFLAGS bits kept in `rfl` (everything but the arithmetic flags and DF). */
export const F_TF = 0x100, F_IF = 0x200, F_DF = 0x400, F_NT = 0x4000, F_RF = 0x10000, F_AC = 0x40000, F_ID = 0x200000;
const OTHER_FLAGS = 0x3f7300 & ~F_DF; // TF IF IOPL NT RF VM AC VIF VIP ID

export const CR0_PE = 1, CR0_MP = 2, CR0_EM = 4, CR0_TS = 8, CR0_NE = 0x20, CR0_WP = 0x10000, CR0_PG = 0x80000000;
export const CR4_PAE = 0x20, CR4_OSFXSR = 0x200, CR4_OSXMMEXCPT = 0x400;
export const EFER_SCE = 1, EFER_LME = 0x100, EFER_LMA = 0x400, EFER_NXE = 0x800;

export const MSR_EFER = 0xc0000080, MSR_STAR = 0xc0000081, MSR_LSTAR = 0xc0000082, MSR_CSTAR = 0xc0000083, MSR_FMASK = 0xc0000084;
export const MSR_FS_BASE = 0xc0000100, MSR_GS_BASE = 0xc0000101, MSR_KERNEL_GS_BASE = 0xc0000102, MSR_TSC_AUX = 0xc0000103;
export const MSR_TSC = 0x10, MSR_APIC_BASE = 0x1b, MSR_PAT = 0x277;

/** Segment register numbers (iced order: ES CS SS DS FS GS). */
export const ES = 0, CS = 1, SSEG = 2, DS = 3, FS = 4, GS = 5;

const TWO32 = 4294967296;
const TWO64 = 18446744073709551616;
const TWO63 = 9223372036854775808;

/** A double holding a signed 64-bit value (exact when |v| < 2^53) as a bigint two's complement u64. */
export function toU64(v: number): bigint {
  return BigInt.asUintN(64, BigInt(Math.trunc(v)));
}

/** An unsigned/signed 64-bit bigint as a signed double (exact for canonical addresses). */
export function fromU64(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

export class Cpu {
  readonly ram: Uint8Array;
  readonly dv: DataView;
  readonly ramSize: number;
  readonly mmu: Mmu;
  readonly code: CodeCache;
  readonly blocks: BlockCache;
  /** Instructions a compiled block may still run in this batch (it loops on itself within it). */
  budget = 0;
  ports: PortIo | undefined;
  mmio: Mmio | undefined;
  interrupts: InterruptSource | undefined;
  realTimeTsc: boolean;

  // ---- general registers
  readonly lo = new Uint32Array(16);
  readonly hi = new Uint32Array(16);
  /** High half of the last operand read. */
  th = 0;
  /** Result of the last ALU helper (low/high halves). */
  rl = 0;
  rh = 0;
  rip = 0;
  cur: Insn | null = null;

  // ---- flags
  cf = 0;
  pfb = 0;
  af = 0;
  zf = 0;
  sf = 0;
  of = 0;
  df = 0;
  rfl = 0x2;

  // ---- segments and descriptor tables
  readonly segSel = new Uint16Array(6);
  /** Segment bases (signed doubles; FS/GS bases may be any canonical address). */
  readonly segBase = new Float64Array(6);
  readonly segLimit = new Float64Array(6).fill(0xffffffff);
  /** Descriptor attribute bits 40-55 (type, S, DPL, P, AVL, L, D/B, G) per segment. */
  readonly segAttr = new Uint16Array(6);
  gdtBase = 0;
  gdtLimit = 0xffff;
  idtBase = 0;
  /** 0 until lidt: an exception before the guest loads an IDT stops the run with a clear diagnosis. */
  idtLimit = 0;
  ldtSel = 0;
  ldtBase = 0;
  ldtLimit = 0;
  trSel = 0;
  trBase = 0;
  trLimit = 0;
  cpl = 0;
  /** Code size: 16, 32 or 64. */
  bits: 16 | 32 | 64 = 32;

  // ---- control
  cr0 = CR0_PE | 0x10;
  cr2 = 0;
  cr3 = 0;
  cr4 = 0;
  cr8 = 0;
  efer = 0;
  readonly dr = new Float64Array(8);
  star = 0n;
  lstar = 0;
  cstar = 0;
  fmask = 0;
  kernelGsBase = 0;
  tscAux = 0;
  pat = 0x0007040600070406n;
  apicBase = 0xfee00900n;
  tscOffset = 0n;
  readonly otherMsrs = new Map<number, bigint>();

  // ---- SSE and x87
  /** 16 xmm registers plus two scratch slots (16: a memory source, 17: a shuffle result). */
  readonly xmmBuf = new ArrayBuffer(18 * 16);
  readonly xb = new Uint8Array(this.xmmBuf);
  readonly xw = new Uint16Array(this.xmmBuf);
  readonly xd = new Uint32Array(this.xmmBuf);
  readonly xsb = new Int8Array(this.xmmBuf);
  readonly xsw = new Int16Array(this.xmmBuf);
  readonly xsd = new Int32Array(this.xmmBuf);
  readonly xf = new Float32Array(this.xmmBuf);
  readonly xdbl = new Float64Array(this.xmmBuf);
  mxcsr = 0x1f80;
  readonly fpu = new Fpu();

  // ---- run state
  icount = 0;
  halted = false;
  /** Interrupts inhibited for one instruction (after sti, mov ss). */
  intShadow = false;
  /** Leave the current batch after this instruction (halt, stop request, interrupt shadow). */
  brk = false;
  private stopReq: StopReason | null = null;
  /** Exception nesting while delivering (0 none, 1 delivering a fault, 2 delivering #DF). */
  private delivering = 0;
  /** Called for `syscall` instead of the architectural transfer (user-mode runners). */
  syscallHook: ((c: Cpu) => void) | undefined;
  /** Called for an exception instead of IDT delivery; return a stop reason to stop, or null when handled. */
  exceptionHook: ((c: Cpu, vector: number, errorCode: number) => StopReason | null) | undefined;
  /** int3 and hlt stop the run (snippet mode). */
  snippetMode = false;

  constructor(opts: CpuOptions) {
    const size = Math.ceil(opts.memorySize / 4096) * 4096;
    this.ram = new Uint8Array(size);
    this.dv = new DataView(this.ram.buffer);
    this.ramSize = size;
    this.ports = opts.ports;
    this.mmio = opts.mmio;
    this.interrupts = opts.interrupts;
    this.realTimeTsc = opts.realTimeTsc ?? false;
    this.mmu = new Mmu(this);
    this.code = new CodeCache(this);
    this.blocks = new BlockCache(this, opts.jit ?? DEFAULT_HOT);
    this.segAttr[CS] = 0x4c9b; // 32-bit code, present, DPL 0
    for (const s of [ES, SSEG, DS, FS, GS]) this.segAttr[s] = 0x4c93;
  }

  // ================================================================================================
  // Register accessors (public API: 64-bit values as bigint)

  /** GPR `r` (0 = rax ... 15 = r15) as an unsigned 64-bit bigint. */
  getReg(r: number): bigint {
    return (BigInt(this.hi[r]) << 32n) | BigInt(this.lo[r]);
  }

  setReg(r: number, v: bigint): void {
    v = BigInt.asUintN(64, v);
    this.lo[r] = Number(v & 0xffffffffn);
    this.hi[r] = Number(v >> 32n);
  }

  /** GPR as a signed double (exact for canonical addresses). */
  regNum(r: number): number {
    return (this.hi[r] | 0) * TWO32 + this.lo[r];
  }

  setRegNum(r: number, v: number): void {
    // floor division keeps the split exact for negative values (two's complement high half).
    const h = Math.floor(v / TWO32);
    this.hi[r] = h;
    this.lo[r] = v - h * TWO32;
  }

  getRip(): bigint {
    return this.bits === 64 ? toU64(this.rip) : BigInt(this.rip >>> 0);
  }

  setRip(v: bigint): void {
    this.rip = this.bits === 64 ? fromU64(v) : Number(v & 0xffffffffn);
  }

  /** RFLAGS as a number. */
  getFlags(): number {
    return (this.rfl & OTHER_FLAGS) | 2 | this.cf | (PARITY[this.pfb & 0xff] << 2) | (this.af ? 0x10 : 0) | (this.zf << 6) | (this.sf << 7) | (this.df << 10) | (this.of << 11);
  }

  setFlags(v: number): void {
    this.cf = v & 1;
    this.pfb = v & 4 ? 0 : 1;
    this.af = v & 0x10 ? 1 : 0;
    this.zf = (v >> 6) & 1;
    this.sf = (v >> 7) & 1;
    this.df = (v >> 10) & 1;
    this.of = (v >> 11) & 1;
    this.rfl = (v & OTHER_FLAGS) | 2;
  }

  /** xmm register `i` as 16 bytes (a copy). */
  getXmm(i: number): Uint8Array {
    return this.xb.slice(i * 16, i * 16 + 16);
  }

  setXmm(i: number, bytes: Uint8Array): void {
    this.xb.set(bytes.subarray(0, 16), i * 16);
  }

  /** Ask the run loop to stop at the next instruction boundary (devices: isa-debug-exit, reset, ...). */
  requestStop(reason: string | StopReason): void {
    this.stopReq = typeof reason === 'string' ? { kind: 'requested', reason } : reason;
    this.brk = true;
  }

  // ================================================================================================
  // Sized register access (internal)

  /** Read GPR `r` of `size` bytes (r 16-19 = AH CH DH BH): low half returned, high half in `th`. */
  rreg(r: number, size: number): number {
    if (size === 8) {
      this.th = this.hi[r];
      return this.lo[r];
    }
    this.th = 0;
    if (size === 4) return this.lo[r];
    if (size === 2) return this.lo[r] & 0xffff;
    return r < 16 ? this.lo[r] & 0xff : (this.lo[r - 16] >>> 8) & 0xff;
  }

  wreg(r: number, size: number, lo: number, hi: number): void {
    if (size === 8) {
      this.lo[r] = lo;
      this.hi[r] = hi;
    } else if (size === 4) {
      this.lo[r] = lo;
      this.hi[r] = 0;
    } else if (size === 2) {
      this.lo[r] = (this.lo[r] & 0xffff0000) | (lo & 0xffff);
    } else if (r < 16) {
      this.lo[r] = (this.lo[r] & 0xffffff00) | (lo & 0xff);
    } else {
      this.lo[r - 16] = (this.lo[r - 16] & 0xffff00ff) | ((lo & 0xff) << 8);
    }
  }

  // ================================================================================================
  // Memory (linear addresses; the MMU translates)

  read8(la: number): number {
    const pa = this.mmu.tr(la, 0);
    return pa < this.ramSize ? this.ram[pa] : this.mmioRead(pa, 1);
  }

  read16(la: number): number {
    if ((la & 4095) > 4094) return this.read8(la) | (this.read8(la + 1) << 8);
    const pa = this.mmu.tr(la, 0);
    return pa < this.ramSize ? this.dv.getUint16(pa, true) : this.mmioRead(pa, 2);
  }

  read32(la: number): number {
    if ((la & 4095) > 4092) return (this.read16(la) | (this.read16(la + 2) << 16)) >>> 0;
    const pa = this.mmu.tr(la, 0);
    return pa < this.ramSize ? this.dv.getUint32(pa, true) : this.mmioRead(pa, 4);
  }

  /** 64-bit read: low half returned, high half in `th`. */
  read64(la: number): number {
    if ((la & 4095) > 4088) {
      const l = this.read32(la);
      this.th = this.read32(la + 4);
      return l;
    }
    const pa = this.mmu.tr(la, 0);
    if (pa < this.ramSize) {
      this.th = this.dv.getUint32(pa + 4, true);
      return this.dv.getUint32(pa, true);
    }
    const l = this.mmioRead(pa, 4);
    this.th = this.mmioRead(pa + 4, 4);
    return l;
  }

  readBig64(la: number): bigint {
    const l = this.read64(la);
    return (BigInt(this.th) << 32n) | BigInt(l);
  }

  write8(la: number, v: number): void {
    const pa = this.mmu.tr(la, 1);
    if (pa < this.ramSize) {
      if (this.code.pages[pa >>> 12]) this.code.invalidate(pa >>> 12);
      this.ram[pa] = v;
    } else this.mmioWrite(pa, 1, v & 0xff);
  }

  write16(la: number, v: number): void {
    if ((la & 4095) > 4094) {
      this.checkWritable(la, 2);
      this.write8(la, v);
      this.write8(la + 1, v >>> 8);
      return;
    }
    const pa = this.mmu.tr(la, 1);
    if (pa < this.ramSize) {
      if (this.code.pages[pa >>> 12]) this.code.invalidate(pa >>> 12);
      this.dv.setUint16(pa, v, true);
    } else this.mmioWrite(pa, 2, v & 0xffff);
  }

  write32(la: number, v: number): void {
    if ((la & 4095) > 4092) {
      this.checkWritable(la, 4);
      this.write16(la, v);
      this.write16(la + 2, v >>> 16);
      return;
    }
    const pa = this.mmu.tr(la, 1);
    if (pa < this.ramSize) {
      if (this.code.pages[pa >>> 12]) this.code.invalidate(pa >>> 12);
      this.dv.setUint32(pa, v, true);
    } else this.mmioWrite(pa, 4, v >>> 0);
  }

  write64(la: number, lo: number, hi: number): void {
    if ((la & 4095) > 4088) {
      this.checkWritable(la, 8);
      this.write32(la, lo);
      this.write32(la + 4, hi);
      return;
    }
    const pa = this.mmu.tr(la, 1);
    if (pa < this.ramSize) {
      if (this.code.pages[pa >>> 12]) this.code.invalidate(pa >>> 12);
      this.dv.setUint32(pa, lo, true);
      this.dv.setUint32(pa + 4, hi, true);
    } else {
      this.mmioWrite(pa, 4, lo >>> 0);
      this.mmioWrite(pa + 4, 4, hi >>> 0);
    }
  }

  writeBig64(la: number, v: bigint): void {
    v = BigInt.asUintN(64, v);
    this.write64(la, Number(v & 0xffffffffn), Number(v >> 32n));
  }

  /** Fault before a split write changes anything: both pages must be writable. */
  checkWritable(la: number, size: number): void {
    this.mmu.tr(la, 1);
    this.mmu.tr(la + size - 1, 1);
  }

  /** Read `size` (1, 2, 4, 8) bytes; for 8 the high half goes to `th`. */
  rmem(la: number, size: number): number {
    switch (size) {
      case 1:
        this.th = 0;
        return this.read8(la);
      case 2:
        this.th = 0;
        return this.read16(la);
      case 4:
        this.th = 0;
        return this.read32(la);
      default:
        return this.read64(la);
    }
  }

  wmem(la: number, size: number, lo: number, hi: number): void {
    switch (size) {
      case 1:
        this.write8(la, lo);
        return;
      case 2:
        this.write16(la, lo);
        return;
      case 4:
        this.write32(la, lo);
        return;
      default:
        this.write64(la, lo, hi);
    }
  }

  /** Copy guest memory out (linear addresses, with translation and faults). */
  readBytes(la: number, n: number): Uint8Array {
    const out = new Uint8Array(n);
    let i = 0;
    while (i < n) {
      const pa = this.mmu.tr(la + i, 0);
      const chunk = Math.min(n - i, 4096 - ((la + i) & 4095));
      if (pa + chunk <= this.ramSize) out.set(this.ram.subarray(pa, pa + chunk), i);
      else for (let j = 0; j < chunk; j++) out[i + j] = this.read8(la + i + j);
      i += chunk;
    }
    return out;
  }

  writeBytes(la: number, data: Uint8Array): void {
    let i = 0;
    const n = data.length;
    while (i < n) {
      const pa = this.mmu.tr(la + i, 1);
      const chunk = Math.min(n - i, 4096 - ((la + i) & 4095));
      if (pa + chunk <= this.ramSize) {
        this.code.invalidateRange(pa, chunk);
        this.ram.set(data.subarray(i, i + chunk), pa);
      } else for (let j = 0; j < chunk; j++) this.write8(la + i + j, data[i + j]);
      i += chunk;
    }
  }

  mmioRead(pa: number, size: 1 | 2 | 4): number {
    if (!this.mmio) return size === 4 ? 0xffffffff : (1 << (size * 8)) - 1;
    return this.mmio.read(pa, size) >>> 0;
  }

  mmioWrite(pa: number, size: 1 | 2 | 4, v: number): void {
    this.mmio?.write(pa, size, v);
  }

  // ================================================================================================
  // Operands

  /** Effective linear address of the memory operand. */
  ea(d: Insn): number {
    if (d.asize === 8) {
      // 64-bit arithmetic on halves, then the signed value as a double (exact for canonical addresses).
      let lo = d.dispLo, hi = d.dispHi;
      const b = d.base, x = d.index;
      if (b >= 0) {
        lo += this.lo[b];
        hi += this.hi[b];
      }
      if (x >= 0) {
        lo += this.lo[x] * d.scale;
        hi += this.hi[x] * d.scale;
      }
      const carry = Math.floor(lo / TWO32);
      const a = ((hi + carry) | 0) * TWO32 + (lo - carry * TWO32);
      return d.seg >= FS ? a + this.segBase[d.seg] : a;
    }
    let a = d.disp;
    if (d.asize === 4) {
      if (d.base >= 0) a += this.lo[d.base];
      if (d.index >= 0) a += this.lo[d.index] * d.scale;
      a = a >>> 0;
    } else {
      if (d.base >= 0) a += this.lo[d.base] & 0xffff;
      if (d.index >= 0) a += (this.lo[d.index] & 0xffff) * d.scale;
      a &= 0xffff;
    }
    return this.bits === 64 ? a + this.segBase[d.seg] : (a + this.segBase[d.seg]) >>> 0;
  }

  /** Read operand 0 (a = its effective address when it is memory). */
  rd0(d: Insn, a: number): number {
    if (d.k0 === K_REG) return this.rreg(d.r0, d.s0);
    return this.rmem(a, d.s0);
  }

  /** Read operand 1 (register, memory or immediate). */
  rd1(d: Insn, a: number): number {
    const k = d.k1;
    if (k === K_REG) return this.rreg(d.r1, d.s1);
    if (k === K_IMM) {
      this.th = d.immHi;
      return d.immLo;
    }
    return this.rmem(a, d.s1);
  }

  wr0(d: Insn, a: number, lo: number, hi: number): void {
    if (d.k0 === K_REG) this.wreg(d.r0, d.s0, lo, hi);
    else this.wmem(a, d.s0, lo, hi);
  }

  /** Effective address when any operand is memory (0 otherwise). */
  addr(d: Insn): number {
    return d.k0 === K_MEM || d.k1 === K_MEM || d.k2 === K_MEM ? this.ea(d) : 0;
  }

  /** Immediate operand value when k is K_IMM. */
  isImm(k: number): boolean {
    return k === K_IMM;
  }

  // ================================================================================================
  // Stack

  /** Stack pointer width in bytes for the current mode. */
  stackSize(): number {
    return this.bits === 64 ? 8 : this.segAttr[SSEG] & 0x4000 ? 4 : 2;
  }

  push(size: number, lo: number, hi: number): void {
    if (this.bits === 64) {
      const sp = this.regNum(4) - size;
      this.wmem(sp, size, lo, hi);
      this.setRegNum(4, sp);
      return;
    }
    const ss = this.stackSize();
    const sp = ((ss === 4 ? this.lo[4] : this.lo[4] & 0xffff) - size) & (ss === 4 ? 0xffffffff : 0xffff);
    this.wmem((this.segBase[SSEG] + (sp >>> 0)) >>> 0, size, lo, hi);
    if (ss === 4) this.lo[4] = sp;
    else this.lo[4] = (this.lo[4] & 0xffff0000) | sp;
  }

  pop(size: number): number {
    if (this.bits === 64) {
      const sp = this.regNum(4);
      const v = this.rmem(sp, size);
      this.setRegNum(4, sp + size);
      return v;
    }
    const ss = this.stackSize();
    const sp = ss === 4 ? this.lo[4] : this.lo[4] & 0xffff;
    const v = this.rmem((this.segBase[SSEG] + sp) >>> 0, size);
    const th = this.th;
    if (ss === 4) this.lo[4] = sp + size;
    else this.lo[4] = (this.lo[4] & 0xffff0000) | ((sp + size) & 0xffff);
    this.th = th;
    return v;
  }

  /** Push a 64-bit value given as a signed double. */
  pushNum(v: number): void {
    const h = Math.floor(v / TWO32);
    this.push(8, v - h * TWO32, h >>> 0);
  }

  popNum(): number {
    const l = this.pop(8);
    return (this.th | 0) * TWO32 + l;
  }

  /** Branch to a near target (checks canonical form in 64-bit mode; masks in legacy modes). */
  jumpTo(t: number, size: number): void {
    if (this.bits === 64) {
      if (size !== 8) t = size === 4 ? t >>> 0 : t & 0xffff;
      if (t < -140737488355328 || t >= 140737488355328) throw new Fault(GP, 0);
      this.rip = t;
    } else this.rip = size === 2 ? t & 0xffff : t >>> 0;
  }

  // ================================================================================================
  // Conditions

  /** iced ConditionCode → true/false. */
  cond(cc: number): boolean {
    switch (cc) {
      case 1: return this.of === 1;
      case 2: return this.of === 0;
      case 3: return this.cf === 1;
      case 4: return this.cf === 0;
      case 5: return this.zf === 1;
      case 6: return this.zf === 0;
      case 7: return (this.cf | this.zf) === 1;
      case 8: return (this.cf | this.zf) === 0;
      case 9: return this.sf === 1;
      case 10: return this.sf === 0;
      case 11: return PARITY[this.pfb & 0xff] === 1;
      case 12: return PARITY[this.pfb & 0xff] === 0;
      case 13: return this.sf !== this.of;
      case 14: return this.sf === this.of;
      case 15: return this.zf === 1 || this.sf !== this.of;
      case 16: return this.zf === 0 && this.sf === this.of;
      default: return true;
    }
  }

  // ================================================================================================
  // Modes, segments, control registers

  /** Recompute CPU mode (code size) after CR0/EFER/CS changes; flushes decode caches when it changes. */
  updateMode(): void {
    let bits: 16 | 32 | 64;
    if (!(this.cr0 & CR0_PE)) bits = 16;
    else if (this.efer & EFER_LMA && this.segAttr[CS] & 0x2000) bits = 64;
    else bits = this.segAttr[CS] & 0x4000 ? 32 : 16;
    if (bits !== this.bits) {
      this.bits = bits;
      this.code.flushAll();
    }
    this.mmu.updateMasks();
  }

  /** Read an 8-byte descriptor for `sel` from the GDT/LDT (supervisor access). */
  readDescriptor(sel: number): { lo: number; hi: number } {
    const idx = sel & ~7;
    const ldt = sel & 4;
    const base = ldt ? this.ldtBase : this.gdtBase;
    const limit = ldt ? this.ldtLimit : this.gdtLimit;
    if (idx + 7 > limit) throw new Fault(GP, sel & 0xfffc);
    const la = base + idx;
    const lo = this.mmu.supervisor(() => this.read32(la));
    const hi = this.mmu.supervisor(() => this.read32(la + 4));
    return { lo, hi };
  }

  /** Load a segment register (mov/pop/far transfer), in protected or long mode. */
  loadSeg(s: number, sel: number): void {
    sel &= 0xffff;
    if (!(this.cr0 & CR0_PE)) {
      this.segSel[s] = sel;
      this.segBase[s] = sel * 16;
      if (s === CS) this.updateMode();
      return;
    }
    if ((sel & ~3) === 0) {
      if (s === CS || (s === SSEG && (this.bits !== 64 || this.cpl === 3))) throw new Fault(GP, 0);
      this.segSel[s] = sel;
      if (s !== FS && s !== GS) this.segBase[s] = 0;
      else this.segBase[s] = 0;
      return;
    }
    const { lo, hi } = this.readDescriptor(sel);
    if (!(hi & 0x8000)) throw new Fault(s === SSEG ? SS : NP, sel & 0xfffc);
    const base = ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0;
    let limit = (lo & 0xffff) | (hi & 0xf0000);
    if (hi & 0x800000) limit = limit * 4096 + 4095;
    this.segSel[s] = sel;
    this.segAttr[s] = (hi >>> 8) & 0xf0ff;
    this.segLimit[s] = limit;
    this.segBase[s] = this.bits === 64 && s !== FS && s !== GS ? 0 : base;
    if (s === CS) {
      this.cpl = sel & 3;
      this.updateMode();
      if (this.bits === 64) this.segBase[CS] = 0;
    }
  }

  writeCr(n: number, v: bigint): void {
    const num = Number(v & 0xffffffffn);
    switch (n) {
      case 0: {
        const old = this.cr0;
        this.cr0 = (num | 0x10) >>> 0;
        if ((this.cr0 ^ old) & CR0_PG) {
          if (this.cr0 & CR0_PG && this.efer & EFER_LME) {
            if (!(this.cr4 & CR4_PAE)) throw new Fault(GP, 0);
            this.efer |= EFER_LMA;
          } else if (!(this.cr0 & CR0_PG)) this.efer &= ~EFER_LMA;
        }
        this.mmu.flush();
        this.updateMode();
        return;
      }
      case 2:
        this.cr2 = fromU64(v);
        return;
      case 3:
        this.cr3 = Number(v & 0xffffffffff000n);
        this.mmu.flush();
        return;
      case 4:
        this.cr4 = num;
        this.mmu.flush();
        return;
      case 8:
        this.cr8 = num & 15;
        return;
      default:
        throw new Fault(UD);
    }
  }

  readCr(n: number): bigint {
    switch (n) {
      case 0: return BigInt(this.cr0 >>> 0);
      case 2: return toU64(this.cr2);
      case 3: return BigInt(this.cr3);
      case 4: return BigInt(this.cr4 >>> 0);
      case 8: return BigInt(this.cr8);
      default: throw new Fault(UD);
    }
  }

  rdmsr(n: number): bigint {
    switch (n) {
      case MSR_EFER: return BigInt(this.efer);
      case MSR_STAR: return this.star;
      case MSR_LSTAR: return toU64(this.lstar);
      case MSR_CSTAR: return toU64(this.cstar);
      case MSR_FMASK: return BigInt(this.fmask);
      case MSR_FS_BASE: return toU64(this.segBase[FS]);
      case MSR_GS_BASE: return toU64(this.segBase[GS]);
      case MSR_KERNEL_GS_BASE: return toU64(this.kernelGsBase);
      case MSR_TSC_AUX: return BigInt(this.tscAux);
      case MSR_TSC: return this.tsc();
      case MSR_APIC_BASE: return this.apicBase;
      case MSR_PAT: return this.pat;
      default: {
        const v = this.otherMsrs.get(n);
        if (v === undefined) throw new Fault(GP, 0);
        return v;
      }
    }
  }

  wrmsr(n: number, v: bigint): void {
    const canon = (x: bigint): number => {
      const s = fromU64(x);
      if (s < -140737488355328 || s >= 140737488355328) throw new Fault(GP, 0);
      return s;
    };
    switch (n) {
      case MSR_EFER: {
        const nv = Number(v & 0xd01n);
        this.efer = (nv & ~EFER_LMA) | (this.efer & EFER_LMA);
        this.mmu.flush();
        this.mmu.updateMasks();
        return;
      }
      case MSR_STAR: this.star = v; return;
      case MSR_LSTAR: this.lstar = canon(v); return;
      case MSR_CSTAR: this.cstar = canon(v); return;
      case MSR_FMASK: this.fmask = Number(v & 0xffffffffn); return;
      case MSR_FS_BASE: this.segBase[FS] = canon(v); return;
      case MSR_GS_BASE: this.segBase[GS] = canon(v); return;
      case MSR_KERNEL_GS_BASE: this.kernelGsBase = canon(v); return;
      case MSR_TSC_AUX: this.tscAux = Number(v & 0xffffffffn); return;
      case MSR_TSC: this.tscOffset = v - this.tsc() + this.tscOffset; return;
      case MSR_APIC_BASE: this.apicBase = v; return;
      case MSR_PAT: this.pat = v; return;
      default:
        // MSRs a kernel commonly pokes harmlessly (MISC_ENABLE, MTRRs, SPEC_CTRL, ...) are remembered.
        if (n === 0x1a0 || (n >= 0x200 && n < 0x300) || n === 0x48 || n === 0x49 || n === 0x2ff) {
          this.otherMsrs.set(n, v);
          return;
        }
        throw new Fault(GP, 0);
    }
  }

  /** Time-stamp counter: the instruction count (deterministic) unless real time was asked for. */
  tsc(): bigint {
    const base = this.realTimeTsc ? process.hrtime.bigint() : BigInt(this.icount);
    return BigInt.asUintN(64, base + this.tscOffset);
  }

  // ================================================================================================
  // The run loop

  /**
   * Execute up to `maxInstructions` instructions. Returns why it stopped; the CPU can be resumed with
   * another `run` (after 'limit', 'requested' or a handled 'halt').
   */
  run(maxInstructions: number): StopReason {
    const end = this.icount + maxInstructions;
    this.stopReq = null;
    const intr = this.interrupts;
    while (true) {
      if (this.stopReq) return this.stopReq;
      if (this.icount >= end) return { kind: 'limit' };
      if (intr && this.rfl & F_IF && !this.intShadow) {
        const v = intr.pending();
        if (v >= 0) {
          intr.acknowledge(v);
          this.halted = false;
          const r = this.deliverSafely(v, -1, false, true);
          if (r) return r;
        }
      }
      this.intShadow = false;
      if (this.halted) {
        if (!intr || !(this.rfl & F_IF)) return { kind: 'halt', rip: this.getRip() };
        // Waiting for an interrupt: time passes for the devices as instructions would.
        this.icount = Math.min(end, this.icount + 1000);
        continue;
      }
      const n = Math.min(end - this.icount, intr && this.rfl & F_IF ? 64 : 4096);
      const r = this.runChecked(n);
      if (r) return r;
    }
  }

  /** Run up to n instructions; guest faults and stops propagate as exceptions (see runChecked). */
  private runBatch(n: number): void {
    if (this.bits === 64) this.runBlocks(n);
    else this.runSteps(n);
  }

  /** 64-bit mode: block by block, interpreted until hot, then compiled (jit/). */
  private runBlocks(n: number): void {
    const blocks = this.blocks;
    const code = this.code;
    const hot = blocks.hot;
    this.brk = false;
    this.cur = null;
    let left = n;
    let b: Block = blocks.lookup();
    for (;;) {
      let k: number;
      let fn = b.fn;
      if (fn === null && b.hits++ >= hot && b.cached) fn = blocks.compile(b);
      if (fn !== null && b.fnLen <= left) {
        this.budget = left;
        const v = -fn(this, b.entry) - 1; // (done) * 4096 + k * 4 + kind: jit/gen.ts EXIT_RETURN
        const at = (v & 4095) >> 2;
        k = this.leftRegion(b.region[at], Math.floor(v / 4096), v & 3, left);
        b = b.owner[at]; // links go on from the block it left from
      } else k = b.interpret(this, left);
      left -= k;
      if (this.brk || left <= 0 || this.bits !== 64) return;
      // Follow the cached successor when control went where it went last time.
      const r = this.rip;
      let nx: Block | null = null;
      if (b.linkEpoch === code.epoch) nx = r === b.next ? b.succ : r === b.target ? b.tsucc : r === b.iaddr ? b.isucc : null;
      else {
        b.succ = b.tsucc = b.isucc = null;
        b.iaddr = NaN;
        b.linkEpoch = code.epoch;
      }
      if (nx === null || nx.dead) {
        this.cur = null; // a fault while fetching belongs to the new rip
        nx = blocks.lookup();
        if (r === b.next) b.succ = nx;
        else if (r === b.target) b.tsucc = nx;
        else {
          // ret and indirect jumps: the last place they went
          b.iaddr = r;
          b.isucc = nx;
        }
        b.linkEpoch = code.epoch;
      }
      b = nx;
    }
  }

  /** A compiled region left at its instruction d (`kind`, see jit/gen.ts EXIT_*), `done` instructions
   * done: go where d went, or run d with its handler. Returns the instructions done. */
  private leftRegion(d: Insn, done: number, kind: number, left: number): number {
    this.icount += done;
    if (kind !== EXIT_BEFORE) {
      if (kind !== EXIT_SET) this.rip = kind === EXIT_TAKEN ? d.target : d.next;
      return done;
    }
    this.rip = d.ip;
    if (done >= left) return done;
    this.cur = d;
    this.rip = d.next;
    d.exec(this, d);
    this.icount++;
    return done + 1;
  }

  /** Legacy modes: one instruction at a time. */
  private runSteps(n: number): void {
    const code = this.code;
    this.brk = false;
    this.cur = null;
    let d = code.fetch();
    for (let i = 0; i < n; i++) {
      this.cur = d;
      this.rip = d.next;
      d.exec(this, d);
      this.icount++;
      if (this.brk) break;
      // Follow the cached successor when control went where it went last time.
      const r = this.rip;
      let nx: Insn | null = null;
      if (d.linkEpoch === code.epoch) nx = r === d.next ? d.succ : r === d.target ? d.tsucc : null;
      else {
        d.succ = d.tsucc = null;
        d.linkEpoch = code.epoch;
      }
      if (nx === null || nx.dead) {
        this.cur = null; // a fault while fetching belongs to the new rip
        nx = code.fetch();
        if (r === d.next) d.succ = nx;
        else if (r === d.target) d.tsucc = nx;
        d.linkEpoch = code.epoch;
      }
      d = nx;
    }
  }

  /** runBatch with faults delivered and stops turned into stop reasons (kept apart from the hot loop). */
  private runChecked(n: number): StopReason | null {
    try {
      this.runBatch(n);
      return null;
    } catch (e) {
      if (this.cur) this.rip = this.cur.ip;
      if (e instanceof Fault) {
        // Faults abort the instruction: it is not counted.
        return this.deliverSafely(e.vector, e.errorCode, true, false);
      }
      if (e instanceof Stop) {
        if (e.reason.kind === 'exit' || e.reason.kind === 'requested') this.icount++;
        return e.reason;
      }
      throw e;
    }
  }

  /** Deliver an exception or interrupt, turning nested faults into #DF and then a triple fault. */
  deliverSafely(vector: number, errorCode: number, isFault: boolean, external: boolean): StopReason | null {
    if (isFault && this.exceptionHook) {
      const r = this.exceptionHook(this, vector, errorCode);
      return r;
    }
    let vec = vector;
    let err = errorCode;
    for (let depth = 0; ; depth++) {
      try {
        if (this.idtLimit === 0 && isFault) return this.unhandled(vector, errorCode, 'no IDT loaded');
        this.deliver(vec, err, !isFault && !external ? 'soft' : 'hw');
        return null;
      } catch (e) {
        if (!(e instanceof Fault)) throw e;
        if (depth === 0 && vec !== DF) {
          vec = DF;
          err = 0;
          continue;
        }
        return {
          kind: 'triple-fault',
          rip: this.getRip(),
          diagnosis: `triple fault: ${VECTOR_NAMES[vector] ?? `vector ${vector}`}${errorCode >= 0 ? ` (error code 0x${errorCode.toString(16)})` : ''} could not be delivered (then ${VECTOR_NAMES[e.vector] ?? e.vector}); cr2=0x${toU64(this.cr2).toString(16)}`,
        };
      }
    }
  }

  unhandled(vector: number, errorCode: number, why: string): StopReason {
    return {
      kind: 'exception',
      vector,
      errorCode,
      rip: this.getRip(),
      cr2: toU64(this.cr2),
      diagnosis: `${VECTOR_NAMES[vector] ?? `vector ${vector}`}${errorCode >= 0 ? ` (error code 0x${errorCode.toString(16)})` : ''}${vector === PF ? ` at address 0x${toU64(this.cr2).toString(16)}` : ''} (${why})`,
    };
  }

  /**
   * Deliver `vector` through the IDT. `kind` 'soft' = int n (checks gate DPL, pushes the next rip);
   * faults push the faulting rip (this.rip already points at it).
   */
  deliver(vector: number, errorCode: number, kind: 'soft' | 'hw'): void {
    this.halted = false;
    if (this.bits === 64 || this.efer & EFER_LMA) return this.deliverLong(vector, errorCode, kind);
    return this.deliverLegacy(vector, errorCode, kind);
  }

  private deliverLong(vector: number, errorCode: number, kind: 'soft' | 'hw'): void {
    const off = vector * 16;
    if (off + 15 > this.idtLimit) throw new Fault(GP, vector * 8 + 2);
    const la = this.idtBase + off;
    const [w0, w1, w2] = this.mmu.supervisor(() => [this.read32(la), this.read32(la + 4), this.read32(la + 8)]);
    const type = (w1 >>> 8) & 0x1f;
    if (!(w1 & 0x8000) || (type !== 0x0e && type !== 0x0f)) throw new Fault(NP, vector * 8 + 2);
    const dpl = (w1 >>> 13) & 3;
    if (kind === 'soft' && dpl < this.cpl) throw new Fault(GP, vector * 8 + 2);
    const sel = w0 >>> 16;
    const target = (w2 | 0) * TWO32 + (((w1 & 0xffff0000) | (w0 & 0xffff)) >>> 0);
    const ist = w1 & 7;
    const desc = this.readDescriptor(sel);
    const newCpl = (desc.hi >>> 13) & 3;
    const oldCpl = this.cpl;
    const oldFlags = this.getFlags();
    const oldCs = this.segSel[CS];
    const oldSs = this.segSel[SSEG];
    const oldRsp = this.regNum(4);
    let rsp = oldRsp;
    if (ist) rsp = this.mmu.supervisor(() => { const l = this.read64(this.trBase + 0x24 + 8 * (ist - 1)); return (this.th | 0) * TWO32 + l; });
    else if (newCpl < oldCpl) rsp = this.mmu.supervisor(() => { const l = this.read64(this.trBase + 4 + 8 * newCpl); return (this.th | 0) * TWO32 + l; });
    rsp -= ((rsp % 16) + 16) % 16;
    const frame = [oldSs, oldRsp, oldFlags, oldCs, this.rip];
    if (errorCode >= 0) frame.push(errorCode);
    // Write the frame with the new privilege (supervisor accesses).
    const savedCpl = this.cpl;
    this.cpl = newCpl;
    this.mmu.updateMasks();
    try {
      for (const v of frame) {
        rsp -= 8;
        const h = Math.floor(v / TWO32);
        this.write64(rsp, v - h * TWO32, h >>> 0);
      }
    } catch (e) {
      this.cpl = savedCpl;
      this.mmu.updateMasks();
      throw e;
    }
    this.segSel[CS] = (sel & ~3) | newCpl;
    this.segAttr[CS] = (desc.hi >>> 8) & 0xf0ff;
    this.segBase[CS] = 0;
    if (newCpl !== oldCpl) {
      this.segSel[SSEG] = newCpl;
      this.segBase[SSEG] = 0;
    }
    this.setRegNum(4, rsp);
    this.rfl &= ~(F_TF | F_NT | F_RF | 0x20000);
    if (type === 0x0e) this.rfl &= ~F_IF;
    this.updateMode();
    this.rip = target;
  }

  private deliverLegacy(vector: number, errorCode: number, kind: 'soft' | 'hw'): void {
    if (!(this.cr0 & CR0_PE)) {
      // Real mode: IVT at idtBase.
      const la = this.idtBase + vector * 4;
      const ip = this.read16(la);
      const cs = this.read16(la + 2);
      this.push(2, this.getFlags() & 0xffff, 0);
      this.push(2, this.segSel[CS], 0);
      this.push(2, this.rip & 0xffff, 0);
      this.rfl &= ~(F_IF | F_TF);
      this.loadSeg(CS, cs);
      this.rip = ip;
      return;
    }
    const off = vector * 8;
    if (off + 7 > this.idtLimit) throw new Fault(GP, vector * 8 + 2);
    const la = this.idtBase + off;
    const w0 = this.mmu.supervisor(() => this.read32(la));
    const w1 = this.mmu.supervisor(() => this.read32(la + 4));
    const type = (w1 >>> 8) & 0x1f;
    if (!(w1 & 0x8000) || (type !== 0x0e && type !== 0x0f)) throw new Fault(NP, vector * 8 + 2);
    if (kind === 'soft' && ((w1 >>> 13) & 3) < this.cpl) throw new Fault(GP, vector * 8 + 2);
    const flags = this.getFlags();
    this.push(4, flags, 0);
    this.push(4, this.segSel[CS], 0);
    this.push(4, this.rip >>> 0, 0);
    if (errorCode >= 0) this.push(4, errorCode, 0);
    this.loadSeg(CS, w0 >>> 16);
    this.rfl &= ~(F_TF | F_NT | F_RF);
    if (type === 0x0e) this.rfl &= ~F_IF;
    this.rip = ((w1 & 0xffff0000) | (w0 & 0xffff)) >>> 0;
  }

  /** Raise a page fault for linear address `la` (sets CR2). */
  pageFault(la: number, err: number): never {
    this.cr2 = la;
    throw new Fault(PF, err);
  }
}

export { K_IMM, K_MEM, K_REG };
