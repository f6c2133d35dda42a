// Output sections: where input sections go, in GNU ld's default order for static executables
// (the built-in script of ld 2.40 for elf_x86_64 with -z separate-code), orphans placed by their flags.
import { SHF_ALLOC, SHF_EXECINSTR, SHF_TLS, SHF_WRITE, SHT_FINI_ARRAY, SHT_INIT_ARRAY, SHT_NOBITS, SHT_NOTE, SHT_PREINIT_ARRAY, SHT_PROGBITS } from '../elf/constants.ts';
import type { InputSection } from './input-files.ts';

export class OutputSection {
  readonly name: string;
  type: number;
  flags: number;
  align = 1;
  entsize = 0;
  readonly members: InputSection[] = [];
  /** Contents made by the linker (GOT, PLT, notes, ...), when there are no input members. */
  synthetic: Uint8Array | null = null;
  size = 0;
  /** Virtual address (a number: addresses stay below 2^53, and BigInt arithmetic in the hot passes is slow). */
  addr = 0;
  offset = 0;
  /** Index in the output section header table. */
  shndx = 0;
  /** Rank in the default layout (lower first). */
  rank: number;
  /** Which PT_LOAD it belongs to. */
  segment = -1;
  /** Set when the section is in PT_GNU_RELRO. */
  relro = false;
  /** Has SHF_MERGE members (the only output sections mergeSections looks into). */
  hasMerge = false;
  /**
   * An empty allocated section is not written, but symbols defined in it stay defined (GNU ld): they
   * keep the address it would have had and name this neighbouring output section (empty-sections.ts).
   */
  standIn: OutputSection | null = null;

  /** The section index symbols in this section get in the output. */
  get symbolShndx(): number {
    return this.standIn ? this.standIn.shndx : this.shndx;
  }

  constructor(name: string, type: number, flags: number, rank: number) {
    this.name = name;
    this.type = type;
    this.flags = flags;
    this.rank = rank;
  }

  get isAlloc(): boolean {
    return (this.flags & SHF_ALLOC) !== 0;
  }

  get isNobits(): boolean {
    return this.type === SHT_NOBITS;
  }

  get isTls(): boolean {
    return (this.flags & SHF_TLS) !== 0;
  }
}

/** Output section names in the default script's order, with the segment class each starts. */
export const LAYOUT: readonly { name: string; rank: number }[] = [
  // first PT_LOAD (R): headers, notes, IRELATIVE relocations
  { name: '.interp', rank: 10 }, { name: '.note.gnu.property', rank: 11 }, { name: '.note.gnu.build-id', rank: 12 },
  { name: '.note.ABI-tag', rank: 13 }, { name: '.rela.plt', rank: 19 },
  // text (RX)
  { name: '.init', rank: 20 }, { name: '.plt', rank: 21 }, { name: '.text', rank: 23 }, { name: '.fini', rank: 29 },
  // read-only data (R)
  { name: '.rodata', rank: 30 }, { name: '.rodata1', rank: 31 }, { name: '.eh_frame_hdr', rank: 34 }, { name: '.eh_frame', rank: 35 },
  { name: '.gcc_except_table', rank: 36 },
  // data (RW); RELRO part first
  { name: '.tdata', rank: 40 }, { name: '.tbss', rank: 41 }, { name: '.preinit_array', rank: 42 }, { name: '.init_array', rank: 43 },
  { name: '.fini_array', rank: 44 }, { name: '.data.rel.ro', rank: 46 }, { name: '.got', rank: 48 },
  { name: '.got.plt', rank: 50 }, { name: '.data', rank: 51 }, { name: '.data1', rank: 52 },
  { name: '.bss', rank: 60 },
];

const RANK = new Map(LAYOUT.map((l) => [l.name, l.rank]));

export const RANK_FIRST_TEXT = 20;
export const RANK_FIRST_RODATA = 30;
export const RANK_FIRST_DATA = 40;
export const RANK_RELRO_END = 49;
export const RANK_NONALLOC = 100;

export function knownRank(name: string): number | undefined {
  return RANK.get(name);
}

/** Rank for an orphan output section, next to the sections whose flags it shares (as GNU ld places them). */
export function orphanRank(name: string, type: number, flags: number): number {
  if ((flags & SHF_ALLOC) === 0) return RANK_NONALLOC;
  if (type === SHT_NOTE) return 14;
  if ((flags & SHF_EXECINSTR) !== 0) return 24; // after .text, before .fini
  if ((flags & SHF_TLS) !== 0) return type === SHT_NOBITS ? 41 : 40;
  if ((flags & SHF_WRITE) === 0) return 32; // after .rodata
  if (type === SHT_NOBITS) return 61; // after .bss
  if (type === SHT_INIT_ARRAY || type === SHT_FINI_ARRAY || type === SHT_PREINIT_ARRAY) return 45;
  return 53; // after .data
}

export interface Placement {
  /** Output section name; null drops the input section. */
  readonly output: string | null;
  /** Sort key within the output section (sections sort stably by it): the default script's sub-order. */
  readonly key: number;
}

// Shared placements for the fixed outcomes, so that placing an input section allocates nothing.
const DROP: Placement = { output: null, key: 0 };
const TEXT: readonly Placement[] = [0, 1, 2, 3, 4, 5].map((key) => ({ output: '.text', key }));
const TEXT_PLAIN = TEXT[5]!;
const RODATA: Placement = { output: '.rodata', key: 0 };
const GCC_EXCEPT_TABLE: Placement = { output: '.gcc_except_table', key: 0 };
const TDATA: Placement = { output: '.tdata', key: 0 };
const TBSS: Placement = { output: '.tbss', key: 0 };
const PREINIT_ARRAY: Placement = { output: '.preinit_array', key: 0 };
const RELRO_LOCAL: Placement = { output: '.data.rel.ro', key: 0 };
const RELRO: Placement = { output: '.data.rel.ro', key: 1 };
const GOT: Placement = { output: '.got', key: 0 };
const GOT_PLT: Placement = { output: '.got.plt', key: 0 };
const DATA: Placement = { output: '.data', key: 0 };
const BSS: Placement = { output: '.bss', key: 0 };
const DEBUG_INFO: Placement = { output: '.debug_info', key: 0 };
const INIT: Placement = { output: '.init', key: 0 };
const FINI: Placement = { output: '.fini', key: 0 };
const RODATA1: Placement = { output: '.rodata1', key: 0 };
const DATA1: Placement = { output: '.data1', key: 0 };
const EH_FRAME: Placement = { output: '.eh_frame', key: 0 };

/** N for a name `<prefix>N` (prefix ending in '.', N all digits), else undefined. */
function priorityOf(name: string, prefix: string): number | undefined {
  if (!name.startsWith(prefix) || name.length === prefix.length) return undefined;
  for (let i = prefix.length; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return undefined;
  }
  return parseInt(name.slice(prefix.length), 10);
}

/** .text sub-order: unlikely, exit, startup, hot, sorted, the rest. */
function textPlacement(n: string): Placement {
  if (n === '.text.unlikely' || n.startsWith('.text.unlikely.') || (n.startsWith('.text.') && n.endsWith('_unlikely'))) return TEXT[0]!;
  if (n === '.text.exit' || n.startsWith('.text.exit.')) return TEXT[1]!;
  if (n === '.text.startup' || n.startsWith('.text.startup.')) return TEXT[2]!;
  if (n === '.text.hot' || n.startsWith('.text.hot.')) return TEXT[3]!;
  if (n.startsWith('.text.sorted.')) return TEXT[4]!;
  return TEXT_PLAIN;
}

/** Constructors: .init_array.N and .ctors.N by priority, then the unsuffixed ones (not crtbegin/crtend's). */
function arrayPlacement(sec: InputSection, arr: string, old: string): Placement | undefined {
  const n = sec.name;
  const p = priorityOf(n, arr + '.');
  if (p !== undefined) return { output: arr, key: p };
  const q = priorityOf(n, old + '.');
  if (q !== undefined) return { output: arr, key: 65535 - q };
  if (n === arr) return { output: arr, key: 65536 };
  if (n === old) return sec.file.isCrtBeginEnd ? { output: old, key: 0 } : { output: arr, key: 65536 };
  return undefined;
}

/** Where an input section goes under the default script (ld --verbose of binutils 2.40). */
export function placeInput(sec: InputSection): Placement {
  const n = sec.name;
  const alloc = (sec.flags & SHF_ALLOC) !== 0;
  if (!alloc) {
    if (n === '.note.GNU-stack' || n === '.gnu_debuglink' || n.startsWith('.gnu.lto_') || n.startsWith('.gnu.warning') || n === '.gnu.glibc-stub' || n.startsWith('.gnu.glibc-stub.')) return DROP;
    if (n.startsWith('.gnu.linkonce.wi.')) return DEBUG_INFO;
    return { output: n, key: 0 };
  }
  // Every pattern of the script starts with '.': the character after it picks the few that can match
  // (in the script's order within each group).
  switch (n.charCodeAt(1)) {
    case 0x74: // t
      if (n === '.text' || n.startsWith('.text.')) return textPlacement(n);
      if (n === '.tdata' || n.startsWith('.tdata.')) return TDATA;
      if (n === '.tbss' || n.startsWith('.tbss.') || n === '.tcommon') return TBSS;
      break;
    case 0x73: // s
      if (n === '.stub') return TEXT_PLAIN;
      break;
    case 0x67: // g
      if (n.startsWith('.gnu.linkonce.t.') || n === '.gnu.warning') return TEXT_PLAIN;
      if (n.startsWith('.gnu.linkonce.r.')) return RODATA;
      if (n === '.gcc_except_table' || n.startsWith('.gcc_except_table.')) return GCC_EXCEPT_TABLE;
      if (n.startsWith('.gnu.linkonce.td.')) return TDATA;
      if (n.startsWith('.gnu.linkonce.tb.')) return TBSS;
      if (n.startsWith('.gnu.linkonce.d.rel.ro.local.')) return RELRO_LOCAL;
      if (n.startsWith('.gnu.linkonce.d.rel.ro.')) return RELRO;
      if (n === '.got') return GOT;
      if (n === '.got.plt') return GOT_PLT;
      if (n.startsWith('.gnu.linkonce.d.')) return DATA;
      if (n.startsWith('.gnu.linkonce.b.')) return BSS;
      break;
    case 0x69: // i
      if (n === '.init') return INIT;
      if (n === '.igot') return GOT;
      if (n === '.igot.plt') return GOT_PLT;
      return arrayPlacement(sec, '.init_array', '.ctors') ?? { output: n, key: 0 };
    case 0x63: // c
      return arrayPlacement(sec, '.init_array', '.ctors') ?? { output: n, key: 0 };
    case 0x66: // f
      if (n === '.fini') return FINI;
      return arrayPlacement(sec, '.fini_array', '.dtors') ?? { output: n, key: 0 };
    case 0x64: // d
      if (n === '.data1') return DATA1;
      if (n === '.dtors' || n.startsWith('.dtors.')) return arrayPlacement(sec, '.fini_array', '.dtors') ?? { output: n, key: 0 };
      if (n === '.data.rel.ro.local' || n.startsWith('.data.rel.ro.local.')) return RELRO_LOCAL;
      if (n === '.data.rel.ro' || n.startsWith('.data.rel.ro.')) return RELRO;
      if (n === '.data' || n.startsWith('.data.')) return DATA;
      if (n === '.dynbss') return BSS;
      break;
    case 0x72: // r
      if (n === '.rodata1') return RODATA1;
      if (n === '.rodata' || n.startsWith('.rodata.')) return RODATA;
      break;
    case 0x65: // e
      if (n === '.eh_frame') return EH_FRAME;
      break;
    case 0x70: // p
      if (n === '.preinit_array') return PREINIT_ARRAY;
      break;
    case 0x62: // b
      if (n === '.bss' || n.startsWith('.bss.')) return BSS;
      break;
    case 0x6e: // n
      if (n === '.note.gnu.property') return DROP; // merged into a synthetic note
      break;
  }
  return { output: n, key: 0 };
}

export function defaultType(name: string, type: number): number {
  if (name === '.init_array') return SHT_INIT_ARRAY;
  if (name === '.fini_array') return SHT_FINI_ARRAY;
  if (name === '.preinit_array') return SHT_PREINIT_ARRAY;
  return type === SHT_NOBITS ? SHT_NOBITS : type === SHT_NOTE ? SHT_NOTE : type === SHT_INIT_ARRAY || type === SHT_FINI_ARRAY || type === SHT_PREINIT_ARRAY ? SHT_PROGBITS : type;
}
