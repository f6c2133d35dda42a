// The built-in hosted entry: an object whose __ukl_syscall performs the real system call, so a
// rewritten program still runs as an ordinary Linux process (to debug it natively with gdb and strace).
// The entry contract is the `syscall` instruction's: number in %rax, arguments in %rdi, %rsi, %rdx,
// %r10, %r8, %r9, result in %rax, %rcx and %r11 clobbered, everything else preserved.
import { ET_REL, R_X86_64, SHF_ALLOC, SHF_EXECINSTR, SHT_NULL, SHT_PROGBITS, SHT_RELA, SHT_STRTAB, SHT_SYMTAB, SHF_INFO_LINK, STB_GLOBAL, STB_LOCAL, STT_FUNC, STT_SECTION } from '../elf/constants.ts';
import { stInfo } from '../elf/types.ts';
import { encodeRela, encodeSymbols, writeElf, type SymbolInput } from '../elf/writer.ts';
import { SYSCALL_NAMES } from './syscall-table.ts';
import { directEntryName } from './rewrite-object.ts';

/** syscall; ret */
const CODE = Uint8Array.from([0x0f, 0x05, 0xc3]);

/** One CIE (CFA = rsp+8, return address at CFA-8) and one FDE covering the stub. */
function ehFrame(): Uint8Array {
  const cie = [0x14, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x7a, 0x52, 0x00, 0x01, 0x78, 0x10, 0x01, 0x1b, 0x0c, 0x07, 0x08, 0x90, 0x01, 0x00, 0x00];
  const fde = [0x10, 0, 0, 0, 0x1c, 0, 0, 0, 0, 0, 0, 0, CODE.length, 0, 0, 0, 0x00, 0x00, 0x00, 0x00];
  return Uint8Array.from([...cie, ...fde]);
}

/** An ET_REL object defining `entry` (and, with `direct`, every per-syscall entry as an alias). */
export function hostedEntryObject(entry: string, direct: boolean): Uint8Array {
  const syms: SymbolInput[] = [
    { name: '', info: 0, other: 0, shndx: 0, value: 0n, size: 0n },
    { name: '', info: stInfo(STB_LOCAL, STT_SECTION), other: 0, shndx: 1, value: 0n, size: 0n },
    { name: entry, info: stInfo(STB_GLOBAL, STT_FUNC), other: 0, shndx: 1, value: 0n, size: BigInt(CODE.length) },
  ];
  if (direct) {
    SYSCALL_NAMES.forEach((n, nr) => {
      if (n === undefined) return;
      const name = directEntryName(entry, nr);
      if (name) syms.push({ name, info: stInfo(STB_GLOBAL, STT_FUNC), other: 0, shndx: 1, value: 0n, size: BigInt(CODE.length) });
    });
  }
  const enc = encodeSymbols(syms);
  // sections: 0 null, 1 .text, 2 .eh_frame, 3 .rela.eh_frame, 4 .note.GNU-stack, 5 .symtab, 6 .strtab, 7 .shstrtab
  const rela = encodeRela([{ offset: 24n + 8n, type: R_X86_64.PC32, sym: 1, addend: 0n }]);
  return writeElf({
    header: { type: ET_REL },
    sections: [
      { name: '', type: SHT_NULL },
      { name: '.text', type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR, addralign: 16, data: CODE },
      { name: '.eh_frame', type: SHT_PROGBITS, flags: SHF_ALLOC, addralign: 8, data: ehFrame() },
      { name: '.rela.eh_frame', type: SHT_RELA, flags: SHF_INFO_LINK, link: 5, info: 2, addralign: 8, entsize: 24, data: rela },
      { name: '.note.GNU-stack', type: SHT_PROGBITS, addralign: 1, data: new Uint8Array(0) },
      { name: '.symtab', type: SHT_SYMTAB, link: 6, info: enc.info, addralign: 8, entsize: 24, data: enc.symtab },
      { name: '.strtab', type: SHT_STRTAB, addralign: 1, data: enc.strtab },
      { name: '.shstrtab', type: SHT_STRTAB, addralign: 1, data: new Uint8Array(0) },
    ],
  }, { layout: 'fresh', shstrtab: 'rebuild' });
}
