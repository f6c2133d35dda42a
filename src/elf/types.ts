// The ELF64 data model, field names after the gABI (Elf64_Ehdr, Elf64_Shdr, ...), as Go's debug/elf does.
// Addresses, symbol values and addends are bigint so any file round-trips exactly; offsets, sizes, counts
// and indices are numbers (the reader checks them against the file, so they are always safe integers).

export interface FileHeader {
  /** e_ident[EI_OSABI] */
  osabi: number;
  /** e_ident[EI_ABIVERSION] */
  abiversion: number;
  type: number;
  machine: number;
  version: number;
  entry: bigint;
  phoff: number;
  shoff: number;
  flags: number;
  ehsize: number;
  phentsize: number;
  /** The real count, after extended numbering (shdr[0].sh_info when e_phnum is PN_XNUM). */
  phnum: number;
  shentsize: number;
  /** The real count, after extended numbering (shdr[0].sh_size when e_shnum is 0). */
  shnum: number;
  /** The real index, after extended numbering (shdr[0].sh_link when e_shstrndx is SHN_XINDEX). */
  shstrndx: number;
}

export interface SectionHeader {
  /** sh_name: offset into the section header string table */
  nameOffset: number;
  name: string;
  type: number;
  flags: number;
  addr: bigint;
  offset: number;
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
}

export interface Section extends SectionHeader {
  index: number;
  /** The section's bytes in the file; empty for SHT_NOBITS. A view, not a copy. */
  data: Uint8Array;
}

export interface ProgramHeader {
  type: number;
  flags: number;
  offset: number;
  vaddr: bigint;
  paddr: bigint;
  filesz: number;
  memsz: number;
  align: number;
}

export interface Symbol {
  /** Index in its symbol table. */
  index: number;
  nameOffset: number;
  name: string;
  /** st_info */
  info: number;
  /** st_other */
  other: number;
  /** The section index, after SHT_SYMTAB_SHNDX for SHN_XINDEX. */
  shndx: number;
  /** The raw st_shndx field (SHN_XINDEX when the real index is in SHT_SYMTAB_SHNDX). */
  rawShndx: number;
  value: bigint;
  size: bigint;
}

export interface Rela {
  offset: bigint;
  /** ELF64_R_TYPE(r_info) */
  type: number;
  /** ELF64_R_SYM(r_info) */
  sym: number;
  addend: bigint;
}

export interface Group {
  /** Index of the SHT_GROUP section. */
  section: number;
  flags: number;
  /** The signature symbol's name. */
  signature: string;
  members: number[];
}

export interface Note {
  name: string;
  type: number;
  desc: Uint8Array;
  /** Offset of the note within its section. */
  offset: number;
}

export function stBind(info: number): number {
  return info >> 4;
}
export function stType(info: number): number {
  return info & 0xf;
}
export function stVisibility(other: number): number {
  return other & 3;
}
export function stInfo(bind: number, type: number): number {
  return (bind << 4) | (type & 0xf);
}
