// Input files as the linker sees them: relocatable objects (from the command line, archives or
// --start-lib groups), split into input sections, with their symbols bound to the global symbol table.
import {
  ET_REL, GRP_COMDAT, SHF_ALLOC, SHF_EXCLUDE, SHF_GROUP, SHN_ABS, SHN_COMMON, SHN_UNDEF, SHT_GROUP, SHT_NOBITS, SHT_NOTE,
  SHT_NULL, SHT_REL, SHT_RELA, SHT_STRTAB, SHT_SYMTAB, SHT_SYMTAB_SHNDX, STB_LOCAL, STT_SECTION, SHT_LLVM_ADDRSIG,
} from '../elf/constants.ts';
import type { Archive, ArchiveMember } from '../elf/archive.ts';
import { FormatError } from '../elf/errors.ts';
import { ElfFile } from '../elf/reader.ts';
import { stBind, stType, type Section } from '../elf/types.ts';
import type { RelaView } from '../elf/rela-view.ts';
import type { SymbolTableView } from '../elf/symbol-table-view.ts';
import type { SiteRecord } from '../relink-syscalls/rewrite-object.ts';
import { LinkError } from './errors.ts';
import { Sym } from './symbol.ts';
import type { OutputSection } from './output-section.ts';

export class InputSection {
  readonly file: ObjectFile;
  readonly index: number;
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  readonly align: number;
  readonly size: number;
  readonly entsize: number;
  readonly data: Uint8Array;
  /** The SHT_RELA section that applies to this one, if any. */
  relaIndex = 0;
  /** Its entries, read in place. */
  rela: RelaView | null = null;
  /** False when dropped: a discarded COMDAT member, /DISCARD/, or garbage-collected. */
  live = true;
  /** Dropped because another file's COMDAT group of the same signature was kept. */
  discardedComdat = false;
  output: OutputSection | null = null;
  /** Offset within the output section. */
  offset = 0;
  /** For merged-string sections: maps input offsets to output offsets (set by merge.ts). */
  mergeMap: ((off: number) => number) | null = null;
  /** For merged sections: the contents after merging (what gets copied to the output). */
  mergedData: Uint8Array | null = null;
  /** For merged sections: the size after merging (a declared field keeps InputSection's shape fixed). */
  mergedSize = 0;

  constructor(file: ObjectFile, s: Section) {
    this.file = file;
    this.index = s.index;
    this.name = s.name;
    this.type = s.type;
    this.flags = s.flags;
    this.align = Math.max(1, s.addralign);
    this.size = s.size;
    this.entsize = s.entsize;
    this.data = s.data;
  }

  toString(): string {
    return `${this.file.displayName}:(${this.name})`;
  }
}

export interface ComdatGroup {
  signature: string;
  members: number[];
  sectionIndex: number;
}

export class ObjectFile {
  readonly elf: ElfFile;
  readonly displayName: string;
  /** Load order (priority): earlier files win ties, as on the command line. */
  priority = 0;
  /** Section index -> InputSection (undefined for symbol tables, string tables, relocations, groups). */
  readonly sections: (InputSection | undefined)[] = [];
  /** Symbol index -> symbol (locals are private objects, globals the shared table entry). */
  symbols: Sym[] = [];
  firstGlobal = 0;
  readonly groups: ComdatGroup[] = [];
  /** Has a .note.GNU-stack section (GNU ld makes the stack executable when an input lacks one). */
  hasGnuStack = false;
  /** Set while a lazy file (archive member, --start-lib object) is not loaded. */
  lazy: boolean;
  loaded = false;
  /** Where it came from, for -t and the map file. */
  readonly archive: ArchiveInput | null;
  readonly member: ArchiveMember | null;
  /** Syscall sites found (and rewritten or left) when --rewrite-syscalls rewrote this object. */
  syscallSites: SiteRecord[] = [];
  /** True for the crtbegin/crtend files, whose .ctors/.dtors sentinels must stay apart. */
  readonly isCrtBeginEnd: boolean;

  constructor(elf: ElfFile, displayName: string, lazy: boolean, archive: ArchiveInput | null = null, member: ArchiveMember | null = null) {
    this.elf = elf;
    this.displayName = displayName;
    this.lazy = lazy;
    this.archive = archive;
    this.member = member;
    const base = (member?.name ?? displayName).replace(/^.*\//, '');
    this.isCrtBeginEnd = /^crt(begin|end)[a-zA-Z]*\.o$/.test(base);
    if (elf.header.type !== ET_REL) throw new LinkError(`${displayName}: not a relocatable object (ELF type ${elf.header.type}); static links take .o files and archives`);
  }

  /** Parse sections and COMDAT groups (symbols are bound by the resolver). */
  parseSections(): void {
    const elf = this.elf;
    for (const s of elf.sections) {
      if (s.index === 0) continue;
      switch (s.type) {
        case SHT_NULL: case SHT_SYMTAB: case SHT_STRTAB: case SHT_REL: case SHT_SYMTAB_SHNDX: case SHT_LLVM_ADDRSIG:
          continue;
        case SHT_RELA:
          continue;
        case SHT_GROUP:
          continue;
      }
      if (s.name === '.note.GNU-stack') {
        this.hasGnuStack = true;
        continue;
      }
      if ((s.flags & SHF_EXCLUDE) !== 0 && (s.flags & SHF_ALLOC) === 0) continue;
      if (s.name.startsWith('.gnu.lto_')) continue;
      if (s.type === SHT_NOTE && (s.flags & SHF_ALLOC) === 0) continue;
      this.sections[s.index] = new InputSection(this, s);
    }
    for (const s of elf.sections) {
      if (s.type !== SHT_RELA) continue;
      if (s.info === 0 || s.info >= elf.sections.length) throw new LinkError(`${this.displayName}: relocation section ${s.name} applies to invalid section ${s.info}`);
      const target = this.sections[s.info];
      if (target) {
        target.relaIndex = s.index;
        target.rela = elf.relaTable(s.index);
      }
    }
    // COMDAT groups, with signatures read from the symbol table in place (elf.groups() would build
    // every symbol of the object as an object first).
    for (const g of elf.sections) {
      if (g.type !== SHT_GROUP) continue;
      if (g.size < 4 || g.size % 4 !== 0) elf.fail(`group section ${g.index} has size 0x${g.size.toString(16)}, not a non-zero multiple of 4`, g.offset);
      const dv = elf.view;
      if ((dv.getUint32(g.offset, true) & GRP_COMDAT) === 0) continue;
      const raw = this.raw;
      if (!raw || g.link !== elf.symtab?.index || g.info >= raw.count) return elf.fail(`group section ${g.index}: signature symbol ${g.info} is out of range`, g.offset);
      let signature = raw.name(g.info);
      if (signature === '' && stType(raw.info(g.info)) === STT_SECTION) signature = elf.sections[raw.shndx(g.info)]?.name ?? '';
      const members: number[] = [];
      for (let o = 4; o < g.size; o += 4) {
        const m = dv.getUint32(g.offset + o, true);
        if (m === 0 || m >= elf.sections.length) elf.fail(`group section ${g.index}: member section ${m} is out of range`, g.offset + o);
        members.push(m);
      }
      this.groups.push({ signature, members, sectionIndex: g.index });
    }
  }

  /** Sections of a COMDAT group this file lost: mark them dead. */
  discardGroup(g: ComdatGroup): void {
    for (const m of g.members) {
      const sec = this.sections[m];
      if (sec) {
        sec.live = false;
        sec.discardedComdat = true;
      }
    }
  }

  private rawSymbols: SymbolTableView | null | undefined;

  /** The symbol table read in place (null when the object has none). */
  get raw(): SymbolTableView | null {
    if (this.rawSymbols === undefined) {
      const st = this.elf.symtab;
      this.rawSymbols = st ? this.elf.symbolTable(st.index) : null;
    }
    return this.rawSymbols;
  }

  /** Local symbols become private Sym objects; globals are looked up in (or added to) the table. */
  bindSymbols(lookup: (name: string) => Sym): void {
    const raw = this.raw;
    if (!raw) {
      this.symbols = [];
      return;
    }
    this.firstGlobal = raw.firstGlobal;
    const n = raw.count;
    const out: Sym[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const info = raw.info(i);
      const bind = stBind(info);
      if (i < raw.firstGlobal || bind === STB_LOCAL) {
        if (i >= raw.firstGlobal) throw new LinkError(`${this.displayName}: local symbol ${raw.name(i)} (index ${i}) after the first global (sh_info ${raw.firstGlobal})`);
        const s = new Sym(raw.name(i), true);
        const shndx = raw.shndx(i);
        s.file = this;
        s.type = stType(info);
        s.bind = STB_LOCAL;
        s.visibility = raw.other(i) & 3;
        s.value = raw.value(i);
        s.size = raw.size(i);
        if (shndx === SHN_UNDEF) s.kind = 0;
        else if (shndx === SHN_ABS || raw.rawShndx(i) === SHN_ABS) s.kind = 1;
        else if (shndx === SHN_COMMON) throw new LinkError(`${this.displayName}: local common symbol ${s.name}`);
        else {
          s.kind = 1;
          s.section = this.sections[shndx] ?? null;
        }
        out[i] = s;
      } else {
        out[i] = lookup(raw.name(i));
      }
    }
    this.symbols = out;
  }
}

/** An archive on the command line; members become ObjectFiles when extracted. */
export class ArchiveInput {
  readonly archive: Archive;
  readonly path: string;
  readonly wholeArchive: boolean;
  /** Symbol name -> header offsets of members that define it (from the index, or by scanning members). */
  readonly index = new Map<string, number[]>();
  readonly extracted = new Map<number, ObjectFile>();

  /** Applied to every member's ELF before it becomes an ObjectFile (the syscall rewrite). */
  transform: ((elf: ElfFile) => { elf: ElfFile; sites: SiteRecord[] }) | null = null;

  constructor(archive: Archive, path: string, wholeArchive: boolean) {
    this.archive = archive;
    this.path = path;
    this.wholeArchive = wholeArchive;
    if (archive.symbols && archive.symbols.length > 0) {
      for (const s of archive.symbols) {
        const l = this.index.get(s.name);
        if (l) {
          if (!l.includes(s.memberOffset)) l.push(s.memberOffset);
        } else this.index.set(s.name, [s.memberOffset]);
      }
    } else if (!wholeArchive) {
      // No index (thin archives made with ar S, vmlinux.a): read every member's defined globals.
      for (const m of archive.members) {
        const elf = this.memberElf(m);
        if (!elf) continue;
        for (const s of elf.symbols()) {
          if (s.index === 0 || stBind(s.info) === STB_LOCAL || s.shndx === SHN_UNDEF) continue;
          const l = this.index.get(s.name);
          if (l) l.push(m.headerOffset);
          else this.index.set(s.name, [m.headerOffset]);
        }
      }
    }
  }

  private memberElf(m: ArchiveMember): ElfFile | null {
    const d = this.archive.data(m);
    if (d.length >= 4 && d[0] === 0x7f && d[1] === 0x45) return new ElfFile(d, { file: this.path, member: m.name });
    return null;
  }

  /** Extract (parse) a member; undefined if it is not an ELF object (GNU ld skips such members). */
  member(headerOffset: number): ObjectFile | undefined {
    const have = this.extracted.get(headerOffset);
    if (have) return have;
    const m = this.archive.memberAt(headerOffset);
    if (!m) throw new FormatError(this.path, `symbol index points at 0x${headerOffset.toString(16)}, which is not a member`);
    let elf = this.memberElf(m);
    if (!elf) return undefined;
    let sites: SiteRecord[] = [];
    if (this.transform) ({ elf, sites } = this.transform(elf));
    const f = new ObjectFile(elf, `${this.path}(${m.name})`, false, this, m);
    f.syscallSites = sites;
    this.extracted.set(headerOffset, f);
    return f;
  }
}

export function isGroupMember(sec: InputSection): boolean {
  return (sec.flags & SHF_GROUP) !== 0;
}

export function isNobits(sec: InputSection): boolean {
  return sec.type === SHT_NOBITS;
}
