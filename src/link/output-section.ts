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
  output: string | null;
  /** Sort key within the output section (sections sort stably by it): the default script's sub-order. */
  key: number;
}

function priorityOf(name: string, prefix: string): number | undefined {
  if (!name.startsWith(prefix + '.')) return undefined;
  const tail = name.slice(prefix.length + 1);
  return /^[0-9]+$/.test(tail) ? parseInt(tail, 10) : undefined;
}

/** Where an input section goes under the default script (ld --verbose of binutils 2.40). */
export function placeInput(sec: InputSection): Placement {
  const n = sec.name;
  const alloc = (sec.flags & SHF_ALLOC) !== 0;
  if (!alloc) {
    if (n === '.note.GNU-stack' || n === '.gnu_debuglink' || n.startsWith('.gnu.lto_') || n.startsWith('.gnu.warning') || n === '.gnu.glibc-stub' || n.startsWith('.gnu.glibc-stub.')) return { output: null, key: 0 };
    if (n.startsWith('.gnu.linkonce.wi.')) return { output: '.debug_info', key: 0 };
    return { output: n, key: 0 };
  }
  if (n === '.text' || n.startsWith('.text.') || n === '.stub' || n.startsWith('.gnu.linkonce.t.') || n === '.gnu.warning') {
    if (n === '.text.unlikely' || n.startsWith('.text.unlikely.') || (n.startsWith('.text.') && n.endsWith('_unlikely'))) return { output: '.text', key: 0 };
    if (n === '.text.exit' || n.startsWith('.text.exit.')) return { output: '.text', key: 1 };
    if (n === '.text.startup' || n.startsWith('.text.startup.')) return { output: '.text', key: 2 };
    if (n === '.text.hot' || n.startsWith('.text.hot.')) return { output: '.text', key: 3 };
    if (n.startsWith('.text.sorted.')) return { output: '.text', key: 4 };
    return { output: '.text', key: 5 };
  }
  if (n === '.init' || n === '.fini' || n === '.rodata1' || n === '.data1' || n === '.eh_frame') return { output: n, key: 0 };
  if (n === '.rodata' || n.startsWith('.rodata.') || n.startsWith('.gnu.linkonce.r.')) return { output: '.rodata', key: 0 };
  if (n === '.gcc_except_table' || n.startsWith('.gcc_except_table.')) return { output: '.gcc_except_table', key: 0 };
  if (n === '.tdata' || n.startsWith('.tdata.') || n.startsWith('.gnu.linkonce.td.')) return { output: '.tdata', key: 0 };
  if (n === '.tbss' || n.startsWith('.tbss.') || n.startsWith('.gnu.linkonce.tb.') || n === '.tcommon') return { output: '.tbss', key: 0 };
  if (n === '.preinit_array') return { output: '.preinit_array', key: 0 };
  // Constructors: .init_array.N and .ctors.N by priority, then the unsuffixed ones (not crtbegin/crtend's).
  for (const [arr, old] of [['.init_array', '.ctors'], ['.fini_array', '.dtors']] as const) {
    const p = priorityOf(n, arr);
    if (p !== undefined) return { output: arr, key: p };
    const q = priorityOf(n, old);
    if (q !== undefined) return { output: arr, key: 65535 - q };
    if (n === arr) return { output: arr, key: 65536 };
    if (n === old) return sec.file.isCrtBeginEnd ? { output: old, key: 0 } : { output: arr, key: 65536 };
  }
  if (n === '.data.rel.ro.local' || n.startsWith('.data.rel.ro.local.') || n.startsWith('.gnu.linkonce.d.rel.ro.local.')) return { output: '.data.rel.ro', key: 0 };
  if (n === '.data.rel.ro' || n.startsWith('.data.rel.ro.') || n.startsWith('.gnu.linkonce.d.rel.ro.')) return { output: '.data.rel.ro', key: 1 };
  if (n === '.got' || n === '.igot') return { output: '.got', key: 0 };
  if (n === '.got.plt' || n === '.igot.plt') return { output: '.got.plt', key: 0 };
  if (n === '.data' || n.startsWith('.data.') || n.startsWith('.gnu.linkonce.d.')) return { output: '.data', key: 0 };
  if (n === '.bss' || n.startsWith('.bss.') || n.startsWith('.gnu.linkonce.b.') || n === '.dynbss') return { output: '.bss', key: 0 };
  if (n === '.note.gnu.property') return { output: null, key: 0 }; // merged into a synthetic note
  return { output: n, key: 0 };
}

export function defaultType(name: string, type: number): number {
  if (name === '.init_array') return SHT_INIT_ARRAY;
  if (name === '.fini_array') return SHT_FINI_ARRAY;
  if (name === '.preinit_array') return SHT_PREINIT_ARRAY;
  return type === SHT_NOBITS ? SHT_NOBITS : type === SHT_NOTE ? SHT_NOTE : type === SHT_INIT_ARRAY || type === SHT_FINI_ARRAY || type === SHT_PREINIT_ARRAY ? SHT_PROGBITS : type;
}
