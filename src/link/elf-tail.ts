// Rewriting the non-allocated tail of a finished executable (the passes that change it after the image is
// built: --compress-debug-sections, --emit-relocs): the section headers read back with their names and
// contents, changed or added to, then the tail laid out again after the allocated part, a new .shstrtab,
// the section headers last, and the build-id hashed again over the new file.
import { createHash } from 'node:crypto';

const SHF_ALLOC = 2n;
const SHT_NOBITS = 8;
const SHT_NOTE = 7;

export interface TailSection {
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

export interface ElfSections {
  file: Uint8Array;
  shdrs: TailSection[];
  shstrndx: number;
}

export function readSections(file: Uint8Array): ElfSections {
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const shoff = Number(v.getBigUint64(0x28, true));
  const shnum = v.getUint16(0x3c, true);
  const shstrndx = v.getUint16(0x3e, true);
  const raw: (Omit<TailSection, 'name'> & { nameOff: number })[] = [];
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * 64;
    const offset = Number(v.getBigUint64(at + 24, true));
    const size = Number(v.getBigUint64(at + 32, true));
    const type = v.getUint32(at + 4, true);
    raw.push({
      nameOff: v.getUint32(at, true), type, flags: v.getBigUint64(at + 8, true), addr: v.getBigUint64(at + 16, true), offset, size,
      link: v.getUint32(at + 40, true), info: v.getUint32(at + 44, true), align: v.getBigUint64(at + 48, true), entsize: v.getBigUint64(at + 56, true),
      data: type === SHT_NOBITS || i === 0 ? new Uint8Array(0) : file.subarray(offset, offset + size),
    });
  }
  const strtab = raw[shstrndx]!.data;
  const nameAt = (off: number): string => {
    let e = off;
    while (strtab[e] !== 0) e++;
    return Buffer.from(strtab.subarray(off, e)).toString('latin1');
  };
  const shdrs = raw.map(({ nameOff, ...r }, i) => ({ ...r, name: i === 0 ? '' : nameAt(nameOff) }));
  return { file, shdrs, shstrndx };
}

/** The file again: the allocated part as it was, then the non-allocated sections (in `shdrs` order, old ones by offset first). */
export function writeSections(e: ElfSections, buildId: string | undefined): Uint8Array {
  const { file, shdrs, shstrndx } = e;
  const isTail = (s: TailSection, i: number) => i > 0 && (s.flags & SHF_ALLOC) === 0n && s.type !== SHT_NOBITS;
  const oldTail = shdrs.filter((s, i) => isTail(s, i) && s.offset > 0).sort((a, b) => a.offset - b.offset);
  const newTail = shdrs.filter((s, i) => isTail(s, i) && s.offset === 0);
  const tail = [...oldTail, ...newTail];
  // .shstrtab again (sections renamed or added).
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
  let off = oldTail.length ? oldTail[0]!.offset : file.length;
  const tailStart = off;
  for (const s of tail) {
    const a = Number(s.align > 0n ? s.align : 1n);
    off = Math.ceil(off / a) * a;
    s.offset = off;
    off += s.size;
  }
  const shoff = Math.ceil(off / 8) * 8;
  const out = new Uint8Array(shoff + shdrs.length * 64);
  out.set(file.subarray(0, tailStart), 0);
  for (const s of tail) out.set(s.data, s.offset);
  const w = new DataView(out.buffer);
  w.setBigUint64(0x28, BigInt(shoff), true);
  w.setUint16(0x3c, shdrs.length, true);
  shdrs.forEach((s, i) => {
    if (i === 0) return;
    const at = shoff + i * 64;
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
  if (bid && (buildId === 'sha1' || buildId === 'md5' || buildId === 'fast' || buildId === 'tree')) {
    const desc = bid.offset + 16;
    const n = bid.size - 16;
    out.fill(0, desc, desc + n);
    out.set(createHash(buildId === 'md5' ? 'md5' : 'sha1').update(out).digest().subarray(0, n), desc);
  }
  return out;
}
