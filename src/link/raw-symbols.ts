// An object's symbol table read in place: the linker looks at each symbol once or twice, and an object
// with two BigInts per symbol (what the general reader gives) costs a big link most of its GC time.
import { SHN_LORESERVE, SHN_XINDEX, SHT_STRTAB, SHT_SYMTAB_SHNDX, SYM_SIZE } from '../elf/constants.ts';
import type { ElfFile } from '../elf/reader.ts';
import type { Section } from '../elf/types.ts';

export class RawSymbols {
  readonly count: number;
  /** sh_info: index of the first non-local symbol. */
  readonly firstGlobal: number;
  private readonly elf: ElfFile;
  private readonly dv: DataView;
  private readonly base: number;
  private readonly strtab: Section;
  private readonly shndxTable: Section | undefined;

  constructor(elf: ElfFile, symtab: Section) {
    this.elf = elf;
    if (symtab.entsize !== SYM_SIZE) elf.fail(`symbol table (section ${symtab.index}) has sh_entsize ${symtab.entsize}, expected ${SYM_SIZE}`);
    if (symtab.size % SYM_SIZE !== 0) elf.fail(`symbol table (section ${symtab.index}) size 0x${symtab.size.toString(16)} is not a multiple of ${SYM_SIZE}`);
    const strtab = elf.section(symtab.link);
    if (strtab.type !== SHT_STRTAB) elf.fail(`symbol table (section ${symtab.index}) links to section ${symtab.link}, which is not a string table`);
    this.strtab = strtab;
    this.shndxTable = elf.sections.find((s) => s.type === SHT_SYMTAB_SHNDX && s.link === symtab.index);
    this.dv = elf.view;
    this.base = symtab.offset;
    this.count = symtab.size / SYM_SIZE;
    this.firstGlobal = symtab.info;
  }

  name(i: number): string {
    const off = this.dv.getUint32(this.base + i * SYM_SIZE, true);
    return off === 0 ? '' : this.elf.cstring(this.strtab, off, `name of symbol ${i}`);
  }

  info(i: number): number {
    return this.dv.getUint8(this.base + i * SYM_SIZE + 4);
  }

  other(i: number): number {
    return this.dv.getUint8(this.base + i * SYM_SIZE + 5);
  }

  rawShndx(i: number): number {
    return this.dv.getUint16(this.base + i * SYM_SIZE + 6, true);
  }

  /** The section index, through SHT_SYMTAB_SHNDX for SHN_XINDEX; checked against the section count. */
  shndx(i: number): number {
    const raw = this.rawShndx(i);
    const shnum = this.elf.header.shnum;
    if (raw === SHN_XINDEX) {
      const t = this.shndxTable;
      if (!t || t.size < (i + 1) * 4) this.elf.fail(`symbol ${i} uses SHN_XINDEX but there is no SHT_SYMTAB_SHNDX entry for it`, this.base + i * SYM_SIZE + 6);
      const x = this.dv.getUint32(t.offset + i * 4, true);
      if (x >= shnum) this.elf.fail(`symbol ${i}: extended section index ${x} is out of range (${shnum} sections)`, t.offset + i * 4);
      return x;
    }
    if (raw < SHN_LORESERVE && raw >= shnum) this.elf.fail(`symbol ${i}: st_shndx ${raw} is out of range (${shnum} sections)`, this.base + i * SYM_SIZE + 6);
    return raw;
  }

  /** st_value as a signed 64-bit number (exact below 2^53 in magnitude). */
  value(i: number): number {
    const at = this.base + i * SYM_SIZE + 8;
    return this.dv.getInt32(at + 4, true) * 4294967296 + this.dv.getUint32(at, true);
  }

  size(i: number): number {
    const at = this.base + i * SYM_SIZE + 16;
    return this.dv.getUint32(at + 4, true) * 4294967296 + this.dv.getUint32(at, true);
  }
}
