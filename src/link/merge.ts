// SHF_MERGE sections: identical strings (SHF_STRINGS) or fixed-size constants are stored once per
// output section, and every reference into a merged input section is redirected to the kept copy.
import { SHF_MERGE, SHF_STRINGS } from '../elf/constants.ts';
import type { InputSection } from './input-files.ts';
import type { OutputSection } from './output-section.ts';

interface Piece {
  /** Offset in the input section. */
  at: number;
  len: number;
}

function splitStrings(sec: InputSection): Piece[] | null {
  const d = sec.data;
  const w = Math.max(1, sec.entsize);
  const out: Piece[] = [];
  let start = 0;
  for (let i = 0; i + w <= d.length; i += w) {
    let zero = true;
    for (let k = 0; k < w; k++) if (d[i + k] !== 0) zero = false;
    if (zero) {
      out.push({ at: start, len: i + w - start });
      start = i + w;
    }
  }
  if (start !== d.length) return null; // not NUL-terminated: leave the section as it is
  return out;
}

function splitFixed(sec: InputSection): Piece[] | null {
  const w = sec.entsize;
  if (w <= 0 || sec.size % w !== 0) return null;
  const out: Piece[] = [];
  for (let i = 0; i < sec.size; i += w) out.push({ at: i, len: w });
  return out;
}

/** Deduplicate the merge sections of each output section that share flags and entry size. */
export function mergeSections(outputs: OutputSection[]): void {
  for (const os of outputs) {
    const groups = new Map<string, InputSection[]>();
    for (const m of os.members) {
      if ((m.flags & SHF_MERGE) === 0 || m.entsize === 0 || !m.live) continue;
      const key = `${m.flags}:${m.entsize}:${m.align}`;
      const g = groups.get(key);
      if (g) g.push(m);
      else groups.set(key, [m]);
    }
    for (const members of groups.values()) {
      const seen = new Map<string, { owner: InputSection; at: number }>();
      for (const m of members) {
        const pieces = (m.flags & SHF_STRINGS) !== 0 ? splitStrings(m) : splitFixed(m);
        if (!pieces) continue;
        // One Buffer view per section: a piece's key is a slice of it, without a Buffer per piece.
        const view = Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength);
        const bytes: Uint8Array[] = [];
        let size = 0;
        const redirect: { from: number; len: number; to: InputSection; toAt: number }[] = [];
        for (const p of pieces) {
          const key = view.toString('latin1', p.at, p.at + p.len);
          const prev = seen.get(key);
          if (prev) {
            // Seen before, in this section or an earlier one: point at that copy.
            redirect.push({ from: p.at, len: p.len, to: prev.owner, toAt: prev.at });
            continue;
          }
          seen.set(key, { owner: m, at: size });
          redirect.push({ from: p.at, len: p.len, to: m, toAt: size });
          bytes.push(m.data.subarray(p.at, p.at + p.len));
          size += p.len;
        }
        const merged = new Uint8Array(size);
        let o = 0;
        for (const b of bytes) {
          merged.set(b, o);
          o += b.length;
        }
        m.mergedData = merged;
        (m as InputSection & { mergedSize?: number }).mergedSize = size;
        // An offset inside a piece maps to the same offset inside its kept copy (possibly in another section).
        const table = redirect;
        m.mergeMap = (off: number) => {
          let lo = 0;
          let hi = table.length - 1;
          while (lo <= hi) {
            const mid = (lo + hi) >> 1;
            const r = table[mid]!;
            if (off < r.from) hi = mid - 1;
            else if (off >= r.from + r.len) lo = mid + 1;
            else return r.to.offset - m.offset + r.toAt + (off - r.from);
          }
          // past the end (e.g. a symbol at the very end): keep relative to the end
          return (table.length ? size : 0) + (off - m.size);
        };
      }
    }
  }
}
