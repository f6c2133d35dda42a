// ukl-ld --rewrite-syscalls: the hooks the link uses, loaded only when the option is given (the
// rewriter brings the x86 decoder, which a plain link does not need to load).
import { ElfFile } from '../elf/reader.ts';
import { hostedEntryObject } from '../relink-syscalls/hosted-entry.ts';
import { definesSymbol, rewriteObject } from '../relink-syscalls/rewrite-object.ts';
import type { Context } from './context.ts';

/** Every object that is not a kernel object (one defining the entry symbol) is rewritten as it loads. */
export function prepareSyscallRewrite(ctx: Context): void {
  const o = ctx.options;
  const opts = { entry: o.syscallEntry, direct: o.syscallDirect };
  ctx.syscallRewriter = (elf) => {
    if (definesSymbol(elf, o.syscallEntry)) return { elf, sites: [] };
    const r = rewriteObject(elf, opts);
    for (const n of r.notes) ctx.diags.warn(n);
    if (!r.bytes) return { elf, sites: r.sites };
    return { elf: new ElfFile(r.bytes, elf.origin), sites: r.sites };
  };
  ctx.hostedEntry = () => hostedEntryObject(o.syscallEntry, o.syscallDirect);
}
