// An indexed archive read the way a linker uses it: the symbol index and the long-name table up front,
// then only the members asked for, each header and its data read from the file when wanted. Archives
// it cannot serve (thin, no index) are for Archive, which reads them whole.
import { closeSync, fstatSync, openSync } from 'node:fs';
import { AR_HEADER_SIZE as HDR, ArchiveParser, archiveKind, type ArchiveMember, type RawHeader, type SymbolIndex } from './archive.ts';
import { readAtShared } from './bytes.ts';
import { FormatError } from './errors.ts';

export class LazyArchive {
  readonly file: string;
  readonly symbolIndex: SymbolIndex;
  private readonly parser: ArchiveParser;
  /** Where ordinary members start: after the index and the long-name table. */
  private readonly firstMember: number;
  private fd: number | undefined;
  private readonly members = new Map<number, ArchiveMember>();
  /** The header offsets the index names, sorted: where each indexed member's extent ends. */
  private ends: Float64Array | undefined;
  /** The bytes memberAt read with the last header (header, then as much of the data as read), for data(). */
  private lastRead: { off: number; bytes: Uint8Array } | undefined;

  private constructor(file: string, fd: number, parser: ArchiveParser, symbolIndex: SymbolIndex, firstMember: number) {
    this.file = file;
    this.fd = fd;
    this.parser = parser;
    this.symbolIndex = symbolIndex;
    this.firstMember = firstMember;
  }

  /**
   * Open `file` and read its symbol index and long-name table; undefined when it is to be read whole
   * instead (thin, no symbol index or an empty one). Throws Node's error if it cannot be opened.
   */
  static open(file: string): LazyArchive | undefined {
    const fd = openSync(file, 'r');
    let lazy: LazyArchive | undefined;
    try {
      lazy = LazyArchive.start(file, fd);
      return lazy;
    } finally {
      if (!lazy) closeSync(fd);
    }
  }

  private static start(file: string, fd: number): LazyArchive | undefined {
    const size = fstatSync(fd).size;
    if (size < 8 + HDR) return undefined; // empty or truncated: Archive says which
    const head = readExactly(file, fd, 0, 8 + HDR);
    if (archiveKind(head) !== 'gnu') return undefined;
    const parser = new ArchiveParser(file, false, size);
    // GNU ar writes the index first and the long names right after it.
    const first = parser.header(head, 8, 8);
    if (first.rawName !== '/' && first.rawName !== '/SYM64/') return undefined;
    parser.checkData(first, 8);
    const index = parser.index(readExactly(file, fd, 8 + HDR, first.size), 8 + HDR, first.rawName === '/' ? 4 : 8);
    if (index.names.length === 0) return undefined;
    let next = even(8 + HDR + first.size);
    if (next + HDR <= size) {
      const raw = parser.header(readExactly(file, fd, next, HDR), 0, next);
      if (raw.rawName === '//') {
        parser.checkData(raw, next);
        parser.longNames = readExactly(file, fd, next + HDR, raw.size);
        next = even(next + HDR + raw.size);
      }
    }
    return new LazyArchive(file, fd, parser, index, next);
  }

  /**
   * The member whose header is at `off` (from the symbol index), its header read and checked now. Throws
   * FormatError when no member header is there.
   */
  memberAt(off: number): ArchiveMember {
    let m = this.members.get(off);
    if (m) return m;
    const size = this.parser.fileSize;
    const notHeader = (why: string, at = off): never => {
      throw new FormatError(this.file, `symbol index points at 0x${off.toString(16)}, which is not a member header: ${why}`, at);
    };
    if (off >= size) notHeader(`past the end of the archive (${size} bytes)`);
    if (off < this.firstMember) notHeader(off < 8 ? 'inside the magic' : 'inside the symbol index or the long-name table');
    if (off % 2 !== 0) notHeader('members start at even offsets');
    // One read for the header and, up to the next indexed member, the data that follows it.
    const h = this.read(off, Math.min(Math.max(HDR, this.extentAt(off)), size - off));
    let raw: RawHeader | undefined;
    try {
      raw = this.parser.header(h, 0, off);
    } catch (e) {
      if (e instanceof FormatError) notHeader(e.cause_, e.offset);
      throw e;
    }
    if (raw!.special) notHeader(`a "${raw!.rawName}" table is there`);
    this.parser.checkData(raw!, off);
    m = this.parser.member(h, 0, off, raw!, (n) => (HDR + n <= h.length ? h.subarray(HDR, HDR + n) : this.read(off + HDR, n)));
    this.members.set(off, m);
    this.lastRead = { off, bytes: h };
    return m;
  }

  /** Bytes from `off` to the next member the index names (a bound on the member there; 0 past the last). */
  private extentAt(off: number): number {
    let ends = this.ends;
    if (!ends) {
      ends = Float64Array.from(new Set(this.symbolIndex.memberOffsets)).sort();
      this.ends = ends;
    }
    let lo = 0;
    let hi = ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ends[mid]! <= off) lo = mid + 1;
      else hi = mid;
    }
    return lo < ends.length ? Math.min(ends[lo]! - off, MAX_AHEAD) : 0;
  }

  /** A member's bytes: those memberAt read with its header, or read now. */
  data(m: ArchiveMember): Uint8Array {
    const last = this.lastRead;
    this.lastRead = undefined;
    const at = m.dataOffset - m.headerOffset;
    if (last && last.off === m.headerOffset && at + m.size <= last.bytes.length) return last.bytes.subarray(at, at + m.size);
    return this.read(m.dataOffset, m.size);
  }

  /** Close the file; later reads (messages after loading) open it again for each read. */
  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }

  private read(at: number, length: number): Uint8Array {
    let fd = this.fd;
    try {
      fd ??= openSync(this.file, 'r');
    } catch (e) {
      throw new FormatError(this.file, `cannot open it again: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    try {
      return readExactly(this.file, fd, at, length);
    } finally {
      if (fd !== this.fd) closeSync(fd);
    }
  }
}

/** The most memberAt reads ahead (bigger members are read on their own, sized from their header). */
const MAX_AHEAD = 1 << 20;

function even(n: number): number {
  return n + (n & 1);
}

/** `length` bytes at `at`; the sizes were checked against the file's, so fewer means it changed. */
function readExactly(file: string, fd: number, at: number, length: number): Uint8Array {
  let d: Uint8Array;
  try {
    d = readAtShared(fd, at, length);
  } catch (e) {
    throw new FormatError(file, `cannot read ${length} bytes: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, at);
  }
  if (d.length < length) throw new FormatError(file, `the file shrank while it was read (${d.length} of ${length} bytes)`, at);
  return d;
}
