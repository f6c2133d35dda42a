// --cref: GNU ld's cross reference table (ldcref.c): every global symbol an input file defines or refers to,
// by name, with the file defining it first and then the files referring to it, in load order. It goes to
// the -Map file when there is one, else to standard output. (Names are printed as they are, not demangled.)
import type { Context } from './context.ts';
import type { ObjectFile } from './input-files.ts';
import { SymKind, type Sym } from './symbol.ts';

export function crefText(ctx: Context): string {
  const refs = new Map<Sym, ObjectFile[]>();
  for (const f of ctx.files) {
    const raw = f.raw;
    if (!raw) continue;
    for (let i = f.firstGlobal; i < f.symbolCount; i++) {
      const s = f.sym(i);
      if (!s) continue;
      let l = refs.get(s);
      if (!l) refs.set(s, (l = []));
      if (!l.includes(f)) l.push(f);
    }
  }
  const lines = ['', 'Cross Reference Table', '', `${'Symbol'.padEnd(50)}File`];
  const names = [...refs.keys()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const s of names) {
    const files = refs.get(s)!;
    const definer = s.kind === SymKind.Defined && s.file && files.includes(s.file) ? s.file : null;
    const order = definer ? [definer, ...files.filter((f) => f !== definer)] : files;
    order.forEach((f, k) => lines.push(`${(k === 0 ? s.name : '').padEnd(50)}${f.displayName}`));
  }
  return lines.join('\n') + '\n';
}
