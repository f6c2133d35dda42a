// Finds `syscall` instruction sites in an ELF file by decoding its executable sections (never by
// searching for the bytes 0f 05, which also occur inside other instructions), and infers each site's
// syscall number from the code before it in the same basic block.
import { Code, Decoder, DecoderOptions, Instruction, InstructionInfoFactory, OpAccess, OpKind, Register } from '../asm/iced.ts';
import { decodeSection, type DecodedInstruction } from '../asm/decode.ts';
import { SHF_EXECINSTR, SHT_NOBITS, STT_FILE, STT_OBJECT, STT_SECTION, R_X86_64 } from '../elf/constants.ts';
import type { ElfFile } from '../elf/reader.ts';
import { stType, type Section } from '../elf/types.ts';
import { syscallName } from './syscall-table.ts';

export interface SyscallSite {
  /** The file (for archive members, the archive). */
  file: string;
  /** The archive member, or null. */
  member: string | null;
  section: string;
  /** Offset of the `syscall` instruction in its section. */
  offset: number;
  /** Its address (section address + offset; equal to the offset in relocatable objects). */
  address: bigint;
  /** The enclosing (or nearest preceding) symbol in the section, or null. */
  symbol: string | null;
  /** Offset of the site from that symbol. */
  symbolOffset: number;
  /** The syscall number when the same basic block sets %eax/%rax to a constant, else null. */
  nr: number | null;
  /** Linux x86-64 name of nr, or null. */
  name: string | null;
  /** How nr was found, or why not. */
  nrSource: string;
  /** For clone sites: the flags (%rdi) and child stack (%rsi) when constant. */
  args?: { rdi: number | null; rsi: number | null };
}

/** How many instructions back we look for the %rax definition. */
const MAX_SCAN = 16;

export function executableSections(elf: ElfFile): Section[] {
  return elf.sections.filter((s) => (s.flags & SHF_EXECINSTR) !== 0 && s.type !== SHT_NOBITS && s.size > 0);
}

interface SymbolAt {
  name: string;
  value: number;
  size: number;
  func: boolean;
}

function sectionSymbols(elf: ElfFile, sec: Section): SymbolAt[] {
  const out: SymbolAt[] = [];
  for (const s of elf.symbols()) {
    if (s.shndx !== sec.index || s.index === 0) continue;
    const t = stType(s.info);
    if (t === STT_SECTION || t === STT_FILE) continue;
    out.push({ name: s.name, value: Number(s.value - sec.addr), size: Number(s.size), func: t === 2 || t === 10 });
  }
  return out.sort((a, b) => a.value - b.value || Number(b.func) - Number(a.func));
}

/** The symbol a site belongs to: a sized symbol containing it, else the nearest one before it. */
function enclosing(syms: SymbolAt[], off: number): SymbolAt | undefined {
  let best: SymbolAt | undefined;
  for (const s of syms) {
    if (s.value > off) break;
    if (off < s.value + s.size) {
      if (!best || !(best.value <= off && off < best.value + best.size) || s.value > best.value) best = s;
    } else if (!best || !(best.value <= off && off < best.value + best.size)) best = s;
  }
  return best;
}

/**
 * Offsets in the section where control may arrive other than by falling through: direct branch
 * targets, symbols, and absolute relocations elsewhere that point into the section (jump tables).
 */
function blockStarts(elf: ElfFile, sec: Section, insns: DecodedInstruction[], syms: SymbolAt[]): Set<number> {
  const starts = new Set<number>();
  for (const i of insns) if (i.branchTarget !== undefined) starts.add(i.branchTarget);
  for (const s of syms) starts.add(s.value);
  const symtab = elf.symtab;
  if (symtab && elf.header.type === 1) {
    const symbols = elf.symbols();
    for (const rs of elf.sections) {
      if (rs.type !== 4 || rs.link !== symtab.index) continue;
      for (const r of elf.relocations(rs.index)) {
        if (r.type !== R_X86_64['64'] && r.type !== R_X86_64['32'] && r.type !== R_X86_64['32S']) continue;
        const sym = symbols[r.sym];
        if (sym && sym.shndx === sec.index) starts.add(Number(sym.value + r.addend));
      }
    }
  }
  return starts;
}

let infoFactory: InstructionInfoFactory | undefined;

type RegEffect = { kind: 'none' } | { kind: 'const'; value: number; how: string } | { kind: 'unknown'; how: string };

/** A general register by its widths: 64-bit, 32-bit, and the narrower names that also write it. */
interface RegFamily {
  name: string;
  r64: Register;
  r32: Register;
  narrow: Register[];
}

const RAX: RegFamily = { name: '%rax', r64: Register.RAX, r32: Register.EAX, narrow: [Register.AX, Register.AL, Register.AH] };
const RSI: RegFamily = { name: '%rsi', r64: Register.RSI, r32: Register.ESI, narrow: [Register.SI, Register.SIL] };
const RDI: RegFamily = { name: '%rdi', r64: Register.RDI, r32: Register.EDI, narrow: [Register.DI, Register.DIL] };

/** What an instruction does to a register: nothing, sets it to a constant, or something else. */
function regEffect(bytes: Uint8Array, f: RegFamily): RegEffect {
  const dec = new Decoder(64, bytes, DecoderOptions.None);
  const insn = new Instruction();
  try {
    dec.decodeOut(insn);
    const c = insn.code;
    const r0 = insn.op0Register;
    if (c === Code.Mov_r32_imm32 && r0 === f.r32) return { kind: 'const', value: insn.immediate32 >>> 0, how: `mov $imm,${f.name.replace('%r', '%e')}` };
    if (c === Code.Mov_rm64_imm32 && insn.op0Kind === OpKind.Register && r0 === f.r64) return { kind: 'const', value: Number(insn.immediate64), how: `mov $imm,${f.name}` };
    if (c === Code.Mov_r64_imm64 && r0 === f.r64) return { kind: 'const', value: Number(BigInt.asIntN(64, insn.immediate64)), how: `movabs $imm,${f.name}` };
    if ((c === Code.Xor_r32_rm32 || c === Code.Xor_rm32_r32 || c === Code.Xor_r64_rm64 || c === Code.Xor_rm64_r64 || c === Code.Sub_r32_rm32 || c === Code.Sub_rm32_r32)
      && insn.op1Kind === OpKind.Register && r0 === insn.op1Register && (r0 === f.r32 || r0 === f.r64)) {
      return { kind: 'const', value: 0, how: `xor ${f.name},${f.name}` };
    }
    infoFactory ??= new InstructionInfoFactory();
    const info = infoFactory.info(insn);
    const used = info.usedRegisters();
    let writes = false;
    for (const u of used) {
      const r = u.register;
      const a = u.access;
      if ((r === f.r64 || r === f.r32 || f.narrow.includes(r))
        && (a === OpAccess.Write || a === OpAccess.CondWrite || a === OpAccess.ReadWrite || a === OpAccess.ReadCondWrite)) writes = true;
      u.free();
    }
    info.free();
    return writes ? { kind: 'unknown', how: `${f.name} set by a non-constant instruction` } : { kind: 'none' };
  } finally {
    insn.free();
    dec.free();
  }
}

/** Walk back from the site within its basic block to the instruction that last wrote a register. */
function inferConstant(sec: Section, insns: DecodedInstruction[], at: number, starts: Set<number>, f: RegFamily): { value: number | null; how: string } {
  if (starts.has(insns[at]!.offset)) return { value: null, how: 'the syscall starts a basic block' };
  for (let k = at - 1, n = 0; k >= 0 && n < MAX_SCAN; k--, n++) {
    const i = insns[k]!;
    if (i.invalid) return { value: null, how: 'undecodable bytes before the site' };
    if (i.flow !== 'next') return { value: null, how: `control flow (${i.mnemonic}) before ${f.name} is set` };
    const eff = regEffect(sec.data.subarray(i.offset, i.offset + i.length), f);
    if (eff.kind === 'const') return { value: eff.value, how: eff.how };
    if (eff.kind === 'unknown') return { value: null, how: `${f.name} comes from ${i.mnemonic}, not a constant` };
    if (starts.has(i.offset)) return { value: null, how: `block starts before ${f.name} is set` };
  }
  return { value: null, how: k0(at) };
}

function k0(at: number): string {
  return at < MAX_SCAN ? 'section starts before %rax is set' : `no %rax definition within ${MAX_SCAN} instructions`;
}

export interface SectionSites {
  section: Section;
  instructions: DecodedInstruction[];
  sites: SyscallSite[];
}

/** Ranges of data objects (STT_OBJECT symbols) in a code section: not instructions, as objdump shows them. */
function objectRanges(elf: ElfFile, sec: Section): [number, number][] {
  const out: [number, number][] = [];
  if (!elf.symtab) return out;
  for (const s of elf.symbols()) {
    if (s.shndx !== sec.index || stType(s.info) !== STT_OBJECT || s.size === 0n) continue;
    const v = Number(s.value - sec.addr);
    out.push([v, Math.min(sec.size, v + Number(s.size))]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/** Decode a code section around its data objects (each code run decoded on its own). */
function decodeCode(elf: ElfFile, sec: Section): DecodedInstruction[] {
  const objects = objectRanges(elf, sec);
  if (objects.length === 0) return decodeSection(sec.data, 0, { fields: false });
  const out: DecodedInstruction[] = [];
  let pos = 0;
  const run = (from: number, to: number) => {
    if (to <= from) return;
    for (const i of decodeSection(sec.data.subarray(from, to), from, { fields: false })) {
      out.push({ ...i, offset: i.offset + from, branchTarget: i.branchTarget, ripTarget: i.ripTarget });
    }
  };
  for (const [a, b] of objects) {
    run(pos, a);
    pos = Math.max(pos, b);
  }
  run(pos, sec.size);
  return out;
}

/** Whether the bytes 0f 05 occur at all: without them there is no syscall instruction to decode for. */
function mayHoldSyscall(d: Uint8Array): boolean {
  for (let i = d.indexOf(0x0f); i >= 0 && i + 1 < d.length; i = d.indexOf(0x0f, i + 1)) if (d[i + 1] === 0x05) return true;
  return false;
}

export function findSyscallSitesInSection(elf: ElfFile, sec: Section): SectionSites {
  // Sites are found by decoding; the byte search only skips sections that cannot contain one.
  if (!mayHoldSyscall(sec.data)) return { section: sec, instructions: [], sites: [] };
  const insns = decodeCode(elf, sec);
  const sites: SyscallSite[] = [];
  let syms: SymbolAt[] | undefined;
  let starts: Set<number> | undefined;
  for (let k = 0; k < insns.length; k++) {
    const i = insns[k]!;
    if (!i.isSyscall) continue;
    syms ??= sectionSymbols(elf, sec);
    starts ??= blockStarts(elf, sec, insns, syms);
    const { value: nr, how } = inferConstant(sec, insns, k, starts, RAX);
    // For clone, the flags and the child stack decide whether a call can stand in for the syscall.
    const args = nr === 56 ? { rdi: inferConstant(sec, insns, k, starts, RDI).value, rsi: inferConstant(sec, insns, k, starts, RSI).value } : undefined;
    const s = enclosing(syms, i.offset);
    sites.push({
      file: elf.origin.file,
      member: elf.origin.member ?? null,
      section: sec.name,
      offset: i.offset,
      address: sec.addr + BigInt(i.offset),
      symbol: s?.name ?? null,
      symbolOffset: s ? i.offset - s.value : i.offset,
      nr,
      name: nr === null ? null : syscallName(nr) ?? null,
      nrSource: how,
      args,
    });
  }
  return { section: sec, instructions: insns, sites };
}

export function findSyscallSites(elf: ElfFile): SyscallSite[] {
  const out: SyscallSite[] = [];
  for (const sec of executableSections(elf)) out.push(...findSyscallSitesInSection(elf, sec).sites);
  return out;
}
