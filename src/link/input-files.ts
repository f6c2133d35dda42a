// Input files as the linker sees them: relocatable objects (from the command line, archives or
// --start-lib groups), split into input sections, with their symbols bound to the global symbol table.
import {
  ET_REL, GRP_COMDAT, SHF_ALLOC, SHF_EXECINSTR, SHF_EXCLUDE, SHF_GROUP, SHN_ABS, SHN_COMMON, SHN_UNDEF, SHT_GROUP, SHT_NOBITS,
  SHT_NULL, SHT_REL, SHT_RELA, SHT_STRTAB, SHT_SYMTAB, SHT_SYMTAB_SHNDX, STB_LOCAL, STT_SECTION, SHT_LLVM_ADDRSIG,
} from '../elf/constants.ts';
import { Archive, type ArchiveMember } from '../elf/archive.ts';
import type { LazyArchive } from '../elf/lazy-archive.ts';
import { FormatError } from '../elf/errors.ts';
import { ElfFile } from '../elf/reader.ts';
import { stBind, stType } from '../elf/types.ts';
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
  private contents: Uint8Array | null = null;
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

  /** Section `index` of `file`, or -1 for space the linker makes (commons). */
  constructor(file: ObjectFile, index: number, name: string, type: number, flags: number, addralign: number, size: number, entsize: number) {
    this.file = file;
    this.index = index;
    this.name = name;
    this.type = type;
    this.flags = flags;
    this.align = Math.max(1, addralign);
    this.size = size;
    this.entsize = entsize;
  }

  /** The section's bytes in the object (empty for SHT_NOBITS); a view, made when first needed. */
  get data(): Uint8Array {
    this.contents ??= this.index < 0 ? new Uint8Array(0) : this.file.elf.sectionData(this.index);
    return this.contents;
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
  /**
   * Symbol index -> symbol: globals (the shared table entries) are bound when the file is loaded; locals
   * are made on first use by sym(), since a big link has hundreds of thousands and relocations name few.
   */
  private readonly syms: (Sym | undefined)[] = [];
  /** Entries in the symbol table (0 without one). */
  symbolCount = 0;
  firstGlobal = 0;
  readonly groups: ComdatGroup[] = [];
  /** Has a .note.GNU-stack section (GNU ld makes the stack executable when an input lacks one). */
  hasGnuStack = false;
  /** Its .note.GNU-stack is SHF_EXECINSTR: the object asks for an executable stack. */
  gnuStackExec = false;
  /** Has .gnu.lto_* sections (compiled with -flto). */
  hasLtoSections = false;
  /** Its .gnu.warning.SYM sections (link-time warnings for references to SYM). */
  readonly warningSections: InputSection[] = [];
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
    const sh = elf.shdrs;
    const n = sh.count;
    for (let i = 1; i < n; i++) {
      const type = sh.type(i);
      switch (type) {
        case SHT_NULL: case SHT_SYMTAB: case SHT_STRTAB: case SHT_REL: case SHT_SYMTAB_SHNDX: case SHT_LLVM_ADDRSIG:
        case SHT_RELA: case SHT_GROUP:
          continue;
      }
      const name = elf.sectionName(i);
      if (name === '.note.GNU-stack') {
        this.hasGnuStack = true;
        this.gnuStackExec = (sh.flags(i) & SHF_EXECINSTR) !== 0;
        continue;
      }
      if (name.startsWith('.gnu.lto_')) {
        this.hasLtoSections = true;
        continue;
      }
      const flags = sh.flags(i);
      if ((flags & SHF_EXCLUDE) !== 0 && (flags & SHF_ALLOC) === 0) continue;
      // From the header in place: no Section object, and the contents' view is made when first needed.
      const sec = new InputSection(this, i, name, type, flags, sh.addralign(i), sh.size(i), sh.entsize(i));
      this.sections[i] = sec;
      if (name.startsWith('.gnu.warning.')) this.warningSections.push(sec);
    }
    for (let i = 1; i < n; i++) {
      if (sh.type(i) !== SHT_RELA) continue;
      const info = sh.info(i);
      if (info === 0 || info >= n) throw new LinkError(`${this.displayName}: relocation section ${elf.sectionName(i)} applies to invalid section ${info}`);
      const target = this.sections[info];
      if (target) {
        target.relaIndex = i;
        target.rela = elf.relaTable(i);
      }
    }
    // COMDAT groups, with signatures read from the symbol table in place (elf.groups() would build
    // every symbol of the object as an object first).
    const dv = elf.view;
    for (let gi = 1; gi < n; gi++) {
      if (sh.type(gi) !== SHT_GROUP) continue;
      const size = sh.size(gi);
      const offset = sh.offset(gi);
      if (size < 4 || size % 4 !== 0) elf.fail(`group section ${gi} has size 0x${size.toString(16)}, not a non-zero multiple of 4`, offset);
      if ((dv.getUint32(offset, true) & GRP_COMDAT) === 0) continue;
      const raw = this.raw;
      const sig = sh.info(gi);
      if (!raw || sh.link(gi) !== elf.symtab?.index || sig >= raw.count) return elf.fail(`group section ${gi}: signature symbol ${sig} is out of range`, offset);
      let signature = raw.name(sig);
      if (signature === '' && stType(raw.info(sig)) === STT_SECTION) {
        const x = raw.shndx(sig);
        signature = x < n ? elf.sectionName(x) : '';
      }
      const members: number[] = [];
      for (let o = 4; o < size; o += 4) {
        const m = dv.getUint32(offset + o, true);
        if (m === 0 || m >= n) elf.fail(`group section ${gi}: member section ${m} is out of range`, offset + o);
        members.push(m);
      }
      this.groups.push({ signature, members, sectionIndex: gi });
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

  /** Symbol `i`: the global table entry, or the local symbol (made now if nothing asked for it before). */
  sym(i: number): Sym | undefined {
    const s = this.syms[i];
    if (s !== undefined || i >= this.firstGlobal || i < 0) return s;
    const made = this.makeLocal(i);
    this.syms[i] = made;
    return made;
  }

  /** Every symbol, locals made as needed (for the map file; the passes use sym()). */
  allSymbols(): Sym[] {
    const out: Sym[] = [];
    for (let i = 0; i < this.symbolCount; i++) out.push(this.sym(i)!);
    return out;
  }

  /** Rebind global `i` (--wrap redirects an undefined reference to another name). */
  rebind(i: number, s: Sym): void {
    this.syms[i] = s;
  }

  private makeLocal(i: number): Sym {
    const raw = this.raw!;
    const info = raw.info(i);
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
    else {
      s.kind = 1;
      s.section = this.sections[shndx] ?? null;
    }
    return s;
  }

  /** Check the locals (without making them) and look up every global in (or add it to) the table. */
  bindSymbols(lookup: (name: string) => Sym): void {
    const raw = this.raw;
    if (!raw) return;
    this.firstGlobal = raw.firstGlobal;
    const n = raw.count;
    this.symbolCount = n;
    for (let i = 0; i < raw.firstGlobal; i++) {
      if (raw.shndx(i) === SHN_COMMON) throw new LinkError(`${this.displayName}: local common symbol ${raw.name(i)}`);
    }
    const out = this.syms;
    out.length = n;
    for (let i = raw.firstGlobal; i < n; i++) {
      if (stBind(raw.info(i)) === STB_LOCAL) throw new LinkError(`${this.displayName}: local symbol ${raw.name(i)} (index ${i}) after the first global (sh_info ${raw.firstGlobal})`);
      out[i] = lookup(raw.name(i));
    }
  }
}

/** An archive on the command line; members become ObjectFiles when extracted. */
export class ArchiveInput {
  /** Read whole (thin, no index, or every member wanted) or lazily, a member at a time. */
  readonly archive: Archive | LazyArchive;
  readonly path: string;
  readonly wholeArchive: boolean;
  /** Symbol name -> header offset of the first member that defines it (from the index, or by scanning members). */
  readonly index = new Map<string, number>();
  /** The rare names that more members define: the header offsets of the others, in index order. */
  readonly moreDefiners = new Map<string, number[]>();
  readonly extracted = new Map<number, ObjectFile>();

  /** Applied to every member's ELF before it becomes an ObjectFile (the syscall rewrite). */
  transform: ((elf: ElfFile) => { elf: ElfFile; sites: SiteRecord[] }) | null = null;

  constructor(archive: Archive | LazyArchive, path: string, wholeArchive: boolean) {
    this.archive = archive;
    this.path = path;
    this.wholeArchive = wholeArchive;
    const symbols = archive.symbolIndex;
    if (symbols && symbols.names.length > 0) {
      const { names, memberOffsets } = symbols;
      for (let i = 0; i < names.length; i++) this.addDefiner(names[i]!, memberOffsets[i]!);
    } else if (!wholeArchive && archive instanceof Archive) {
      // No index (thin archives made with ar S, vmlinux.a): read every member's defined globals.
      for (const m of archive.members) {
        const elf = this.memberElf(m);
        if (!elf) continue;
        for (const s of elf.symbols()) {
          if (s.index === 0 || stBind(s.info) === STB_LOCAL || s.shndx === SHN_UNDEF) continue;
          this.addDefiner(s.name, m.headerOffset);
        }
      }
    }
  }

  private addDefiner(name: string, headerOffset: number): void {
    const first = this.index.get(name);
    if (first === undefined) this.index.set(name, headerOffset);
    else if (first !== headerOffset) {
      const more = this.moreDefiners.get(name);
      if (!more) this.moreDefiners.set(name, [headerOffset]);
      else if (!more.includes(headerOffset)) more.push(headerOffset);
    }
  }

  /** The first member defining `name` that is not loaded yet (members that are not ELF objects are skipped, as GNU ld does). */
  memberFor(name: string): ObjectFile | undefined {
    const first = this.index.get(name);
    if (first === undefined) return undefined;
    const f = this.member(first);
    if (f && !f.loaded) return f;
    for (const off of this.moreDefiners.get(name) ?? []) {
      const g = this.member(off);
      if (g && !g.loaded) return g;
    }
    return undefined;
  }

  /** The name of the member at `headerOffset`, for messages; undefined if it cannot be read. */
  memberName(headerOffset: number): string | undefined {
    try {
      return this.archive.memberAt(headerOffset)?.name;
    } catch (e) {
      if (e instanceof FormatError) return undefined;
      throw e;
    }
  }

  /** Done loading: a lazily read archive closes its file. */
  close(): void {
    if (!(this.archive instanceof Archive)) this.archive.close();
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
