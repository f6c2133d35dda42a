// How GNU objdump (through BFD) sees an ELF file: which sections it lists, their flag words, the symbol
// flag column, and names for section indices. The other objdump modules print from this view.
import {
  SHF_ALLOC, SHF_EXCLUDE, SHF_EXECINSTR, SHF_TLS, SHF_WRITE, SHN_ABS, SHN_COMMON, SHN_UNDEF,
  SHT_GROUP, SHT_NOBITS, SHT_NULL, SHT_RELA, SHT_REL, SHT_STRTAB, SHT_SYMTAB, SHT_SYMTAB_SHNDX, STB_GLOBAL, STB_GNU_UNIQUE,
  STB_LOCAL, STB_WEAK, STT_FILE, STT_FUNC, STT_GNU_IFUNC, STT_OBJECT, STT_SECTION, STV_HIDDEN, STV_INTERNAL,
  STV_PROTECTED, GRP_COMDAT, SHT_DYNSYM,
} from '../elf/constants.ts';
import type { ElfFile } from '../elf/reader.ts';
import { stBind, stType, stVisibility, type Section, type Symbol } from '../elf/types.ts';

/** Sections BFD turns into its own sections (it folds symbol, string and relocation tables away). */
export function bfdSections(elf: ElfFile): Section[] {
  const shstrndx = elf.header.shstrndx;
  const symtabStrtabs = new Set<number>();
  for (const s of elf.sections) if (s.type === SHT_SYMTAB || s.type === SHT_DYNSYM) symtabStrtabs.add(s.link);
  return elf.sections.filter((s) => {
    if (s.index === 0 || s.type === SHT_NULL) return false;
    if (s.type === SHT_SYMTAB || s.type === SHT_SYMTAB_SHNDX) return false;
    if (s.type === SHT_STRTAB && (s.index === shstrndx || symtabStrtabs.has(s.index)) && (s.flags & SHF_ALLOC) === 0) return false;
    if ((s.type === SHT_RELA || s.type === SHT_REL) && (s.flags & SHF_ALLOC) === 0 && s.info !== 0 && s.info < elf.sections.length) return false;
    return true;
  });
}

/** Non-allocated RELA sections applied to `target`: what `objdump -r` prints for it. */
export function staticRelaFor(elf: ElfFile, target: number): Section[] {
  return elf.sections.filter((s) => s.type === SHT_RELA && (s.flags & SHF_ALLOC) === 0 && s.info === target && target !== 0);
}

function isDebugName(name: string): boolean {
  return name.startsWith('.debug') || name.startsWith('.zdebug') || name.startsWith('.gnu.linkonce.wi.') || name.startsWith('.stab') || name === '.line' || name.startsWith('.gnu.debuglto_');
}

/** The flag words objdump -h prints under a section, in BFD's order. */
export function sectionFlagWords(elf: ElfFile, s: Section): string[] {
  const f: string[] = [];
  const alloc = (s.flags & SHF_ALLOC) !== 0;
  const contents = s.type !== SHT_NOBITS;
  const code = (s.flags & SHF_EXECINSTR) !== 0;
  if (contents) f.push('CONTENTS');
  if (alloc) f.push('ALLOC');
  if (alloc && contents) f.push('LOAD');
  if (staticRelaFor(elf, s.index).length > 0) f.push('RELOC');
  if ((s.flags & SHF_WRITE) === 0) f.push('READONLY');
  if (code) f.push('CODE');
  else if (alloc && contents) f.push('DATA');
  const debug = !alloc && isDebugName(s.name);
  if (debug) f.push('DEBUGGING');
  if ((s.flags & SHF_EXCLUDE) !== 0) f.push('EXCLUDE');
  if ((s.flags & SHF_TLS) !== 0) f.push('THREAD_LOCAL');
  if (s.type === SHT_GROUP) {
    f.push('GROUP');
    const comdat = s.data.length >= 4 && (s.data[0]! & GRP_COMDAT) !== 0;
    if (comdat) f.push('LINK_ONCE_DISCARD');
  }
  if (debug) f.push('OCTETS');
  return f;
}

/** The section column of objdump -t: a section name, *ABS*, *UND* or *COM*. */
export function symbolSectionName(elf: ElfFile, sym: Symbol): string {
  if (sym.shndx === SHN_UNDEF) return '*UND*';
  if (sym.shndx === SHN_ABS) return '*ABS*';
  if (sym.shndx === SHN_COMMON) return '*COM*';
  if (sym.rawShndx >= 0xff00 && sym.rawShndx !== 0xffff) return '*ABS*';
  return elf.sections[sym.shndx]?.name ?? '*UND*';
}

/** The seven flag characters objdump -t prints between value and section. */
export function symbolFlagChars(sym: Symbol): string {
  const bind = stBind(sym.info);
  const type = stType(sym.info);
  let c1 = ' ';
  if (bind === STB_LOCAL && sym.shndx !== SHN_UNDEF) c1 = 'l';
  else if (bind === STB_GLOBAL && sym.shndx !== SHN_UNDEF && sym.shndx !== SHN_COMMON) c1 = 'g';
  else if (bind === STB_GNU_UNIQUE) c1 = 'u';
  const c2 = bind === STB_WEAK ? 'w' : ' ';
  const c5 = type === STT_GNU_IFUNC ? 'i' : ' ';
  const c6 = type === STT_SECTION || type === STT_FILE ? 'd' : ' ';
  let c7 = ' ';
  if (type === STT_FUNC) c7 = 'F';
  else if (type === STT_FILE) c7 = 'f';
  else if (type === STT_OBJECT || (sym.shndx === SHN_COMMON)) c7 = 'O';
  return `${c1}${c2}  ${c5}${c6}${c7}`;
}

/** The name objdump prints for a symbol: section symbols print their section's name. */
export function symbolDisplayName(elf: ElfFile, sym: Symbol): string {
  if (stType(sym.info) === STT_SECTION && sym.name === '') return elf.sections[sym.shndx]?.name ?? '';
  return sym.name;
}

export function visibilityPrefix(sym: Symbol): string {
  switch (stVisibility(sym.other)) {
    case STV_HIDDEN: return '.hidden ';
    case STV_PROTECTED: return '.protected ';
    case STV_INTERNAL: return '.internal ';
    default: return '';
  }
}

/** Two hex digits for each byte value, for the byte columns of -s and -d. */
export const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function hex(v: number | bigint, width: number): string {
  return v.toString(16).padStart(width, '0');
}
