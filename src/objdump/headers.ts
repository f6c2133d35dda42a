// objdump -a, -f, -h and -p: archive member headers, the file header, section headers, program headers.
import { ET_DYN, ET_EXEC, ET_REL, PF_R, PF_W, PF_X, PT_NULL, PT_DYNAMIC, PT_GNU_EH_FRAME, PT_GNU_RELRO, PT_GNU_STACK, PT_INTERP, PT_LOAD, PT_NOTE, PT_PHDR, PT_TLS, SHT_RELA, SHF_ALLOC } from '../elf/constants.ts';
import type { ArchiveMember } from '../elf/archive.ts';
import type { ElfFile } from '../elf/reader.ts';
import type { Section } from '../elf/types.ts';
import { bfdSections, hex, sectionFlagWords } from './bfd-view.ts';
import type { Sink } from './output.ts';

const BFD_FLAGS: [number, string][] = [
  [0x1, 'HAS_RELOC'], [0x2, 'EXEC_P'], [0x4, 'HAS_LINENO'], [0x8, 'HAS_DEBUG'], [0x10, 'HAS_SYMS'],
  [0x20, 'HAS_LOCALS'], [0x40, 'DYNAMIC'], [0x80, 'WP_TEXT'], [0x100, 'D_PAGED'],
];

function bfdFileFlags(elf: ElfFile): number {
  let f = 0;
  const t = elf.header.type;
  if (t === ET_REL && elf.sections.some((s) => s.type === SHT_RELA && (s.flags & SHF_ALLOC) === 0)) f |= 0x1;
  if (t === ET_EXEC) f |= 0x2;
  const st = elf.symtab;
  if (st && st.size > 24) f |= 0x10;
  else if (elf.sections.some((s) => s.type === 11 && s.size > 24)) f |= 0x10;
  if (t === ET_DYN) f |= 0x40;
  if ((t === ET_EXEC || t === ET_DYN) && elf.programHeaders.length > 0) f |= 0x100;
  return f;
}

export function printFileHeader(out: Sink, elf: ElfFile): void {
  const f = bfdFileFlags(elf);
  out.write(`architecture: i386:x86-64, flags 0x${hex(f, 8)}:\n`);
  out.write(BFD_FLAGS.filter(([b]) => f & b).map(([, n]) => n).join(', ') + '\n');
  out.write(`start address 0x${hex(elf.header.entry, 16)}\n\n`);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function modeString(mode: number): string {
  const r = (b: number, c: string) => (mode & b ? c : '-');
  return r(0o400, 'r') + r(0o200, 'w') + r(0o100, 'x') + r(0o40, 'r') + r(0o20, 'w') + r(0o10, 'x') + r(0o4, 'r') + r(0o2, 'w') + r(0o1, 'x');
}

/** objdump -a: the member's ar header, or just the file name for a file outside an archive. */
export function printArchiveHeader(out: Sink, name: string, m?: ArchiveMember): void {
  if (!m) {
    out.write(`${name}\n`);
    return;
  }
  const d = new Date(m.date * 1000);
  const when = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)} ${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')} ${d.getUTCFullYear()}`;
  out.write(`${modeString(m.mode)} ${m.uid}/${m.gid} ${String(m.size).padStart(6)} ${when} ${m.name}\n`);
}

/** LMA as BFD derives it: the section's address moved by its segment's paddr - vaddr. */
function lma(elf: ElfFile, s: Section): bigint {
  if (elf.header.type === ET_REL) return s.addr;
  for (const p of elf.programHeaders) {
    if (p.type !== PT_LOAD) continue;
    if (s.addr >= p.vaddr && s.addr + BigInt(s.size) <= p.vaddr + BigInt(p.memsz) && (s.size > 0 || s.addr < p.vaddr + BigInt(p.memsz))) {
      return s.addr - p.vaddr + p.paddr;
    }
  }
  return s.addr;
}

export function printSectionHeaders(out: Sink, elf: ElfFile, only?: Set<string>): void {
  out.write('Sections:\nIdx Name          Size      VMA               LMA               File off  Algn\n');
  const secs = bfdSections(elf);
  secs.forEach((s, idx) => {
    if (only && !only.has(s.name)) return;
    const align = s.addralign > 0 ? Math.round(Math.log2(s.addralign)) : 0;
    out.write(`${String(idx).padStart(3)} ${s.name.padEnd(13)} ${hex(s.size, 8)}  ${hex(s.addr, 16)}  ${hex(lma(elf, s), 16)}  ${hex(s.offset, 8)}  2**${align}\n`);
    out.write(`                  ${sectionFlagWords(elf, s).join(', ')}\n`);
  });
}

const PT_LABELS: Record<number, string> = {
  [PT_NULL]: 'NULL', [PT_LOAD]: 'LOAD', [PT_DYNAMIC]: 'DYNAMIC', [PT_INTERP]: 'INTERP', [PT_NOTE]: 'NOTE', [PT_PHDR]: 'PHDR',
  [PT_TLS]: 'TLS', [PT_GNU_EH_FRAME]: 'EH_FRAME', [PT_GNU_STACK]: 'STACK', [PT_GNU_RELRO]: 'RELRO',
};

/** objdump -p for ELF: the program headers (static executables have no dynamic section). */
export function printPrivateHeaders(out: Sink, elf: ElfFile): void {
  if (elf.programHeaders.length === 0) return;
  out.write('Program Header:\n');
  for (const p of elf.programHeaders) {
    const label = PT_LABELS[p.type] ?? `0x${p.type.toString(16)}`;
    const align = p.align > 0 ? Math.round(Math.log2(p.align)) : 0;
    const fl = (p.flags & PF_R ? 'r' : '-') + (p.flags & PF_W ? 'w' : '-') + (p.flags & PF_X ? 'x' : '-');
    out.write(`${label.padStart(8)} off    0x${hex(p.offset, 16)} vaddr 0x${hex(p.vaddr, 16)} paddr 0x${hex(p.paddr, 16)} align 2**${align}\n`);
    out.write(`         filesz 0x${hex(p.filesz, 16)} memsz 0x${hex(p.memsz, 16)} flags ${fl}\n`);
  }
  out.write('\n');
}
