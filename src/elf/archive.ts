// Unix ar archives as GNU ar writes them: the "/" (or "/SYM64/") symbol index, the "//" long-name table,
// thin archives ("!<thin>", members stay in their own files) and archives with no index at all.
import { statSync, type Stats } from 'node:fs';
import { readBytes } from './bytes.ts';
import { dirname, isAbsolute, join } from 'node:path';
import { FormatError } from './errors.ts';
import { latin1, latin1OrUtf8 } from './reader.ts';

export const AR_MAGIC = '!<arch>\n';
export const THIN_MAGIC = '!<thin>\n';
/** The size of a member header. */
export const AR_HEADER_SIZE = 60;
const HDR = AR_HEADER_SIZE;

export interface ArchiveMember {
  /** The member's name, long names resolved, trailing "/" removed. */
  name: string;
  /** Offset of the member's 60-byte header in the archive. */
  headerOffset: number;
  /** Offset of its data in the archive (thin archives: not stored there). */
  dataOffset: number;
  size: number;
  date: number;
  uid: number;
  gid: number;
  mode: number;
  /** For thin archives, the path of the member's file as stored. */
  path?: string;
}

export interface ArchiveSymbol {
  name: string;
  /** Header offset of the member that defines it. */
  memberOffset: number;
}

export function archiveKind(bytes: Uint8Array): 'gnu' | 'thin' | undefined {
  if (bytes.length < 8) return undefined;
  const m = String.fromCharCode(...bytes.subarray(0, 8));
  if (m === AR_MAGIC) return 'gnu';
  if (m === THIN_MAGIC) return 'thin';
  return undefined;
}

/** The symbol index as stored: names and the header offsets of the members defining them, in order. */
export interface SymbolIndex {
  names: string[];
  memberOffsets: number[];
}

/** A member header's checked size and name field (not yet resolved: "/123" is a long-name reference). */
export interface RawHeader {
  rawName: string;
  size: number;
  /** The symbol index or the long-name table. */
  special: boolean;
}

/**
 * The one parser of member headers, the long-name table and the symbol index. It checks header bytes
 * wherever they came from: a view into the whole archive or a header read on its own from the file.
 */
export class ArchiveParser {
  readonly file: string;
  readonly thin: boolean;
  /** The archive's size in bytes, that member data must lie within. */
  readonly fileSize: number;
  /** The "//" table, once seen. */
  longNames: Uint8Array | undefined;

  constructor(file: string, thin: boolean, fileSize: number) {
    this.file = file;
    this.thin = thin;
    this.fileSize = fileSize;
  }

  fail(cause: string, offset?: number): never {
    throw new FormatError(this.file, cause, offset);
  }

  /** Check the header at archive offset `off`, whose bytes start at h[at]: the terminator and the size field. */
  header(h: Uint8Array, at: number, off: number): RawHeader {
    if (off + HDR > this.fileSize) this.fail(`truncated member header (${this.fileSize - off} of ${HDR} bytes)`, off);
    if (h[at + 58] !== 0x60 || h[at + 59] !== 0x0a) this.fail('member header has a bad terminator (expected "`\\n")', off + 58);
    const rawName = field(h, at, 0, 16);
    const size = this.num(h, at, off, 48, 10, 10, 'size');
    const special = rawName === '/' || rawName === '/SYM64/' || rawName === '//' || rawName === '/SYM64';
    return { rawName, size, special };
  }

  /** Check that the data of the member whose header is at `off` lies within the archive. */
  checkData(raw: RawHeader, off: number): void {
    // Thin archives keep only the index and the long names in the archive itself.
    if (this.stored(raw.special) && off + HDR + raw.size > this.fileSize) this.fail(`member data (${raw.size} bytes) runs past the end of the archive (${this.fileSize} bytes)`, off + 48);
  }

  /** Whether a member's data follows its header in the archive. */
  stored(special: boolean): boolean {
    return !this.thin || special;
  }

  /**
   * An ordinary member from its checked header; `after(n)` gives the n bytes after the header (where a
   * BSD long name is).
   */
  member(h: Uint8Array, at: number, off: number, raw: RawHeader, after: (n: number) => Uint8Array): ArchiveMember {
    const { rawName } = raw;
    let name: string;
    let dataOffset = off + HDR;
    let size = raw.size;
    if (rawName.startsWith('#1/')) {
      // BSD: the name follows the header and counts in the size.
      const n = parseDecimal(rawName.slice(3));
      if (n === undefined || n > size) this.fail(`bad BSD long name length "${rawName}"`, off);
      const bsd = after(n);
      name = latin1OrUtf8(bsd, 0, bsd.length).replace(/\0+$/, '');
      dataOffset += n;
      size -= n;
    } else if (rawName.startsWith('/') && rawName.length > 1) {
      const ref = parseDecimal(rawName.slice(1));
      const longNames = this.longNames;
      if (ref === undefined) this.fail(`bad long-name reference "${rawName}"`, off);
      if (!longNames) this.fail(`long-name reference "${rawName}" but the archive has no "//" table`, off);
      if (ref >= longNames.length) this.fail(`long-name reference ${ref} is past the end of the "//" table (${longNames.length} bytes)`, off);
      let end = ref;
      while (end < longNames.length && longNames[end] !== 0x0a && longNames[end] !== 0) end++;
      name = latin1OrUtf8(longNames, ref, end);
      if (name.endsWith('/')) name = name.slice(0, -1);
    } else {
      name = rawName.endsWith('/') ? rawName.slice(0, -1) : rawName;
    }
    const m: ArchiveMember = {
      name,
      headerOffset: off,
      dataOffset,
      size,
      date: this.num(h, at, off, 16, 12, 10, 'date'),
      uid: this.num(h, at, off, 28, 6, 10, 'uid'),
      gid: this.num(h, at, off, 34, 6, 10, 'gid'),
      mode: this.num(h, at, off, 40, 8, 8, 'mode'),
    };
    if (this.thin) m.path = name;
    return m;
  }

  /** A numeric field: digits then blanks (all blank: 0). Read from the bytes; the text is made only for the error. */
  private num(h: Uint8Array, at: number, off: number, fieldAt: number, len: number, radix: number, what: string): number {
    const start = at + fieldAt;
    let end = start + len;
    while (end > start && isBlank(h[end - 1]!)) end--;
    let v = 0;
    for (let i = start; i < end; i++) {
      const d = h[i]! - 0x30;
      if (!(d >= 0 && d < radix)) this.fail(`member header field ${what} "${field(h, at, fieldAt, len)}" is not a number`, off + fieldAt);
      v = v * radix + d;
    }
    return v;
  }

  /** The symbol index whose data (of the "/" or "/SYM64/" member) is `d`, at archive offset `at`. */
  index(d: Uint8Array, at: number, width: 4 | 8): SymbolIndex {
    const size = d.length;
    if (size < width) this.fail(`symbol index too small (${size} bytes)`, at);
    const dv = new DataView(d.buffer, d.byteOffset, size);
    const count = width === 4 ? dv.getUint32(0, false) : Number(dv.getBigUint64(0, false));
    if (count > (size - width) / width) this.fail(`symbol index claims ${count} entries, more than fit in ${size} bytes`, at);
    const memberOffsets = new Array<number>(count);
    for (let i = 0; i < count; i++) memberOffsets[i] = width === 4 ? dv.getUint32(width + i * width, false) : Number(dv.getBigUint64(width + i * width, false));
    return { names: this.indexNames(d, at, width + count * width, count), memberOffsets };
  }

  /** The `count` NUL-terminated names from d[from]. */
  private indexNames(d: Uint8Array, at: number, from: number, count: number): string[] {
    const area = d.subarray(from);
    const names = ascii(area) ? Buffer.from(area.buffer, area.byteOffset, area.length).toString('latin1').split('\0') : undefined;
    // split gives the unterminated rest last: `count` names need `count` terminators.
    if (names && names.length > count) {
      names.length = count;
      return names;
    }
    const out: string[] = [];
    let p = from;
    for (let i = 0; i < count; i++) {
      let end = p;
      while (end < d.length && d[end] !== 0) end++;
      if (end >= d.length) this.fail(`symbol index name ${i} runs past the end of the index`, at + p);
      out.push(latin1OrUtf8(d, p, end));
      p = end + 1;
    }
    return out;
  }
}

/** A header field as text (each byte a character), trailing blanks dropped. */
function field(h: Uint8Array, at: number, fieldAt: number, len: number): string {
  const start = at + fieldAt;
  let end = start + len;
  while (end > start && isBlank(h[end - 1]!)) end--;
  return latin1(h, start, end);
}

/** What String.prototype.trimEnd drops, among single-byte characters. */
function isBlank(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0;
}

function ascii(d: Uint8Array): boolean {
  for (let i = 0; i < d.length; i++) if (d[i]! >= 0x80) return false;
  return true;
}

export class Archive {
  readonly file: string;
  readonly bytes: Uint8Array;
  readonly thin: boolean;
  readonly members: ArchiveMember[] = [];
  /** The symbol index, or undefined when the archive has none. */
  readonly symbolIndex: SymbolIndex | undefined;
  private readonly thinCache = new Map<string, Uint8Array>();

  constructor(bytes: Uint8Array, file: string) {
    this.file = file;
    this.bytes = bytes;
    const kind = archiveKind(bytes);
    if (!kind) throw new FormatError(file, 'not an ar archive (bad magic)', 0);
    this.thin = kind === 'thin';
    const parser = new ArchiveParser(file, this.thin, bytes.length);
    let index: SymbolIndex | undefined;
    let off = 8;
    while (off < bytes.length) {
      if (bytes.length - off === 1 && bytes[off] === 0x0a) break; // odd padding at the very end
      const raw = parser.header(bytes, off, off);
      parser.checkData(raw, off);
      const { rawName, size } = raw;
      const dataOffset = off + HDR;
      if (rawName === '/' || rawName === '/SYM64/') {
        if (index !== undefined) parser.fail('second symbol index', off);
        index = parser.index(bytes.subarray(dataOffset, dataOffset + size), dataOffset, rawName === '/' ? 4 : 8);
      } else if (rawName === '//') {
        parser.longNames = bytes.subarray(dataOffset, dataOffset + size);
      } else {
        this.members.push(parser.member(bytes, off, off, raw, (n) => bytes.subarray(dataOffset, dataOffset + n)));
      }
      off = dataOffset + (parser.stored(raw.special) ? size : 0);
      if (off & 1) off++;
    }
    if (index) {
      const starts = new Set(this.members.map((m) => m.headerOffset));
      index.memberOffsets.forEach((at, i) => {
        if (!starts.has(at)) parser.fail(`symbol index entry "${index.names[i]}" points at 0x${at.toString(16)}, which is not a member header`, 8);
      });
    }
    this.symbolIndex = index;
  }

  private symbolList: ArchiveSymbol[] | undefined;

  /** The symbol index as one entry per symbol, or undefined when the archive has none. */
  get symbols(): ArchiveSymbol[] | undefined {
    const index = this.symbolIndex;
    if (!index) return undefined;
    this.symbolList ??= index.names.map((name, i) => ({ name, memberOffset: index.memberOffsets[i]! }));
    return this.symbolList;
  }

  /** The bytes of a member: a view into the archive, or for thin archives the external file. */
  data(m: ArchiveMember): Uint8Array {
    if (!this.thin) return this.bytes.subarray(m.dataOffset, m.dataOffset + m.size);
    const p = this.memberPath(m);
    let d = this.thinCache.get(p);
    if (!d) {
      // Check what the name points at before reading it: a damaged name must not make us read a
      // device (/dev/zero never ends) or a file of a size the archive does not claim.
      const cannot = (e: unknown): never => {
        throw new FormatError(this.file, `thin archive member ${m.name}: cannot read ${p}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, m.headerOffset);
      };
      let st: Stats | undefined;
      try {
        st = statSync(p);
      } catch (e) {
        cannot(e);
      }
      if (!st!.isFile()) throw new FormatError(this.file, `thin archive member ${m.name}: ${p} is not a regular file`, m.headerOffset);
      if (st!.size !== m.size) throw new FormatError(this.file, `thin archive member ${m.name}: ${p} is ${st!.size} bytes, the archive says ${m.size}`, m.headerOffset);
      try {
        d = readBytes(p);
      } catch (e) {
        cannot(e);
      }
      if (d!.length !== m.size) throw new FormatError(this.file, `thin archive member ${m.name}: ${p} is ${d!.length} bytes, the archive says ${m.size}`, m.headerOffset);
      this.thinCache.set(p, d!);
    }
    return d!;
  }

  /** Thin archive member paths are relative to the archive's directory. */
  memberPath(m: ArchiveMember): string {
    const p = m.path ?? m.name;
    return isAbsolute(p) ? p : join(dirname(this.file), p);
  }

  private byOffset: Map<number, ArchiveMember> | undefined;

  memberAt(headerOffset: number): ArchiveMember | undefined {
    this.byOffset ??= new Map(this.members.map((m) => [m.headerOffset, m]));
    return this.byOffset.get(headerOffset);
  }
}

function parseDecimal(s: string): number | undefined {
  return /^[0-9]+$/.test(s.trim()) ? parseInt(s.trim(), 10) : undefined;
}

export function readArchive(bytes: Uint8Array, file: string): Archive {
  return new Archive(bytes, file);
}
