// --compress-debug-sections=zlib|zlib-gabi|zlib-gnu|zstd: the output's .debug_* sections compressed as GNU ld
// compresses them (bfd compress.c), each only when that makes it smaller:
//   zlib, zlib-gabi  SHF_COMPRESSED with an Elf64_Chdr (ELFCOMPRESS_ZLIB), sh_addralign 8;
//   zlib-gnu         renamed .zdebug_*, contents "ZLIB" + the size (8 bytes, big-endian) + the zlib stream;
//   zstd             SHF_COMPRESSED, ELFCOMPRESS_ZSTD — only where Node has a zstd codec (zlib.zstdCompressSync,
//                    Node >= 22.15); on Node 20 the option is refused with that reason before linking.
// It works on the finished file: the non-allocated tail (debug sections, then .symtab, .strtab, .shstrtab) is laid
// out again with the new sizes, the section headers follow, and the build-id is computed again over the result.
import * as zlib from 'node:zlib';
import { LinkError } from './errors.ts';
import { readSections, writeSections, type TailSection } from './elf-tail.ts';

import type { CompressStyle } from './options.ts';

const SHF_ALLOC = 2;
const SHF_COMPRESSED = 0x800;
const SHT_NOBITS = 8;
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

function compressOne(s: TailSection, style: CompressStyle): void {
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
  const e = readSections(file);
  e.shdrs.forEach((s, i) => {
    if (i > 0 && (s.flags & BigInt(SHF_ALLOC)) === 0n && s.type !== SHT_NOBITS) compressOne(s, style);
  });
  return writeSections(e, buildId);
}
