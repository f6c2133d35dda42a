// .ctors/.dtors input sections placed in .init_array/.fini_array run in GNU ld's order: .ctors lists run
// from the end to the start (crtbegin's __do_global_ctors walked them backwards) and .init_array ones
// from the start, so GNU ld copies each .ctors/.dtors section into the array with its pointer-sized
// words reversed (bfd's SEC_ELF_REVERSE_COPY). Done on the output bytes after relocation: the words are
// absolute addresses (R_X86_64_64), which do not depend on where they sit.
import { LinkError } from './errors.ts';
import type { InputSection } from './input-files.ts';
import type { OutputSection } from './output-section.ts';

/** Does GNU ld reverse this input section's words in its output section? */
export function isReversedCtors(m: InputSection, os: OutputSection): boolean {
  return (os.name === '.init_array' && m.name.startsWith('.ctors')) || (os.name === '.fini_array' && m.name.startsWith('.dtors'));
}

/** The offset an entry at input offset `off` of such a section ends up at (for --emit-relocs). */
export function reversedOffset(m: InputSection, off: number): number {
  const within = off % 8;
  return m.size - 8 - (off - within) + within;
}

export function reverseCtorsInOutput(sections: readonly OutputSection[], out: Uint8Array): void {
  for (const os of sections) {
    if (os.name !== '.init_array' && os.name !== '.fini_array') continue;
    for (const m of os.members) {
      if (!m.live || m.size <= 8 || !isReversedCtors(m, os)) continue;
      if (m.size % 8 !== 0) throw new LinkError(`${m.file.displayName}: ${m.name} section size (0x${m.size.toString(16)}) is not a multiple of the address size`);
      const at = os.offset + m.offset;
      const words = out.slice(at, at + m.size);
      for (let k = 0; k < m.size; k += 8) out.set(words.subarray(k, k + 8), at + m.size - 8 - k);
    }
  }
}
