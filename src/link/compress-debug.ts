// --compress-debug-sections=zlib|zlib-gabi|zlib-gnu|zstd: the output's .debug_* sections compressed as GNU ld
// compresses them (bfd compress.c), each only when that makes it smaller:
//   zlib, zlib-gabi  SHF_COMPRESSED with an Elf64_Chdr (ELFCOMPRESS_ZLIB), sh_addralign 8;
//   zlib-gnu         renamed .zdebug_*, contents "ZLIB" + the size (8 bytes, big-endian) + the zlib stream;
//   zstd             SHF_COMPRESSED, ELFCOMPRESS_ZSTD — only where Node has a zstd codec (zlib.zstdCompressSync,
//                    Node >= 22.15); on Node 20 the option is refused with that reason before linking.
// It works on the finished file: the non-allocated tail (debug sections, then .symtab, .strtab, .shstrtab) is laid
// out again with the new sizes, the section headers follow, and the build-id is computed again over the result.
import { createHash } from 'node:crypto';
import * as zlib from 'node:zlib';
import { LinkError } from './errors.ts';

import type { CompressStyle } from './options.ts';

const SHF_ALLOC = 2;
const SHF_COMPRESSED = 0x800;
const SHT_NOBITS = 8;
const SHT_NOTE = 7;
const ELFCOMPRESS_ZLIB = 1;
const ELFCOMPRESS_ZSTD = 2;

type ZstdCompress = (data: Uint8Array) => Buffer;

/** Node's zstd compressor, if this Node has one. */
function zstdCodec(): ZstdCompress | undefined {
  const f = (zlib as unknown as { zstdCompressSync?: ZstdCompress }).zstdCompressSync;
  return typeof f === 'function' ? f : undefined;
}

/** Refuse zstd where this Node has no codec (called before linking). */
export function checkCodec(style: CompressStyle): void {
  if (style === 'zstd' && !zstdCodec()) {
    throw new LinkError(`--compress-debug-sections=zstd: this Node.js (${process.version}) has no zstd codec (node:zlib has one from Node 22.15); use --compress-debug-sections=zlib`);
  }
}

interface Shdr {
  name: string;
  type: number;
  flags: bigint;
  addr: bigint;
  offset: number;
  size: number;
  link: number;
  info: number;
  align: bigint;
  entsize: bigint;
  data: Uint8Array;
}

function compressOne(s: Shdr, style: CompressStyle): void {
  if (!s.name.startsWith('.debug') || s.size === 0 || (s.flags & BigInt(SHF_COMPRESSED)) !== 0n) return;
  if (style === 'zlib-gnu') {
    const z = zlib.deflateSync(s.data);
    if (12 + z.length >= s.size) return;
    const out = new Uint8Array(12 + z.length);
    out.set([0x5a, 0x4c, 0x49, 0x42], 0); // "ZLIB"
    new DataView(out.buffer).setBigUint64(4, BigInt(s.size), false);
    out.set(z, 12);
    s.name = '.zdebug' + s.name.slice('.debug'.length);
    s.data = out;
  } else {
    const z = style === 'zstd' ? zstdCodec()!(s.data) : zlib.deflateSync(s.data);
    if (24 + z.length >= s.size) return;
    const out = new Uint8Array(24 + z.length);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, style === 'zstd' ? ELFCOMPRESS_ZSTD : ELFCOMPRESS_ZLIB, true);
    dv.setBigUint64(8, BigInt(s.size), true);
    dv.setBigUint64(16, s.align, true);
    out.set(z, 24);
    s.data = out;
    s.flags |= BigInt(SHF_COMPRESSED);
    s.align = 8n;
  }
  s.size = s.data.length;
}

/** Compress the debug sections of a finished executable; buildId is the --build-id style (undefined: none). */
export function compressDebugSections(file: Uint8Array, style: CompressStyle, buildId: string | undefined): Uint8Array {
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const shoff = Number(v.getBigUint64(0x28, true));
  const shnum = v.getUint16(0x3c, true);
  const shstrndx = v.getUint16(0x3e, true);
  const raw: Omit<Shdr, 'name'>[] & { nameOff?: number }[] = [];
  const nameOffs: number[] = [];
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * 64;
    const offset = Number(v.getBigUint64(at + 24, true));
    const size = Number(v.getBigUint64(at + 32, true));
    const type = v.getUint32(at + 4, true);
    nameOffs.push(v.getUint32(at, true));
    raw.push({
      type, flags: v.getBigUint64(at + 8, true), addr: v.getBigUint64(at + 16, true), offset, size,
      link: v.getUint32(at + 40, true), info: v.getUint32(at + 44, true), align: v.getBigUint64(at + 48, true), entsize: v.getBigUint64(at + 56, true),
      data: type === SHT_NOBITS ? new Uint8Array(0) : file.subarray(offset, offset + size),
    });
  }
  const strtab = raw[shstrndx]!.data;
  const nameAt = (off: number): string => {
    let e = off;
    while (strtab[e] !== 0) e++;
    return Buffer.from(strtab.subarray(off, e)).toString('latin1');
  };
  const shdrs: Shdr[] = raw.map((r, i) => ({ ...r, name: i === 0 ? '' : nameAt(nameOffs[i]!) }));
  const tail = shdrs.filter((s, i) => i > 0 && (s.flags & BigInt(SHF_ALLOC)) === 0n && s.type !== SHT_NOBITS).sort((a, b) => a.offset - b.offset);
  if (tail.length === 0) return file;
  for (const s of tail) compressOne(s, style);
  // .shstrtab again: zlib-gnu renames sections.
  const names = new Map<string, number>();
  const parts: Buffer[] = [Buffer.from([0])];
  let len = 1;
  for (const s of shdrs.slice(1)) {
    if (names.has(s.name)) continue;
    names.set(s.name, len);
    const b = Buffer.from(s.name + '\0', 'latin1');
    parts.push(b);
    len += b.length;
  }
  const shstr = shdrs[shstrndx]!;
  shstr.data = new Uint8Array(Buffer.concat(parts));
  shstr.size = shstr.data.length;
  // Lay the tail out again after the allocated part.
  let off = tail[0]!.offset;
  for (const s of tail) {
    const a = Number(s.align > 0n ? s.align : 1n);
    off = Math.ceil(off / a) * a;
    s.offset = off;
    off += s.size;
  }
  const newShoff = Math.ceil(off / 8) * 8;
  const out = new Uint8Array(newShoff + shnum * 64);
  out.set(file.subarray(0, tail[0]!.offset), 0);
  for (const s of tail) out.set(s.data, s.offset);
  const w = new DataView(out.buffer);
  w.setBigUint64(0x28, BigInt(newShoff), true);
  shdrs.forEach((s, i) => {
    const at = newShoff + i * 64;
    if (i === 0) return;
    w.setUint32(at, names.get(s.name)!, true);
    w.setUint32(at + 4, s.type, true);
    w.setBigUint64(at + 8, s.flags, true);
    w.setBigUint64(at + 16, s.addr, true);
    w.setBigUint64(at + 24, BigInt(s.offset), true);
    w.setBigUint64(at + 32, BigInt(s.size), true);
    w.setUint32(at + 40, s.link, true);
    w.setUint32(at + 44, s.info, true);
    w.setBigUint64(at + 48, s.align, true);
    w.setBigUint64(at + 56, s.entsize, true);
  });
  // The build-id covers the file as written: hash it again (its descriptor zeroed, as when it was made).
  const bid = shdrs.find((s) => s.name === '.note.gnu.build-id' && s.type === SHT_NOTE);
  if (bid && buildId !== undefined && (buildId === 'sha1' || buildId === 'md5' || buildId === 'fast' || buildId === 'tree')) {
    const desc = bid.offset + 16;
    const n = bid.size - 16;
    out.fill(0, desc, desc + n);
    const digest = createHash(buildId === 'md5' ? 'md5' : 'sha1').update(out).digest();
    out.set(digest.subarray(0, n), desc);
  }
  return out;
}
