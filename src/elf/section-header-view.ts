// The section header table read in place: header i's fields without an object per section (a big link
// reads about a hundred thousand headers, half of them relocation sections nobody needs an object for).
// ElfFile checks every header once when it opens the file; Section objects are made from this on demand.
import { getU64 } from './bytes.ts';
import { SHDR_SIZE } from './constants.ts';

export class SectionHeaderView {
  readonly count: number;
  private readonly dv: DataView;
  private readonly base: number;

  constructor(dv: DataView, shoff: number, shnum: number) {
    this.dv = dv;
    this.base = shoff;
    this.count = shnum;
  }

  /** File offset of field `field` of header `i` (for error messages). */
  fieldOffset(i: number, field: number): number {
    return this.base + i * SHDR_SIZE + field;
  }

  nameOffset(i: number): number {
    return this.dv.getUint32(this.base + i * SHDR_SIZE, true);
  }

  type(i: number): number {
    return this.dv.getUint32(this.base + i * SHDR_SIZE + 4, true);
  }

  flags(i: number): number {
    return this.u64(this.base + i * SHDR_SIZE + 8);
  }

  addr(i: number): bigint {
    const at = this.base + i * SHDR_SIZE + 16;
    // Relocatable objects' sections are all at 0: share one BigInt rather than make one per section.
    return this.dv.getUint32(at, true) === 0 && this.dv.getUint32(at + 4, true) === 0 ? 0n : this.dv.getBigUint64(at, true);
  }

  offset(i: number): number {
    return this.u64(this.base + i * SHDR_SIZE + 24);
  }

  size(i: number): number {
    return this.u64(this.base + i * SHDR_SIZE + 32);
  }

  link(i: number): number {
    return this.dv.getUint32(this.base + i * SHDR_SIZE + 40, true);
  }

  info(i: number): number {
    return this.dv.getUint32(this.base + i * SHDR_SIZE + 44, true);
  }

  addralign(i: number): number {
    return this.u64(this.base + i * SHDR_SIZE + 48);
  }

  entsize(i: number): number {
    return this.u64(this.base + i * SHDR_SIZE + 56);
  }

  /** A 64-bit field as a number (ElfFile has rejected values of 2^53 and more for offsets and sizes). */
  private u64(at: number): number {
    return getU64(this.dv, at);
  }
}
