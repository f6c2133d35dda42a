// The output's .symtab and .strtab: each file's locals (after an STT_FILE symbol), then hidden globals
// turned local as GNU ld does, then the globals; encoded as they are chosen, without an object per symbol.
import { put64 } from '../elf/bytes.ts';
import { PieceTable } from './piece-table.ts';
import { SHF_MERGE, SHN_ABS, SHN_UNDEF, STB_GLOBAL, STB_LOCAL, STB_WEAK, STT_FILE, STT_SECTION, STV_HIDDEN, STV_INTERNAL } from '../elf/constants.ts';
import { stInfo, stType } from '../elf/types.ts';
import { basename } from 'node:path';
import type { Context } from './context.ts';
import type { Layout } from './layout.ts';
import { SymKind, type Sym } from './symbol.ts';
import { retainedSymbols } from './symbol-options.ts';

/**
 * The output string table: each name stored once. Names are interned as bytes (locals straight from
 * their input's string table, globals encoded once), so no string is made for a local symbol's name.
 */
class LinkerStrtab {
  private readonly table: PieceTable;
  private scratch = Buffer.allocUnsafe(4096);

  constructor(bytes: number, names: number) {
    this.table = new PieceTable(bytes + 1, names + 1);
    this.table.intern(new Uint8Array(1), 0, 1, 0); // offset 0: the empty name
  }

  /** The NUL-terminated name at d[at...] (the caller has checked it is terminated). */
  addBytes(d: Uint8Array, at: number): number {
    let end = at;
    while (d[end] !== 0) end++;
    return this.table.kept[4 * this.table.intern(d, at, end + 1 - at, 0)]!;
  }

  add(name: string): number {
    if (name === '') return 0;
    if (this.scratch.length < 3 * name.length + 1) this.scratch = Buffer.allocUnsafe(3 * name.length + 1);
    const n = this.scratch.write(name, 0, 'utf8');
    this.scratch[n] = 0;
    return this.table.kept[4 * this.table.intern(this.scratch, 0, n + 1, 0)]!;
  }

  finish(): Uint8Array {
    return this.table.buf.subarray(0, this.table.end);
  }
}

/** Elf64_Sym entries appended one at a time into a growing buffer. */
class SymbolEncoder {
  private bytes = new Uint8Array(24 * 4096);
  private view = new DataView(this.bytes.buffer);
  count = 0;
  readonly strtab: LinkerStrtab;

  constructor(strtab: LinkerStrtab) {
    this.strtab = strtab;
  }

  add(name: string, info: number, other: number, shndx: number, value: number, size: number): void {
    this.addNamed(name === '' ? 0 : this.strtab.add(name), info, other, shndx, value, size);
  }

  /** An entry whose name is already in the string table at `nameOffset`. */
  addNamed(nameOffset: number, info: number, other: number, shndx: number, value: number, size: number): void {
    const at = this.count * 24;
    if (at + 24 > this.bytes.length) {
      const bigger = new Uint8Array(this.bytes.length * 2);
      bigger.set(this.bytes);
      this.bytes = bigger;
      this.view = new DataView(bigger.buffer);
    }
    const v = this.view;
    v.setUint32(at, nameOffset, true);
    v.setUint8(at + 4, info);
    v.setUint8(at + 5, other);
    v.setUint16(at + 6, shndx, true);
    put64(v, at + 8, value);
    put64(v, at + 16, size);
    this.count++;
  }

  finish(): Uint8Array {
    return this.bytes.subarray(0, this.count * 24);
  }
}

export interface OutputSymtab {
  symtab: Uint8Array;
  strtab: Uint8Array;
  /** sh_info: one past the last local symbol. */
  firstGlobal: number;
}

/** Build .symtab and .strtab for the laid-out output. */
export function buildSymtab(ctx: Context, l: Layout): OutputSymtab {
  // The string table's size is at most the inputs' string tables plus the globals' names.
  let bytes = 0;
  let names = ctx.symtab.map.size;
  for (const f of ctx.files) {
    bytes += f.raw?.names.length ?? 0;
    names += f.firstGlobal;
  }
  for (const s of ctx.symtab.map.values()) bytes += 3 * s.name.length + 1;
  const enc = new SymbolEncoder(new LinkerStrtab(bytes, names));
  enc.add('', 0, 0, 0, 0, 0);
  const keep = retainedSymbols(ctx);
  if (ctx.options.discard !== 'all') addFileLocals(ctx, enc, keep); // -x: no local symbols at all
  const hidden: Sym[] = [];
  const globals: Sym[] = [];
  for (const s of ctx.symtab.map.values()) {
    if (!isOutputGlobal(s) || (keep && !keep.has(s.name))) continue;
    if (s.visibility === STV_HIDDEN || s.visibility === STV_INTERNAL) hidden.push(s);
    else globals.push(s);
  }
  if (hidden.length) {
    if (!keep) enc.add('', stInfo(STB_LOCAL, STT_FILE), 0, SHN_ABS, 0, 0);
    for (const s of hidden) addGlobal(ctx, l, enc, s, true);
  }
  const firstGlobal = enc.count;
  for (const s of globals) addGlobal(ctx, l, enc, s, false);
  return { symtab: enc.finish(), strtab: enc.strtab.finish(), firstGlobal };
}

/** Each file's named local symbols, read from its symbol table (most were never made into Sym objects). */
function addFileLocals(ctx: Context, enc: SymbolEncoder, keep: Set<string> | null): void {
  const discard = ctx.options.discard;
  const picked: number[] = [];
  for (const f of ctx.files) {
    const raw = f.raw;
    if (!raw) continue;
    let fileName: string | null = null;
    const d = raw.names;
    picked.length = 0;
    for (let i = 1; i < f.firstGlobal; i++) {
      const type = stType(raw.info(i));
      if (type === STT_FILE) {
        fileName = raw.name(i);
        continue;
      }
      if (type === STT_SECTION) continue;
      const shndx = raw.shndx(i);
      if (shndx === SHN_UNDEF) continue;
      let merge = false;
      if (shndx !== SHN_ABS && raw.rawShndx(i) !== SHN_ABS) {
        const sec = f.sections[shndx];
        if (sec && (!sec.live || !sec.output || sec.output.symbolShndx === 0)) continue;
        merge = sec !== undefined && (sec.flags & SHF_MERGE) !== 0;
      }
      const at = raw.nameStart(i);
      if (at === 0 || d[at] === 0) continue; // unnamed
      // A .L local label: -X drops them all, --discard-none none, GNU's default those in SHF_MERGE sections.
      if (d[at] === 0x2e && d[at + 1] === 0x4c && discard !== 'none' && (discard === 'locals' || merge)) continue;
      if (keep && !keep.has(raw.name(i))) continue;
      picked.push(i);
    }
    if (picked.length === 0) continue;
    const file = fileName ?? basename(f.member?.name ?? f.displayName);
    if (!keep || keep.has(file)) enc.add(file, stInfo(STB_LOCAL, STT_FILE), 0, SHN_ABS, 0, 0);
    for (const i of picked) {
      const shndx = raw.shndx(i);
      const sec = shndx === SHN_ABS || raw.rawShndx(i) === SHN_ABS ? undefined : f.sections[shndx];
      const value = sec ? ctx.sectionAddress(sec, raw.value(i)) : raw.value(i);
      enc.addNamed(enc.strtab.addBytes(d, raw.nameOffset(i)), stInfo(STB_LOCAL, stType(raw.info(i))), raw.other(i) & 3, sec ? sec.output!.symbolShndx : SHN_ABS, value, raw.size(i));
    }
  }
}

function isOutputGlobal(s: Sym): boolean {
  if (s.kind === SymKind.Undefined || s.kind === SymKind.Lazy) return s.referenced;
  if (s.kind !== SymKind.Defined) return false;
  return !s.section || (s.section.live && s.section.output !== null);
}

function addGlobal(ctx: Context, l: Layout, enc: SymbolEncoder, s: Sym, asLocal: boolean): void {
  const bind = asLocal ? STB_LOCAL : s.bind === STB_WEAK ? STB_WEAK : STB_GLOBAL;
  if (s.kind !== SymKind.Defined) {
    enc.add(s.name, stInfo(asLocal ? STB_LOCAL : STB_WEAK, s.type), s.visibility, 0, 0, 0);
    return;
  }
  const value = ctx.valueOf(s);
  let shndx: number;
  if (s.section) shndx = s.section.output!.symbolShndx;
  else if (s.synthetic && !s.aliasOf && s.value !== 0) shndx = sectionIndexFor(l, value, !ctx.symtab.defsyms.has(s.name));
  else shndx = SHN_ABS;
  enc.add(s.name, stInfo(bind, s.type), s.visibility, shndx, value, s.size);
}

/** The output section a linker-defined symbol's value falls in; `after`: also just past one (script assignments). */
function sectionIndexFor(l: Layout, addr: number, after: boolean): number {
  for (const s of l.sections) {
    if (!s.isAlloc) continue;
    if (addr >= s.addr && addr < s.addr + Math.max(1, s.size)) return s.shndx;
  }
  for (const s of l.sections) if (s.isAlloc && s.addr + s.size === addr) return s.shndx;
  // Past the end of a section (_edata, _end with no data): the section before it, as GNU ld's script assignments.
  if (!after) return SHN_ABS;
  let before: (typeof l.sections)[number] | undefined;
  for (const s of l.sections) if (s.isAlloc && s.addr <= addr && (!before || s.addr > before.addr)) before = s;
  return before ? before.shndx : SHN_ABS;
}
