// ELF string tables (.strtab, .shstrtab): a check readers make before decoding a name, and a builder
// that deduplicates strings and, optionally, merges a string into the tail of a longer one (".text"
// inside ".rela.text") exactly as GNU BFD does, so a table built from the same strings in the same order
// is byte-identical to the one GNU as, ld or objcopy would write.
//
// GNU's algorithm (bfd/elf-strtab.c, _bfd_elf_strtab_finalize): strings keep their first-insertion
// order; they are sorted by their reversed bytes, each string that is a proper suffix of the next
// longer one in that order is dropped and pointed into it, and the survivors are laid out in
// insertion order after the leading NUL.

const encoder = new TextEncoder();

interface Entry {
  bytes: Uint8Array;
  /** Offset in the finished table; -1 until finalize(). */
  offset: number;
}

export interface StringTableOptions {
  /** Merge strings that are suffixes of longer ones, as GNU does (default false: dedup only). */
  tailMerge?: boolean;
}

export class StringTableBuilder {
  readonly tailMerge: boolean;
  private readonly entries = new Map<string, Entry>();
  private readonly order: Entry[] = [];
  private table: Uint8Array | undefined;

  constructor(opts: StringTableOptions = {}) {
    this.tailMerge = opts.tailMerge ?? false;
  }

  /** Add a string (a JS string is encoded as UTF-8; bytes are taken as they are). Adding twice is a no-op. */
  add(s: string | Uint8Array): void {
    const bytes = typeof s === 'string' ? encoder.encode(s) : s;
    if (bytes.length === 0) return;
    if (bytes.includes(0)) throw new Error(`string table: string contains a NUL byte: ${JSON.stringify(keyOf(bytes))}`);
    const key = keyOf(bytes);
    if (this.entries.has(key)) return;
    if (this.table) throw new Error('string table: add() after finalize()');
    const e: Entry = { bytes: bytes.slice(), offset: -1 };
    this.entries.set(key, e);
    this.order.push(e);
  }

  /** Lay the table out (idempotent); afterwards offsetOf() works and add() of a new string throws. */
  finalize(): Uint8Array {
    if (this.table) return this.table;
    let kept: Entry[] = this.order;
    const suffixOf = new Map<Entry, Entry>();
    if (this.tailMerge && this.order.length > 1) {
      const sorted = [...this.order].sort(revCompare);
      // Walk from the longest-reversed end: each string that is a proper suffix of the current
      // survivor is merged into it (GNU's loop, which keeps "d" pointing into "abcd", not "bcd").
      let e = sorted[sorted.length - 1]!;
      for (let i = sorted.length - 2; i >= 0; i--) {
        const c = sorted[i]!;
        if (isProperSuffix(e.bytes, c.bytes)) suffixOf.set(c, e);
        else e = c;
      }
      kept = this.order.filter((x) => !suffixOf.has(x));
    }
    let size = 1;
    for (const e of kept) {
      e.offset = size;
      size += e.bytes.length + 1;
    }
    for (const [c, e] of suffixOf) c.offset = e.offset + e.bytes.length - c.bytes.length;
    const out = new Uint8Array(size);
    for (const e of kept) out.set(e.bytes, e.offset);
    this.table = out;
    return out;
  }

  /** The offset of a string that was added (0 for ""). Finalizes the table. */
  offsetOf(s: string | Uint8Array): number {
    const bytes = typeof s === 'string' ? encoder.encode(s) : s;
    if (bytes.length === 0) return 0;
    this.finalize();
    const e = this.entries.get(keyOf(bytes));
    if (!e) throw new Error(`string table: ${JSON.stringify(keyOf(bytes))} was never added`);
    return e.offset;
  }

  /** The finished table's size in bytes. */
  get size(): number {
    return this.finalize().length;
  }
}

/** A Map key for a byte string: each byte as one UTF-16 unit, so distinct byte strings never collide. */
function keyOf(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}

/** GNU's strrevcmp: compare byte strings from their last byte backwards; on a tie the shorter first. */
function revCompare(x: Entry, y: Entry): number {
  const a = x.bytes;
  const b = y.bytes;
  let i = a.length - 1;
  let j = b.length - 1;
  for (let l = Math.min(a.length, b.length); l > 0; l--, i--, j--) {
    if (a[i] !== b[j]) return a[i]! - b[j]!;
  }
  return a.length - b.length;
}

function isProperSuffix(long: Uint8Array, short: Uint8Array): boolean {
  if (long.length <= short.length) return false;
  const d = long.length - short.length;
  for (let i = 0; i < short.length; i++) if (long[d + i] !== short[i]) return false;
  return true;
}

/** Build a string table from strings in the given order (e.g. symbol names in index order). */
export function buildStringTable(strings: Iterable<string | Uint8Array>, opts: StringTableOptions = {}): { table: Uint8Array; builder: StringTableBuilder } {
  const b = new StringTableBuilder(opts);
  for (const s of strings) b.add(s);
  return { table: b.finalize(), builder: b };
}

/**
 * Whether a NUL-terminated string surely starts at d[off]: off is inside a table that ends in NUL. When
 * not, cstring decides (and reports what is wrong); checking this first spares scanning every name.
 */
export function surelyTerminated(d: Uint8Array, off: number): boolean {
  return off < d.length && d[d.length - 1] === 0;
}
