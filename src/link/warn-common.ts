// --warn-common: GNU ld's warnings (ldmain.c multiple_common) when a common symbol meets another common or a
// definition of the same name, in GNU ld's words, newer file first.
import type { Diagnostics } from './errors.ts';
import type { ObjectFile } from './input-files.ts';
import { symbolName } from './demangle.ts';

export type CommonMeeting =
  /** a common meets an earlier common */
  | 'common-common'
  /** a definition meets an earlier common */
  | 'definition-common'
  /** a common meets an earlier definition */
  | 'common-definition';

export function warnCommon(diags: Diagnostics, what: CommonMeeting, rawName: string, newer: ObjectFile, older: ObjectFile | null, newSize: number, oldSize: number): void {
  const name = symbolName(rawName);
  const n = newer.displayName;
  const o = older?.displayName ?? '<internal>';
  let msg: string;
  if (what === 'definition-common') msg = `${n}: warning: definition of \`${name}' overriding common from ${o}`;
  else if (what === 'common-definition') msg = `${n}: warning: common of \`${name}' overridden by definition from ${o}`;
  else if (newSize > oldSize) msg = `${n}: warning: common of \`${name}' overriding smaller common from ${o}`;
  else if (newSize < oldSize) msg = `${n}: warning: common of \`${name}' overridden by larger common from ${o}`;
  else msg = `${n} and ${o}: warning: multiple common of \`${name}'`;
  diags.warnPlaced(msg);
}
