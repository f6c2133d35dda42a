// --gc-sections: mark the allocated input sections reachable from the roots through relocations and
// drop the rest. Roots as GNU ld has them: the entry point, -u symbols, SHF_GNU_RETAIN, notes,
// .init/.fini and the constructor arrays, and sections named by a referenced __start_X/__stop_X.
// .eh_frame keeps no function alive: a live function's FDE keeps its LSDA and personality routine.
import { SHF_ALLOC, SHF_GNU_RETAIN, SHT_NOTE, SHT_INIT_ARRAY, SHT_FINI_ARRAY, SHT_PREINIT_ARRAY } from '../elf/constants.ts';
import type { Context } from './context.ts';
import type { InputSection } from './input-files.ts';
import { SymKind, type Sym } from './symbol.ts';
import { ehRecords } from './eh-records.ts';

function isRootSection(sec: InputSection): boolean {
  if ((sec.flags & SHF_GNU_RETAIN) !== 0) return true;
  if (sec.type === SHT_NOTE || sec.type === SHT_INIT_ARRAY || sec.type === SHT_FINI_ARRAY || sec.type === SHT_PREINIT_ARRAY) return true;
  const n = sec.name;
  return n === '.init' || n === '.fini' || /^\.(init_array|fini_array|preinit_array|ctors|dtors)(\.|$)/.test(n) || n.startsWith('.gnu.warning');
}

export function gcSections(ctx: Context): void {
  const live = new Set<InputSection>();
  const work: InputSection[] = [];
  const startStopNames = new Set<string>();
  const keep = (sec: InputSection | null | undefined) => {
    if (!sec || live.has(sec) || !sec.live) return;
    live.add(sec);
    work.push(sec);
  };
  const keepSym = (s: Sym | undefined) => {
    if (!s) return;
    if (s.kind === SymKind.Defined || s.kind === SymKind.Common) keep(s.section);
    if (s.kind === SymKind.Undefined || s.synthetic) {
      const m = /^__(start|stop)_(.+)$/.exec(s.name);
      // -z start-stop-gc: a __start_/__stop_ reference does not keep the sections alive.
      if (m && !ctx.options.z.startStopGc) startStopNames.add(m[2]!);
    }
    if (s.aliasOf) keepSym(s.aliasOf);
  };
  const o = ctx.options;
  keepSym(ctx.symtab.find(o.entry ?? ctx.scriptEntry ?? '_start'));
  for (const u of [...o.undefinedSymbols, ...o.requireDefined]) keepSym(ctx.symtab.find(u));
  for (const n of ['__ehdr_start']) keepSym(ctx.symtab.find(n));
  const ehFrames: InputSection[] = [];
  for (const f of ctx.files) {
    for (const sec of f.sections) {
      if (!sec || !sec.live) continue;
      if ((sec.flags & SHF_ALLOC) === 0) continue;
      if (sec.name === '.eh_frame') ehFrames.push(sec);
      else if (isRootSection(sec)) keep(sec);
    }
  }

  const markFrom = (sec: InputSection, from = 0, to = Infinity) => {
    const file = sec.file;
    const rt = sec.rela;
    if (!rt) return;
    for (let i = 0; i < rt.count; i++) {
      const off = rt.offset(i);
      if (off < from || off >= to) continue;
      const s = file.sym(rt.sym(i));
      if (!s) continue;
      if (s.isLocal) keep(s.section);
      else keepSym(s);
    }
  };
  const drain = () => {
    while (work.length) markFrom(work.pop()!);
  };
  drain();
  // FDEs of live functions keep their LSDA and personality; repeat until nothing new becomes live.
  for (let changed = true; changed;) {
    changed = false;
    for (const eh of ehFrames) {
      const rt = eh.rela;
      if (!rt) continue;
      for (const rec of ehRecords(eh)) {
        if (rec.cie) {
          markFrom(eh, rec.start, rec.end);
          continue;
        }
        const k = rt.lowerBound(rec.pcBegin);
        const first = k < rt.count && rt.offset(k) < rec.end ? k : -1;
        const target = first >= 0 ? eh.file.sym(rt.sym(first)) : undefined;
        if (target && target.section && live.has(target.section)) {
          const before = live.size;
          markFrom(eh, rec.start, rec.end);
          if (live.size !== before) changed = true;
        }
      }
    }
    if (startStopNames.size) {
      for (const f of ctx.files) for (const sec of f.sections) if (sec && sec.live && startStopNames.has(sec.name)) keep(sec);
    }
    const before = live.size;
    drain();
    if (live.size !== before) changed = true;
  }
  for (const eh of ehFrames) live.add(eh);

  for (const f of ctx.files) {
    for (const sec of f.sections) {
      if (!sec || !sec.live || (sec.flags & SHF_ALLOC) === 0 || live.has(sec)) continue;
      sec.live = false;
      if (o.printGcSections) process.stderr.write(`ukl-ld: removing unused section '${sec.name}' in file '${f.displayName}'\n`);
    }
  }
  for (const c of ctx.commons) {
    if (!live.has(c)) c.live = false;
  }
}
