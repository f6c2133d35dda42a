// Relocation entries read in place from the input file: a big link has hundreds of thousands, and
// an object (with two BigInts) for each would dominate the link's time in allocation and GC.
import { RELA_SIZE, SHT_RELA } from '../elf/constants.ts';
import type { ElfFile } from '../elf/reader.ts';
import type { Section } from '../elf/types.ts';

export class RelaTable {
  readonly count: number;
  private readonly dv: DataView;
  private readonly base: number;

  constructor(elf: ElfFile, rs: Section, nsyms: number) {
    if (rs.type !== SHT_RELA) elf.fail(`section ${rs.index} (${rs.name}) is not SHT_RELA`);
    if (rs.entsize !== RELA_SIZE) elf.fail(`relocation section ${rs.name} has sh_entsize ${rs.entsize}, expected ${RELA_SIZE}`);
    if (rs.size % RELA_SIZE !== 0) elf.fail(`relocation section ${rs.name} size 0x${rs.size.toString(16)} is not a multiple of ${RELA_SIZE}`);
    this.dv = elf.view;
    this.base = rs.offset;
    this.count = rs.size / RELA_SIZE;
    for (let i = 0; i < this.count; i++) {
      const at = this.base + i * RELA_SIZE;
      if (this.dv.getUint32(at + 4, true) !== 0) elf.fail(`relocation ${i} in ${rs.name}: r_offset is absurd`, at);
      const sym = this.dv.getUint32(at + 12, true);
      if (sym >= nsyms && sym !== 0) elf.fail(`relocation ${i} in ${rs.name}: symbol index ${sym} is out of range (${nsyms} symbols)`, at + 8);
    }
  }

  offset(i: number): number {
    return this.dv.getUint32(this.base + i * RELA_SIZE, true);
  }

  type(i: number): number {
    return this.dv.getUint32(this.base + i * RELA_SIZE + 8, true);
  }

  sym(i: number): number {
    return this.dv.getUint32(this.base + i * RELA_SIZE + 12, true);
  }

  /** r_addend as a number (exact for |addend| < 2^53, which covers every addend compilers emit). */
  addend(i: number): number {
    const at = this.base + i * RELA_SIZE + 16;
    return this.dv.getInt32(at + 4, true) * 4294967296 + this.dv.getUint32(at, true);
  }

  /** Index of the first entry with offset >= off (entries are in offset order in compiler output; not assumed elsewhere). */
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
