// objdump -s: a hex and ASCII dump of every section with contents.
import { SHT_NOBITS } from '../elf/constants.ts';
import type { ElfFile } from '../elf/reader.ts';
import { bfdSections, HEX_BYTE } from './bfd-view.ts';
import type { Sink } from './output.ts';


export function printContents(out: Sink, elf: ElfFile, only?: Set<string>): void {
  for (const s of bfdSections(elf)) {
    if (only && !only.has(s.name)) continue;
    if (s.type === SHT_NOBITS || s.size === 0) continue;
    out.write(`Contents of section ${s.name}:\n`);
    const start = s.addr;
    const last = (start + BigInt(s.size) - 1n).toString(16);
    const width = Math.max(4, last.length);
    const d = s.data;
    const lines: string[] = [];
    for (let o = 0; o < d.length; o += 16) {
      let hexPart = '';
      let ascii = '';
      for (let j = 0; j < 16; j++) {
        if (o + j < d.length) {
          const b = d[o + j]!;
          hexPart += HEX_BYTE[b];
          ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
        } else {
          hexPart += '  ';
          ascii += ' ';
        }
        if ((j & 3) === 3) hexPart += ' ';
      }
      lines.push(` ${(start + BigInt(o)).toString(16).padStart(width, '0')} ${hexPart} ${ascii}\n`);
    }
    out.write(lines.join(''));
  }
}
