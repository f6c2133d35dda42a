// Non-allocated string sections (.debug_str, .debug_line_str, .comment) merged as GNU ld merges them
// (bfd merge.c): identical strings are kept once, and a string that is the tail of another kept string
// ("int" of "unsigned int", the empty string of any string) points into it instead of being stored. The
// output of each such group is one run of strings, in the order they first appear; it is written as the
// contents of the group's first section, and every section's offsets map into it.
import type { InputSection } from './input-files.ts';

/** Each section's pieces: start offsets and the id of the string there. */
interface SectionPieces {
  sec: InputSection;
  starts: number[];
  ids: number[];
}

/** A string section splits into whole NUL-terminated strings only if it ends with a NUL. */
function splittable(m: InputSection): boolean {
  const d = m.data;
  return d.length > 0 && d[d.length - 1] === 0 && d.length === m.size;
}

export function tailMergeStrings(members: readonly InputSection[]): void {
  const secs = members.filter(splittable);
  if (secs.length === 0) return;
  const idOf = new Map<string, number>();
  const strings: string[] = [];
  const perSection: SectionPieces[] = [];
  for (const sec of secs) {
    const d = sec.data;
    const text = Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('latin1');
    const sp: SectionPieces = { sec, starts: [], ids: [] };
    for (let at = 0; at < text.length; ) {
      const end = text.indexOf('\0', at);
      const str = text.slice(at, end);
      let id = idOf.get(str);
      if (id === undefined) {
        id = strings.length;
        idOf.set(str, id);
        strings.push(str);
      }
      sp.starts.push(at);
      sp.ids.push(id);
      at = end + 1;
    }
    perSection.push(sp);
  }
  // A string is a tail of another iff its reverse is a prefix of the other's reverse; in sorted order of
  // the reverses, every longer string with that prefix follows it directly, so each string's host (the
  // longest string it is a tail of) is its successor's host when the successor starts with it.
  const reversed = strings.map((s) => [...s].reverse().join(''));
  const order = strings.map((_, i) => i).sort((a, b) => (reversed[a]! < reversed[b]! ? -1 : reversed[a]! > reversed[b]! ? 1 : 0));
  const host = new Int32Array(strings.length);
  for (let k = order.length - 1; k >= 0; k--) {
    const i = order[k]!;
    const next = k + 1 < order.length ? order[k + 1]! : -1;
    host[i] = next >= 0 && reversed[next]!.startsWith(reversed[i]!) ? host[next]! : i;
  }
  // Kept strings in first-appearance order, and where each string lands.
  const where = new Int32Array(strings.length);
  const keptOffset = new Int32Array(strings.length).fill(-1);
  let size = 0;
  const kept: string[] = [];
  for (let i = 0; i < strings.length; i++) {
    const h = host[i]!;
    if (keptOffset[h] === -1) {
      keptOffset[h] = size;
      kept.push(strings[h]!);
      size += strings[h]!.length + 1;
    }
  }
  for (let i = 0; i < strings.length; i++) {
    const h = host[i]!;
    where[i] = keptOffset[h]! + strings[h]!.length - strings[i]!.length;
  }
  const merged = new Uint8Array(Buffer.from(kept.join('\0') + '\0', 'latin1'));
  const first = secs[0]!;
  for (const { sec, starts, ids } of perSection) {
    sec.mergedData = sec === first ? merged : new Uint8Array(0);
    sec.mergedSize = sec === first ? merged.length : 0;
    const end = sec.size;
    const mergedSize = sec.mergedSize;
    sec.mergeMap = (off: number) => {
      if (!(off >= 0 && off < end)) return mergedSize + (off - end);
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid]! <= off) lo = mid;
        else hi = mid - 1;
      }
      return first.offset - sec.offset + where[ids[lo]!]! + (off - starts[lo]!);
    };
  }
}
