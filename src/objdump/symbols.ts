// objdump -t: the static symbol table in BFD's columns.
import type { ElfFile } from '../elf/reader.ts';
import { hex, symbolDisplayName, symbolFlagChars, symbolSectionName, visibilityPrefix } from './bfd-view.ts';
import type { Sink } from './output.ts';

export function printSymbolTable(out: Sink, elf: ElfFile): void {
  out.write('SYMBOL TABLE:\n');
  const syms = elf.symbols();
  if (syms.length <= 1) {
    out.write('no symbols\n');
  }
  for (let i = 1; i < syms.length; i++) {
    const s = syms[i]!;
    // For common symbols st_value is the alignment; BFD prints it in the value column all the same.
    out.write(`${hex(s.value, 16)} ${symbolFlagChars(s)} ${symbolSectionName(elf, s)}\t${hex(s.size, 16)} ${visibilityPrefix(s)}${symbolDisplayName(elf, s)}\n`);
  }
  out.write('\n\n');
}
