// A symbol table read in place: every field of entry i, checked when read. ElfFile.symbols() builds
// its objects from it; the linker reads it directly, since a big link has no use for an object (and
// two BigInts) per symbol.
import { getI64, getU64 } from './bytes.ts';
import { SHDR_SIZE, SHN_LORESERVE, SHN_XINDEX, SHT_DYNSYM, SHT_STRTAB, SHT_SYMTAB, SHT_SYMTAB_SHNDX, SYM_SIZE } from './constants.ts';
import type { ElfFile } from './reader.ts';
import { surelyTerminated } from './strtab.ts';
import type { Section } from './types.ts';

export class SymbolTableView {
  readonly section: Section;
  readonly count: number;
  /** sh_info: index of the first non-local symbol. */
  readonly firstGlobal: number;
  private readonly elf: ElfFile;
  private readonly dv: DataView;
  private readonly base: number;
  private readonly strtab: Section;
  private readonly shndxTable: Section | undefined;
  /** The file's section count, for checking st_shndx. */
  private readonly shnum: number;

  constructor(elf: ElfFile, idx: number) {
    const st = elf.section(idx);
    const field = (f: number) => elf.header.shoff + idx * SHDR_SIZE + f;
    if (st.type !== SHT_SYMTAB && st.type !== SHT_DYNSYM) elf.fail(`section ${idx} is not a symbol table`, field(4));
    if (st.entsize !== SYM_SIZE) elf.fail(`symbol table (section ${idx}) has sh_entsize ${st.entsize}, expected ${SYM_SIZE}`, field(56));
    if (st.size % SYM_SIZE !== 0) elf.fail(`symbol table (section ${idx}) size 0x${st.size.toString(16)} is not a multiple of ${SYM_SIZE}`, field(32));
    const strtab = elf.section(st.link);
    if (strtab.type !== SHT_STRTAB) elf.fail(`symbol table (section ${idx}) links to section ${st.link}, which is not a string table`, field(40));
    this.elf = elf;
    this.section = st;
    this.strtab = strtab;
    const x = elf.findSection(SHT_SYMTAB_SHNDX, idx);
    this.shndxTable = x < 0 ? undefined : elf.section(x);
    this.dv = elf.view;
    this.base = st.offset;
    this.count = st.size / SYM_SIZE;
    this.firstGlobal = st.info;
    this.shnum = elf.header.shnum;
  }

  nameOffset(i: number): number {
    return this.dv.getUint32(this.base + i * SYM_SIZE, true);
  }

  /** The linked string table's bytes: symbol i's name is the NUL-terminated string at nameOffset(i). */
  get names(): Uint8Array {
    return this.strtab.data;
  }

  /** Where symbol i's name starts in `names` (0: no name), checked to be a NUL-terminated string there. */
  nameStart(i: number): number {
    const off = this.nameOffset(i);
    if (off !== 0 && !surelyTerminated(this.strtab.data, off)) this.name(i); // reports what is wrong
    return off;
  }

  name(i: number): string {
    const off = this.nameOffset(i);
    return off === 0 ? '' : this.elf.cstring(this.strtab, off, 'name of symbol', i);
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
    const at = this.base + i * SYM_SIZE + 6;
    const raw = this.dv.getUint16(at, true);
    const shnum = this.shnum;
    if (raw === SHN_XINDEX) {
      const t = this.shndxTable;
      if (!t || t.size < (i + 1) * 4) this.elf.fail(`symbol ${i} uses SHN_XINDEX but there is no SHT_SYMTAB_SHNDX entry for it`, at);
      const x = this.dv.getUint32(t.offset + i * 4, true);
      if (x >= shnum) this.elf.fail(`symbol ${i}: extended section index ${x} is out of range (${shnum} sections)`, t.offset + i * 4);
      return x;
    }
    if (raw < SHN_LORESERVE && raw >= shnum) this.elf.fail(`symbol ${i} in section ${this.section.index}: st_shndx ${raw} is out of range (${shnum} sections)`, at);
    return raw;
  }

  /** st_value, exactly. */
  valueBig(i: number): bigint {
    return this.dv.getBigUint64(this.base + i * SYM_SIZE + 8, true);
  }

  /** st_value as a signed 64-bit number (exact below 2^53 in magnitude). */
  value(i: number): number {
    return getI64(this.dv, this.base + i * SYM_SIZE + 8);
  }

  sizeBig(i: number): bigint {
    return this.dv.getBigUint64(this.base + i * SYM_SIZE + 16, true);
  }

  size(i: number): number {
    return getU64(this.dv, this.base + i * SYM_SIZE + 16);
  }
}
