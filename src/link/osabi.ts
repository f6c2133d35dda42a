// EI_OSABI of the output, as GNU ld sets it: ELFOSABI_GNU when the link uses GNU extensions the
// System V ABI lacks (bfd: has_gnu_osabi) — a global IFUNC (STT_GNU_IFUNC) or STB_GNU_UNIQUE symbol from
// an input, or an output section marked SHF_GNU_RETAIN; otherwise ELFOSABI_NONE. Tools read it: readelf
// decodes OS-specific section flags only under ELFOSABI_GNU (glibc's __libc_atexit shows as `WAR`).
import { STT_GNU_IFUNC } from '../elf/constants.ts';
import type { Context } from './context.ts';
import type { OutputSection } from './output-section.ts';
import { SymKind } from './symbol.ts';

export const ELFOSABI_NONE = 0;
export const ELFOSABI_GNU = 3;
const STB_GNU_UNIQUE = 10;
const SHF_GNU_RETAIN = 0x200000;

export function outputOsAbi(ctx: Context, sections: readonly OutputSection[]): number {
  if (ctx.ifuncs.length > 0) return ELFOSABI_GNU;
  for (const os of sections) if ((os.flags & SHF_GNU_RETAIN) !== 0) return ELFOSABI_GNU;
  for (const s of ctx.symtab.map.values()) {
    if (s.kind === SymKind.Defined && !s.synthetic && (s.type === STT_GNU_IFUNC || s.bind === STB_GNU_UNIQUE)) return ELFOSABI_GNU;
  }
  return ELFOSABI_NONE;
}
