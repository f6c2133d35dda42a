// Unix ar archives as GNU ar writes them: the "/" (or "/SYM64/") symbol index, the "//" long-name table,
// thin archives ("!<thin>", members stay in their own files) and archives with no index at all.
import { statSync, type Stats } from 'node:fs';
import { readBytes } from './bytes.ts';
import { dirname, isAbsolute, join } from 'node:path';
import { FormatError } from './errors.ts';
import { latin1OrUtf8 } from './reader.ts';

export const AR_MAGIC = '!<arch>\n';
export const THIN_MAGIC = '!<thin>\n';
const HDR = 60;

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

export class Archive {
  readonly file: string;
  readonly bytes: Uint8Array;
  readonly thin: boolean;
  readonly members: ArchiveMember[] = [];
  /** The symbol index, or undefined when the archive has none. */
  readonly symbols: ArchiveSymbol[] | undefined;
  private readonly thinCache = new Map<string, Uint8Array>();

  constructor(bytes: Uint8Array, file: string) {
    this.file = file;
    this.bytes = bytes;
    const kind = archiveKind(bytes);
    if (!kind) throw new FormatError(file, 'not an ar archive (bad magic)', 0);
    this.thin = kind === 'thin';
    let longNames: Uint8Array | undefined;
    let index: ArchiveSymbol[] | undefined;
    let off = 8;
    while (off < bytes.length) {
      if (bytes.length - off === 1 && bytes[off] === 0x0a) break; // odd padding at the very end
      if (off + HDR > bytes.length) this.fail(`truncated member header (${bytes.length - off} of ${HDR} bytes)`, off);
      if (bytes[off + 58] !== 0x60 || bytes[off + 59] !== 0x0a) this.fail('member header has a bad terminator (expected "`\\n")', off + 58);
      const rawName = this.field(off, 0, 16);
      const size = this.num(off, 48, 10, 10, 'size');
      const dataOffset = off + HDR;
      const special = rawName === '/' || rawName === '/SYM64/' || rawName === '//' || rawName === '/SYM64';
      const stored = !this.thin || special;
      if (stored && dataOffset + size > bytes.length) this.fail(`member data (${size} bytes) runs past the end of the archive (${bytes.length} bytes)`, off + 48);
      if (rawName === '/' || rawName === '/SYM64/') {
        if (index !== undefined) this.fail('second symbol index', off);
        index = this.readIndex(dataOffset, size, rawName === '/' ? 4 : 8);
      } else if (rawName === '//') {
        longNames = bytes.subarray(dataOffset, dataOffset + size);
      } else {
        let name: string;
        let dataStart = dataOffset;
        let dataSize = size;
        if (rawName.startsWith('#1/')) {
          // BSD: the name follows the header and counts in the size.
          const n = parseDecimal(rawName.slice(3));
          if (n === undefined || n > size) this.fail(`bad BSD long name length "${rawName}"`, off);
          name = latin1OrUtf8(bytes, dataOffset, dataOffset + n).replace(/\0+$/, '');
          dataStart += n;
          dataSize -= n;
        } else if (rawName.startsWith('/') && rawName.length > 1) {
          const at = parseDecimal(rawName.slice(1));
          if (at === undefined) this.fail(`bad long-name reference "${rawName}"`, off);
          if (!longNames) this.fail(`long-name reference "${rawName}" but the archive has no "//" table`, off);
          if (at >= longNames.length) this.fail(`long-name reference ${at} is past the end of the "//" table (${longNames.length} bytes)`, off);
          let end = at;
          while (end < longNames.length && longNames[end] !== 0x0a && longNames[end] !== 0) end++;
          name = latin1OrUtf8(longNames, at, end);
          if (name.endsWith('/')) name = name.slice(0, -1);
        } else {
          name = rawName.endsWith('/') ? rawName.slice(0, -1) : rawName;
        }
        const m: ArchiveMember = {
          name,
          headerOffset: off,
          dataOffset: dataStart,
          size: dataSize,
          date: this.num(off, 16, 12, 10, 'date'),
          uid: this.num(off, 28, 6, 10, 'uid'),
          gid: this.num(off, 34, 6, 10, 'gid'),
          mode: this.num(off, 40, 8, 8, 'mode'),
        };
        if (this.thin) m.path = name;
        this.members.push(m);
      }
      off = dataOffset + (stored ? size : 0);
      if (off & 1) off++;
    }
    if (index) {
      const starts = new Set(this.members.map((m) => m.headerOffset));
      for (const s of index) {
        if (!starts.has(s.memberOffset)) this.fail(`symbol index entry "${s.name}" points at 0x${s.memberOffset.toString(16)}, which is not a member header`, 8);
      }
    }
    this.symbols = index;
  }

  private fail(cause: string, offset?: number): never {
    throw new FormatError(this.file, cause, offset);
  }

  private field(hdr: number, at: number, len: number): string {
    let s = '';
    for (let i = 0; i < len; i++) s += String.fromCharCode(this.bytes[hdr + at + i]!);
    return s.trimEnd();
  }

  private num(hdr: number, at: number, len: number, radix: number, what: string): number {
    const s = this.field(hdr, at, len);
    if (s === '') return 0;
    const re = radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
    if (!re.test(s)) this.fail(`member header field ${what} "${s}" is not a number`, hdr + at);
    return parseInt(s, radix);
  }

  private readIndex(at: number, size: number, width: number): ArchiveSymbol[] {
    const dv = new DataView(this.bytes.buffer, this.bytes.byteOffset + at, size);
    if (size < width) this.fail(`symbol index too small (${size} bytes)`, at);
    const count = width === 4 ? dv.getUint32(0, false) : Number(dv.getBigUint64(0, false));
    if (count > (size - width) / width) this.fail(`symbol index claims ${count} entries, more than fit in ${size} bytes`, at);
    const namesAt = width + count * width;
    const out: ArchiveSymbol[] = [];
    let p = namesAt;
    for (let i = 0; i < count; i++) {
      const memberOffset = width === 4 ? dv.getUint32(width + i * width, false) : Number(dv.getBigUint64(width + i * width, false));
      let end = p;
      while (end < size && this.bytes[at + end] !== 0) end++;
      if (end >= size) this.fail(`symbol index name ${i} runs past the end of the index`, at + p);
      out.push({ name: latin1OrUtf8(this.bytes, at + p, at + end), memberOffset });
      p = end + 1;
    }
    return out;
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
