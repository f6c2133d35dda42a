// --orphan-handling=place|warn|error|discard: what happens to an orphan, an input section the default linker
// script does not place by name (GNU ld, ldlang.c ldlang_place_orphan): placed by its flags (place, the
// default), placed with "warning: orphan section `X' from `F' being placed in section `X'", reported as
// "error: unplaced orphan section `X' from `F'", or dropped.
import type { Diagnostics } from './errors.ts';
import type { InputSection } from './input-files.ts';
import { knownRank, type Placement } from './output-section.ts';

/** Non-allocated sections the default script (ld --verbose, binutils 2.40) names: not orphans. */
const SCRIPT_NONALLOC = /^(?:\.comment|\.gnu\.build\.attributes|\.gnu\.attributes|\.debug(?:_\w+)?(?:\.\w+)*|\.line|\.stab(?:\w+)?|\.stab\.\w+|\.zdebug\w*)$/;

export function isOrphan(sec: InputSection, placed: Placement): boolean {
  if (placed.output !== sec.name) return false;
  if (knownRank(sec.name) !== undefined) return false;
  return !SCRIPT_NONALLOC.test(sec.name);
}

/** Whether to keep the orphan `sec` (false: --orphan-handling=discard). */
export function handleOrphan(diags: Diagnostics, mode: string | undefined, sec: InputSection): boolean {
  switch (mode) {
    case 'warn':
      diags.warn(`orphan section \`${sec.name}' from \`${sec.file.displayName}' being placed in section \`${sec.name}'`);
      return true;
    case 'error':
      diags.error(`unplaced orphan section \`${sec.name}' from \`${sec.file.displayName}'`);
      return true;
    case 'discard':
      return false;
  }
  return true;
}
