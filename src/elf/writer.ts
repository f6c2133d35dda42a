// Writes ELF64 x86-64 files (ET_REL, ET_EXEC) from a model, and GNU ar archives.
//
// The model mirrors what the reader gives (src/elf/types.ts): a header, the section list with index 0
// (the null section) included, optional program headers. elfToModel() turns an ElfFile into a model
// that carries every byte of the file (section contents, the original .shstrtab and offsets, even
// stray non-zero bytes between sections), so writeElf(elfToModel(readElf(x))) is x, byte for byte.
//
// Layout: when every section (and the tables) has an offset and nothing collides, the offsets are kept.
// Otherwise the writer lays the file out as GNU BFD (as, ld, objcopy) does:
//   ELF header, program headers, then sections in index order, each aligned to sh_addralign, except
//   the ones GNU places last: the symbol table, its SHT_SYMTAB_SHNDX and string table, then every
//   SHT_REL/SHT_RELA section in index order, then the section-name table, then the section header
//   table aligned to 8. Allocated sections of an executable go at file offsets congruent to their
//   address modulo the segment alignment, keeping each PT_LOAD segment's address-to-offset mapping,
//   and program header offsets are recomputed from the sections they cover.
// For an object that GNU as or objcopy wrote, that fresh layout reproduces the original offsets.
import {
  EHDR_SIZE, ELFCLASS64, ELFDATA2LSB, EM_X86_64, EV_CURRENT, PHDR_SIZE, PT_LOAD, PT_PHDR, RELA_SIZE,
  SHDR_SIZE, SHF_ALLOC, SHN_LORESERVE, SHN_UNDEF, SHN_XINDEX, SHN_COMMON, SHT_NOBITS, SHT_NULL, SHT_REL, SHT_RELA,
  SHT_STRTAB, SHT_SYMTAB, SHT_SYMTAB_SHNDX, STB_GLOBAL, STB_GNU_UNIQUE, STB_LOCAL, STB_WEAK, SYM_SIZE,
} from './constants.ts';
import { ElfFile, alignUp, isElf, latin1OrUtf8 } from './reader.ts';
import { StringTableBuilder } from './strtab.ts';
import { stBind } from './types.ts';
import type { ProgramHeader, Rela } from './types.ts';
import { FormatError } from './errors.ts';

/** A model the writer cannot serialize (an inconsistent or out-of-range field): a caller's bug, not bad input. */
export class ElfWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ElfWriteError';
  }
}

export interface FileHeaderModel {
  /** e_type: ET_REL, ET_EXEC, ... */
  type: number;
  /** Default EM_X86_64. */
  machine?: number;
  osabi?: number;
  abiversion?: number;
  /** e_version, default EV_CURRENT. */
  version?: number;
  entry?: bigint;
  flags?: number;
  /** All 16 e_ident bytes, to keep EI_VERSION and the padding exactly; magic, class and data are always forced,
   *  and osabi/abiversion above win over bytes 7 and 8 when given. */
  ident?: Uint8Array;
  /** Table offsets: used only when the layout is kept (see WriteElfOptions.layout). */
  phoff?: number;
  shoff?: number;
  /** Default 64, 56, 64. */
  ehsize?: number;
  phentsize?: number;
  shentsize?: number;
  /** Index of the section-name table; default: the SHT_STRTAB section named ".shstrtab" (appended if absent). */
  shstrndx?: number;
  /** The raw e_shnum / e_shstrndx / e_phnum as stored (elfToModel fills them). Used only when they are a
   *  consistent encoding of the real values (directly, or as the extended-numbering escape). */
  raw?: { shnum: number; shstrndx: number; phnum: number };
}

export interface SectionModel {
  name: string;
  /** sh_name; kept when the given section-name table is reused (see WriteElfOptions.shstrtab). */
  nameOffset?: number;
  type: number;
  /** sh_flags: a number, or a bigint for values beyond 2^53 (elfToModel gives one only then). */
  flags?: number | bigint;
  addr?: bigint;
  link?: number;
  info?: number;
  addralign?: number;
  entsize?: number;
  /** The contents; sh_size is data.length. Absent or empty for SHT_NOBITS and SHT_NULL. */
  data?: Uint8Array;
  /** sh_size of a section without file contents (SHT_NOBITS, SHT_NULL); must equal data.length otherwise. */
  size?: number;
  /** sh_offset; when every section has one (and nothing collides) the layout is kept. */
  offset?: number;
}

export interface ProgramHeaderModel {
  type: number;
  flags: number;
  /** p_offset; recomputed from the covered sections when the writer lays the file out afresh. */
  offset?: number;
  vaddr: bigint;
  paddr?: bigint;
  filesz: number;
  memsz: number;
  align: number;
}

export interface ElfModel {
  header: FileHeaderModel;
  /** The section header table, index 0 (SHT_NULL) included. Empty: no section header table. */
  sections: SectionModel[];
  programHeaders?: ProgramHeaderModel[];
  /** Bytes outside the headers and section contents to preserve (kept layouts only). */
  extra?: { offset: number; data: Uint8Array }[];
  /** Minimum file size (kept layouts only): trailing bytes beyond the last structure. */
  size?: number;
}

export interface WriteElfOptions {
  /** 'keep': use the given offsets, failing if they are incomplete or collide; 'fresh': always lay out as
   *  GNU does; 'auto' (default): keep when possible, else fresh. */
  layout?: 'auto' | 'keep' | 'fresh';
  /** 'auto' (default): reuse the given section-name table when every section has a nameOffset that names it
   *  correctly in it, else rebuild; 'rebuild': always rebuild. */
  shstrtab?: 'auto' | 'rebuild';
  /** GNU-style suffix merging in a rebuilt section-name table (default true, as GNU does). */
  tailMerge?: boolean;
}

/** What writeElf decided, for callers that need to know where things went. */
export interface ElfLayout {
  kept: boolean;
  shstrndx: number;
  phoff: number;
  shoff: number;
  /** Final sh_offset / sh_name of each section. */
  offsets: number[];
  nameOffsets: number[];
  programHeaderOffsets: number[];
}

const encoder = new TextEncoder();
const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);
/** Largest file the writer makes (4 GiB). */
const MAX_FILE = 2 ** 32;

function fail(msg: string): never {
  throw new ElfWriteError(msg);
}

function checkUint(v: number, bits: 16 | 32 | 64, what: string): number {
  const max = bits === 64 ? Number.MAX_SAFE_INTEGER : 2 ** bits - 1;
  if (!Number.isInteger(v) || v < 0 || v > max) fail(`${what} ${v} does not fit in ${bits} unsigned bits`);
  return v;
}

function checkU64(v: bigint, what: string): bigint {
  if (v < 0n || v > U64_MAX) fail(`${what} ${v} does not fit in 64 unsigned bits`);
  return v;
}

/** Little-endian writer over a growing output buffer. */
class Out {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }
  u8(o: number, v: number): void {
    this.view.setUint8(o, v);
  }
  u16(o: number, v: number, what: string): void {
    this.view.setUint16(o, checkUint(v, 16, what), true);
  }
  u32(o: number, v: number, what: string): void {
    this.view.setUint32(o, checkUint(v, 32, what), true);
  }
  u64(o: number, v: number | bigint, what: string): void {
    this.view.setBigUint64(o, typeof v === 'bigint' ? checkU64(v, what) : BigInt(checkUint(v, 64, what)), true);
  }
}

function sectionSize(s: SectionModel, i: number): number {
  const hasData = s.type !== SHT_NOBITS && s.type !== SHT_NULL && i !== 0;
  if (!hasData) {
    if (s.data && s.data.length > 0) fail(`section ${i} (${s.name}): a ${s.type === SHT_NULL ? 'SHT_NULL' : 'SHT_NOBITS'} section cannot have contents`);
    return checkUint(s.size ?? 0, 64, `section ${i} (${s.name}) size`);
  }
  const n = s.data?.length ?? 0;
  if (s.size !== undefined && s.size !== n) fail(`section ${i} (${s.name}): size ${s.size} differs from its data (${n} bytes)`);
  return n;
}

function hasContents(s: SectionModel, i: number): boolean {
  return i !== 0 && s.type !== SHT_NOBITS && s.type !== SHT_NULL && (s.data?.length ?? 0) > 0;
}

/** Serialize a model. See the file comment for the layout rules. */
export function writeElf(model: ElfModel, opts: WriteElfOptions = {}): Uint8Array {
  return writeElfWithLayout(model, opts).bytes;
}

export function writeElfWithLayout(model: ElfModel, opts: WriteElfOptions = {}): { bytes: Uint8Array; layout: ElfLayout } {
  const h = model.header;
  const sections = model.sections.slice();
  const phdrs = model.programHeaders ?? [];
  // Section 0 is the null section; whatever its fields say (extended numbering, or damage the reader
  // tolerated), it never has contents.
  if (sections.length > 0 && (sections[0]!.data?.length ?? 0) > 0) fail('section 0 is the null section and cannot have contents');
  sections.forEach((s, i) => sectionSize(s, i));

  // --- The section-name table.
  let shstrndx = 0;
  let nameOffsets: number[] = sections.map((s) => s.nameOffset ?? 0);
  if (sections.length > 0) {
    if (h.shstrndx !== undefined) {
      shstrndx = h.shstrndx;
      if (shstrndx !== 0 && (shstrndx >= sections.length || sections[shstrndx]!.type !== SHT_STRTAB)) {
        fail(`header.shstrndx ${shstrndx} is not a SHT_STRTAB section`);
      }
    } else {
      shstrndx = sections.findIndex((s) => s.name === '.shstrtab' && s.type === SHT_STRTAB);
      if (shstrndx < 0) {
        sections.push({ name: '.shstrtab', type: SHT_STRTAB, addralign: 1, data: new Uint8Array(1) });
        shstrndx = sections.length - 1;
      }
    }
    if (shstrndx !== 0) {
      const shs = sections[shstrndx]!;
      const reuse = (opts.shstrtab ?? 'auto') === 'auto' && shs.data !== undefined && sections.every((s, i) => namedAt(shs.data!, s, i));
      if (!reuse) {
        const b = new StringTableBuilder({ tailMerge: opts.tailMerge ?? true });
        // Names the old table still holds keep their old relative order (which is the order their
        // producer added them in: GNU as adds ".group" last, objcopy and ld in index order); new names
        // follow in index order. Without an old table, the order of GNU objcopy and ld: ".symtab",
        // ".strtab" and ".shstrtab" first, then every section name in index order.
        const old = shs.data;
        const keys = sections.map((s, i) => (old && s.nameOffset !== undefined && s.name !== '' && namedAt(old, s, i) ? s.nameOffset : Infinity));
        if (keys.some((k) => k !== Infinity)) {
          const order = sections.map((_, i) => i).sort((x, y) => keys[x]! - keys[y]! || x - y);
          for (const i of order) b.add(sections[i]!.name);
        } else {
          const st = sections.findIndex((s) => s.type === SHT_SYMTAB);
          if (st > 0) {
            b.add(sections[st]!.name);
            const l = sections[st]!.link ?? 0;
            if (l > 0 && l < sections.length) b.add(sections[l]!.name);
          }
          b.add(shs.name);
          for (const s of sections) b.add(s.name);
        }
        const table = b.finalize();
        nameOffsets = sections.map((s) => b.offsetOf(s.name));
        sections[shstrndx] = { ...shs, data: table, size: undefined };
      }
    }
  }

  // --- Layout.
  const mode = opts.layout ?? 'auto';
  let placed: Placed | undefined;
  if (mode !== 'fresh') {
    const why = keptLayoutProblem(model, sections, phdrs);
    if (why === undefined) placed = keptLayout(model, sections, phdrs);
    else if (mode === 'keep') fail(`cannot keep the given layout: ${why}`);
  }
  placed ??= freshLayout(model, sections, phdrs, shstrndx);

  // --- Serialize.
  if (!Number.isSafeInteger(placed.size) || placed.size > MAX_FILE) fail(`the file would be ${placed.size} bytes (alignments or offsets out of all proportion)`);
  const o = new Out(placed.size);
  if (placed.kept) for (const x of model.extra ?? []) o.bytes.set(x.data, x.offset);
  const written = placed.kept ? new Uint8Array(placed.size) : undefined;
  const put = (at: number, data: Uint8Array, what: string): void => {
    if (written) {
      for (let i = 0; i < data.length; i++) {
        if (written[at + i] && o.bytes[at + i] !== data[i]) fail(`cannot keep the given layout: ${what} at 0x${at.toString(16)} overlaps other contents`);
        written[at + i] = 1;
      }
    }
    o.bytes.set(data, at);
  };

  const n = sections.length;
  const phnum = phdrs.length;
  const raw = h.raw;
  const sh0 = n > 0 ? { ...sections[0]! } : undefined;
  // Without a section header table the raw e_shnum/e_shstrndx mean nothing to a reader; keep them as given.
  let eShnum = n === 0 && placed.kept && raw ? raw.shnum : n;
  let eShstrndx = n === 0 && placed.kept && raw ? raw.shstrndx : shstrndx;
  let ePhnum = phnum;
  let sh0size = sh0 ? sectionSize(sh0, 0) : 0;
  let sh0link = sh0?.link ?? 0;
  let sh0info = sh0?.info ?? 0;
  if (n >= SHN_LORESERVE) {
    eShnum = 0;
    sh0size = n;
  } else if (raw && raw.shnum === 0 && n > 0 && sh0size === n) eShnum = 0;
  if (shstrndx >= SHN_LORESERVE) {
    eShstrndx = SHN_XINDEX;
    sh0link = shstrndx;
  } else if (raw && raw.shstrndx === SHN_XINDEX && n > 0 && sh0link === shstrndx) eShstrndx = SHN_XINDEX;
  if (phnum >= 0xffff) {
    if (n === 0) fail(`${phnum} program headers need extended numbering, which needs a section header table`);
    ePhnum = 0xffff;
    sh0info = phnum;
  } else if (raw && raw.phnum === 0xffff && n > 0 && sh0info === phnum) ePhnum = 0xffff;

  // ELF header.
  const ident = new Uint8Array(16);
  if (h.ident) ident.set(h.ident.subarray(0, 16));
  else ident[6] = EV_CURRENT;
  ident.set([0x7f, 0x45, 0x4c, 0x46, ELFCLASS64, ELFDATA2LSB], 0);
  if (h.osabi !== undefined) ident[7] = checkUint(h.osabi, 16, 'osabi') & 0xff;
  if (h.abiversion !== undefined) ident[8] = checkUint(h.abiversion, 16, 'abiversion') & 0xff;
  const eh = new Out(EHDR_SIZE);
  eh.bytes.set(ident, 0);
  eh.u16(16, h.type, 'e_type');
  eh.u16(18, h.machine ?? EM_X86_64, 'e_machine');
  eh.u32(20, h.version ?? EV_CURRENT, 'e_version');
  eh.u64(24, h.entry ?? 0n, 'e_entry');
  eh.u64(32, placed.phoff, 'e_phoff');
  eh.u64(40, placed.shoff, 'e_shoff');
  eh.u32(48, h.flags ?? 0, 'e_flags');
  eh.u16(52, h.ehsize ?? EHDR_SIZE, 'e_ehsize');
  eh.u16(54, h.phentsize ?? PHDR_SIZE, 'e_phentsize');
  eh.u16(56, ePhnum, 'e_phnum');
  eh.u16(58, h.shentsize ?? SHDR_SIZE, 'e_shentsize');
  eh.u16(60, eShnum, 'e_shnum');
  eh.u16(62, eShstrndx, 'e_shstrndx');
  put(0, eh.bytes, 'the ELF header');

  // Program headers.
  if (phnum > 0) {
    const ph = new Out(phnum * PHDR_SIZE);
    phdrs.forEach((p, i) => {
      const at = i * PHDR_SIZE;
      const w = `program header ${i}`;
      ph.u32(at, p.type, `${w} p_type`);
      ph.u32(at + 4, p.flags, `${w} p_flags`);
      ph.u64(at + 8, placed!.phOffsets[i]!, `${w} p_offset`);
      ph.u64(at + 16, p.vaddr, `${w} p_vaddr`);
      ph.u64(at + 24, p.paddr ?? p.vaddr, `${w} p_paddr`);
      ph.u64(at + 32, p.filesz, `${w} p_filesz`);
      ph.u64(at + 40, p.memsz, `${w} p_memsz`);
      ph.u64(at + 48, p.align, `${w} p_align`);
    });
    put(placed.phoff, ph.bytes, 'the program header table');
  }

  // Section contents, then the section header table.
  sections.forEach((s, i) => {
    if (hasContents(s, i)) put(placed!.offsets[i]!, s.data!, `section ${i} (${s.name})`);
  });
  if (n > 0) {
    const sh = new Out(n * SHDR_SIZE);
    sections.forEach((s, i) => {
      const at = i * SHDR_SIZE;
      const w = `section ${i} (${s.name})`;
      sh.u32(at, nameOffsets[i]!, `${w} sh_name`);
      sh.u32(at + 4, s.type, `${w} sh_type`);
      sh.u64(at + 8, s.flags ?? 0, `${w} sh_flags`);
      sh.u64(at + 16, s.addr ?? 0n, `${w} sh_addr`);
      sh.u64(at + 24, placed!.offsets[i]!, `${w} sh_offset`);
      sh.u64(at + 32, i === 0 ? sh0size : sectionSize(s, i), `${w} sh_size`);
      sh.u32(at + 40, i === 0 ? sh0link : (s.link ?? 0), `${w} sh_link`);
      sh.u32(at + 44, i === 0 ? sh0info : (s.info ?? 0), `${w} sh_info`);
      sh.u64(at + 48, s.addralign ?? 0, `${w} sh_addralign`);
      sh.u64(at + 56, s.entsize ?? 0, `${w} sh_entsize`);
    });
    put(placed.shoff, sh.bytes, 'the section header table');
  }
  return {
    bytes: o.bytes,
    layout: {
      kept: placed.kept,
      shstrndx,
      phoff: placed.phoff,
      shoff: placed.shoff,
      offsets: placed.offsets,
      nameOffsets,
      programHeaderOffsets: placed.phOffsets,
    },
  };
}

/** Does `data` hold section s's name at s.nameOffset (read as the reader reads names, so that a name the
 *  reader decoded from bytes that are not UTF-8 still counts as the same)? */
function namedAt(data: Uint8Array, s: SectionModel, i: number): boolean {
  if (s.nameOffset === undefined) return false;
  const o = s.nameOffset;
  if (i === 0 && o === 0 && s.name === '') return true;
  if (o >= data.length) return false;
  let end = o;
  while (end < data.length && data[end] !== 0) end++;
  return end < data.length && latin1OrUtf8(data, o, end) === s.name;
}

interface Placed {
  kept: boolean;
  size: number;
  phoff: number;
  shoff: number;
  offsets: number[];
  phOffsets: number[];
}

/** Why the given offsets cannot be kept, or undefined when they can. Byte collisions are checked while writing. */
function keptLayoutProblem(model: ElfModel, sections: SectionModel[], phdrs: ProgramHeaderModel[]): string | undefined {
  const h = model.header;
  if (sections.length > 0 && h.shoff === undefined) return 'header.shoff is not given';
  if (phdrs.length > 0 && h.phoff === undefined) return 'header.phoff is not given';
  for (let i = 1; i < sections.length; i++) if (sections[i]!.offset === undefined) return `section ${i} (${sections[i]!.name}) has no offset`;
  for (let i = 0; i < phdrs.length; i++) if (phdrs[i]!.offset === undefined) return `program header ${i} has no offset`;
  // Overlaps of the structures we write (tables and section contents).
  const ranges: [number, number, string][] = [[0, EHDR_SIZE, 'the ELF header']];
  if (phdrs.length > 0) ranges.push([h.phoff!, phdrs.length * PHDR_SIZE, 'the program header table']);
  if (sections.length > 0) ranges.push([h.shoff!, sections.length * SHDR_SIZE, 'the section header table']);
  const tables = ranges.length;
  sections.forEach((s, i) => {
    if (hasContents(s, i)) ranges.push([s.offset!, s.data!.length, `section ${i} (${s.name})`]);
  });
  for (const [off, len, what] of ranges) {
    if (!Number.isSafeInteger(off) || off < 0 || !Number.isSafeInteger(off + len)) return `${what} has a bad offset ${off}`;
  }
  // Tables must not overlap anything; sections may share identical bytes (checked while writing).
  for (let a = 0; a < tables; a++) {
    for (let b = 0; b < ranges.length; b++) {
      if (a === b) continue;
      const [ao, al, aw] = ranges[a]!;
      const [bo, bl, bw] = ranges[b]!;
      if (al > 0 && bl > 0 && ao < bo + bl && bo < ao + al) return `${aw} overlaps ${bw}`;
    }
  }
  // Sections whose contents overlap each other with different bytes.
  const secs = ranges.slice(tables).map((r, k) => ({ r, k })).sort((x, y) => x.r[0] - y.r[0]);
  const withData = sections.filter((s, i) => hasContents(s, i));
  let reach = -1;
  let reachBy = -1;
  for (const { r, k } of secs) {
    if (r[0] < reach) {
      const prev = withData[reachBy]!;
      const cur = withData[k]!;
      const start = r[0];
      const end = Math.min(reach, r[0] + r[1]);
      for (let p = start; p < end; p++) {
        if (prev.data![p - prev.offset!] !== cur.data![p - cur.offset!]) return `${ranges[tables + reachBy]![2]} and ${r[2]} overlap with different contents`;
      }
    }
    if (r[0] + r[1] > reach) {
      reach = r[0] + r[1];
      reachBy = k;
    }
  }
  return undefined;
}

function keptLayout(model: ElfModel, sections: SectionModel[], phdrs: ProgramHeaderModel[]): Placed {
  const h = model.header;
  const phoff = phdrs.length > 0 ? h.phoff! : (h.phoff ?? 0);
  const shoff = sections.length > 0 ? h.shoff! : (h.shoff ?? 0);
  let size = Math.max(EHDR_SIZE, model.size ?? 0);
  if (phdrs.length > 0) size = Math.max(size, phoff + phdrs.length * PHDR_SIZE);
  if (sections.length > 0) size = Math.max(size, shoff + sections.length * SHDR_SIZE);
  const offsets = sections.map((s, i) => (i === 0 ? (s.offset ?? 0) : s.offset!));
  sections.forEach((s, i) => {
    if (hasContents(s, i)) size = Math.max(size, offsets[i]! + s.data!.length);
  });
  for (const x of model.extra ?? []) size = Math.max(size, x.offset + x.data.length);
  return { kept: true, size, phoff, shoff, offsets, phOffsets: phdrs.map((p) => p.offset!) };
}

/** GNU BFD's layout (see the file comment). */
function freshLayout(model: ElfModel, sections: SectionModel[], phdrs: ProgramHeaderModel[], shstrndx: number): Placed {
  const n = sections.length;
  let off = model.header.ehsize ?? EHDR_SIZE;
  if (off < EHDR_SIZE) off = EHDR_SIZE;
  let phoff = 0;
  if (phdrs.length > 0) {
    phoff = alignUp(off, 8);
    off = phoff + phdrs.length * PHDR_SIZE;
  }
  const offsets = new Array<number>(n).fill(-1);
  if (n > 0) offsets[0] = 0;

  // Sections GNU places after the rest.
  const symtab = sections.findIndex((s) => s.type === SHT_SYMTAB);
  const deferred = new Set<number>();
  if (symtab > 0) {
    deferred.add(symtab);
    const strtab = sections[symtab]!.link ?? 0;
    if (strtab > 0 && strtab < n) deferred.add(strtab);
    sections.forEach((s, i) => {
      if (s.type === SHT_SYMTAB_SHNDX && s.link === symtab) deferred.add(i);
    });
  }
  if (shstrndx > 0) deferred.add(shstrndx);
  const loads = phdrs.filter((p) => p.type === PT_LOAD);
  // Address-to-offset deltas of PT_LOAD segments, fixed by the first section placed in each.
  const delta = new Map<ProgramHeaderModel, number>();
  const loadOf = (s: SectionModel): ProgramHeaderModel | undefined => {
    if ((BigInt(s.flags ?? 0) & BigInt(SHF_ALLOC)) === 0n || loads.length === 0) return undefined;
    const a = s.addr ?? 0n;
    return loads.find((p) => a >= p.vaddr && a < p.vaddr + BigInt(Math.max(p.memsz, 1)));
  };

  const place = (i: number): void => {
    const s = sections[i]!;
    const nobits = s.type === SHT_NOBITS;
    const size = nobits || s.type === SHT_NULL ? 0 : sectionSize(s, i);
    const seg = loadOf(s);
    if (seg && nobits) {
      // ld leaves an allocated SHT_NOBITS section at the current file position, unaligned.
      offsets[i] = off;
      return;
    }
    if (seg) {
      const a = Number(s.addr ?? 0n);
      const d = delta.get(seg);
      let at: number;
      if (d !== undefined) {
        // Later sections of a segment keep its address-to-offset mapping; if an earlier one grew into
        // this one's place, only new addresses can fix that.
        at = a + d;
        if (at < off) fail(`section ${i} (${s.name}) at 0x${a.toString(16)} would overlap the section before it in its segment (grown without moving addresses?)`);
      } else {
        // The first section of a segment: at an offset congruent to its address modulo the page size.
        const page = Math.max(seg.align, 1);
        at = off + ((((a - off) % page) + page) % page);
        delta.set(seg, at - a);
      }
      offsets[i] = at;
      off = Math.max(off, at + size);
      return;
    }
    // As BFD: even a section without contents moves the position to its alignment.
    const al = Math.max(s.addralign ?? 1, 1);
    const at = alignUp(off, al);
    offsets[i] = at;
    off = at + size;
  };

  for (let i = 1; i < n; i++) {
    const s = sections[i]!;
    if (deferred.has(i) || s.type === SHT_REL || s.type === SHT_RELA) {
      // Allocated relocation sections of an executable (.rela.iplt) are placed with their segment.
      if (!deferred.has(i) && loadOf(s)) place(i);
      continue;
    }
    place(i);
  }
  if (symtab > 0) {
    place(symtab);
    sections.forEach((s, i) => {
      if (s.type === SHT_SYMTAB_SHNDX && s.link === symtab && i !== symtab) place(i);
    });
    const strtab = sections[symtab]!.link ?? 0;
    if (strtab > 0 && strtab < n && strtab !== shstrndx && offsets[strtab] === -1) place(strtab);
  }
  for (let i = 1; i < n; i++) if (offsets[i] === -1 && i !== shstrndx) place(i);
  if (shstrndx > 0) place(shstrndx);
  let shoff = 0;
  if (n > 0) {
    shoff = alignUp(off, 8);
    off = shoff + n * SHDR_SIZE;
  }

  // Program header offsets follow the sections they cover.
  const phOffsets = phdrs.map((p) => {
    if (p.type === PT_PHDR) return phoff;
    const seg = p.type === PT_LOAD ? p : loads.find((l) => p.vaddr >= l.vaddr && p.vaddr < l.vaddr + BigInt(Math.max(l.memsz, 1)));
    const d = seg ? delta.get(seg) : undefined;
    if (d === undefined) return p.offset ?? 0;
    const at = Number(p.vaddr) + d;
    if (at < 0) fail(`program header at 0x${p.vaddr.toString(16)}: its sections were placed below its start`);
    return at;
  });
  return { kept: false, size: off, phoff, shoff, offsets, phOffsets };
}

// ---------------------------------------------------------------------------------------------------
// Encoders for section contents.

/** A symbol to encode; the reader's Symbol fits. */
export interface SymbolInput {
  name: string | Uint8Array;
  info: number;
  other: number;
  /** Section index. Without rawShndx, the reserved values (SHN_ABS, SHN_COMMON, 0xff00-0xff3f) are stored as they
   *  are and any other index >= SHN_LORESERVE goes through SHN_XINDEX and the SHT_SYMTAB_SHNDX table. */
  shndx: number;
  /** The st_shndx to store; SHN_XINDEX sends shndx to the SHT_SYMTAB_SHNDX table. Default: derived from shndx. */
  rawShndx?: number;
  value: bigint;
  size: bigint;
}

export interface EncodedSymbols {
  /** .symtab contents */
  symtab: Uint8Array;
  /** .strtab contents (the builder's table). */
  strtab: Uint8Array;
  /** SHT_SYMTAB_SHNDX contents, when some symbol needs an extended section index. */
  shndx: Uint8Array | undefined;
  /** sh_info of the symbol table: one more than the index of the last STB_LOCAL symbol. */
  info: number;
  /** st_name of each symbol. */
  nameOffsets: number[];
}

/**
 * Encode a symbol table (index 0, the null symbol, included as the reader gives it). Names go into
 * `opts.strtab` (default: a new GNU-style tail-merging builder), added in symbol order as GNU does.
 */
export function encodeSymbols(symbols: readonly SymbolInput[], opts: { strtab?: StringTableBuilder; tailMerge?: boolean } = {}): EncodedSymbols {
  const b = opts.strtab ?? new StringTableBuilder({ tailMerge: opts.tailMerge ?? true });
  for (const s of symbols) b.add(s.name);
  const strtab = b.finalize();
  const out = new Out(symbols.length * SYM_SIZE);
  let shndxTable: Out | undefined;
  let info = 0;
  const nameOffsets: number[] = [];
  symbols.forEach((s, i) => {
    const at = i * SYM_SIZE;
    const w = `symbol ${i}`;
    const nameOff = b.offsetOf(s.name);
    nameOffsets.push(nameOff);
    let raw = s.rawShndx;
    if (raw === undefined) raw = s.shndx >= SHN_LORESERVE && !isReservedIndex(s.shndx) ? SHN_XINDEX : s.shndx;
    checkUint(s.shndx, 32, `${w} section index`);
    if (raw === SHN_XINDEX) {
      shndxTable ??= new Out(symbols.length * 4);
      shndxTable.u32(i * 4, s.shndx, `${w} extended section index`);
    } else if (raw !== s.shndx) fail(`${w}: st_shndx ${raw} does not match section index ${s.shndx}`);
    out.u32(at, nameOff, `${w} st_name`);
    out.u8(at + 4, checkUint(s.info, 16, `${w} st_info`) & 0xff);
    out.u8(at + 5, checkUint(s.other, 16, `${w} st_other`) & 0xff);
    out.u16(at + 6, raw, `${w} st_shndx`);
    out.u64(at + 8, s.value, `${w} st_value`);
    out.u64(at + 16, s.size, `${w} st_size`);
    if (stBind(s.info) === STB_LOCAL) info = i + 1;
  });
  return { symtab: out.bytes, strtab, shndx: shndxTable?.bytes, info, nameOffsets };
}

/** Reserved st_shndx values a symbol can hold directly: processor- and OS-specific ones, SHN_ABS, SHN_COMMON. */
function isReservedIndex(v: number): boolean {
  return (v >= SHN_LORESERVE && v <= 0xff3f) || v === 0xfff1 || v === SHN_COMMON;
}

/** Encode SHT_RELA entries. */
export function encodeRela(relas: readonly Rela[]): Uint8Array {
  const out = new Out(relas.length * RELA_SIZE);
  relas.forEach((r, i) => {
    const at = i * RELA_SIZE;
    out.u64(at, r.offset, `relocation ${i} r_offset`);
    out.u32(at + 8, r.type, `relocation ${i} type`);
    out.u32(at + 12, r.sym, `relocation ${i} symbol`);
    if (r.addend < I64_MIN || r.addend > U64_MAX >> 1n) fail(`relocation ${i}: addend ${r.addend} does not fit in 64 signed bits`);
    out.view.setBigInt64(at + 16, r.addend, true);
  });
  return out.bytes;
}

/** Encode a SHT_GROUP section: the flag word (GRP_COMDAT) and the member section indices. */
export function encodeGroup(group: { flags: number; members: readonly number[] }): Uint8Array {
  const out = new Out(4 + group.members.length * 4);
  out.u32(0, group.flags, 'group flags');
  group.members.forEach((m, i) => out.u32(4 + i * 4, m, `group member ${i}`));
  return out.bytes;
}

/** Encode ELF notes (n_namesz counts the name's NUL; name and desc padded to `align`, 4 or 8). */
export function encodeNotes(notes: readonly { name: string; type: number; desc: Uint8Array }[], align: 4 | 8 = 4): Uint8Array {
  const parts = notes.map((n) => {
    const name = encoder.encode(n.name);
    const namesz = name.length === 0 ? 0 : name.length + 1;
    return { name, namesz, n };
  });
  const size = parts.reduce((t, p) => t + 12 + alignUp(p.namesz, align) + alignUp(p.n.desc.length, align), 0);
  const out = new Out(size);
  let o = 0;
  for (const p of parts) {
    out.u32(o, p.namesz, 'note n_namesz');
    out.u32(o + 4, p.n.desc.length, 'note n_descsz');
    out.u32(o + 8, p.n.type, 'note n_type');
    out.bytes.set(p.name, o + 12);
    o += 12 + alignUp(p.namesz, align);
    out.bytes.set(p.n.desc, o);
    o += alignUp(p.n.desc.length, align);
  }
  return out.bytes;
}

// ---------------------------------------------------------------------------------------------------
// ElfFile -> model.

/**
 * The model of a parsed file, carrying every byte of it: writeElf(elfToModel(f)) reproduces f.bytes.
 * Section data are copies. Drop the offsets (or use layout 'fresh') to have the writer lay the file out.
 */
export function elfToModel(elf: ElfFile): ElfModel {
  const b = elf.bytes;
  const h = elf.header;
  const v = elf.view;
  const header: FileHeaderModel = {
    type: h.type,
    machine: h.machine,
    osabi: h.osabi,
    abiversion: h.abiversion,
    version: h.version,
    entry: h.entry,
    flags: h.flags,
    ident: b.slice(0, 16),
    phoff: h.phoff,
    shoff: h.shoff,
    ehsize: h.ehsize,
    phentsize: h.phentsize,
    shentsize: h.shentsize,
    shstrndx: h.shnum > 0 ? h.shstrndx : undefined,
    raw: { shnum: v.getUint16(60, true), shstrndx: v.getUint16(62, true), phnum: v.getUint16(56, true) },
  };
  const sections: SectionModel[] = elf.sections.map((s) => {
    const rawFlags = v.getBigUint64(h.shoff + s.index * SHDR_SIZE + 8, true);
    const m: SectionModel = {
      name: s.name,
      nameOffset: s.nameOffset,
      type: s.type,
      flags: rawFlags > BigInt(Number.MAX_SAFE_INTEGER) ? rawFlags : s.flags,
      addr: s.addr,
      link: s.link,
      info: s.info,
      addralign: s.addralign,
      entsize: s.entsize,
      offset: s.offset,
    };
    if (s.type === SHT_NOBITS || s.type === SHT_NULL || s.index === 0) m.size = s.size;
    else m.data = s.data.slice();
    return m;
  });
  const programHeaders: ProgramHeaderModel[] = elf.programHeaders.map((p: ProgramHeader) => ({ ...p }));

  // Whatever no structure covers, if not zero, is kept as extra bytes.
  const covered: [number, number][] = [[0, EHDR_SIZE]];
  if (h.phnum > 0) covered.push([h.phoff, h.phoff + h.phnum * PHDR_SIZE]);
  if (h.shnum > 0) covered.push([h.shoff, h.shoff + h.shnum * SHDR_SIZE]);
  for (const s of elf.sections) if (s.data.length > 0) covered.push([s.offset, s.offset + s.data.length]);
  covered.sort((x, y) => x[0] - y[0]);
  const extra: { offset: number; data: Uint8Array }[] = [];
  let pos = 0;
  const gap = (from: number, to: number): void => {
    let a = from;
    while (a < to && b[a] === 0) a++;
    let z = to;
    while (z > a && b[z - 1] === 0) z--;
    if (a < z) extra.push({ offset: a, data: b.slice(a, z) });
  };
  for (const [s, e] of covered) {
    if (s > pos) gap(pos, Math.min(s, b.length));
    pos = Math.max(pos, e);
  }
  if (pos < b.length) gap(pos, b.length);
  const model: ElfModel = { header, sections, size: b.length };
  if (programHeaders.length > 0) model.programHeaders = programHeaders;
  if (extra.length > 0) model.extra = extra;
  return model;
}

/** Drop every offset from a model so that writeElf lays it out afresh (a copy; sections' data shared). */
export function withoutOffsets(model: ElfModel): ElfModel {
  const header = { ...model.header };
  delete header.phoff;
  delete header.shoff;
  return {
    header,
    sections: model.sections.map((s) => {
      const c = { ...s };
      delete c.offset;
      return c;
    }),
    programHeaders: model.programHeaders?.map((p) => {
      const c = { ...p };
      delete c.offset;
      return c;
    }),
  };
}

// ---------------------------------------------------------------------------------------------------
// Archives.

export interface ArchiveMemberInput {
  /** The member's name (its basename, as ar stores it). */
  name: string;
  data: Uint8Array;
  /** Defaults are GNU ar's deterministic mode (D): date 0, uid 0, gid 0, mode 0644. */
  date?: number;
  uid?: number;
  gid?: number;
  mode?: number;
}

export interface WriteArchiveOptions {
  /** Write the "/" symbol index of the global defined symbols of the ELF members (as `ar s`). */
  symbolIndex: boolean;
  /** Use the 64-bit "/SYM64/" index even when offsets fit in 32 bits (GNU switches by itself past 4 GiB). */
  sym64?: boolean;
}

const AR_HDR = 60;

/** The names GNU ar puts in an archive's symbol index for one member: defined GLOBAL/WEAK/UNIQUE (and common) symbols. */
export function archiveSymbols(elf: ElfFile): string[] {
  const out: string[] = [];
  const st = elf.symtab;
  if (!st) return out;
  const syms = elf.symbols(st.index);
  for (let i = 1; i < syms.length; i++) {
    const s = syms[i]!;
    const bind = stBind(s.info);
    const global = bind === STB_GLOBAL || bind === STB_WEAK || bind === STB_GNU_UNIQUE;
    if ((global || s.rawShndx === SHN_COMMON) && s.rawShndx !== SHN_UNDEF) out.push(s.name);
  }
  return out;
}

/**
 * A GNU-format archive, as `ar rcD` (with `symbolIndex`: `ar rcsD`) writes it: the symbol index when asked
 * for and some member is an ELF file, the "//" table for names longer than 15 bytes, members padded to
 * even offsets with "\n".
 */
export function writeArchive(members: readonly ArchiveMemberInput[], opts: WriteArchiveOptions): Uint8Array {
  // Long names.
  const longParts: string[] = [];
  let longLen = 0;
  const nameField = members.map((m, i) => {
    if (m.name.length === 0) fail(`archive member ${i} has an empty name`);
    if (/[\n\0]/.test(m.name) || m.name.includes('/')) fail(`archive member name ${JSON.stringify(m.name)} contains "/", a newline or a NUL`);
    const bytes = encoder.encode(m.name);
    if (bytes.length <= 15) return m.name + '/';
    const at = longLen;
    longParts.push(`${m.name}/\n`);
    longLen += bytes.length + 2;
    return `/${at}`;
  });
  const longTable = encoder.encode(longParts.join(''));

  // Symbols per member.
  const symsPer: string[][] = members.map((m, i) => {
    if (!opts.symbolIndex || !isElf(m.data)) return [];
    try {
      return archiveSymbols(new ElfFile(m.data, { file: '<archive>', member: m.name }));
    } catch (e) {
      if (e instanceof FormatError) throw new ElfWriteError(`archive member ${i} (${m.name}): ${e.cause_}`);
      throw e;
    }
  });
  const hasIndex = opts.symbolIndex && members.some((m) => isElf(m.data));
  const count = symsPer.reduce((t, s) => t + s.length, 0);
  const nameBytes = symsPer.flat().map((s) => encoder.encode(s));
  const strSize = nameBytes.reduce((t, s) => t + s.length + 1, 0);
  const indexSize = (w: number): number => {
    const raw = w + count * w + strSize;
    return raw + (raw & 1);
  };
  // Member header offsets depend on the index size, which depends on its width.
  const memberOffsets = (indexBytes: number): number[] => {
    let off = 8;
    if (hasIndex) off += AR_HDR + indexBytes;
    if (longTable.length > 0) off += AR_HDR + longTable.length + (longTable.length & 1);
    return members.map((m) => {
      const at = off;
      off += AR_HDR + m.data.length + (m.data.length & 1);
      return at;
    });
  };
  let width = opts.sym64 ? 8 : 4;
  let offsets = memberOffsets(indexSize(width));
  if (width === 4 && offsets.length > 0 && offsets[offsets.length - 1]! > 0xffffffff) {
    width = 8;
    offsets = memberOffsets(indexSize(width));
  }
  let total = 8;
  if (hasIndex) total += AR_HDR + indexSize(width);
  if (longTable.length > 0) total += AR_HDR + longTable.length + (longTable.length & 1);
  for (const m of members) total += AR_HDR + m.data.length + (m.data.length & 1);

  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  out.set(encoder.encode('!<arch>\n'), 0);
  let off = 8;
  const header = (name: string, date: string, uid: string, gid: string, mode: string, size: number): void => {
    const fields: [string, number][] = [[name, 16], [date, 12], [uid, 6], [gid, 6], [mode, 8], [String(size), 10]];
    let p = off;
    for (const [text, width] of fields) {
      const t = encoder.encode(text);
      if (t.length > width) fail(`archive header field ${JSON.stringify(text)} is wider than ${width} bytes`);
      out.fill(0x20, p, p + width);
      out.set(t, p);
      p += width;
    }
    out[p] = 0x60;
    out[p + 1] = 0x0a;
    off += AR_HDR;
  };
  if (hasIndex) {
    const size = indexSize(width);
    header(width === 8 ? '/SYM64/' : '/', '0', '0', '0', '0', size);
    const start = off;
    const put = (at: number, v: number): void => {
      if (width === 8) dv.setBigUint64(at, BigInt(v), false);
      else dv.setUint32(at, v, false);
    };
    put(off, count);
    let k = 0;
    symsPer.forEach((syms, i) => {
      for (let j = 0; j < syms.length; j++) put(start + width + width * k++, offsets[i]!);
    });
    let p = start + width + width * count;
    for (const nb of nameBytes) {
      out.set(nb, p);
      p += nb.length + 1; // NUL already there; the pad byte (if any) is NUL as in GNU ar
    }
    off = start + size;
  }
  if (longTable.length > 0) {
    header('//', '', '', '', '', longTable.length + (longTable.length & 1));
    out.set(longTable, off);
    off += longTable.length;
    if (longTable.length & 1) out[off++] = 0x0a;
  }
  members.forEach((m, i) => {
    if (off !== offsets[i]) fail(`internal error: member ${i} at ${off}, expected ${offsets[i]}`);
    const num = (v: number | undefined, d: number, what: string): number => {
      const x = v ?? d;
      if (!Number.isSafeInteger(x) || x < 0) fail(`archive member ${m.name}: bad ${what} ${x}`);
      return x;
    };
    header(
      nameField[i]!,
      String(num(m.date, 0, 'date')),
      String(num(m.uid, 0, 'uid')),
      String(num(m.gid, 0, 'gid')),
      num(m.mode, 0o644, 'mode').toString(8),
      m.data.length,
    );
    out.set(m.data, off);
    off += m.data.length;
    if (m.data.length & 1) out[off++] = 0x0a;
  });
  return out;
}
