// ELF64 constants, named as in the System V gABI and the x86-64 psABI.

export const ELFMAG = 0x7f454c46; // "\x7fELF" read big-endian
export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const EV_CURRENT = 1;
export const EM_X86_64 = 62;

export const ET_NONE = 0;
export const ET_REL = 1;
export const ET_EXEC = 2;
export const ET_DYN = 3;
export const ET_CORE = 4;

export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;
export const SHN_XINDEX = 0xffff;

export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_RELA = 4;
export const SHT_HASH = 5;
export const SHT_DYNAMIC = 6;
export const SHT_NOTE = 7;
export const SHT_NOBITS = 8;
export const SHT_REL = 9;
export const SHT_SHLIB = 10;
export const SHT_DYNSYM = 11;
export const SHT_INIT_ARRAY = 14;
export const SHT_FINI_ARRAY = 15;
export const SHT_PREINIT_ARRAY = 16;
export const SHT_GROUP = 17;
export const SHT_SYMTAB_SHNDX = 18;
export const SHT_GNU_ATTRIBUTES = 0x6ffffff5;
export const SHT_GNU_HASH = 0x6ffffff6;
export const SHT_GNU_LIBLIST = 0x6ffffff7;
export const SHT_GNU_verdef = 0x6ffffffd;
export const SHT_GNU_verneed = 0x6ffffffe;
export const SHT_GNU_versym = 0x6fffffff;
export const SHT_X86_64_UNWIND = 0x70000001;
export const SHT_LLVM_ADDRSIG = 0x6fff4c03;

export const SHF_WRITE = 0x1;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;
export const SHF_MERGE = 0x10;
export const SHF_STRINGS = 0x20;
export const SHF_INFO_LINK = 0x40;
export const SHF_LINK_ORDER = 0x80;
export const SHF_OS_NONCONFORMING = 0x100;
export const SHF_GROUP = 0x200;
export const SHF_TLS = 0x400;
export const SHF_COMPRESSED = 0x800;
export const SHF_GNU_RETAIN = 0x200000;
export const SHF_X86_64_LARGE = 0x10000000;
export const SHF_EXCLUDE = 0x80000000;

export const GRP_COMDAT = 0x1;

export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;
export const STB_GNU_UNIQUE = 10;

export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STT_FILE = 4;
export const STT_COMMON = 5;
export const STT_TLS = 6;
export const STT_GNU_IFUNC = 10;

export const STV_DEFAULT = 0;
export const STV_INTERNAL = 1;
export const STV_HIDDEN = 2;
export const STV_PROTECTED = 3;

export const PT_NULL = 0;
export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;
export const PT_NOTE = 4;
export const PT_SHLIB = 5;
export const PT_PHDR = 6;
export const PT_TLS = 7;
export const PT_GNU_EH_FRAME = 0x6474e550;
export const PT_GNU_STACK = 0x6474e551;
export const PT_GNU_RELRO = 0x6474e552;
export const PT_GNU_PROPERTY = 0x6474e553;

export const PF_X = 0x1;
export const PF_W = 0x2;
export const PF_R = 0x4;

export const NT_GNU_ABI_TAG = 1;
export const NT_GNU_BUILD_ID = 3;
export const NT_GNU_PROPERTY_TYPE_0 = 5;
export const NT_XEN = 18; // Xen ELF notes; type 18 is XEN_ELFNOTE_PHYS32_ENTRY (PVH entry)

export const EHDR_SIZE = 64;
export const SHDR_SIZE = 64;
export const PHDR_SIZE = 56;
export const SYM_SIZE = 24;
export const RELA_SIZE = 24;

/** x86-64 psABI relocation types. */
export const R_X86_64 = {
  NONE: 0, '64': 1, PC32: 2, GOT32: 3, PLT32: 4, COPY: 5, GLOB_DAT: 6, JUMP_SLOT: 7, RELATIVE: 8,
  GOTPCREL: 9, '32': 10, '32S': 11, '16': 12, PC16: 13, '8': 14, PC8: 15, DTPMOD64: 16, DTPOFF64: 17,
  TPOFF64: 18, TLSGD: 19, TLSLD: 20, DTPOFF32: 21, GOTTPOFF: 22, TPOFF32: 23, PC64: 24, GOTOFF64: 25,
  GOTPC32: 26, GOT64: 27, GOTPCREL64: 28, GOTPC64: 29, GOTPLT64: 30, PLTOFF64: 31, SIZE32: 32,
  SIZE64: 33, GOTPC32_TLSDESC: 34, TLSDESC_CALL: 35, TLSDESC: 36, IRELATIVE: 37, RELATIVE64: 38,
  GOTPCRELX: 41, REX_GOTPCRELX: 42, CODE_4_GOTPCRELX: 43, CODE_4_GOTTPOFF: 44, CODE_4_GOTPC32_TLSDESC: 45,
} as const;

const relocNames: string[] = [];
for (const [k, v] of Object.entries(R_X86_64)) relocNames[v] = `R_X86_64_${k}`;

/** The psABI name of a relocation type, or a numeric stand-in as readelf prints for unknown ones. */
export function relocTypeName(type: number): string {
  return relocNames[type] ?? `R_X86_64_<unknown>: ${type.toString(16)}`;
}

export function isKnownRelocType(type: number): boolean {
  return relocNames[type] !== undefined;
}

const shtNames: Record<number, string> = {
  [SHT_NULL]: 'NULL', [SHT_PROGBITS]: 'PROGBITS', [SHT_SYMTAB]: 'SYMTAB', [SHT_STRTAB]: 'STRTAB',
  [SHT_RELA]: 'RELA', [SHT_HASH]: 'HASH', [SHT_DYNAMIC]: 'DYNAMIC', [SHT_NOTE]: 'NOTE', [SHT_NOBITS]: 'NOBITS',
  [SHT_REL]: 'REL', [SHT_SHLIB]: 'SHLIB', [SHT_DYNSYM]: 'DYNSYM', [SHT_INIT_ARRAY]: 'INIT_ARRAY',
  [SHT_FINI_ARRAY]: 'FINI_ARRAY', [SHT_PREINIT_ARRAY]: 'PREINIT_ARRAY', [SHT_GROUP]: 'GROUP',
  [SHT_SYMTAB_SHNDX]: 'SYMTAB SECTION INDICES', [SHT_GNU_ATTRIBUTES]: 'GNU_ATTRIBUTES', [SHT_GNU_HASH]: 'GNU_HASH',
  [SHT_GNU_LIBLIST]: 'GNU_LIBLIST', [SHT_GNU_verdef]: 'VERDEF', [SHT_GNU_verneed]: 'VERNEED',
  [SHT_GNU_versym]: 'VERSYM', [SHT_X86_64_UNWIND]: 'X86_64_UNWIND', [SHT_LLVM_ADDRSIG]: 'LLVM_ADDRSIG',
};

/** Section type as readelf names it. */
export function sectionTypeName(type: number): string {
  return shtNames[type] ?? `0x${type.toString(16)}`;
}

const stbNames: Record<number, string> = { 0: 'LOCAL', 1: 'GLOBAL', 2: 'WEAK', 10: 'UNIQUE' };
const sttNames: Record<number, string> = { 0: 'NOTYPE', 1: 'OBJECT', 2: 'FUNC', 3: 'SECTION', 4: 'FILE', 5: 'COMMON', 6: 'TLS', 10: 'IFUNC' };
const stvNames = ['DEFAULT', 'INTERNAL', 'HIDDEN', 'PROTECTED'];

export function symbolBindName(bind: number): string {
  return stbNames[bind] ?? `<unknown>: ${bind}`;
}
export function symbolTypeName(type: number): string {
  return sttNames[type] ?? `<unknown>: ${type}`;
}
export function symbolVisibilityName(vis: number): string {
  return stvNames[vis & 3]!;
}

const ptNames: Record<number, string> = {
  [PT_NULL]: 'NULL', [PT_LOAD]: 'LOAD', [PT_DYNAMIC]: 'DYNAMIC', [PT_INTERP]: 'INTERP', [PT_NOTE]: 'NOTE',
  [PT_SHLIB]: 'SHLIB', [PT_PHDR]: 'PHDR', [PT_TLS]: 'TLS', [PT_GNU_EH_FRAME]: 'GNU_EH_FRAME',
  [PT_GNU_STACK]: 'GNU_STACK', [PT_GNU_RELRO]: 'GNU_RELRO', [PT_GNU_PROPERTY]: 'GNU_PROPERTY',
};
export function programTypeName(type: number): string {
  return ptNames[type] ?? `0x${type.toString(16)}`;
}

const etNames: Record<number, string> = {
  [ET_NONE]: 'NONE (None)', [ET_REL]: 'REL (Relocatable file)', [ET_EXEC]: 'EXEC (Executable file)',
  [ET_DYN]: 'DYN (Shared object file)', [ET_CORE]: 'CORE (Core file)',
};
export function fileTypeName(type: number): string {
  return etNames[type] ?? `<unknown>: ${type.toString(16)}`;
}
