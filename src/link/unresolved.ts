// What an undefined symbol referenced from an object becomes, as GNU ld's --unresolved-symbols and
// --warn-unresolved-symbols decide it for a static executable: an error (default; report-all,
// ignore-in-shared-libs), nothing (ignore-all, ignore-in-object-files: the references resolve to 0), or a
// warning (--warn-unresolved-symbols; --error-unresolved-symbols makes it an error again).
import type { Context } from './context.ts';

export const UNRESOLVED_METHODS = ['ignore-all', 'report-all', 'ignore-in-object-files', 'ignore-in-shared-libs'] as const;
export type UnresolvedMethod = (typeof UNRESOLVED_METHODS)[number];

export function reportUnresolved(ctx: Context, msg: string): void {
  const o = ctx.options;
  const method = o.unresolvedSymbols ?? 'report-all';
  if (method === 'ignore-all' || method === 'ignore-in-object-files') return;
  if (o.warnUnresolvedSymbols) ctx.diags.warn(msg);
  else ctx.diags.error(msg);
}
