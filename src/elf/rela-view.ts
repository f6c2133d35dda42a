// A SHT_RELA section read in place: entry i's fields, with the header and every symbol index checked
// up front. ElfFile.relocations() builds its objects from it; the linker reads it directly (a big link
// has hundreds of thousands of entries, and an object with two BigInts for each dominates its GC).
import { getI64, getU64 } from './bytes.ts';
import { RELA_SIZE, SHT_DYNSYM, SHT_REL, SHT_RELA, SHT_SYMTAB } from './constants.ts';
import type { ElfFile } from './reader.ts';

export class RelaView {
  /** The relocation section's index. */
  readonly index: number;
  readonly count: number;
  private readonly dv: DataView;
  private readonly base: number;

  constructor(elf: ElfFile, idx: number) {
    const sh = elf.shdrs;
    if (!(idx >= 0 && idx < sh.count)) elf.fail(`section index ${idx} is out of range (${sh.count} sections)`);
    const field = (f: number) => sh.fieldOffset(idx, f);
    const type = sh.type(idx);
    const size = sh.size(idx);
    const entsize = sh.entsize(idx);
    const link = sh.link(idx);
    if (type === SHT_REL) elf.fail(`section ${idx} is SHT_REL; x86-64 uses SHT_RELA`, field(4));
    if (type !== SHT_RELA) elf.fail(`section ${idx} is not a relocation section`, field(4));
    if (entsize !== RELA_SIZE) elf.fail(`relocation section ${idx} has sh_entsize ${entsize}, expected ${RELA_SIZE}`, field(56));
    if (size % RELA_SIZE !== 0) elf.fail(`relocation section ${idx} size 0x${size.toString(16)} is not a multiple of ${RELA_SIZE}`, field(32));
    let nsyms = 0;
    if (link !== 0) {
      const lt = sh.type(link);
      if (lt !== SHT_SYMTAB && lt !== SHT_DYNSYM) elf.fail(`relocation section ${idx} links to section ${link}, which is not a symbol table`, field(40));
      nsyms = elf.symbolTable(link).count;
    }
    if ((sh.flags(idx) & 0x40) !== 0 || elf.header.type === 1) {
      if (sh.info(idx) >= elf.header.shnum) elf.fail(`relocation section ${idx} applies to section ${sh.info(idx)}, which is out of range`, field(44));
    }
    this.index = idx;
    this.dv = elf.view;
    this.base = sh.offset(idx);
    this.count = size / RELA_SIZE;
    for (let i = 0; i < this.count; i++) {
      const o = this.base + i * RELA_SIZE;
      const sym = this.dv.getUint32(o + 12, true);
      if (sym !== 0 && sym >= nsyms) elf.fail(`relocation ${i} in section ${idx}: symbol index ${sym} is out of range (${nsyms} symbols)`, o + 8);
    }
  }

  /**
   * Entries from bytes (Elf64_Rela, little-endian) that were made from a checked table: the linker's
   * edited copy of a section's relocations (eh-frame-prune.ts). `index` is the original section's.
   */
  static fromEntries(bytes: Uint8Array, index: number): RelaView {
    const v = Object.create(RelaView.prototype) as RelaView;
    Object.assign(v, { index, count: bytes.length / RELA_SIZE, dv: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), base: 0 });
    return v;
  }

  offsetBig(i: number): bigint {
    return this.dv.getBigUint64(this.base + i * RELA_SIZE, true);
  }

  /** r_offset as a number (exact below 2^53). */
  offset(i: number): number {
    return getU64(this.dv, this.base + i * RELA_SIZE);
  }

  type(i: number): number {
    return this.dv.getUint32(this.base + i * RELA_SIZE + 8, true);
  }

  sym(i: number): number {
    return this.dv.getUint32(this.base + i * RELA_SIZE + 12, true);
  }

  addendBig(i: number): bigint {
    return this.dv.getBigInt64(this.base + i * RELA_SIZE + 16, true);
  }

  /** r_addend as a number (exact for |addend| < 2^53, which covers every addend compilers emit). */
  addend(i: number): number {
    return getI64(this.dv, this.base + i * RELA_SIZE + 16);
  }

  /** Index of the first entry with offset >= off (compiler output is in offset order). */
  lowerBound(off: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.offset(mid) < off) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
