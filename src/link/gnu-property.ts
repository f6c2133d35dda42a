// What the command line adds to the output's .note.gnu.property (GNU ld's elfxx-x86.c and elf-properties.c):
//   -z ibt / -z shstk         GNU_PROPERTY_X86_FEATURE_1_AND gets IBT (bit 0) / SHSTK (bit 1) whatever the inputs say;
//   -z lam-u48 / -z lam-u57   the same for LAM_U48 (bit 2) / LAM_U57 (bit 3);
//   -z x86-64-v2 (baseline, v3, v4)  GNU_PROPERTY_X86_ISA_1_NEEDED gets that level's bit;
//   -z stack-size=N           GNU_PROPERTY_STACK_SIZE (an 8-byte value) besides PT_GNU_STACK's size;
// and -z cet-report=warning|error: each input without IBT or SHSTK (that -z ibt/-z shstk do not force) is
// reported in GNU ld's words. With IBT in the output, the IPLT entries start with endbr64, as GNU ld's do.
import type { Context } from './context.ts';
import type { ObjectFile } from './input-files.ts';
import type { ZOptions } from './options.ts';

export const GNU_PROPERTY_STACK_SIZE = 1;
export const X86_FEATURE_1_AND = 0xc0000002;
export const X86_ISA_1_NEEDED = 0xc0008002;
export const FEATURE_IBT = 1;
export const FEATURE_SHSTK = 2;

/** Merge the command line's properties into the merged input properties ([type, 4-byte value], sorted by type). */
export function addCommandLineProperties(merged: [number, number][], z: ZOptions): void {
  const or = (type: number, bits: number) => {
    if (bits === 0) return;
    const have = merged.find(([t]) => t === type);
    if (have) have[1] = (have[1] | bits) >>> 0;
    else merged.push([type, bits]);
  };
  or(X86_FEATURE_1_AND, (z.ibt ? FEATURE_IBT : 0) | (z.shstk ? FEATURE_SHSTK : 0) | (z.lamU48 ? 4 : 0) | (z.lamU57 ? 8 : 0));
  or(X86_ISA_1_NEEDED, z.isaNeeded);
  merged.sort((a, b) => a[0] - b[0]);
}

/** -z cet-report: the inputs (with their X86 properties) that lack IBT or SHSTK. */
export function reportCet(ctx: Context, inputs: readonly [ObjectFile, Map<number, number>][]): void {
  const z = ctx.options.z;
  if (z.cetReport === 'none') return;
  for (const [f, props] of inputs) {
    const features = props.get(X86_FEATURE_1_AND) ?? 0;
    const ibt = !z.ibt && (features & FEATURE_IBT) === 0;
    const shstk = !z.shstk && (features & FEATURE_SHSTK) === 0;
    if (!ibt && !shstk) continue;
    const what = ibt && shstk ? 'IBT and SHSTK properties' : ibt ? 'IBT property' : 'SHSTK property';
    if (z.cetReport === 'error') ctx.diags.error(`${f.displayName}: missing ${what}`);
    else ctx.diags.warnPlaced(`${f.displayName}: warning: missing ${what}`);
  }
}
