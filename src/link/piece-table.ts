// Byte strings stored once: an open-addressing hash table over typed arrays that finds a piece by its
// hash and then its bytes, appending new pieces to one buffer. Used to merge SHF_MERGE sections and to
// build the output's string table; nothing is allocated per piece.

/** FNV-1a over d[at, at + len), with a final mix so that the low bits (the table index) depend on every byte. */
export function hashBytes(d: Uint8Array, at: number, len: number): number {
  let h = 0x811c9dc5;
  for (let i = at, e = at + len; i < e; i++) h = Math.imul(h ^ d[i]!, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** An Int32Array twice as long, with the old contents (tables grow instead of being sized for the worst case). */
export function doubled(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/**
 * The kept pieces of one group, in an open-addressing table over typed arrays: a piece is found by
 * its hash and then its bytes; a new one is appended to buf, the group's merged contents.
 */
export class PieceTable {
  /** The kept pieces' bytes, back to back (grows when a piece does not fit). */
  buf: Uint8Array;
  /** Where the next kept piece goes in buf. */
  end = 0;
  count = 0;
  /** Per kept piece, 4 entries: position in buf, section (index into the group) it is kept for, length, hash. */
  kept: Int32Array;
  /** Kept piece + 1; 0 is an empty slot. */
  private slots: Int32Array;

  /** For `bytes` of input in about `pieces` pieces (the tables grow past that). */
  constructor(bytes: number, pieces: number) {
    this.buf = new Uint8Array(bytes);
    this.kept = new Int32Array(4 * pieces);
    let slots = 1024;
    while (slots < 2 * pieces) slots *= 2;
    this.slots = new Int32Array(slots);
  }

  /** The kept piece equal to d[at, at + len), kept for section sec if it is new. */
  intern(d: Uint8Array, at: number, len: number, sec: number): number {
    const h = hashBytes(d, at, len);
    const slots = this.slots;
    const mask = slots.length - 1;
    let kept = this.kept;
    let slot = h & mask;
    for (let k = slots[slot]!; k !== 0; slot = (slot + 1) & mask, k = slots[slot]!) {
      const e = 4 * (k - 1);
      if (kept[e + 3] === h && kept[e + 2] === len && sameBytes(this.buf, kept[e]!, d, at, len)) return k - 1;
    }
    const id = this.count++;
    slots[slot] = id + 1;
    if (4 * id === kept.length) kept = this.kept = doubled(kept);
    const e = 4 * id;
    kept[e] = this.end;
    kept[e + 1] = sec;
    kept[e + 2] = len;
    kept[e + 3] = h;
    if (this.end + len > this.buf.length) this.grow(len);
    const buf = this.buf;
    for (let k = 0, o = this.end; k < len; k++, o++) buf[o] = d[at + k]!;
    this.end += len;
    if (this.count * 2 > slots.length) this.rehash();
    return id;
  }

  private grow(len: number): void {
    const bigger = new Uint8Array(Math.max(2 * this.buf.length, this.end + len));
    bigger.set(this.buf.subarray(0, this.end));
    this.buf = bigger;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let id = 0; id < this.count; id++) {
      let slot = this.kept[4 * id + 3]! & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = id + 1;
    }
    this.slots = slots;
  }
}

function sameBytes(a: Uint8Array, aAt: number, b: Uint8Array, bAt: number, len: number): boolean {
  for (let k = 0; k < len; k++) if (a[aAt + k] !== b[bAt + k]) return false;
  return true;
}

