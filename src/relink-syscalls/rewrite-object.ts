// Rewriting one relocatable object: every syscall site that may be rewritten becomes a call to the
// kernel entry; its code section grows, and everything that refers into that section follows:
// relocations in it, relocations elsewhere that point into it (jump tables, function pointers, FDEs),
// symbol values and sizes, .eh_frame and .gcc_except_table. A section whose safety cannot be shown
// keeps all of its sites, with the reason recorded.
import { R_X86_64, STT_OBJECT, STT_TLS, SHF_EXECINSTR, SHF_GROUP, SHF_INFO_LINK, SHT_NOBITS, SHT_RELA, SHT_SYMTAB, STB_GLOBAL, STT_NOTYPE, STT_SECTION, SHN_UNDEF, ET_REL } from '../elf/constants.ts';
import type { ElfFile } from '../elf/reader.ts';
import { stInfo, stType, type Section } from '../elf/types.ts';
import { elfToModel, encodeGroup, encodeRela, encodeSymbols, withoutOffsets, writeElf, type SectionModel } from '../elf/writer.ts';
import { decodeSection, type DecodedInstruction } from '../asm/decode.ts';
import { RewriteRefused } from './errors.ts';
import { leaveReason } from './policy.ts';
import { analyse, callSequence, relayout, type CfaAdjustment, type OffsetMap } from './relayout.ts';
import { findSyscallSitesInSection, type SyscallSite } from './sites.ts';
import { lsdaRefsFromEhFrame, rewriteEhFrame, type Reloc } from './eh-frame.ts';
import { rewriteLsda } from './lsda.ts';
import { syscallName } from './syscall-table.ts';

const R = R_X86_64;

export interface RewriteOptions {
  /** The generic entry symbol (default __ukl_syscall). */
  entry: string;
  /** Call a per-syscall entry (`${entry}_${name}`) when the number is known. */
  direct: boolean;
}

export interface SiteRecord {
  file: string;
  member: string | null;
  section: string;
  /** The section's index in its object. */
  sectionIndex: number;
  /** Offset of the `syscall` in the input section. */
  offset: number;
  /** Offset of the site (the replacement, or the syscall left in place) in the rewritten object. */
  newOffset: number;
  symbol: string | null;
  symbolOffset: number;
  nr: number | null;
  name: string | null;
  status: 'rewritten' | 'left';
  reason: string | null;
  /** The symbol the rewritten site calls. */
  entry: string | null;
}

export interface RewriteResult {
  /** The rewritten object, or null when nothing changed. */
  bytes: Uint8Array | null;
  sites: SiteRecord[];
  notes: string[];
}

export const DEFAULT_ENTRY = '__ukl_syscall';

/** The per-syscall entry name used by --syscall-direct. */
export function directEntryName(entry: string, nr: number): string | null {
  const n = syscallName(nr);
  return n ? `${entry}_${n}` : null;
}

interface Plan {
  sec: Section;
  insns: DecodedInstruction[];
  sites: SyscallSite[];
  rewrite: Set<number>;
  refused: string | null;
  map: OffsetMap | null;
  newCode: Uint8Array | null;
  callFields: Map<number, number>;
  cfa: CfaAdjustment[];
}

const relocCache = new WeakMap<ElfFile, Map<number, Reloc[]>>();

/** Relocations of a section as plain numbers (converted once per section: the analysis reads them on every pass). */
function relocsOf(elf: ElfFile, rela: Section): Reloc[] {
  let byIndex = relocCache.get(elf);
  if (!byIndex) relocCache.set(elf, (byIndex = new Map()));
  let list = byIndex.get(rela.index);
  if (!list) {
    list = elf.relocations(rela.index).map((r) => ({ offset: Number(r.offset), type: r.type, sym: r.sym, addend: Number(r.addend) }));
    byIndex.set(rela.index, list);
  }
  return list;
}

const PC_RELATIVE = new Set<number>([R.PC32, R.PLT32, R.GOTPCREL, R.GOTPCRELX, R.REX_GOTPCRELX, R.GOTTPOFF, R.TLSGD, R.TLSLD, R.GOTPC32_TLSDESC, R.PC8, R.PC16, R.PC64]);
const ABSOLUTE = new Set<number>([R['64'], R['32'], R['32S']]);

function isDebug(name: string): boolean {
  return name.startsWith('.debug') || name.startsWith('.zdebug') || name === '.line' || name.startsWith('.stab');
}

export function rewriteObject(elf: ElfFile, opts: RewriteOptions): RewriteResult {
  const notes: string[] = [];
  const records: SiteRecord[] = [];
  if (elf.header.type !== ET_REL) throw new RewriteRefused(`${elf.origin.file}: not a relocatable object`);
  if (definesSymbol(elf, opts.entry)) {
    // A kernel object (or the hosted entry): it defines the entry, and its own syscalls are the real ones.
    const why = `the object defines ${opts.entry} (a kernel object): its syscalls are the real ones`;
    for (const sec of elf.sections) {
      if ((sec.flags & SHF_EXECINSTR) === 0 || sec.type === SHT_NOBITS || sec.size === 0) continue;
      for (const s of findSyscallSitesInSection(elf, sec).sites) {
        records.push({ file: s.file, member: s.member, section: s.section, sectionIndex: sec.index, offset: s.offset, newOffset: s.offset, symbol: s.symbol, symbolOffset: s.symbolOffset, nr: s.nr, name: s.name, status: 'left', reason: why, entry: null });
      }
    }
    return { bytes: null, sites: records, notes };
  }
  const plans: Plan[] = [];
  for (const sec of elf.sections) {
    if ((sec.flags & SHF_EXECINSTR) === 0 || sec.type === SHT_NOBITS || sec.size === 0) continue;
    const found = findSyscallSitesInSection(elf, sec);
    if (found.sites.length === 0) continue;
    plans.push({ sec, insns: [], sites: found.sites, rewrite: new Set(), refused: null, map: null, newCode: null, callFields: new Map(), cfa: [] });
  }
  const record = (p: Plan, s: SyscallSite, status: 'rewritten' | 'left', reason: string | null) => {
    const entry = status === 'rewritten' ? entryFor(opts, s.nr) : null;
    records.push({
      file: s.file, member: s.member, section: s.section, sectionIndex: p.sec.index, offset: s.offset,
      newOffset: p.map ? p.map(s.offset) : s.offset,
      symbol: s.symbol, symbolOffset: s.symbolOffset, nr: s.nr, name: s.name, status, reason, entry,
    });
  };
  if (plans.length === 0) return { bytes: null, sites: [], notes };

  const symtab = elf.symtab;
  const symbols = symtab ? elf.symbols(symtab.index) : [];
  const relaOf = new Map<number, Section>();
  for (const s of elf.sections) if (s.type === SHT_RELA && s.info !== 0) relaOf.set(s.info, s);
  const decoded = new Map<number, DecodedInstruction[]>();
  const decodedFor = (sec: Section): DecodedInstruction[] => {
    let d = decoded.get(sec.index);
    if (!d) {
      d = decodeSection(sec.data, 0, { fields: true });
      decoded.set(sec.index, d);
    }
    return d;
  };

  // 1. Decide per section: which sites, and whether the section can be moved at all.
  for (const p of plans) {
    for (const s of p.sites) {
      const why = leaveReason(s.nr, s.symbol, s.args);
      if (!why) p.rewrite.add(s.offset);
    }
    if (p.rewrite.size === 0) continue;
    try {
      const rela = relaOf.get(p.sec.index);
      const fields = new Set<number>(rela ? relocsOf(elf, rela).map((r) => r.offset) : []);
      p.insns = analyse(p.sec.data, fields);
      decoded.set(p.sec.index, p.insns);
      const boundaries = new Set(p.insns.map((i) => i.offset));
      boundaries.add(p.sec.size);
      const starts = new Set<number>();
      for (const s of symbols) {
        if (s.shndx !== p.sec.index || stType(s.info) === STT_SECTION) continue;
        if (stType(s.info) === STT_OBJECT || stType(s.info) === STT_TLS) throw new RewriteRefused(`data object ${s.name} lives in the code section (data in code)`);
        const v = Number(s.value);
        if (!boundaries.has(v)) throw new RewriteRefused(`symbol ${s.name} at 0x${v.toString(16)} is not at an instruction boundary`);
        starts.add(v);
      }
      const out = relayout({ code: p.sec.data, sites: p.rewrite, relocatedFields: fields, symbolStarts: starts, replacement: callSequence() }, p.insns);
      p.map = out.map;
      p.newCode = out.code;
      p.callFields = out.callFields;
      p.cfa = out.cfa;
    } catch (e) {
      if (!(e instanceof RewriteRefused)) throw e;
      p.refused = e.message;
      p.rewrite.clear();
    }
  }

  // 2. Every relocation that points into a moving section must land on an instruction boundary.
  const moving = new Map<number, Plan>();
  for (const p of plans) if (p.map) moving.set(p.sec.index, p);
  const addendFixes = new Map<number, Map<number, number>>(); // rela section -> entry index -> new addend
  let dropDebug = false;
  let refusedAny = true;
  const refuse = (p: Plan, why: string) => {
    p.refused = why;
    p.map = null;
    p.rewrite.clear();
    moving.delete(p.sec.index);
    refusedAny = true;
  };
  const boundariesOf = new Map<Plan, Set<number>>();
  for (const p of moving.values()) boundariesOf.set(p, new Set(p.insns.map((i) => i.offset)));
  const starts = new Map<Plan, Set<number>>();
  const symbolStartsOf = (p: Plan): Set<number> => {
    let set = starts.get(p);
    if (!set) {
      set = new Set(symbols.filter((x) => x.shndx === p.sec.index && stType(x.info) !== STT_SECTION).map((x) => Number(x.value)));
      starts.set(p, set);
    }
    return set;
  };
  // A refusal changes which sections move, so repeat until a pass refuses nothing.
  while (refusedAny && moving.size > 0) {
    refusedAny = false;
    addendFixes.clear();
    for (const rs of elf.sections) {
      if (rs.type !== SHT_RELA || rs.link !== symtab?.index) continue;
      const target = elf.sections[rs.info];
      if (!target) continue;
      if (target.name === '.eh_frame') continue; // rewritten with its own module
      const relocs = relocsOf(elf, rs);
      const inCode = (target.flags & SHF_EXECINSTR) !== 0;
      // Built only when a PC-relative entry into moving code turns up (it decodes every code section).
      let tables: ((entry: number) => TableUse | undefined) | undefined;
      const tableStarts = inCode ? undefined : (entry: number) => (tables ??= jumpTableStarts(elf, target.index, relaOf, decodedFor))(entry);
      relocs.forEach((r, k) => {
        const sym = symbols[r.sym];
        if (!sym || sym.shndx === SHN_UNDEF) return;
        const p = moving.get(sym.shndx);
        if (!p) return;
        if (isDebug(target.name)) {
          dropDebug = true;
          return;
        }
        const symValue = stType(sym.info) === STT_SECTION ? 0 : Number(sym.value);
        let adj = 0;
        if (PC_RELATIVE.has(r.type)) {
          if (inCode) {
            const insn = containing(decodedFor(target), r.offset);
            if (!insn) { refuse(p, `relocation at ${target.name}+0x${r.offset.toString(16)} is not inside an instruction`); return; }
            adj = insn.offset + insn.length - r.offset;
          } else if (r.type === R.PC32 || r.type === R.PC64) {
            // Data holding `code - X`: X is a jump table's start (gcc's switch tables, found from the code
            // that uses them) or the entry itself (`.long fn - .`). Both readings must not be plausible.
            // A jump table's targets lie in the function that uses the table; a code pointer in data
            // points at a function's start.
            const base = tableStarts?.(r.offset);
            const selfTarget = symValue + r.addend;
            const tableTarget = base === undefined ? undefined : symValue + r.addend - (r.offset - base.start);
            const selfOk = symbolStartsOf(p).has(selfTarget);
            const tableOk = tableTarget !== undefined && base!.codeSection === p.sec.index && tableTarget >= base!.fnStart && tableTarget < base!.fnEnd
              && boundariesOf.get(p)!.has(tableTarget);
            if (tableOk && !selfOk) adj = -(r.offset - base!.start);
            else if (selfOk && !tableOk) adj = 0;
            else if (selfOk && tableOk && selfTarget === tableTarget) adj = 0;
            else { refuse(p, `PC-relative data at ${target.name}+0x${r.offset.toString(16)} into ${p.sec.name}: cannot tell a jump-table entry from a self-relative pointer`); return; }
          } else { refuse(p, `${target.name}+0x${r.offset.toString(16)}: unexpected relocation type ${r.type} into ${p.sec.name}`); return; }
        } else if (!ABSOLUTE.has(r.type) && r.type !== R.SIZE32 && r.type !== R.SIZE64) {
          refuse(p, `${target.name}+0x${r.offset.toString(16)}: relocation type ${r.type} into ${p.sec.name} cannot be followed`);
          return;
        }
        if (r.type === R.SIZE32 || r.type === R.SIZE64) return;
        const t = symValue + r.addend + adj;
        const bounds = boundariesOf.get(p)!;
        if (!bounds.has(t) && t !== p.sec.size) { refuse(p, `${target.name}+0x${r.offset.toString(16)} refers to ${p.sec.name}+0x${t.toString(16)}, inside an instruction`); return; }
        const na = r.addend + (p.map!(t) - t) - (p.map!(symValue) - symValue);
        if (na !== r.addend) {
          let m = addendFixes.get(rs.index);
          if (!m) addendFixes.set(rs.index, (m = new Map()));
          m.set(k, na);
        }
      });
    }
  }
  for (const p of plans) {
    for (const s of p.sites) {
      if (p.rewrite.has(s.offset) && p.map) record(p, s, 'rewritten', null);
      else record(p, s, 'left', p.refused ?? leaveReason(s.nr, s.symbol, s.args) ?? 'not rewritten');
    }
  }
  if (moving.size === 0) return { bytes: null, sites: records, notes };

  // 3. Build the new object.
  const model = withoutOffsets(elfToModel(elf));
  const secs: SectionModel[] = model.sections;
  // Entry symbols, appended as undefined globals (existing indices stay valid).
  const newSyms = symbols.map((s) => ({ name: s.name, info: s.info, other: s.other, shndx: s.shndx, rawShndx: s.rawShndx, value: s.value, size: s.size }));
  const entryIndex = new Map<string, number>();
  const entrySym = (name: string) => {
    let i = entryIndex.get(name);
    if (i === undefined) {
      i = newSyms.length;
      newSyms.push({ name, info: stInfo(STB_GLOBAL, STT_NOTYPE), other: 0, shndx: SHN_UNDEF, rawShndx: SHN_UNDEF, value: 0n, size: 0n });
      entryIndex.set(name, i);
    }
    return i;
  };
  for (const s of newSyms) {
    const p = moving.get(s.shndx);
    if (!p || stType(s.info) === STT_SECTION) continue;
    const v = Number(s.value);
    const sz = Number(s.size);
    s.value = BigInt(p.map!(v));
    if (sz > 0) s.size = BigInt(p.map!(v + sz) - p.map!(v));
  }
  for (const p of moving.values()) {
    secs[p.sec.index]!.data = p.newCode!;
    const rs = relaOf.get(p.sec.index);
    const old = rs ? relocsOf(elf, rs) : [];
    const fixes = rs ? addendFixes.get(rs.index) : undefined;
    const moved = old.map((r, k) => ({ offset: BigInt(p.map!(r.offset)), type: r.type, sym: r.sym, addend: BigInt(fixes?.get(k) ?? r.addend) }));
    for (const s of p.sites) {
      const field = p.callFields.get(s.offset);
      if (field === undefined) continue;
      const name = entryFor(opts, s.nr)!;
      moved.push({ offset: BigInt(field), type: R.PLT32, sym: entrySym(name), addend: -4n });
    }
    moved.sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
    if (rs) secs[rs.index]!.data = encodeRela(moved);
    else {
      // A new .rela section, appended so that no existing index changes; in the code's group if it has one.
      if (!symtab) throw new RewriteRefused(`${p.sec.name}: the object has no symbol table`);
      const index = secs.length;
      secs.push({ name: `.rela${p.sec.name}`, type: SHT_RELA, flags: SHF_INFO_LINK | (p.sec.flags & SHF_GROUP), link: symtab.index, info: p.sec.index, addralign: 8, entsize: 24, data: encodeRela(moved) });
      if ((p.sec.flags & SHF_GROUP) !== 0) {
        for (const g of elf.groups()) {
          if (!g.members.includes(p.sec.index)) continue;
          secs[g.section]!.data = encodeGroup({ flags: g.flags, members: [...g.members, index] });
        }
      }
    }
  }
  for (const [rsIndex, fixes] of addendFixes) {
    const rs = elf.sections[rsIndex]!;
    if (moving.has(rs.info)) continue; // done above
    const relocs = elf.relocations(rsIndex).map((r, k) => ({ ...r, addend: fixes.has(k) ? BigInt(fixes.get(k)!) : r.addend }));
    secs[rsIndex]!.data = encodeRela(relocs);
  }
  // .eh_frame and the LSDAs it points to.
  const eh = elf.sections.find((s) => s.name === '.eh_frame' && s.type !== SHT_NOBITS);
  if (eh) {
    const ehRela = relaOf.get(eh.index);
    const input = { data: eh.data, relocs: ehRela ? relocsOf(elf, ehRela) : [], symbols: symbols.map((s) => ({ name: s.name, type: stType(s.info), shndx: s.shndx, value: Number(s.value) })) };
    const code = [...moving.values()].map((p) => ({ sectionIndex: p.sec.index, map: p.map!, adjustments: p.cfa }));
    // LSDAs first: when one grows, the FDEs' LSDA pointers into it must follow.
    const byTable = new Map<number, { lsdaOffset: number; functionStart: number; map: OffsetMap }[]>();
    for (const l of lsdaRefsFromEhFrame(input)) {
      const p = moving.get(l.codeSection);
      if (!p) continue;
      const list = byTable.get(l.lsdaSection) ?? [];
      list.push({ lsdaOffset: l.lsdaOffset, functionStart: l.functionStart, map: p.map! });
      byTable.set(l.lsdaSection, list);
    }
    const moved: { sectionIndex: number; map: OffsetMap }[] = [];
    for (const [tableIndex, fns] of byTable) {
      const table = elf.sections[tableIndex]!;
      const tRela = relaOf.get(tableIndex);
      const res = rewriteLsda({ data: table.data, relocs: tRela ? relocsOf(elf, tRela) : [] }, fns);
      secs[tableIndex]!.data = res.data;
      if (tRela) secs[tRela.index]!.data = encodeRela(res.relocs.map((r) => ({ offset: BigInt(r.offset), type: r.type, sym: r.sym, addend: BigInt(r.addend) })));
      moved.push({ sectionIndex: tableIndex, map: res.map });
    }
    const out = rewriteEhFrame(input, code, moved);
    secs[eh.index]!.data = out.data;
    if (ehRela) secs[ehRela.index]!.data = encodeRela(out.relocs.map((r) => ({ offset: BigInt(r.offset), type: r.type, sym: r.sym, addend: BigInt(r.addend) })));
  }
  if (dropDebug) {
    for (const s of elf.sections) {
      const target = s.type === SHT_RELA ? elf.sections[s.info] : s;
      if (!target || !isDebug(target.name)) continue;
      // Emptied and renamed (indices stay): DWARF readers then see no debug info instead of a broken one.
      const m = secs[s.index]!;
      m.data = new Uint8Array(0);
      m.name = s.type === SHT_RELA ? `.rela.ukl.dropped${target.name}` : `.ukl.dropped${s.name}`;
      delete m.nameOffset;
    }
    notes.push(`${elf.origin.member ?? elf.origin.file}: debug information dropped (its addresses into rewritten code are not rewritten)`);
  }
  if (symtab) {
    const enc = encodeSymbols(newSyms);
    secs[symtab.index]!.data = enc.symtab;
    secs[symtab.link]!.data = enc.strtab;
    secs[symtab.index]!.info = enc.info;
    if (enc.shndx) {
      const x = elf.sections.find((s) => s.type === 18 && s.link === symtab.index);
      if (x) secs[x.index]!.data = enc.shndx;
    }
  }
  void SHT_SYMTAB;
  return { bytes: writeElf(model, { layout: 'fresh' }), sites: records, notes };
}

/** Whether the object defines `name` as a global (a kernel object defines the entry). */
export function definesSymbol(elf: ElfFile, name: string): boolean {
  if (!elf.symtab) return false;
  return elf.symbols().some((s) => s.name === name && s.shndx !== SHN_UNDEF && (s.info >> 4) !== 0);
}

function entryFor(opts: RewriteOptions, nr: number | null): string {
  if (opts.direct && nr !== null) return directEntryName(opts.entry, nr) ?? opts.entry;
  return opts.entry;
}

function containing(insns: DecodedInstruction[], off: number): DecodedInstruction | undefined {
  let lo = 0;
  let hi = insns.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const i = insns[mid]!;
    if (off < i.offset) hi = mid - 1;
    else if (off >= i.offset + i.length) lo = mid + 1;
    else return i;
  }
  return undefined;
}

/** A place in code that takes the address of a table in a data section (lea table(%rip)). */
interface TableUse {
  start: number;
  codeSection: number;
  /** The function (symbol range) containing that code: jump-table targets lie in it. */
  fnStart: number;
  fnEnd: number;
}

/**
 * For a data section: the table holding a given entry, found from the code that uses it (a RIP-relative
 * or absolute reference into the section marks a table start).
 */
function jumpTableStarts(elf: ElfFile, dataIndex: number, relaOf: Map<number, Section>, decodedFor: (s: Section) => DecodedInstruction[]): (entry: number) => TableUse | undefined {
  const uses: TableUse[] = [];
  const symbols = elf.symtab ? elf.symbols() : [];
  for (const [codeIndex, rs] of relaOf) {
    const code = elf.sections[codeIndex];
    if (!code || (code.flags & SHF_EXECINSTR) === 0) continue;
    let insns: DecodedInstruction[] | undefined;
    for (const r of elf.relocations(rs.index)) {
      const sym = symbols[r.sym];
      if (!sym || sym.shndx !== dataIndex || (r.type !== R.PC32 && r.type !== R['32S'] && r.type !== R['32'])) continue;
      insns ??= decodedFor(code);
      const insn = containing(insns, Number(r.offset));
      if (!insn) continue;
      const adj = r.type === R.PC32 ? insn.offset + insn.length - Number(r.offset) : 0;
      let fnStart = 0;
      let fnEnd = code.size;
      for (const f of symbols) {
        if (f.shndx !== codeIndex || stType(f.info) === STT_SECTION) continue;
        const v = Number(f.value);
        const e = v + Number(f.size);
        if (v <= insn.offset && insn.offset < e && e - v <= fnEnd - fnStart) {
          fnStart = v;
          fnEnd = e;
        }
      }
      uses.push({ start: (stType(sym.info) === STT_SECTION ? 0 : Number(sym.value)) + Number(r.addend) + adj, codeSection: codeIndex, fnStart, fnEnd });
    }
  }
  uses.sort((a, b) => a.start - b.start);
  return (entry: number) => {
    let best: TableUse | undefined;
    for (const u of uses) {
      if (u.start <= entry) best = u;
      else break;
    }
    return best;
  };
}
