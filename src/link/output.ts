// Writing the executable: the ELF header, program headers, section contents with relocations applied,
// the symbol table, section headers; the build-id hash; then an atomic rename into place.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, renameSync, unlinkSync, writeSync, chmodSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import {
  EHDR_SIZE, ELFCLASS64, ELFDATA2LSB, EM_X86_64, ET_EXEC, EV_CURRENT, PHDR_SIZE, SHDR_SIZE, SHN_ABS, SHT_NOBITS, SHT_STRTAB, SHT_SYMTAB,
  STB_GLOBAL, STB_LOCAL, STB_WEAK, STT_FILE, STT_SECTION, STV_HIDDEN, STV_INTERNAL, SHF_ALLOC, SHT_RELA,
} from '../elf/constants.ts';
import { StringTableBuilder } from '../elf/strtab.ts';
import { stInfo } from '../elf/types.ts';
import type { Context } from './context.ts';
import { alignUp } from '../elf/reader.ts';
import { LinkError } from './errors.ts';
import type { Layout } from './layout.ts';
import type { OutputSection } from './output-section.ts';
import { applyAllocRelocations, applyNonAllocRelocations } from './relocations.ts';
import { SymKind, type Sym } from './symbol.ts';

interface OutSym {
  name: string;
  info: number;
  other: number;
  shndx: number;
  value: number;
  size: number;
}

function sectionIndexFor(l: Layout, addr: number): number {
  for (const s of l.sections) {
    if (!s.isAlloc) continue;
    const a = Number(s.addr);
    if (addr >= a && addr < a + Math.max(1, s.size)) return s.shndx;
  }
  for (const s of l.sections) if (s.isAlloc && Number(s.addr) + s.size === addr) return s.shndx;
  return SHN_ABS;
}

/** Output symbol table: per-file locals (hidden globals become locals, as GNU ld does), then globals. */
function buildSymbols(ctx: Context, l: Layout): OutSym[] {
  const out: OutSym[] = [{ name: '', info: 0, other: 0, shndx: 0, value: 0, size: 0 }];
  const globals: OutSym[] = [];
  const hiddenLocals: OutSym[] = [];
  for (const f of ctx.files) {
    let fileSym: OutSym | null = null;
    const locals: OutSym[] = [];
    for (let i = 1; i < f.firstGlobal && i < f.symbols.length; i++) {
      const s = f.symbols[i]!;
      if (s.type === STT_FILE) {
        fileSym = { name: s.name, info: stInfo(STB_LOCAL, STT_FILE), other: 0, shndx: SHN_ABS, value: 0, size: 0 };
        continue;
      }
      if (s.type === STT_SECTION || s.name === '' || s.name.startsWith('.L')) continue;
      if (ctx.options.discard === 'all') continue; // -x: no local symbols at all
      if (s.kind !== SymKind.Defined) continue;
      if (s.section && (!s.section.live || !s.section.output)) continue;
      const shndx = s.section ? s.section.output!.shndx : SHN_ABS;
      if (s.section && shndx === 0) continue;
      locals.push({ name: s.name, info: stInfo(STB_LOCAL, s.type), other: s.visibility, shndx, value: ctx.valueOf(s), size: s.size });
    }
    if (locals.length) {
      out.push(fileSym ?? { name: basename(f.member?.name ?? f.displayName), info: stInfo(STB_LOCAL, STT_FILE), other: 0, shndx: SHN_ABS, value: 0, size: 0 });
      out.push(...locals);
    }
  }
  for (const s of ctx.symtab.map.values()) {
    const o = globalSym(ctx, l, s);
    if (!o) continue;
    const vis = s.visibility;
    if (vis === STV_HIDDEN || vis === STV_INTERNAL) hiddenLocals.push({ ...o, info: stInfo(STB_LOCAL, o.info & 0xf) });
    else globals.push(o);
  }
  if (hiddenLocals.length) out.push({ name: '', info: stInfo(STB_LOCAL, STT_FILE), other: 0, shndx: SHN_ABS, value: 0, size: 0 }, ...hiddenLocals);
  return [...out, ...globals];
}

function globalSym(ctx: Context, l: Layout, s: Sym): OutSym | null {
  if (!s.referenced && s.kind !== SymKind.Defined) return null;
  const bind = s.bind === STB_WEAK ? STB_WEAK : STB_GLOBAL;
  if (s.kind === SymKind.Undefined || s.kind === SymKind.Lazy) {
    if (!s.referenced) return null;
    return { name: s.name, info: stInfo(STB_WEAK, s.type), other: s.visibility, shndx: 0, value: 0, size: 0 };
  }
  if (s.kind !== SymKind.Defined) return null;
  if (s.section && (!s.section.live || !s.section.output)) return null;
  const value = ctx.valueOf(s);
  let shndx: number;
  if (s.section) shndx = s.section.output!.shndx;
  else if (s.synthetic && !s.aliasOf && s.value !== 0) shndx = sectionIndexFor(l, value);
  else shndx = SHN_ABS;
  return { name: s.name, info: stInfo(bind, s.type), other: s.visibility, shndx, value, size: s.size };
}

/** A string table for many names: deduplicated, no suffix merging, built in one pass. */
class LinkerStrtab {
  private readonly offsets = new Map<string, number>();
  private readonly parts: string[] = [''];
  private size = 1;

  add(name: string): number {
    if (name === '') return 0;
    const have = this.offsets.get(name);
    if (have !== undefined) return have;
    const at = this.size;
    this.offsets.set(name, at);
    this.parts.push(name);
    this.size += Buffer.byteLength(name, 'utf8') + 1;
    return at;
  }

  finish(): Uint8Array {
    this.parts.push('');
    const b = Buffer.from(this.parts.join('\0'), 'utf8');
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }
}

export interface OutputImage {
  bytes: Uint8Array;
}

/** Lay out the section header table and serialize the whole file. */
export function buildImage(ctx: Context, l: Layout): Uint8Array {
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
    const syms = buildSymbols(ctx, l);
    const str = new LinkerStrtab();
    const nameOffsets = syms.map((s) => str.add(s.name));
    strtab = str.finish();
    symtab = new Uint8Array(syms.length * 24);
    const dv = new DataView(symtab.buffer);
    syms.forEach((s, i) => {
      const at = i * 24;
      dv.setUint32(at, nameOffsets[i]!, true);
      dv.setUint8(at + 4, s.info);
      dv.setUint8(at + 5, s.other);
      dv.setUint16(at + 6, s.shndx, true);
      dv.setBigUint64(at + 8, BigInt.asUintN(64, BigInt(s.value)), true);
      dv.setBigUint64(at + 16, BigInt(s.size), true);
      if ((s.info >> 4) === STB_LOCAL) symInfo = i + 1;
    });
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
  out.set([0x7f, 0x45, 0x4c, 0x46, ELFCLASS64, ELFDATA2LSB, EV_CURRENT, 0], 0);
  view.setUint16(16, ET_EXEC, true);
  view.setUint16(18, EM_X86_64, true);
  view.setUint32(20, EV_CURRENT, true);
  view.setBigUint64(24, BigInt(ctx.entry), true);
  view.setBigUint64(32, BigInt(EHDR_SIZE), true);
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
  for (const os of shown) {
    if (os.isNobits) continue;
    if (os.synthetic) {
      out.set(os.synthetic, os.offset);
      continue;
    }
    for (const m of os.members) {
      if (m.type === SHT_NOBITS || m.size === 0) continue;
      out.set(m.mergedData ?? m.data, os.offset + m.offset);
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
    writeShdr(i + 1, s.name, s.type, s.flags, s.addr, s.offset, s.size, link, info, s.align, s.entsize);
  });
  let i = shown.length + 1;
  if (symtab && strtab) {
    writeShdr(i, '.symtab', SHT_SYMTAB, 0, 0n, symtabOff, symtab.length, i + 1, symInfo, 8, 24);
    writeShdr(i + 1, '.strtab', SHT_STRTAB, 0, 0n, strtabOff, strtab.length, 0, 0, 1, 0);
    i += 2;
  }
  writeShdr(i, '.shstrtab', SHT_STRTAB, 0, 0n, shstrOff, shstrtab.length, 0, 0, 1, 0);

  // The build-id: a hash of the whole file, written into the note's descriptor.
  const bid = shown.find((s) => s.name === '.note.gnu.build-id');
  const style = o.buildId ?? 'none';
  if (bid && !style.startsWith('0x')) {
    const descOff = bid.offset + 16;
    const len = bid.size - 16;
    const algo = style === 'md5' ? 'md5' : 'sha1';
    const digest = style === 'uuid' ? randomBytes(16) : createHash(algo).update(out).digest();
    out.set(digest.subarray(0, len), descOff);
  }
  return out;
}

/** Write to a temporary file next to the output and rename it into place. */
export function writeAtomically(path: string, bytes: Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.ukl-ld-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w', 0o777);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    closeSync(fd);
    fd = undefined;
    const mask = process.umask();
    chmodSync(tmp, 0o777 & ~mask);
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // the temporary file may not exist
    }
    const code = (e as NodeJS.ErrnoException).code;
    throw new LinkError(`cannot open output file ${path}: ${code === 'ENOENT' ? 'No such file or directory' : code === 'EACCES' ? 'Permission denied' : code === 'EISDIR' ? 'Is a directory' : String(code ?? e)}`);
  }
}

