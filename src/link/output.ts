// Writing the executable: the ELF header, program headers, section contents with relocations applied,
// the symbol table, section headers; the build-id hash (output-file.ts puts the file in place).
import { createHash, randomBytes } from 'node:crypto';
import {
  EHDR_SIZE, ELFCLASS64, ELFDATA2LSB, EM_X86_64, ET_EXEC, EV_CURRENT, PHDR_SIZE, SHDR_SIZE, SHT_NOBITS, SHT_STRTAB, SHT_SYMTAB, SHF_ALLOC, SHT_RELA,
} from '../elf/constants.ts';
import { StringTableBuilder } from '../elf/strtab.ts';
import type { Context } from './context.ts';
import { alignUp } from '../elf/reader.ts';
import { LinkError } from './errors.ts';
import type { Layout } from './layout.ts';
import { applyAllocRelocations, applyNonAllocRelocations } from './relocations.ts';
import { buildSymtab } from './output-symtab.ts';
import { reverseCtorsInOutput } from './ctors-order.ts';
import { outputOsAbi } from './osabi.ts';

/**
 * Input sections this big with nothing to relocate are written from the input's bytes, not copied into
 * the image first (ICU's 30 MB data object, for one).
 */
const DIRECT_MIN = 64 * 1024;

/**
 * Lay out the section header table and serialize the whole file: the image, with the contents of big
 * sections that need no relocation given as separate pieces; the file is the pieces in order.
 */
export function buildImage(ctx: Context, l: Layout): Uint8Array[] {
  const o = ctx.options;
  // Section header order: allocated sections by address, then the others, then symtab, strtab, shstrtab.
  const shown = l.sections;
  shown.forEach((s, i) => (s.shndx = i + 1));
  const shstr = new StringTableBuilder({ tailMerge: true });
  for (const s of shown) shstr.add(s.name);

  let symtab: Uint8Array | null = null;
  let strtab: Uint8Array | null = null;
  let symInfo = 0;
  if (o.strip !== 'all') {
    ({ symtab, strtab, firstGlobal: symInfo } = buildSymtab(ctx, l));
    shstr.add('.symtab');
    shstr.add('.strtab');
  }
  shstr.add('.shstrtab');
  const shstrtab = shstr.finalize();

  // Offsets for the tables after the last section.
  let off = l.sections.reduce((m, s) => (s.isNobits ? m : Math.max(m, s.offset + s.size)), l.allocEnd);
  let symtabOff = 0;
  let strtabOff = 0;
  if (symtab && strtab) {
    symtabOff = off = alignUp(off, 8);
    off += symtab.length;
    strtabOff = off;
    off += strtab.length;
  }
  const shstrOff = off;
  off += shstrtab.length;
  const shoff = alignUp(off, 8);
  const extra = (symtab ? 2 : 0) + 1;
  const shnum = 1 + shown.length + extra;
  const total = shoff + shnum * SHDR_SIZE;

  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  // ELF header
  out.set([0x7f, 0x45, 0x4c, 0x46, ELFCLASS64, ELFDATA2LSB, EV_CURRENT, outputOsAbi(ctx, shown)], 0);
  view.setUint16(16, ET_EXEC, true);
  view.setUint16(18, EM_X86_64, true);
  view.setUint32(20, EV_CURRENT, true);
  view.setBigUint64(24, BigInt(ctx.entry), true);
  view.setBigUint64(32, BigInt(l.phdrs.length ? EHDR_SIZE : 0), true); // e_phoff: 0 without program headers
  view.setBigUint64(40, BigInt(shoff), true);
  view.setUint32(48, 0, true);
  view.setUint16(52, EHDR_SIZE, true);
  view.setUint16(54, PHDR_SIZE, true);
  view.setUint16(56, l.phdrs.length, true);
  view.setUint16(58, SHDR_SIZE, true);
  view.setUint16(60, shnum, true);
  view.setUint16(62, shnum - 1, true);
  // Program headers
  l.phdrs.forEach((p, i) => {
    const at = EHDR_SIZE + i * PHDR_SIZE;
    view.setUint32(at, p.type, true);
    view.setUint32(at + 4, p.flags, true);
    view.setBigUint64(at + 8, BigInt(p.offset), true);
    view.setBigUint64(at + 16, p.vaddr, true);
    view.setBigUint64(at + 24, p.paddr, true);
    view.setBigUint64(at + 32, BigInt(p.filesz), true);
    view.setBigUint64(at + 40, BigInt(p.memsz), true);
    view.setBigUint64(at + 48, BigInt(p.align), true);
  });
  // Section contents, then relocations applied in place.
  const direct: { at: number; bytes: Uint8Array }[] = [];
  for (const os of shown) {
    if (os.isNobits) continue;
    if (os.synthetic) {
      out.set(os.synthetic, os.offset);
      continue;
    }
    for (const m of os.members) {
      if (m.type === SHT_NOBITS || m.size === 0) continue;
      const bytes = m.mergedData ?? m.data;
      if (bytes.length >= DIRECT_MIN && !m.relaIndex) direct.push({ at: os.offset + m.offset, bytes });
      else out.set(bytes, os.offset + m.offset);
    }
  }
  for (const os of shown) {
    if (os.isNobits || os.synthetic) continue;
    for (const m of os.members) {
      if (!m.relaIndex || m.type === SHT_NOBITS) continue;
      if (os.isAlloc) applyAllocRelocations(ctx, m, out, view, os.offset + m.offset);
      else applyNonAllocRelocations(ctx, m, out, view, os.offset + m.offset);
    }
  }
  reverseCtorsInOutput(shown, out);
  ctx.diags.check();
  if (symtab && strtab) {
    out.set(symtab, symtabOff);
    out.set(strtab, strtabOff);
  }
  out.set(shstrtab, shstrOff);
  // Section headers
  const writeShdr = (i: number, name: string, type: number, flags: number, addr: bigint, offset: number, size: number, link: number, info: number, alignment: number, entsize: number) => {
    const at = shoff + i * SHDR_SIZE;
    view.setUint32(at, name ? shstr.offsetOf(name) : 0, true);
    view.setUint32(at + 4, type, true);
    view.setBigUint64(at + 8, BigInt(flags), true);
    view.setBigUint64(at + 16, addr, true);
    view.setBigUint64(at + 24, BigInt(offset), true);
    view.setBigUint64(at + 32, BigInt(size), true);
    view.setUint32(at + 40, link, true);
    view.setUint32(at + 44, info, true);
    view.setBigUint64(at + 48, BigInt(alignment), true);
    view.setBigUint64(at + 56, BigInt(entsize), true);
  };
  shown.forEach((s, i) => {
    let link = 0;
    let info = 0;
    if (s.type === SHT_RELA && (s.flags & SHF_ALLOC) !== 0 && ctx.gotPlt) info = ctx.gotPlt.shndx;
    writeShdr(i + 1, s.name, s.type, s.flags, BigInt(s.addr), s.offset, s.size, link, info, s.align, s.entsize);
  });
  let i = shown.length + 1;
  if (symtab && strtab) {
    writeShdr(i, '.symtab', SHT_SYMTAB, 0, 0n, symtabOff, symtab.length, i + 1, symInfo, 8, 24);
    writeShdr(i + 1, '.strtab', SHT_STRTAB, 0, 0n, strtabOff, strtab.length, 0, 0, 1, 0);
    i += 2;
  }
  writeShdr(i, '.shstrtab', SHT_STRTAB, 0, 0n, shstrOff, shstrtab.length, 0, 0, 1, 0);

  const pieces = inOrder(out, direct);
  // The build-id: a hash of the whole file, written into the note's descriptor.
  const bid = shown.find((s) => s.name === '.note.gnu.build-id');
  const style = o.buildId ?? 'none';
  if (bid && !style.startsWith('0x')) {
    const descOff = bid.offset + 16;
    const len = bid.size - 16;
    const algo = style === 'md5' ? 'md5' : 'sha1';
    let digest: Uint8Array;
    if (style === 'uuid') digest = randomBytes(16);
    else {
      const h = createHash(algo);
      for (const c of pieces) h.update(c);
      digest = h.digest();
    }
    out.set(digest.subarray(0, len), descOff);
  }
  return pieces;
}

/** The image with the direct pieces in their places: the file's contents as consecutive chunks. */
function inOrder(out: Uint8Array, direct: { at: number; bytes: Uint8Array }[]): Uint8Array[] {
  direct.sort((a, b) => a.at - b.at);
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (const d of direct) {
    chunks.push(out.subarray(at, d.at), d.bytes);
    at = d.at + d.bytes.length;
  }
  chunks.push(out.subarray(at));
  return chunks;
}


