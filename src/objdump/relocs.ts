// objdump -r: relocation records per section, and the short form -d -r interleaves.
import { relocTypeName } from '../elf/constants.ts';
import type { ElfFile } from '../elf/reader.ts';
import type { Rela } from '../elf/types.ts';
import { bfdSections, hex, staticRelaFor, symbolDisplayName } from './bfd-view.ts';
import type { Sink } from './output.ts';

/** The VALUE column: symbol (or section) name and addend, as BFD writes them. */
export function relocValue(elf: ElfFile, symtab: number, r: Rela, longAddend: boolean): string {
  let name = '*ABS*';
  if (r.sym !== 0) {
    const sym = elf.symbols(symtab)[r.sym]!;
    name = symbolDisplayName(elf, sym);
  }
  if (r.addend === 0n) return name;
  const neg = r.addend < 0n;
  const mag = neg ? -r.addend : r.addend;
  return `${name}${neg ? '-' : '+'}0x${longAddend ? hex(mag, 16) : mag.toString(16)}`;
}

export function relocationsFor(elf: ElfFile, sectionIndex: number): { rela: Rela; symtab: number }[] {
  const out: { rela: Rela; symtab: number }[] = [];
  for (const rs of staticRelaFor(elf, sectionIndex)) for (const rela of elf.relocations(rs.index)) out.push({ rela, symtab: rs.link });
  return out;
}

export function printRelocations(out: Sink, elf: ElfFile, only?: Set<string>): void {
  for (const s of bfdSections(elf)) {
    if (only && !only.has(s.name)) continue;
    const rels = relocationsFor(elf, s.index);
    if (rels.length === 0) continue;
    out.write(`RELOCATION RECORDS FOR [${s.name}]:\nOFFSET           TYPE              VALUE\n`);
    for (const { rela, symtab } of rels) {
      out.write(`${hex(rela.offset, 16)} ${relocTypeName(rela.type).padEnd(16)}  ${relocValue(elf, symtab, rela, true)}\n`);
    }
    out.write('\n\n');
  }
}
