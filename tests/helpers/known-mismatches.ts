// The disassembly lines where ukl's formatter is known to differ from GNU objdump, by class, with the
// reason (tests/asm-fixtures/objdump-mismatches.json). A class is a rewrite of our text that gives
// objdump's: a mismatch is known only if its class's rewrite turns our line into objdump's exactly.
// The file also lists every mismatch on the libc.a it was derived from (by sha256): on that libc.a the
// list must be exact, so a new mismatch or a fixed one shows; elsewhere every mismatch needs a class.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './tools.ts';

export type Syntax = 'att' | 'intel';

interface MismatchClass {
  id: string;
  syntax: Syntax;
  reason: string;
  /** applied to our text column (mnemonic and operands): gives objdump's */
  pattern: string;
  replacement: string;
}

interface MismatchFile {
  classes: MismatchClass[];
  /** per libc.a (sha256): the mismatched sites, `member section+0xoffset class` */
  recorded: { sha256: string; libc: string; objdump: string; att: string[]; intel: string[] }[];
}

const FILE = join(ROOT, 'tests', 'asm-fixtures', 'objdump-mismatches.json');
const data = JSON.parse(readFileSync(FILE, 'utf8')) as MismatchFile;

/** The class that explains ours -> theirs, or undefined. */
export function knownClass(syntax: Syntax, ours: string, theirs: string): string | undefined {
  for (const c of data.classes) {
    if (c.syntax !== syntax) continue;
    if (ours.replace(new RegExp(c.pattern), c.replacement) === theirs) return c.id;
  }
  return undefined;
}

/** The recorded list of mismatches for this libc.a and objdump (`objdump --version`'s first line), if the list was derived from them. */
export function recordedMismatches(libc: string, objdump: string, syntax: Syntax): string[] | undefined {
  const sha = createHash('sha256').update(readFileSync(libc)).digest('hex');
  return data.recorded.find((r) => r.sha256 === sha && r.objdump === objdump)?.[syntax];
}
