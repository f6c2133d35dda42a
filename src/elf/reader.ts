// Reads ELF64 little-endian x86-64 files on a DataView. Every field that points somewhere is checked
// before it is followed, and every failure is a FormatError naming the file, the cause and the offset.
import {
  EHDR_SIZE, ELFCLASS64, ELFDATA2LSB, ELFMAG, EM_X86_64, PHDR_SIZE, SHDR_SIZE,
  SHN_UNDEF, SHN_XINDEX, SHT_GROUP, SHT_NOBITS, SHT_NOTE, SHT_NULL, SHT_RELA, SHT_REL, SHT_SYMTAB, SHT_DYNSYM,
  SHT_SYMTAB_SHNDX, SHT_STRTAB, PT_NOTE, STT_SECTION,
} from './constants.ts';
import { getU64 } from './bytes.ts';
import { surelyTerminated } from './strtab.ts';
import { FormatError, type Origin } from './errors.ts';
import { SymbolTableView } from './symbol-table-view.ts';
import { RelaView } from './rela-view.ts';
import { SectionHeaderView } from './section-header-view.ts';
import type { FileHeader, Group, Note, ProgramHeader, Rela, Section, Symbol } from './types.ts';

/** What reading a string needs of its string table section. */
export type StringTable = Pick<Section, 'index' | 'type' | 'offset' | 'data'>;

const decoder = new TextDecoder('utf-8');
/** The contents of sections without any (shared: zero length, so nothing can change it). */
const EMPTY = new Uint8Array(0);

export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

export class ElfFile {
  readonly origin: Origin;
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly header: FileHeader;
  /** The section headers, read in place. */
  readonly shdrs: SectionHeaderView;
  readonly programHeaders: ProgramHeader[];
  /** Section objects, made when first asked for (most of a linker's inputs never need one). */
  private readonly sectionCache: (Section | undefined)[];
  private allSections: Section[] | undefined;
  /** The section header string table's bytes and where they are (names are read when asked for). */
  private shstr: StringTable | undefined;
  // Caches, made on first use (a linker opens thousands of files and asks most for one table each).
  private symbolTables: Map<number, SymbolTableView> | undefined;
  private symtabCache: Map<number, Symbol[]> | undefined;
  private relaCache: Map<number, Rela[]> | undefined;

  constructor(bytes: Uint8Array, origin: Origin) {
    this.origin = origin;
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.header = this.readHeader();
    this.shdrs = new SectionHeaderView(this.view, this.header.shoff, this.header.shnum);
    this.checkSections();
    this.sectionCache = new Array<Section | undefined>(this.header.shnum);
    this.programHeaders = this.readProgramHeaders();
  }

  /** Raise the toolchain's format error for this file. */
  fail(cause: string, offset?: number): never {
    throw new FormatError(this.origin.file, cause, offset, this.origin.member);
  }

  private u64(off: number, what: string, index?: number): number {
    // Two 32-bit halves: no BigInt per field (a big link reads millions of these).
    const hi = this.view.getUint32(off + 4, true);
    if (hi >= 0x200000) this.fail(`${index === undefined ? what : `${what} ${index}`} 0x${this.view.getBigUint64(off, true).toString(16)} is absurd`, off);
    return getU64(this.view, off);
  }

  private readHeader(): FileHeader {
    const b = this.bytes;
    if (b.length < 4 || this.view.getUint32(0, false) !== ELFMAG) this.fail('not an ELF file (bad magic)', 0);
    if (b.length < EHDR_SIZE) this.fail(`truncated ELF header (${b.length} of ${EHDR_SIZE} bytes)`, 0);
    if (b[4] !== ELFCLASS64) this.fail(`unsupported ELF class ${b[4]} (only ELFCLASS64)`, 4);
    if (b[5] !== ELFDATA2LSB) this.fail(`unsupported data encoding ${b[5]} (only little-endian)`, 5);
    const v = this.view;
    const machine = v.getUint16(18, true);
    if (machine !== EM_X86_64) this.fail(`unsupported machine ${machine} (only x86-64, EM_X86_64 = 62)`, 18);
    const h: FileHeader = {
      osabi: b[7]!,
      abiversion: b[8]!,
      type: v.getUint16(16, true),
      machine,
      version: v.getUint32(20, true),
      entry: v.getBigUint64(24, true),
      phoff: this.u64(32, 'e_phoff'),
      shoff: this.u64(40, 'e_shoff'),
      flags: v.getUint32(48, true),
      ehsize: v.getUint16(52, true),
      phentsize: v.getUint16(54, true),
      phnum: v.getUint16(56, true),
      shentsize: v.getUint16(58, true),
      shnum: v.getUint16(60, true),
      shstrndx: v.getUint16(62, true),
    };
    const size = b.length;
    if (h.shoff !== 0) {
      if (h.shentsize !== SHDR_SIZE) this.fail(`e_shentsize is ${h.shentsize}, expected ${SHDR_SIZE}`, 58);
      if (h.shoff < EHDR_SIZE) this.fail(`section header table at 0x${h.shoff.toString(16)} overlaps the ELF header`, 40);
      if (h.shoff + SHDR_SIZE > size) this.fail(`section header table at 0x${h.shoff.toString(16)} is past the end of the file (0x${size.toString(16)} bytes)`, 40);
      // Extended numbering: real counts live in section header 0.
      if (h.shnum === 0) h.shnum = this.u64(h.shoff + 32, 'section count in sh_size of section 0');
      if (h.shstrndx === SHN_XINDEX) h.shstrndx = v.getUint32(h.shoff + 40, true);
      if (h.phnum === 0xffff) h.phnum = v.getUint32(h.shoff + 44, true);
      if (h.shoff + h.shnum * SHDR_SIZE > size) {
        this.fail(`section header table (${h.shnum} entries at 0x${h.shoff.toString(16)}) is past the end of the file (0x${size.toString(16)} bytes)`, 40);
      }
      if (h.shnum > 0 && h.shstrndx >= h.shnum) this.fail(`e_shstrndx ${h.shstrndx} is out of range (${h.shnum} sections)`, 62);
    } else {
      h.shnum = 0;
      h.shstrndx = 0;
    }
    if (h.phnum > 0) {
      if (h.phentsize !== PHDR_SIZE) this.fail(`e_phentsize is ${h.phentsize}, expected ${PHDR_SIZE}`, 54);
      if (h.phoff < EHDR_SIZE) this.fail(`program header table at 0x${h.phoff.toString(16)} overlaps the ELF header`, 32);
      if (h.phoff + h.phnum * PHDR_SIZE > size) {
        this.fail(`program header table (${h.phnum} entries at 0x${h.phoff.toString(16)}) is past the end of the file (0x${size.toString(16)} bytes)`, 32);
      }
      if (h.shnum > 0 && rangesOverlap(h.phoff, h.phnum * PHDR_SIZE, h.shoff, h.shnum * SHDR_SIZE)) {
        this.fail('program header table overlaps the section header table', 32);
      }
    }
    return h;
  }

  /** Check every section header (and the names' string table) once, without making objects. */
  private checkSections(): void {
    const h = this.header;
    const sh = this.shdrs;
    const size = this.bytes.length;
    for (let i = 0; i < h.shnum; i++) {
      const o = h.shoff + i * SHDR_SIZE;
      const type = sh.type(i);
      const offset = this.u64(o + 24, 'sh_offset of section', i);
      const ssize = this.u64(o + 32, 'sh_size of section', i);
      const addralign = this.u64(o + 48, 'sh_addralign of section', i);
      this.u64(o + 56, 'sh_entsize of section', i);
      if (i === 0) continue;
      if (addralign > 1 && (addralign & (addralign - 1)) !== 0 && addralign < 2 ** 32) {
        this.fail(`section ${i} has sh_addralign ${addralign}, not a power of two`, o + 48);
      }
      if (type !== SHT_NOBITS && type !== SHT_NULL && ssize > 0) {
        if (offset + ssize > size) {
          this.fail(`section ${i}: contents (0x${ssize.toString(16)} bytes at 0x${offset.toString(16)}) are past the end of the file (0x${size.toString(16)} bytes)`, o + 24);
        }
        if (offset < EHDR_SIZE) this.fail(`section ${i}: contents at 0x${offset.toString(16)} overlap the ELF header`, o + 24);
        if (rangesOverlap(offset, ssize, h.shoff, h.shnum * SHDR_SIZE)) {
          this.fail(`section ${i}: contents overlap the section header table`, o + 24);
        }
      }
      const link = sh.link(i);
      if (link >= h.shnum && needsLink(type)) this.fail(`section ${i}: sh_link ${link} is out of range (${h.shnum} sections)`, o + 40);
    }
    if (h.shnum > 0 && h.shstrndx !== SHN_UNDEF) {
      const x = h.shstrndx;
      if (sh.type(x) !== SHT_STRTAB) this.fail(`section header string table (section ${x}) is not SHT_STRTAB`, h.shoff + x * SHDR_SIZE + 4);
      this.shstr = { index: x, type: SHT_STRTAB, offset: sh.offset(x), data: this.sectionData(x) };
      // Every name must be readable.
      const d = this.shstr.data;
      for (let i = 0; i < h.shnum; i++) {
        const off = sh.nameOffset(i);
        if (i === 0 && off === 0) continue;
        if (!surelyTerminated(d, off)) this.sectionName(i);
      }
    }
  }

  /** The bytes of section `index` (a view; empty for SHT_NOBITS and SHT_NULL), without making its Section. */
  sectionData(index: number): Uint8Array {
    const sh = this.shdrs;
    const type = sh.type(index);
    const size = sh.size(index);
    if (index === 0 || type === SHT_NOBITS || type === SHT_NULL || size === 0) return EMPTY;
    const offset = sh.offset(index);
    return this.bytes.subarray(offset, offset + size);
  }

  /** The name of section `index` (from the section header string table). */
  sectionName(index: number): string {
    const off = this.shdrs.nameOffset(index);
    if (!this.shstr || (index === 0 && off === 0)) return '';
    return this.cstring(this.shstr, off, 'name of section', index);
  }

  /** Every section, as objects (made on first use). */
  get sections(): Section[] {
    if (!this.allSections) {
      const out: Section[] = new Array(this.header.shnum);
      for (let i = 0; i < this.header.shnum; i++) out[i] = this.section(i);
      this.allSections = out;
    }
    return this.allSections;
  }

  private makeSection(i: number): Section {
    const sh = this.shdrs;
    return {
      index: i,
      nameOffset: sh.nameOffset(i),
      name: this.sectionName(i),
      type: sh.type(i),
      flags: sh.flags(i),
      addr: sh.addr(i),
      offset: sh.offset(i),
      size: sh.size(i),
      link: sh.link(i),
      info: sh.info(i),
      addralign: sh.addralign(i),
      entsize: sh.entsize(i),
      data: this.sectionData(i),
    };
  }

  private readProgramHeaders(): ProgramHeader[] {
    const h = this.header;
    const v = this.view;
    const out: ProgramHeader[] = [];
    for (let i = 0; i < h.phnum; i++) {
      const o = h.phoff + i * PHDR_SIZE;
      const p: ProgramHeader = {
        type: v.getUint32(o, true),
        flags: v.getUint32(o + 4, true),
        offset: this.u64(o + 8, `p_offset of program header ${i}`),
        vaddr: v.getBigUint64(o + 16, true),
        paddr: v.getBigUint64(o + 24, true),
        filesz: this.u64(o + 32, `p_filesz of program header ${i}`),
        memsz: this.u64(o + 40, `p_memsz of program header ${i}`),
        align: this.u64(o + 48, `p_align of program header ${i}`),
      };
      if (p.filesz > 0 && p.offset + p.filesz > this.bytes.length) {
        this.fail(`program header ${i}: segment (0x${p.filesz.toString(16)} bytes at 0x${p.offset.toString(16)}) is past the end of the file`, o + 8);
      }
      out.push(p);
    }
    return out;
  }

  /**
   * A NUL-terminated string at `off` in a string table section. `what` (and `index`, appended when
   * given) name it in errors; they are separate so that no message is built for the strings that are fine.
   */
  cstring(strtab: StringTable, off: number, what: string, index?: number): string {
    const d = strtab.data;
    if (strtab.type === SHT_NOBITS || off >= d.length) {
      const name = index === undefined ? what : `${what} ${index}`;
      if (strtab.type === SHT_NOBITS) this.fail(`${name}: string table (section ${strtab.index}) has no contents`, this.shdrs.fieldOffset(strtab.index, 4));
      if (off === 0 && d.length === 0) return '';
      this.fail(`${name}: string offset 0x${off.toString(16)} is past the end of string table section ${strtab.index} (0x${d.length.toString(16)} bytes)`, strtab.offset);
    }
    // One pass finds the end and whether any byte is non-ASCII.
    const len = d.length;
    let end = off;
    let high = 0;
    for (let c; end < len && (c = d[end]!) !== 0; end++) high |= c;
    if (end === len) this.fail(`${index === undefined ? what : `${what} ${index}`}: string at 0x${off.toString(16)} in section ${strtab.index} is not NUL-terminated`, strtab.offset + off);
    return high < 0x80 ? latin1(d, off, end) : decoder.decode(d.subarray(off, end));
  }

  section(index: number): Section {
    if (!(index >= 0 && index < this.header.shnum)) this.fail(`section index ${index} is out of range (${this.header.shnum} sections)`);
    let s = this.sectionCache[index];
    if (s === undefined) {
      s = this.makeSection(index);
      this.sectionCache[index] = s;
    }
    return s;
  }

  /** The index of the first section of type `type` (and sh_link `link`, when given), or -1. */
  findSection(type: number, link?: number): number {
    const sh = this.shdrs;
    for (let i = 1; i < sh.count; i++) if (sh.type(i) === type && (link === undefined || sh.link(i) === link)) return i;
    return -1;
  }

  sectionByName(name: string): Section | undefined {
    return this.sections.find((s) => s.name === name);
  }

  private symtabSection: Section | null | undefined;

  /** The static symbol table (.symtab), or undefined when the file has none. */
  get symtab(): Section | undefined {
    if (this.symtabSection === undefined) {
      const i = this.findSection(SHT_SYMTAB);
      this.symtabSection = i < 0 ? null : this.section(i);
    }
    return this.symtabSection ?? undefined;
  }

  /** A SHT_SYMTAB or SHT_DYNSYM section read in place, its header checked. */
  symbolTable(index: number): SymbolTableView {
    let t = this.symbolTables?.get(index);
    if (!t) {
      t = new SymbolTableView(this, index);
      (this.symbolTables ??= new Map()).set(index, t);
    }
    return t;
  }

  /** Symbols of a SHT_SYMTAB or SHT_DYNSYM section (index 0 included, as in the file). */
  symbols(symtabIndex?: number): Symbol[] {
    const idx = symtabIndex ?? this.symtab?.index;
    if (idx === undefined) return [];
    const cached = this.symtabCache?.get(idx);
    if (cached) return cached;
    const t = this.symbolTable(idx);
    const out: Symbol[] = new Array(t.count);
    for (let i = 0; i < t.count; i++) {
      out[i] = {
        index: i, nameOffset: t.nameOffset(i), name: t.name(i), info: t.info(i), other: t.other(i),
        shndx: t.shndx(i), rawShndx: t.rawShndx(i), value: t.valueBig(i), size: t.sizeBig(i),
      };
    }
    (this.symtabCache ??= new Map()).set(idx, out);
    return out;
  }

  /** The SHT_RELA sections that apply to section `target`. */
  relaSectionsFor(target: number): Section[] {
    return this.sections.filter((s) => s.type === SHT_RELA && s.info === target);
  }

  /** A SHT_RELA section read in place, its header and symbol indices checked. */
  relaTable(relaIndex: number): RelaView {
    return new RelaView(this, relaIndex);
  }

  /** Entries of a SHT_RELA section, with symbol indices checked against its symbol table. */
  relocations(relaIndex: number): Rela[] {
    const cached = this.relaCache?.get(relaIndex);
    if (cached) return cached;
    const t = this.relaTable(relaIndex);
    const out: Rela[] = new Array(t.count);
    for (let i = 0; i < t.count; i++) out[i] = { offset: t.offsetBig(i), type: t.type(i), sym: t.sym(i), addend: t.addendBig(i) };
    (this.relaCache ??= new Map()).set(relaIndex, out);
    return out;
  }

  /** SHT_GROUP sections: COMDAT flag, signature and member section indices. */
  groups(): Group[] {
    const out: Group[] = [];
    for (const s of this.sections) {
      if (s.type !== SHT_GROUP) continue;
      if (s.size < 4 || s.size % 4 !== 0) this.fail(`group section ${s.index} has size 0x${s.size.toString(16)}, not a non-zero multiple of 4`, s.offset);
      const syms = this.symbols(s.link);
      const sig = syms[s.info];
      if (sig === undefined) this.fail(`group section ${s.index}: signature symbol ${s.info} is out of range`, this.shdrs.fieldOffset(s.index, 44));
      const members: number[] = [];
      for (let o = 4; o < s.size; o += 4) {
        const m = this.view.getUint32(s.offset + o, true);
        if (m === 0 || m >= this.header.shnum) this.fail(`group section ${s.index}: member section ${m} is out of range`, s.offset + o);
        members.push(m);
      }
      // As GNU (bfd's group_signature): an unnamed section symbol signs the group with its section's name.
      let signature = sig.name;
      if (sig.nameOffset === 0 && (sig.info & 0xf) === STT_SECTION && sig.shndx < this.sections.length) signature = this.sections[sig.shndx]!.name;
      out.push({ section: s.index, flags: this.view.getUint32(s.offset, true), signature, members });
    }
    return out;
  }

  /**
   * Walk the notes in a SHT_NOTE section's or PT_NOTE segment's bytes, each checked to lie inside them:
   * visit gets the name (trailing NULs dropped) and the descriptor as ranges of `data`.
   */
  forEachNote(data: Uint8Array, fileOffset: number, align: number, visit: (nameStart: number, nameEnd: number, type: number, descStart: number, descsz: number, at: number) => void): void {
    const a = align === 8 ? 8 : 4;
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    let o = 0;
    while (o + 12 <= data.length) {
      const namesz = dv.getUint32(o, true);
      const descsz = dv.getUint32(o + 4, true);
      const type = dv.getUint32(o + 8, true);
      const nameStart = o + 12;
      // gABI: the descriptor starts at the next `a`-aligned offset after the name (8-byte notes, e.g.
      // .note.gnu.property, pad 12 + namesz to 8, not namesz alone).
      const descStart = o + alignUp(12 + namesz, a);
      const next = descStart + alignUp(descsz, a);
      if (nameStart + namesz > data.length || descStart + descsz > data.length) {
        this.fail(`note at 0x${o.toString(16)}: name (${namesz} bytes) or descriptor (${descsz} bytes) runs past the end`, fileOffset + o);
      }
      let nameEnd = nameStart + namesz;
      while (nameEnd > nameStart && data[nameEnd - 1] === 0) nameEnd--;
      visit(nameStart, nameEnd, type, descStart, descsz, o);
      o = Math.min(next, data.length);
    }
  }

  /** Notes in a SHT_NOTE section or PT_NOTE segment. */
  notes(data: Uint8Array, fileOffset: number, align: number): Note[] {
    const out: Note[] = [];
    this.forEachNote(data, fileOffset, align, (nameStart, nameEnd, type, descStart, descsz, offset) => {
      out.push({ name: latin1OrUtf8(data, nameStart, nameEnd), type, desc: data.subarray(descStart, descStart + descsz), offset });
    });
    return out;
  }

  sectionNotes(s: Section): Note[] {
    if (s.type !== SHT_NOTE) return [];
    return this.notes(s.data, s.offset, s.addralign);
  }

  segmentNotes(p: ProgramHeader): Note[] {
    if (p.type !== PT_NOTE) return [];
    return this.notes(this.bytes.subarray(p.offset, p.offset + p.filesz), p.offset, p.align);
  }
}

function needsLink(type: number): boolean {
  return type === SHT_SYMTAB || type === SHT_DYNSYM || type === SHT_RELA || type === SHT_REL || type === SHT_GROUP || type === SHT_SYMTAB_SHNDX;
}

function rangesOverlap(a: number, alen: number, b: number, blen: number): boolean {
  return alen > 0 && blen > 0 && a < b + blen && b < a + alen;
}

export function alignUp(v: number, a: number): number {
  return a <= 1 ? v : Math.ceil(v / a) * a;
}

/** Decode a name: ASCII fast path, UTF-8 otherwise. */
export function latin1OrUtf8(d: Uint8Array, start: number, end: number): string {
  for (let i = start; i < end; i++) if (d[i]! >= 0x80) return decoder.decode(d.subarray(start, end));
  return latin1(d, start, end);
}

/**
 * Bytes as a string, each byte one character (ASCII names, ar header fields): Node's native latin1
 * decoding over a Buffer view of the same memory, cached for the last ArrayBuffer (names come in runs
 * from one file). One allocation per name, where building it a character at a time made one per character.
 */
export function latin1(d: Uint8Array, start: number, end: number): string {
  if (start === end) return '';
  if (d.buffer !== lastArrayBuffer) {
    lastArrayBuffer = d.buffer;
    lastBuffer = Buffer.from(d.buffer);
  }
  return lastBuffer!.toString('latin1', d.byteOffset + start, d.byteOffset + end);
}

let lastArrayBuffer: ArrayBufferLike | undefined;
let lastBuffer: Buffer | undefined;

/** Parse an ELF file held in memory. */
export function readElf(bytes: Uint8Array, origin: Origin): ElfFile {
  return new ElfFile(bytes, origin);
}
