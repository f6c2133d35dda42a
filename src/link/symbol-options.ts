// Options about which symbols must exist and which the output lists:
//   --require-defined=SYM   a strong reference (as -u) that must end up defined: "required symbol `SYM' not defined";
//   --retain-symbols-file=F the output's .symtab keeps only the names F lists, one per line (GNU ld: locals,
//                           globals and file symbols alike; names not in the output are ignored).
import { readFileSync } from 'node:fs';
import type { Context } from './context.ts';
import { symbolName } from './demangle.ts';
import { LinkError } from './errors.ts';
import { SymKind } from './symbol.ts';

export function checkRequiredSymbols(ctx: Context): void {
  for (const name of ctx.options.requireDefined) {
    const s = ctx.symtab.find(name);
    if (!s || (s.kind !== SymKind.Defined && s.kind !== SymKind.Common)) ctx.diags.error(`required symbol \`${symbolName(name)}' not defined`);
  }
}

/** The names to keep, or null for all. */
export function retainedSymbols(ctx: Context): Set<string> | null {
  const path = ctx.options.retainSymbolsFile;
  if (path === undefined) return null;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new LinkError(`${path}: cannot open for --retain-symbols-file: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return new Set(text.split('\n').map((l) => l.trim()).filter((l) => l !== ''));
}
