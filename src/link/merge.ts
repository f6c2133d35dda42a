// SHF_MERGE sections: identical strings (SHF_STRINGS) or fixed-size constants are stored once per
// output section, and every reference into a merged input section is redirected to the kept copy.
// Pieces are deduplicated through an open-addressing table over typed arrays, keyed by a hash of their
// bytes (bytes compared on a hash match), so no string or object is made per piece.
import { SHF_MERGE, SHF_STRINGS } from '../elf/constants.ts';
import type { InputSection } from './input-files.ts';
import type { OutputSection } from './output-section.ts';

/**
 * Piece boundaries of a section: piece i is [starts[i], starts[i + 1]); the last entry is the section
 * size. Null when the section cannot be split (it is then left as it is).
 */
function splitStrings(sec: InputSection): Int32Array | null {
  const d = sec.data;
  const w = Math.max(1, sec.entsize);
  let count = 0;
  let start = 0;
  for (let i = 0; i + w <= d.length; i += w) {
    if (isZero(d, i, w)) {
      count++;
      start = i + w;
    }
  }
  if (start !== d.length) return null; // not NUL-terminated: leave the section as it is
  const starts = new Int32Array(count + 1);
  let n = 1;
  for (let i = 0; i + w <= d.length; i += w) if (isZero(d, i, w)) starts[n++] = i + w;
  return starts;
}

function isZero(d: Uint8Array, at: number, w: number): boolean {
  for (let k = 0; k < w; k++) if (d[at + k] !== 0) return false;
  return true;
}

function splitFixed(sec: InputSection): Int32Array | null {
  const w = sec.entsize;
  // data shorter than the size (no contents) has no constants to compare
  if (w <= 0 || sec.size % w !== 0 || sec.data.length !== sec.size) return null;
  const n = sec.size / w;
  const starts = new Int32Array(n + 1);
  for (let i = 0; i <= n; i++) starts[i] = i * w;
  return starts;
}

/** FNV-1a over the bytes, then a final mix so that the low bits (the table index) depend on all of them. */
export function hashBytes(d: Uint8Array, at: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = at; i < end; i++) h = Math.imul(h ^ d[i]!, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function sameBytes(a: Uint8Array, aAt: number, b: Uint8Array, bAt: number, len: number): boolean {
  for (let k = 0; k < len; k++) if (a[aAt + k] !== b[bAt + k]) return false;
  return true;
}

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
    let groups: Group[] | null = null;
    for (const m of os.members) {
      if ((m.flags & SHF_MERGE) === 0 || m.entsize === 0 || !m.live) continue;
      groups ??= [];
      let g = groups.find((x) => x.flags === m.flags && x.entsize === m.entsize && x.align === m.align);
      if (!g) {
        g = { flags: m.flags, entsize: m.entsize, align: m.align, members: [] };
        groups.push(g);
      }
      g.members.push(m);
    }
    if (groups) for (const g of groups) mergeGroup(g.members);
  }
}

/** Keep the first copy of every piece, in input order; later copies point at it. */
function mergeGroup(members: InputSection[]): void {
  const secs: InputSection[] = [];
  const splits: Int32Array[] = [];
  let total = 0;
  for (const m of members) {
    const starts = (m.flags & SHF_STRINGS) !== 0 ? splitStrings(m) : splitFixed(m);
    if (!starts) continue;
    secs.push(m);
    splits.push(starts);
    total += starts.length - 1;
  }
  // Kept pieces: owning section (index into secs), input offset, length, output offset, hash.
  const keptSec = new Int32Array(total);
  const keptAt = new Int32Array(total);
  const keptLen = new Int32Array(total);
  const keptOut = new Int32Array(total);
  const keptHash = new Int32Array(total);
  let kept = 0;
  let cap = 16;
  while (cap < total * 2) cap *= 2;
  const mask = cap - 1;
  const slots = new Int32Array(cap).fill(-1);

  for (let s = 0; s < secs.length; s++) {
    const m = secs[s]!;
    const d = m.data;
    const starts = splits[s]!;
    const n = starts.length - 1;
    // Where each piece went: the section holding the kept copy (index into secs) and its offset there.
    const owner = new Int32Array(n);
    const toAt = new Int32Array(n);
    // 1 for the pieces kept in this section (not a copy of an earlier one, here or elsewhere)
    const fresh = new Uint8Array(n);
    let size = 0;
    for (let i = 0; i < n; i++) {
      const at = starts[i]!;
      const len = starts[i + 1]! - at;
      const h = hashBytes(d, at, at + len);
      let slot = h & mask;
      let found = -1;
      for (let k = slots[slot]!; k !== -1; slot = (slot + 1) & mask, k = slots[slot]!) {
        if (keptHash[k] === h && keptLen[k] === len && sameBytes(secs[keptSec[k]!]!.data, keptAt[k]!, d, at, len)) {
          found = k;
          break;
        }
      }
      if (found === -1) {
        found = kept++;
        slots[slot] = found;
        keptSec[found] = s;
        keptAt[found] = at;
        keptLen[found] = len;
        keptOut[found] = size;
        keptHash[found] = h;
        fresh[i] = 1;
        size += len;
      }
      owner[i] = keptSec[found]!;
      toAt[i] = keptOut[found]!;
    }
    m.mergedData = keptBytes(m, starts, fresh, size);
    m.mergedSize = size;
    m.mergeMap = mergeMap(m, starts, owner, toAt, secs, size);
  }
}

/** The section's own kept pieces, in order (adjacent ones copied as one run). */
function keptBytes(m: InputSection, starts: Int32Array, fresh: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(size);
  const d = m.data;
  const n = fresh.length;
  let o = 0;
  for (let i = 0; i < n; ) {
    if (fresh[i] === 0) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < n && fresh[j] === 1) j++;
    out.set(d.subarray(starts[i]!, starts[j]!), o);
    o += starts[j]! - starts[i]!;
    i = j;
  }
  return out;
}

/**
 * Input offset -> offset from the section's output position: an offset inside a piece maps to the
 * same offset inside its kept copy (possibly in another section); offsets outside the section
 * (e.g. a symbol at the very end) keep their distance from the end.
 */
function mergeMap(m: InputSection, starts: Int32Array, owner: Int32Array, toAt: Int32Array, secs: InputSection[], size: number): (off: number) => number {
  const n = owner.length;
  const end = m.size;
  return (off: number) => {
    if (!(off >= 0 && off < end)) return size + (off - end);
    // the last piece starting at or before off
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= off) lo = mid;
      else hi = mid - 1;
    }
    return secs[owner[lo]!]!.offset - m.offset + toAt[lo]! + (off - starts[lo]!);
  };
}
