// The output's .symtab and .strtab: each file's locals (after an STT_FILE symbol), then hidden globals
// turned local as GNU ld does, then the globals; encoded as they are chosen, without an object per symbol.
import { put64 } from '../elf/bytes.ts';
import { SHN_ABS, SHN_UNDEF, STB_GLOBAL, STB_LOCAL, STB_WEAK, STT_FILE, STT_SECTION, STV_HIDDEN, STV_INTERNAL } from '../elf/constants.ts';
import { stInfo, stType } from '../elf/types.ts';
import { basename } from 'node:path';
import type { Context } from './context.ts';
import type { Layout } from './layout.ts';
import { SymKind, type Sym } from './symbol.ts';

/** A string table for many names: deduplicated, no suffix merging, built in one pass. */
class LinkerStrtab {
  private readonly offsets = new Map<string, number>();
  private readonly parts: string[] = [''];
  private size = 1;

  add(name: string): number {
    if (name === '') return 0;
    const have = this.offsets.get(name);
    if (have !== undefined) return have;
    const at = this.size;
    this.offsets.set(name, at);
    this.parts.push(name);
    this.size += Buffer.byteLength(name, 'utf8') + 1;
    return at;
  }

  finish(): Uint8Array {
    this.parts.push('');
    const b = Buffer.from(this.parts.join('\0'), 'utf8');
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }
}

/** Elf64_Sym entries appended one at a time into a growing buffer. */
class SymbolEncoder {
  private bytes = new Uint8Array(24 * 4096);
  private view = new DataView(this.bytes.buffer);
  count = 0;
  readonly strtab = new LinkerStrtab();

  add(name: string, info: number, other: number, shndx: number, value: number, size: number): void {
    const at = this.count * 24;
    if (at + 24 > this.bytes.length) {
      const bigger = new Uint8Array(this.bytes.length * 2);
      bigger.set(this.bytes);
      this.bytes = bigger;
      this.view = new DataView(bigger.buffer);
    }
    const v = this.view;
    v.setUint32(at, this.strtab.add(name), true);
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
  const enc = new SymbolEncoder();
  enc.add('', 0, 0, 0, 0, 0);
  if (ctx.options.discard !== 'all') addFileLocals(ctx, enc); // -x: no local symbols at all
  const hidden: Sym[] = [];
  const globals: Sym[] = [];
  for (const s of ctx.symtab.map.values()) {
    if (!isOutputGlobal(s)) continue;
    if (s.visibility === STV_HIDDEN || s.visibility === STV_INTERNAL) hidden.push(s);
    else globals.push(s);
  }
  if (hidden.length) {
    enc.add('', stInfo(STB_LOCAL, STT_FILE), 0, SHN_ABS, 0, 0);
    for (const s of hidden) addGlobal(ctx, l, enc, s, true);
  }
  const firstGlobal = enc.count;
  for (const s of globals) addGlobal(ctx, l, enc, s, false);
  return { symtab: enc.finish(), strtab: enc.strtab.finish(), firstGlobal };
}

/** Each file's named local symbols, read from its symbol table (most were never made into Sym objects). */
function addFileLocals(ctx: Context, enc: SymbolEncoder): void {
  const picked: number[] = [];
  for (const f of ctx.files) {
    const raw = f.raw;
    if (!raw) continue;
    let fileName: string | null = null;
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
      if (shndx !== SHN_ABS && raw.rawShndx(i) !== SHN_ABS) {
        const sec = f.sections[shndx];
        if (sec && (!sec.live || !sec.output || sec.output.shndx === 0)) continue;
      }
      if (raw.nameOffset(i) === 0) continue;
      picked.push(i);
    }
    let wroteFile = false;
    for (const i of picked) {
      const name = raw.name(i);
      if (name.startsWith('.L')) continue;
      if (!wroteFile) {
        enc.add(fileName ?? basename(f.member?.name ?? f.displayName), stInfo(STB_LOCAL, STT_FILE), 0, SHN_ABS, 0, 0);
        wroteFile = true;
      }
      const shndx = raw.shndx(i);
      const sec = shndx === SHN_ABS || raw.rawShndx(i) === SHN_ABS ? undefined : f.sections[shndx];
      const value = sec ? ctx.sectionAddress(sec, raw.value(i)) : raw.value(i);
      enc.add(name, stInfo(STB_LOCAL, stType(raw.info(i))), raw.other(i) & 3, sec ? sec.output!.shndx : SHN_ABS, value, raw.size(i));
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
  if (s.section) shndx = s.section.output!.shndx;
  else if (s.synthetic && !s.aliasOf && s.value !== 0) shndx = sectionIndexFor(l, value);
  else shndx = SHN_ABS;
  enc.add(s.name, stInfo(bind, s.type), s.visibility, shndx, value, s.size);
}

function sectionIndexFor(l: Layout, addr: number): number {
  for (const s of l.sections) {
    if (!s.isAlloc) continue;
    if (addr >= s.addr && addr < s.addr + Math.max(1, s.size)) return s.shndx;
  }
  for (const s of l.sections) if (s.isAlloc && s.addr + s.size === addr) return s.shndx;
  return SHN_ABS;
}
