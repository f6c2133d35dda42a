// The entry address, as GNU ld's lang_end() finds it: the entry symbol if it is defined in the output;
// else the name read as a number (`-e 0x401000`, C syntax as strtoul with base 0); else the start of
// .text with a warning (or, with no .text, no start address, also with a warning). Never a silent 0.
import type { Context } from './context.ts';
import type { Layout } from './layout.ts';
import { SymKind } from './symbol.ts';

/** strtoul(s, &end, 0) that must consume all of s. */
function asNumber(s: string): number | undefined {
  if (/^0[xX][0-9a-fA-F]+$/.test(s)) return Number(BigInt(s));
  if (/^0[0-7]*$/.test(s)) return Number(BigInt('0o' + (s.slice(1) || '0')));
  if (/^[1-9][0-9]*$/.test(s)) return Number(BigInt(s));
  return undefined;
}

export function resolveEntry(ctx: Context, layout: Layout, name: string): number {
  const s = ctx.symtab.find(name);
  if (s && s.kind === SymKind.Defined && (!s.section || (s.section.live && s.section.output !== null))) return ctx.addressOf(s);
  const n = asNumber(name);
  if (n !== undefined) return n;
  const text = layout.sections.find((x) => x.name === '.text');
  if (text) {
    ctx.diags.warn(`cannot find entry symbol ${name}; defaulting to ${text.addr.toString(16).padStart(16, '0')}`);
    return text.addr;
  }
  ctx.diags.warn(`cannot find entry symbol ${name}; not setting start address`);
  return 0;
}
