// --unique[=SECTION]: every input section whose name matches the wildcard SECTION gets an output section of its
// own (named as the input section, placed as an orphan), even when others share its name; without SECTION,
// every orphan input section (one the default script does not place) does. As GNU ld (ldlang.c, unique_section_p).
import type { InputSection } from './input-files.ts';
import { knownRank, type Placement } from './output-section.ts';

/** fnmatch(3) without flags: `*`, `?`, `[...]` (with `!` or `^` negation). */
function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let set = glob.slice(i + 1, end);
        if (set.startsWith('!')) set = '^' + set.slice(1);
        re += `[${set.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

export type UniqueTest = (sec: InputSection, placed: Placement) => boolean;

/** The test for --unique patterns ('' = orphans), or null when the option was not given. */
export function uniqueTest(patterns: readonly string[]): UniqueTest | null {
  if (patterns.length === 0) return null;
  const globs = patterns.filter((p) => p !== '').map(globRegExp);
  const orphans = patterns.includes('');
  return (sec, placed) => {
    if (orphans && placed.output === sec.name && knownRank(sec.name) === undefined) return true;
    return globs.some((g) => g.test(sec.name));
  };
}
