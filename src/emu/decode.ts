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
const CODE_INVALID: number = Code.INVALID;

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

/** A register operand as (kind, number, size); size 0 for CR/DR, whose size is the mode's. */
function regOperand(r: number): [number, number, number] {
  const g = gprIndex(r);
  if (g >= 0) return [K_REG, g, gprSize(r)];
  if (r >= Register.ES && r <= Register.GS) return [K_SEG, r - Register.ES, 2];
  if (r >= Register.XMM0 && r <= Register.XMM15) return [K_XMM, r - Register.XMM0, 16];
  if (r >= Register.CR0 && r <= Register.CR15) return [K_CR, r - Register.CR0, 0];
  if (r >= Register.DR0 && r <= Register.DR15) return [K_DR, r - Register.DR0, 0];
  if (r >= Register.ST0 && r <= Register.ST7) return [K_ST, r - Register.ST0, 10];
  if (r >= Register.MM0 && r <= Register.MM7) return [K_MM, r - Register.MM0, 8];
  return [0, 0, 0];
}

/** regOperand for every iced Register, as three tables (no array per decoded operand). */
const REG_COUNT = 256; // iced Register values are bytes
const regKind = new Uint8Array(REG_COUNT);
const regNum = new Uint8Array(REG_COUNT);
const regSize = new Uint8Array(REG_COUNT);
for (let r = 0; r < REG_COUNT; r++) [regKind[r], regNum[r], regSize[r]] = regOperand(r);

/** A 64-bit bigint as a signed double. */
function signed64(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

/** The 64-bit address near `near` (within 2 GiB of it) whose low 32 bits are `low`: a rel8/rel32 branch
 * target or a RIP-relative address from iced's 32-bit getter, without a BigInt. */
function nearAddress(near: number, low: number): number {
  return near + ((low - (near >>> 0)) | 0);
}

const raw = new Instruction();

// Every iced property read is a call into wasm (through a generic wrapper while the code is cold), so
// buildInsn reads each one once, takes what is fixed per Code from CodeInfo, uses the per-operand
// getters (opNKind/opNRegister: one call; opKind(k) is three) and the 32-bit getters instead of BigInts.

/** What is fixed for an iced Code (read once). */
interface CodeInfo {
  mn: number;
  cc: number;
  spInc: number;
  n: number;
  /** Memory operand size in bytes; -1 for EVEX codes, whose size depends on broadcasting. */
  msize: number;
}
const codeInfo: (CodeInfo | undefined)[] = [];
const codeNames = Code as unknown as Record<number, string | undefined>;

function infoFor(i: Iced.Instruction, code: number): CodeInfo {
  let info = codeInfo[code];
  if (!info) {
    const n = i.opCount;
    const mn = i.mnemonic;
    // The stack increment of ret imm16/enter depends on the immediate; those handlers do not use it.
    const evex = codeNames[code]?.startsWith('EVEX_') ?? true;
    info = { mn, cc: i.conditionCode, spInc: i.stackPointerIncrement, n, msize: evex ? -1 : MemorySizeExt.size(i.memorySize) };
    codeInfo[code] = info;
  }
  return info;
}

function opKindAt(i: Iced.Instruction, k: number): number {
  return k === 0 ? i.op0Kind : k === 1 ? i.op1Kind : k === 2 ? i.op2Kind : i.op3Kind;
}

function opRegisterAt(i: Iced.Instruction, k: number): number {
  return k === 0 ? i.op0Register : k === 1 ? i.op1Register : k === 2 ? i.op2Register : i.op3Register;
}

/** Whether the instruction's leading prefix bytes (legacy prefixes and REX) include lock, repne or rep.
 * When they do not, iced cannot report any of those prefixes and is not asked. */
function mayHaveLockOrRep(bytes: Uint8Array, at: number, len: number): boolean {
  for (let k = 0; k < len; k++) {
    const b = bytes[at + k]!;
    if (b === 0xf0 || b === 0xf2 || b === 0xf3) return true;
    if (b === 0x26 || b === 0x2e || b === 0x36 || b === 0x3e || b === 0x64 || b === 0x65 || b === 0x66 || b === 0x67 || (b & 0xf0) === 0x40) continue;
    return false;
  }
  return false;
}

/** Build the emulator's record from iced's decoded instruction (`code`: i.code, already read). `bytes` at
 * `at` are the instruction's bytes when the caller has them (to skip the prefix queries). */
export function buildInsn(i: Iced.Instruction, la: number, bits: number, code: number = i.code, bytes?: Uint8Array, at = 0): Insn {
  const info = infoFor(i, code);
  const d = new Insn(handlerFor(info.mn, code));
  const len = i.length;
  d.ip = la;
  d.len = len;
  d.next = bits === 64 ? la + len : bits === 16 ? (la + len) & 0xffff : (la + len) >>> 0;
  d.code = code;
  d.mn = info.mn;
  d.n = info.n;
  if (bytes === undefined || mayHaveLockOrRep(bytes, at, len)) {
    d.rep = i.hasRepePrefix || i.hasRepPrefix ? 1 : i.hasRepnePrefix ? 2 : 0;
    d.lock = i.hasLockPrefix;
  }
  d.cc = info.cc;
  const spInc = info.spInc;
  d.osize = spInc !== 0 ? Math.abs(spInc) : bits === 64 ? 8 : 4;
  let opSize = 0;
  let haveImm = false;
  for (let k = 0; k < Math.min(4, d.n); k++) {
    const kind = opKindAt(i, k); // not fixed per Code: an r/m operand is a register or memory
    let ok = 0, or = 0, os = 0;
    switch (kind) {
      case OpKind.Register: {
        const r = opRegisterAt(i, k);
        ok = regKind[r]!;
        or = regNum[r]!;
        os = regSize[r] || (ok === 0 ? 0 : bits === 64 ? 8 : 4);
        break;
      }
      case OpKind.NearBranch16:
      case OpKind.NearBranch32:
      case OpKind.NearBranch64:
        // rel8/rel16/rel32 from the next instruction: within 2 GiB of it in 64-bit mode.
        d.target = bits === 64 ? nearAddress(d.next, i.nearBranch32) : kind === OpKind.NearBranch16 ? i.nearBranch16 & 0xffff : i.nearBranch32;
        ok = K_IMM;
        os = kind === OpKind.NearBranch16 ? 2 : kind === OpKind.NearBranch32 ? 4 : 8;
        break;
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
        // The value zero- or sign-extended to 64 bits, as two 32-bit halves.
        let lo: number, hi = 0;
        switch (kind) {
          case OpKind.Immediate8: lo = i.immediate8 & 0xff; os = 1; break;
          case OpKind.Immediate16: lo = i.immediate16 & 0xffff; os = 2; break;
          case OpKind.Immediate32: lo = i.immediate32 >>> 0; os = 4; break;
          case OpKind.Immediate64: {
            const v = BigInt.asUintN(64, i.immediate64);
            lo = Number(v & 0xffffffffn);
            hi = Number(v >> 32n);
            os = 8;
            break;
          }
          case OpKind.Immediate8to16: lo = i.immediate8to16 & 0xffff; os = 2; break;
          case OpKind.Immediate8to32: lo = i.immediate8to32 >>> 0; os = 4; break;
          case OpKind.Immediate8to64: {
            const v = i.immediate8to32; // the same sign-extended byte
            lo = v >>> 0;
            hi = v < 0 ? 0xffffffff : 0;
            os = 8;
            break;
          }
          default: {
            lo = i.immediate32 >>> 0; // sign-extended from bit 31
            hi = lo >= 0x80000000 ? 0xffffffff : 0;
            os = 8;
            break;
          }
        }
        if (!haveImm) {
          d.immLo = lo;
          d.immHi = hi;
          haveImm = true;
        }
        ok = K_IMM;
        break;
      }
      case OpKind.Memory: {
        ok = K_MEM;
        os = info.msize >= 0 ? info.msize : MemorySizeExt.size(i.memorySize);
        d.msize = os;
        const b = i.memoryBase;
        d.seg = i.memorySegment - Register.ES;
        if (b === Register.RIP || b === Register.EIP) {
          d.base = -1;
          d.asize = b === Register.RIP ? 8 : 4;
          const abs = i.memoryDisplacement; // iced gives RIP/EIP-relative operands as the absolute address
          d.disp = b === Register.RIP ? signed64(abs) : Number(BigInt.asUintN(32, abs));
        } else {
          const x = i.memoryIndex;
          if (x !== Register.None) d.scale = i.memoryIndexScale;
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
        os = info.msize >= 0 ? info.msize : MemorySizeExt.size(i.memorySize);
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
  /** Instructions decoded so far and the time spent decoding them (the time only with `timing`, for --stats). */
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

  /** The decoded instruction at linear `la` = physical `pa` when it lies wholly in its page (64-bit mode),
   * else null: near a page's end, whether the next instruction crosses into the next page is only known
   * by decoding it from this page's bytes. */
  insnWithin(la: number, pa: number): Insn | null {
    if ((pa & 4095) <= 4096 - 15) return this.insnAt(la, pa);
    const page = this.cache[pa >>> 12];
    const cached = page === undefined ? undefined : page[pa & 4095];
    if (cached !== undefined && cached.ip === la) return cached; // only instructions within their page are cached
    const d = this.decodeInPage(la, pa);
    if (d !== null) this.decodeCount++;
    return d;
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

  /** Measure decodeMs (for --stats): two clock reads per decode, about 1 µs each while cold. */
  timing = false;

  private decode(la: number, pa: number): Insn {
    if (!this.timing) {
      this.decodeCount++;
      return this.decodeUncounted(la, pa);
    }
    const t0 = performance.now();
    try {
      return this.decodeUncounted(la, pa);
    } finally {
      this.decodeCount++;
      this.decodeMs += performance.now() - t0;
    }
  }

  /** One iced Decoder per code page (its bytes plus 15 of what follows), dropped when the page is written.
   * `pos`/`ip` are where the decoder stands after its last instruction: decoding the next one in
   * sequence needs neither setter (each is a call into wasm, the ip one with a BigInt). */
  private readonly decoders = new Map<number, { dec: InstanceType<typeof Decoder>; bits: number; pos: number; ip: number }>();

  private pageDecoder(ppn: number): { dec: InstanceType<typeof Decoder>; bits: number; pos: number; ip: number } {
    const c = this.c;
    let e = this.decoders.get(ppn);
    if (e && e.bits !== c.bits) {
      e.dec.free();
      e = undefined;
    }
    if (!e) {
      const start = ppn * 4096;
      e = { dec: new Decoder(c.bits, c.ram.subarray(start, Math.min(c.ramSize, start + 4096 + 15)), DecoderOptions.None), bits: c.bits, pos: 0, ip: NaN };
      this.decoders.set(ppn, e);
      this.markCode(ppn); // writes to the page must drop the decoder's copy
    }
    return e;
  }

  /** Decode at linear `la` = physical `pa` with the page's decoder, which holds the page and the 15 bytes
   * that follow it physically (not necessarily those of the next linear page): the instruction is kept
   * only when it is valid and lies wholly within the page; otherwise null. */
  private decodeInPage(la: number, pa: number): Insn | null {
    const c = this.c;
    const o = pa & 4095;
    const e = this.pageDecoder(pa >>> 12);
    const dec = e.dec;
    const ip = c.bits === 64 ? la : la >>> 0;
    const pos = e.pos, next = e.ip;
    e.pos = -1; // unknown until this decode has succeeded
    e.ip = NaN;
    if (pos !== o) dec.position = o;
    if (next !== ip) dec.ip = c.bits === 64 ? BigInt.asUintN(64, BigInt(la)) : BigInt(ip);
    dec.decodeOut(raw);
    const code = raw.code;
    if (code === CODE_INVALID) return null;
    const d = buildInsn(raw, c.bits === 64 ? la : c.rip, c.bits, code, c.ram, pa);
    e.pos = o + d.len;
    e.ip = ip + d.len;
    return o + d.len <= 4096 ? this.remember(d, o, pa) : null;
  }

  private decodeUncounted(la: number, pa: number): Insn {
    const c = this.c;
    const o = la & 4095;
    if (o <= 4096 - 15 && pa + 15 <= c.ramSize) {
      // Fast path: the instruction cannot leave the page.
      const d = this.decodeInPage(la, pa);
      if (d !== null) return d;
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
    const code = raw.code;
    if (code === CODE_INVALID) {
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
    return this.remember(buildInsn(raw, c.bits === 64 ? la : c.rip, c.bits, code, buf, 0), o, pa);
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
