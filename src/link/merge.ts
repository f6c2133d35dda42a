// SHF_MERGE sections: identical strings (SHF_STRINGS) or fixed-size constants are stored once per
// output section, and every reference into a merged input section is redirected to the kept copy.
// Pieces are looked up by a hash of their bytes in an open-addressing table over typed arrays (bytes
// compared on a hash match); nothing is allocated per piece, and per section only a view of the group's
// merged contents and an offset map. The per-piece work is in small functions, which V8 optimizes
// early in a single run (a large loop waits for on-stack replacement).
import { SHF_ALLOC, SHF_MERGE, SHF_STRINGS } from '../elf/constants.ts';
import { tailMergeStrings } from './string-tail-merge.ts';
import type { InputSection } from './input-files.ts';
import type { OutputSection } from './output-section.ts';
import { doubled, PieceTable } from './piece-table.ts';

/** Merge sections of one output section that share flags, entry size and alignment. */
interface Group {
  flags: number;
  entsize: number;
  align: number;
  members: InputSection[];
}

/** Deduplicate the merge sections of each output section that share flags and entry size. */
export function mergeSections(outputs: OutputSection[]): void {
  for (const os of outputs) {
    if (!os.hasMerge) continue;
    const groups: Group[] = [];
    for (const m of os.members) {
      if ((m.flags & SHF_MERGE) === 0 || m.entsize === 0 || !m.live) continue;
      let g = groups.find((x) => x.flags === m.flags && x.entsize === m.entsize && x.align === m.align);
      if (!g) {
        g = { flags: m.flags, entsize: m.entsize, align: m.align, members: [] };
        groups.push(g);
      }
      g.members.push(m);
    }
    for (const g of groups) {
      const strings = (g.flags & SHF_STRINGS) !== 0;
      // Debug strings and .comment: also tail-merged, as GNU ld does (string-tail-merge.ts).
      if (strings && g.entsize === 1 && (g.flags & SHF_ALLOC) === 0) tailMergeStrings(g.members);
      else mergeGroup(g.members, g.entsize, strings);
    }
  }
}

/**
 * Whether a section splits into whole pieces: strings must end with a NUL entry (a section that is
 * not NUL-terminated is left as it is), constants must fill the section.
 */
function splittable(m: InputSection, w: number, strings: boolean): boolean {
  const d = m.data;
  if (d.length % w !== 0) return false;
  if (!strings) return d.length === m.size; // no contents (NOBITS): nothing to compare
  for (let k = d.length - w; k < d.length; k++) if (d[k] !== 0) return false;
  return true;
}

/** End of the NUL-terminated string at `at` (past its NUL); the section is known to end with one. */
function stringEnd(d: Uint8Array, at: number): number {
  let i = at;
  while (d[i] !== 0) i++;
  return i + 1;
}

/** The same for strings of w-byte characters (ending with a zero character). */
function wideStringEnd(d: Uint8Array, at: number, w: number): number {
  for (let i = at; ; i += w) {
    let unit = 0;
    for (let k = 0; k < w; k++) unit |= d[i + k]!;
    if (unit === 0) return i + w;
  }
}

/** Per piece of a group, in input order, 3 entries: input offset, section holding the kept copy (index into the group), offset there. */
class PieceList {
  list: Int32Array;
  count = 0;

  constructor(pieces: number) {
    this.list = new Int32Array(3 * pieces);
  }

  push(at: number, owner: number, to: number): void {
    const n = 3 * this.count++;
    if (n === this.list.length) this.list = doubled(this.list);
    this.list[n] = at;
    this.list[n + 1] = owner;
    this.list[n + 2] = to;
  }
}

/**
 * Split section s of a group into pieces and intern them (a function of its own, called per section,
 * so that V8 optimizes it early instead of waiting to replace a long-running loop).
 */
function addSection(table: PieceTable, pieces: PieceList, d: Uint8Array, s: number, secBase: Int32Array, w: number, strings: boolean): void {
  for (let at = 0; at < d.length; ) {
    const end = !strings ? at + w : w === 1 ? stringEnd(d, at) : wideStringEnd(d, at, w);
    const e = 4 * table.intern(d, at, end - at, s);
    const owner = table.kept[e + 1]!;
    pieces.push(at, owner, table.kept[e]! - secBase[owner]!);
    at = end;
  }
}

/** Keep the first copy of every piece, in input order; later copies point at it. */
function mergeGroup(members: InputSection[], w: number, strings: boolean): void {
  const secs = members.filter((m) => splittable(m, w, strings));
  let total = 0;
  for (const m of secs) total += m.data.length;
  // Strings are mostly short (about 13 bytes in libstdc++ and ICU): size the tables for 8-byte ones.
  const estimate = Math.max(64, Math.ceil(total / (strings ? Math.max(8, w) : w)));
  const table = new PieceTable(total, estimate);
  const pieces = new PieceList(estimate);
  // Where each section's pieces start (in pieces, counted in pieces) and its kept bytes (in table.buf).
  const secFirst = new Int32Array(secs.length + 1);
  const secBase = new Int32Array(secs.length + 1);
  for (let s = 0; s < secs.length; s++) {
    secFirst[s] = pieces.count;
    secBase[s] = table.end;
    addSection(table, pieces, secs[s]!.data, s, secBase, w, strings);
  }
  secFirst[secs.length] = pieces.count;
  secBase[secs.length] = table.end;
  for (let s = 0; s < secs.length; s++) {
    const m = secs[s]!;
    m.mergedData = table.buf.subarray(secBase[s]!, secBase[s + 1]!);
    m.mergedSize = secBase[s + 1]! - secBase[s]!;
    m.mergeMap = mergeMap(m, secFirst[s]!, secFirst[s + 1]!, pieces.list, secs);
  }
}

/**
 * Input offset -> offset from the section's output position, for pieces [first, last) of the group's
 * table: an offset inside a piece maps to the same offset inside its kept copy (possibly in another
 * section); offsets outside the section (e.g. a symbol at the very end) keep their distance from the end.
 */
function mergeMap(m: InputSection, first: number, last: number, pieces: Int32Array, secs: InputSection[]): (off: number) => number {
  const end = m.size;
  const size = m.mergedSize;
  return (off: number) => {
    if (!(off >= 0 && off < end)) return size + (off - end);
    // the last piece starting at or before off
    let lo = first;
    let hi = last - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (pieces[3 * mid]! <= off) lo = mid;
      else hi = mid - 1;
    }
    const p = 3 * lo;
    return secs[pieces[p + 1]!]!.offset - m.offset + pieces[p + 2]! + (off - pieces[p]!);
  };
}
