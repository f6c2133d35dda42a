// Archive members for COMMON symbols, as GNU ld chooses them (bfd elflink.c, elf_link_is_defined_archive_symbol):
// while a symbol is only COMMON, a member that defines it as global data in a section is extracted (its
// definition then wins over the commons); a member that only has another common, a function or a weak
// definition of the name is not. (ar puts commons in the symbol index too, so the index alone cannot say.)
import { SHN_ABS, SHN_COMMON, SHN_UNDEF, STB_GLOBAL, STT_FUNC } from '../elf/constants.ts';
import { stBind, stType } from '../elf/types.ts';
import type { ArchiveInput, ObjectFile } from './input-files.ts';

/** Does `f` (not loaded yet) define `name` as global, non-function data in a section? */
function definesData(f: ObjectFile, name: string): boolean {
  const raw = f.raw;
  if (!raw) return false;
  for (let i = raw.firstGlobal; i < raw.count; i++) {
    const shndx = raw.rawShndx(i);
    if (shndx === SHN_UNDEF || shndx === SHN_COMMON || (shndx >= 0xff00 && shndx !== SHN_ABS && shndx !== 0xffff)) continue;
    const info = raw.info(i);
    if (stBind(info) !== STB_GLOBAL || stType(info) === STT_FUNC) continue;
    if (raw.name(i) === name) return true;
  }
  return false;
}

/** The first member of `a`, not loaded yet, that GNU ld would extract for the COMMON symbol `name`. */
export function memberForCommon(a: ArchiveInput, name: string): ObjectFile | undefined {
  const first = a.index.get(name);
  if (first === undefined) return undefined;
  for (const off of [first, ...(a.moreDefiners.get(name) ?? [])]) {
    const f = a.member(off);
    if (f && !f.loaded && definesData(f, name)) return f;
  }
  return undefined;
}
