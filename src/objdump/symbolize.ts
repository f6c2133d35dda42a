// Choosing the symbol objdump names for an address: its sort order over "useful" symbols and its search,
// which prefers the section being disassembled (binutils objdump.c compare_symbols and
// find_symbol_for_address; re-implemented from their documented behaviour).
import { ET_REL, SHN_ABS, SHN_COMMON, SHN_UNDEF, STB_GLOBAL, STB_LOCAL, STT_FILE, STT_FUNC, STT_OBJECT, STT_SECTION } from '../elf/constants.ts';
import type { ElfFile } from '../elf/reader.ts';
import { stBind, stType, type Section } from '../elf/types.ts';

export interface SortedSymbol {
  name: string;
  value: bigint;
  /** Section index, or -1 for absolute symbols. */
  shndx: number;
  sectionName: string;
  func: boolean;
  object: boolean;
  local: boolean;
  global: boolean;
  size: bigint;
}

function usefulSymbols(elf: ElfFile): SortedSymbol[] {
  const out: SortedSymbol[] = [];
  for (const s of elf.symbols()) {
    if (s.index === 0 || s.name === '') continue;
    const t = stType(s.info);
    if (t === STT_SECTION || t === STT_FILE) continue;
    if (s.shndx === SHN_UNDEF || s.shndx === SHN_COMMON) continue;
    const abs = s.shndx === SHN_ABS || (s.rawShndx >= 0xff00 && s.rawShndx !== 0xffff);
    const b = stBind(s.info);
    out.push({
      name: s.name, value: s.value, shndx: abs ? -1 : s.shndx, sectionName: abs ? '*ABS*' : elf.sections[s.shndx]?.name ?? '',
      func: t === STT_FUNC, object: t === STT_OBJECT, local: b === STB_LOCAL, global: b === STB_GLOBAL, size: s.size,
    });
  }
  return out;
}

function isFileLike(n: string): boolean {
  return n.length > 2 && n[n.length - 2] === '.' && (n[n.length - 1] === 'o' || n[n.length - 1] === 'a');
}

function compareFor(secName: string) {
  return (a: SortedSymbol, b: SortedSymbol): number => {
    if (a.value !== b.value) return a.value < b.value ? -1 : 1;
    const as = a.sectionName === secName;
    const bs = b.sectionName === secName;
    if (as !== bs) return as ? -1 : 1;
    const ag = a.name.includes('gnu_compiled') || a.name.includes('gcc2_compiled');
    const bg = b.name.includes('gnu_compiled') || b.name.includes('gcc2_compiled');
    if (ag !== bg) return ag ? 1 : -1;
    const af = isFileLike(a.name);
    const bf = isFileLike(b.name);
    if (af !== bf) return af ? 1 : -1;
    if (a.func !== b.func) return a.func ? -1 : 1;
    if (a.object !== b.object) return a.object ? -1 : 1;
    if (a.local !== b.local) return a.local ? 1 : -1;
    if (a.global !== b.global) return a.global ? -1 : 1;
    if (a.size !== b.size) return a.size > b.size ? -1 : 1;
    const ad = a.name.startsWith('.');
    const bd = b.name.startsWith('.');
    if (ad !== bd) return ad ? 1 : -1;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  };
}

/** Symbols of one file sorted for disassembling one section, with objdump's lookups. */
export class SymbolLookup {
  readonly sorted: SortedSymbol[];
  private readonly sec: Section;
  private readonly relocatable: boolean;
  private readonly starts: bigint[];

  constructor(elf: ElfFile, sec: Section, all?: SortedSymbol[]) {
    this.sec = sec;
    this.relocatable = elf.header.type === ET_REL;
    this.sorted = (all ?? usefulSymbols(elf)).slice().sort(compareFor(sec.name));
    this.starts = [...new Set(this.sorted.filter((s) => s.shndx === sec.index).map((s) => s.value))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  static symbolsOf(elf: ElfFile): SortedSymbol[] {
    return usefulSymbols(elf);
  }

  private ok(i: number, wantSection: boolean): boolean {
    return !wantSection || this.sorted[i]!.shndx === this.sec.index;
  }

  /** Index in `sorted` of the symbol objdump would name `vma` after, or -1. */
  find(vma: bigint, requireSec: boolean): number {
    const syms = this.sorted;
    const n = syms.length;
    if (n < 1) return -1;
    let min = 0;
    let max = n;
    while (min + 1 < max) {
      const mid = (min + max) >> 1;
      const v = syms[mid]!.value;
      if (v > vma) max = mid;
      else if (v < vma) min = mid;
      else {
        min = mid;
        break;
      }
    }
    let place = min;
    while (place > 0 && syms[place]!.value === syms[place - 1]!.value) place--;
    // Among equal values, one in this section wins.
    for (let k = place; k < max && syms[k]!.value === syms[place]!.value; k++) {
      if (this.ok(k, true)) return k;
    }
    const sec = this.sec;
    const want = requireSec || (this.relocatable && vma >= sec.addr && vma < sec.addr + BigInt(sec.size));
    if (!this.ok(place, want)) {
      let newplace = n;
      for (let i = min - 1; i >= 0; i--) {
        if (!this.ok(i, want)) continue;
        if (newplace === n) newplace = i;
        if (syms[i]!.value !== syms[newplace]!.value) break;
        newplace = i;
      }
      if (newplace !== n) place = newplace;
      else {
        for (let i = place + 1; i < n; i++) {
          if (this.ok(i, want)) {
            place = i;
            break;
          }
        }
      }
      if (!this.ok(place, want)) return -1;
    }
    return place;
  }

  /** `name`, `name+0xN` or `name-0xN` for vma; the section name when there is no symbol. */
  describe(vma: bigint, requireSec: boolean): string {
    const i = this.find(vma, requireSec);
    if (i < 0) {
      const d = vma - this.sec.addr;
      return d === 0n ? this.sec.name : d > 0n ? `${this.sec.name}+0x${d.toString(16)}` : `${this.sec.name}-0x${(-d).toString(16)}`;
    }
    const s = this.sorted[i]!;
    const d = vma - s.value;
    return d === 0n ? s.name : d > 0n ? `${s.name}+0x${d.toString(16)}` : `${s.name}-0x${(-d).toString(16)}`;
  }

  /** The next address after `vma` where a symbol of this section starts (a new block), or undefined. */
  nextStop(vma: bigint): bigint | undefined {
    const v = this.starts;
    let lo = 0;
    let hi = v.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (v[mid]! <= vma) lo = mid + 1;
      else hi = mid;
    }
    return v[lo];
  }
}
