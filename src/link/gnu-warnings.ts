// Link-time warnings from `.gnu.warning.SYM` sections (glibc marks tmpnam, getaddrinfo, dlopen, ... in static
// links this way), placed as GNU ld places them (ldmain.c warning_find_reloc): in the first file that refers
// to SYM, for each section holding a relocation against it, the first such relocation, printed as
//   FILE: in function `FUNC':
//   SRC:(SECTION+0xOFF): warning: TEXT
// where FUNC is the function holding the reference and SRC the source file its STT_FILE symbol names (GNU ld
// prints SRC:LINE from DWARF line info when the object has it; ukl-ld does not read DWARF, so it always
// prints the section and offset). A reference with no relocation (only the symbol) gets `FILE: warning: TEXT`.
import { STT_FILE, STT_FUNC } from '../elf/constants.ts';
import { stType } from '../elf/types.ts';
import type { Context } from './context.ts';
import type { InputSection, ObjectFile } from './input-files.ts';
import type { Sym } from './symbol.ts';
import { symbolName } from './demangle.ts';

/** Does `g` have an undefined reference to `s`? */
function refersTo(g: ObjectFile, s: Sym): boolean {
  for (let i = g.firstGlobal; i < g.symbolCount; i++) if (g.sym(i) === s && g.raw!.shndx(i) === 0) return true;
  return false;
}

/** The function symbol of `f` enclosing `off` in `sec` (the nearest STT_FUNC at or before it), and its STT_FILE name. */
function enclosingFunction(f: ObjectFile, sec: InputSection, off: number): { name: string; source: string | null } | null {
  const raw = f.raw;
  if (!raw) return null;
  let best = -1;
  let bestValue = -1;
  let bestSource: string | null = null;
  let source: string | null = null;
  for (let i = 1; i < raw.count; i++) {
    const type = stType(raw.info(i));
    if (type === STT_FILE) {
      source = raw.name(i);
      continue;
    }
    if (type !== STT_FUNC || raw.shndx(i) !== sec.index) continue;
    const v = raw.value(i);
    if (v <= off && v > bestValue) {
      best = i;
      bestValue = v;
      bestSource = source;
    }
  }
  return best < 0 ? null : { name: raw.name(best), source: bestSource };
}

export function gnuWarnings(ctx: Context): void {
  for (const f of ctx.files) {
    for (const sec of f.warningSections) {
      const s = ctx.symtab.find(sec.name.slice('.gnu.warning.'.length));
      if (!s || !s.referenced) continue;
      let text = Buffer.from(sec.data).toString('utf8');
      const nul = text.indexOf('\0');
      if (nul >= 0) text = text.slice(0, nul);
      const first = ctx.files.find((g) => g !== f && refersTo(g, s));
      if (!first) continue;
      let placed = false;
      for (const rs of first.sections) {
        if (!rs || !rs.live || !rs.rela) continue;
        const rt = rs.rela;
        for (let i = 0; i < rt.count; i++) {
          if (first.sym(rt.sym(i)) !== s) continue;
          const off = rt.offset(i);
          const fn = enclosingFunction(first, rs, off);
          const where = `${fn?.source ?? first.displayName}:(${rs.name}+0x${off.toString(16)})`;
          ctx.diags.warnPlaced(fn ? `${first.displayName}: in function \`${symbolName(fn.name)}':\n${where}: warning: ${text}` : `${where}: warning: ${text}`);
          placed = true;
          break;
        }
      }
      if (!placed) ctx.diags.warn(`${first.displayName}: ${text}`);
    }
  }
}
