// Section layout: input sections into output sections (default-script order), synthetic sections,
// addresses and file offsets, PT_LOAD segments and the other program headers, as GNU ld lays out a
// static non-PIE executable (-z separate-code: R, RX, R, RW; the RW part starts with RELRO).
import {
  PF_R, PF_W, PF_X, PT_GNU_EH_FRAME, PT_GNU_PROPERTY, PT_GNU_RELRO, PT_GNU_STACK, PT_LOAD, PT_NOTE, PT_TLS, SHF_ALLOC, SHF_EXECINSTR,
  SHF_MERGE, SHF_STRINGS, SHF_TLS, SHF_WRITE, SHT_NOBITS, SHT_NOTE,
} from '../elf/constants.ts';
import type { ProgramHeader } from '../elf/types.ts';
import { alignUp } from '../elf/reader.ts';
import type { Context } from './context.ts';
import { InputSection } from './input-files.ts';
import { OutputSection, defaultType, knownRank, orphanRank, placeInput, RANK_FIRST_DATA, RANK_FIRST_RODATA, RANK_FIRST_TEXT, RANK_RELRO_END } from './output-section.ts';
import { SymKind } from './symbol.ts';
import { executableStack, stackSize } from './exec-stack.ts';
import { uniqueTest, type UniqueTest } from './unique-sections.ts';
import { handleOrphan, isOrphan } from './orphan-handling.ts';
import { congruentOffset, extraRuns, sectionFlags, sectionStarts, splitPinned } from './section-start.ts';

export const EHDR = 64;
export const PHDR = 56;

/** Turn common symbols into space in .bss (.tbss for TLS commons), as GNU's *(COMMON). */
export function allocateCommons(ctx: Context): void {
  let commons = [...ctx.symtab.map.values()].filter((s) => s.kind === SymKind.Common && s.file);
  // --sort-common[=descending|ascending]: by alignment (s.value), to save padding; stable otherwise.
  const order = ctx.options.sortCommon;
  if (order) commons = commons.map((s, i) => ({ s, i })).sort((a, b) => (order === 'ascending' ? a.s.value - b.s.value : b.s.value - a.s.value) || a.i - b.i).map((x) => x.s);
  for (const s of commons) {
    if (!s.file) continue;
    const tls = s.type === 6;
    const align = Math.max(1, s.value);
    const sec = new InputSection(s.file, -1, tls ? '.tbss' : 'COMMON', SHT_NOBITS, SHF_ALLOC | SHF_WRITE | (tls ? SHF_TLS : 0), align, s.size, 0);
    ctx.commons.push(sec);
    s.kind = SymKind.Defined;
    s.section = sec;
    s.value = 0;
  }
}


/** An output section being filled: its members in input order, with their sort keys. */
interface Filling {
  os: OutputSection;
  keys: number[];
  /** Keys so far never decrease: input order is already the final order. */
  ordered: boolean;
}

/** Build the output sections from live input sections, in default-script order. */
export function createOutputSections(ctx: Context): OutputSection[] {
  const byName = new Map<string, Filling>();
  const strip = ctx.options.strip !== 'none';
  const unique = uniqueTest(ctx.options.unique);
  const orphans = ctx.options.orphanHandling;
  const orphan = orphans === undefined || orphans === 'place' ? null : (sec: InputSection) => handleOrphan(ctx.diags, orphans, sec);
  for (const f of ctx.files) {
    for (const sec of f.sections) if (sec !== undefined) addInput(byName, sec, strip, unique, orphan);
  }
  for (const sec of ctx.commons) addInput(byName, sec, strip, unique, orphan);
  ctx.diags.check();
  const out: OutputSection[] = [];
  for (const { os, keys, ordered } of byName.values()) {
    if (!ordered) sortMembers(os.members, keys);
    out.push(os);
  }
  return out;
}

function addInput(byName: Map<string, Filling>, sec: InputSection, strip: boolean, unique: UniqueTest | null, orphan: ((sec: InputSection) => boolean) | null): void {
  if (!sec.live) return;
  let p = placeInput(sec);
  if (p.output === null || (strip && (sec.flags & SHF_ALLOC) === 0 && isDebugSection(sec.name)) || (orphan && isOrphan(sec, p) && !orphan(sec))) {
    sec.live = false;
    return;
  }
  let name = p.output === 'COMMON' ? '.bss' : p.output;
  let key = name;
  if (unique?.(sec, p)) {
    // --unique: an output section of its own, under the input section's name.
    p = { output: sec.name, key: 0 };
    name = sec.name;
    key = `${name}\0unique${byName.size}`;
  }
  let filling = byName.get(key);
  if (filling === undefined) {
    const rank = knownRank(name) ?? orphanRank(name, sec.type, sec.flags);
    // SHF_MERGE/SHF_STRINGS stay while every input has the same ones and entry size (GNU ld's
    // lang_add_section): .comment and .debug_str come out `MS`, a .rodata mixing plain data does not.
    const os = new OutputSection(name, defaultType(name, sec.type), sec.flags & ~0x200 /* SHF_GROUP */, rank);
    os.entsize = sec.entsize;
    filling = { os, keys: [], ordered: true };
    byName.set(key, filling);
  } else {
    const os = filling.os;
    os.flags |= sec.flags & (SHF_WRITE | SHF_EXECINSTR | SHF_ALLOC | SHF_TLS);
    if (os.type === SHT_NOBITS) {
      const type = defaultType(name, sec.type);
      if (type !== SHT_NOBITS) os.type = type;
    }
    if ((os.flags & (SHF_MERGE | SHF_STRINGS)) !== (sec.flags & (SHF_MERGE | SHF_STRINGS)) || os.entsize !== sec.entsize) {
      os.flags &= ~(SHF_MERGE | SHF_STRINGS);
    }
    if (os.entsize !== sec.entsize) os.entsize = 0;
    const keys = filling.keys;
    if (p.key < keys[keys.length - 1]!) filling.ordered = false;
  }
  if ((sec.flags & SHF_MERGE) !== 0) filling.os.hasMerge = true;
  filling.keys.push(p.key);
  filling.os.members.push(sec);
  sec.output = filling.os;
}

/** Order members by key, keeping input order among equal keys (sorting indices, not objects). */
function sortMembers(members: InputSection[], keys: number[]): void {
  const order = members.map((_, i) => i);
  order.sort((a, b) => keys[a]! - keys[b]! || a - b);
  const sorted = order.map((i) => members[i]!);
  for (let i = 0; i < sorted.length; i++) members[i] = sorted[i]!;
}

function isDebugSection(name: string): boolean {
  return name.startsWith('.debug') || name.startsWith('.zdebug') || name.startsWith('.gnu.linkonce.wi.') || name === '.line' || name.startsWith('.stab');
}

/** Offsets of members within each output section, and the section sizes. */
export function sizeOutputSection(os: OutputSection): void {
  if (os.synthetic) {
    os.size = os.synthetic.length;
    return;
  }
  let off = 0;
  let align = os.align;
  // .eh_frame is walked record by record up to a zero length word: padding between input sections
  // would end the walk early, and its records only need 4-byte alignment.
  const ehFrame = os.name === '.eh_frame';
  for (const m of os.members) {
    const a = m.align;
    // Math.trunc keeps offsets small integers: sizes read from 64-bit ELF fields are heap numbers, and
    // one stored in offset would change the field's representation and make V8 migrate every InputSection.
    off = Math.trunc(alignUp(off, ehFrame ? 4 : a));
    m.offset = off;
    off += m.mergeMap !== null ? m.mergedSize : m.size;
    if (a > align) align = a;
  }
  os.size = off;
  os.align = align;
}

export interface Segment {
  type: number;
  flags: number;
  sections: OutputSection[];
  align: number;
}

export interface Layout {
  sections: OutputSection[];
  phdrs: ProgramHeader[];
  /** File size of everything up to the end of the last allocated section. */
  allocEnd: number;
}

function segClass(os: OutputSection, separate: boolean): number {
  if (os.rank < RANK_FIRST_TEXT) return 0;
  if (os.rank < RANK_FIRST_RODATA) return separate ? 1 : 0;
  if (os.rank < RANK_FIRST_DATA) return separate ? 2 : 0;
  return 3;
}

function loadFlags(cls: number, separate: boolean): number {
  if (cls === 3) return PF_R | PF_W;
  if (cls === 1) return PF_R | PF_X;
  if (cls === 0 && !separate) return PF_R | PF_X;
  return PF_R;
}

/** Assign addresses and offsets; build the program headers. */
export function assignAddresses(ctx: Context, all: OutputSection[]): Layout {
  const o = ctx.options;
  const page = o.z.maxPageSize;
  const commonPage = o.z.commonPageSize;
  // -N / -n: one RWX PT_LOAD, no page alignment between text and read-only data (-N: nor before data), the
  // headers outside it, no RELRO (GNU ld's omagic/nmagic; see section-start.ts).
  const magic = o.magic;
  const separate = o.z.separateCode && magic === undefined;
  const alloc = all.filter((s) => s.isAlloc && (s.size > 0 || s.synthetic !== null)).sort((a, b) => a.rank - b.rank);
  const nonAlloc = all.filter((s) => !s.isAlloc && s.size > 0);
  const base = ctx.imageBase;
  const starts = sectionStarts(o);
  const { flow, outOfFlow } = splitPinned(alloc, starts);
  const classOf = (os: OutputSection): number => (magic !== undefined ? 0 : segClass(os, separate));

  // Program headers first: their count fixes where the first section can go.
  const classes = [...new Set(flow.map(classOf))].sort();
  // The headers' own PT_LOAD (none in an empty program: GNU ld writes no program headers then).
  if (!classes.includes(0) && alloc.length > 0) classes.unshift(0);
  const loadCount = classes.length + extraRuns(flow, starts, classOf, magic !== undefined) + outOfFlow.length;
  const notes = alloc.filter((s) => s.type === SHT_NOTE);
  const noteRuns: OutputSection[][] = [];
  for (const n of notes) {
    const last = noteRuns[noteRuns.length - 1];
    if (last && last[last.length - 1]!.align === n.align) last.push(n);
    else noteRuns.push([n]);
  }
  const tlsSecs = alloc.filter((s) => s.isTls);
  const relroSecs = o.z.relro && magic === undefined ? flow.filter((s) => s.rank >= RANK_FIRST_DATA && s.rank <= RANK_RELRO_END) : [];
  const property = alloc.find((s) => s.name === '.note.gnu.property');
  const ehHdr = alloc.find((s) => s.name === '.eh_frame_hdr');
  const execStack = executableStack(ctx);
  const phnum = loadCount + noteRuns.length + (tlsSecs.length ? 1 : 0) + (property ? 1 : 0) + (ehHdr ? 1 : 0) + (execStack !== null ? 1 : 0) + (relroSecs.length ? 1 : 0);

  // Runs of sections that one PT_LOAD maps: a class (R, RX, R, RW), or what follows a --section-start address.
  interface Run { cls: number; secs: OutputSection[]; headers: boolean }
  const runs: Run[] = [{ cls: 0, secs: [], headers: magic === undefined && alloc.length > 0 }];
  let addr = base + EHDR + PHDR * phnum;
  let cursor = EHDR + PHDR * phnum; // file end so far
  let delta = base; // address - file offset in the current run
  let moved = false; // a --section-start address has broken address = base + offset
  let prevClass = 0;
  let dataStarted = false;
  let relroEnd = 0;
  let fixed: Map<OutputSection, number> | undefined;
  for (let i = 0; i < flow.length; i++) {
    const os = flow[i]!;
    const cls = classOf(os);
    const start = starts.get(os.name);
    let newRun = false;
    if (cls !== prevClass) {
      newRun = true;
      if (cls === 3) {
        // With -z separate-code the script starts the read-only segment on a new page even when it is empty.
        if (separate && prevClass < 2) addr = alignUp(addr, page);
        // DATA_SEGMENT_ALIGN: a new page, keeping the offset within the page; then slide the start so
        // that the end of RELRO lands on a page boundary (DATA_SEGMENT_RELRO_END).
        addr = alignUp(addr, page) + (addr & (page - 1));
        if (relroSecs.length) fixed = placeRelroBackwards(relroSecs, addr, commonPage);
      } else {
        addr = alignUp(addr, page);
      }
      prevClass = cls;
    } else if (o.magic === 'nmagic' && !dataStarted && os.rank >= RANK_FIRST_DATA) {
      addr = alignUp(addr, page) + (addr & (page - 1));
    }
    if (os.rank >= RANK_FIRST_DATA) dataStarted = true;
    if (start !== undefined) {
      addr = start;
      moved = true;
      newRun = true;
    }
    const pinned = start === undefined ? fixed?.get(os) : undefined;
    addr = pinned ?? alignUp(addr, os.align);
    if (newRun) {
      // A new PT_LOAD: its file offset is congruent to its address modulo the page (-N/-n: the alignment).
      if (moved) delta = addr - congruentOffset(cursor, addr, magic !== undefined ? Math.max(1, os.align) : page);
      if (runs.length === 1 && runs[0]!.secs.length === 0 && cls === 0 && start === undefined) runs[0]!.secs.push(os);
      else runs.push({ cls, secs: [os], headers: false });
    } else runs[runs.length - 1]!.secs.push(os);
    os.addr = addr;
    os.offset = addr - delta;
    if (!os.isNobits) cursor = Math.max(cursor, os.offset + os.size);
    // .tbss takes no room in the address space of the sections that follow (its space is per thread).
    if (!(os.isTls && os.isNobits)) addr += os.size;
    if (relroSecs.includes(os)) relroEnd = Math.max(relroEnd, os.addr + (os.isNobits && os.isTls ? 0 : os.size));
  }
  // --section-start for sections the default script does not name (orphans): out of the flow, as GNU ld
  // places them, each in a PT_LOAD of its own after the rest of the file.
  for (const os of outOfFlow) {
    os.addr = starts.get(os.name)!;
    os.offset = congruentOffset(cursor, os.addr, page);
    if (!os.isNobits) cursor = os.offset + os.size;
    runs.push({ cls: -1, secs: [os], headers: false });
  }

  // TLS block (variant II: the thread pointer is just past the aligned block).
  if (tlsSecs.length) {
    const tstart = tlsSecs[0]!.addr;
    const last = tlsSecs[tlsSecs.length - 1]!;
    const memsz = last.addr + last.size - tstart;
    const align = Math.max(...tlsSecs.map((s) => s.align));
    ctx.tls = { start: tstart, memsz, align, tp: alignUp(tstart + memsz, align) };
  }

  // File offsets: NOBITS take no file space.
  let fileEnd = EHDR + PHDR * phnum;
  for (const os of alloc) if (!os.isNobits) fileEnd = Math.max(fileEnd, os.offset + os.size);
  const allocEnd = fileEnd;
  for (const os of alloc) if (os.isNobits) os.offset = Math.min(os.offset, fileEnd);

  // Program headers: the PT_LOADs in address order.
  const loads: ProgramHeader[] = [];
  const segOf = new Map<OutputSection, ProgramHeader>();
  for (const run of runs) {
    const secs = run.secs;
    if (secs.length === 0 && !run.headers) continue;
    const vaddr = run.headers ? base : secs[0]!.addr;
    const offset = run.headers ? 0 : secs[0]!.offset;
    let end = vaddr;
    let fileEndSeg = offset;
    for (const s of secs) {
      const e = s.addr + (s.isTls && s.isNobits ? 0 : s.size);
      if (e > end) end = e;
      if (!s.isNobits) fileEndSeg = Math.max(fileEndSeg, s.offset + s.size);
    }
    if (run.headers) {
      end = Math.max(end, base + EHDR + PHDR * phnum);
      fileEndSeg = Math.max(fileEndSeg, EHDR + PHDR * phnum);
    }
    const flags = magic !== undefined ? PF_R | PF_W | PF_X : run.cls >= 0 ? loadFlags(run.cls, separate) : sectionFlags(secs[0]!);
    const align = magic !== undefined ? Math.max(1, ...secs.map((s) => s.align)) : page;
    const ph: ProgramHeader = { type: PT_LOAD, flags, offset, vaddr: BigInt(vaddr), paddr: BigInt(vaddr), filesz: fileEndSeg - offset, memsz: end - vaddr, align };
    for (const s of secs) segOf.set(s, ph);
    loads.push(ph);
  }
  const phdrs: ProgramHeader[] = loads.filter((p) => p.type === PT_LOAD).sort((a, b) => (a.vaddr < b.vaddr ? -1 : a.vaddr > b.vaddr ? 1 : 0));
  phdrs.push(...loads.filter((p) => p.type !== PT_LOAD));
  for (const [s, ph] of segOf) s.segment = phdrs.indexOf(ph);
  if (magic !== undefined && o.warnRwxSegments !== false) ctx.diags.warn(`${o.output} has a LOAD segment with RWX permissions`);
  for (const run of noteRuns) {
    const first = run[0]!;
    const last = run[run.length - 1]!;
    const size = last.addr + last.size - first.addr;
    phdrs.push({ type: PT_NOTE, flags: PF_R, offset: first.offset, vaddr: BigInt(first.addr), paddr: BigInt(first.addr), filesz: size, memsz: size, align: first.align });
  }
  if (tlsSecs.length && ctx.tls) {
    const first = tlsSecs[0]!;
    const filesz = tlsSecs.filter((s) => !s.isNobits).reduce((m, s) => Math.max(m, s.addr + s.size - first.addr), 0);
    phdrs.push({ type: PT_TLS, flags: PF_R, offset: first.offset, vaddr: BigInt(first.addr), paddr: BigInt(first.addr), filesz, memsz: ctx.tls.memsz, align: ctx.tls.align });
  }
  if (property) {
    phdrs.push({ type: PT_GNU_PROPERTY, flags: PF_R, offset: property.offset, vaddr: BigInt(property.addr), paddr: BigInt(property.addr), filesz: property.size, memsz: property.size, align: property.align });
  }
  if (ehHdr) {
    phdrs.push({ type: PT_GNU_EH_FRAME, flags: PF_R, offset: ehHdr.offset, vaddr: BigInt(ehHdr.addr), paddr: BigInt(ehHdr.addr), filesz: ehHdr.size, memsz: ehHdr.size, align: 4 });
  }
  if (execStack !== null) phdrs.push({ type: PT_GNU_STACK, flags: PF_R | PF_W | (execStack ? PF_X : 0), offset: 0, vaddr: 0n, paddr: 0n, filesz: 0, memsz: stackSize(ctx), align: 16 });
  if (relroSecs.length) {
    const first = relroSecs[0]!;
    const size = relroEnd - first.addr;
    phdrs.push({ type: PT_GNU_RELRO, flags: PF_R, offset: first.offset, vaddr: BigInt(first.addr), paddr: BigInt(first.addr), filesz: size, memsz: size, align: 1 });
    for (const s of relroSecs) s.relro = true;
  }
  if (phdrs.length !== phnum) throw new Error(`internal: ${phdrs.length} program headers, expected ${phnum}`);

  // Non-allocated sections follow, at file offsets only.
  let off = allocEnd;
  for (const os of nonAlloc.sort((a, b) => a.rank - b.rank)) {
    off = alignUp(off, os.align);
    os.offset = off;
    os.addr = 0;
    off += os.size;
  }
  return { sections: [...alloc, ...nonAlloc], phdrs, allocEnd };
}

/**
 * Addresses for the RELRO sections such that RELRO ends on a page boundary (what GNU's
 * DATA_SEGMENT_RELRO_END achieves): lay them out backwards from the first page end that leaves room,
 * each as high as its alignment allows; .tbss sits right after .tdata and takes no room.
 */
function placeRelroBackwards(relro: OutputSection[], lowest: number, page: number): Map<OutputSection, number> {
  let forward = lowest;
  for (const os of relro) {
    forward = alignUp(forward, os.align);
    if (!(os.isTls && os.isNobits)) forward += os.size;
  }
  for (let end = alignUp(forward, page); ; end += page) {
    const at = new Map<OutputSection, number>();
    let cur = end;
    for (let k = relro.length - 1; k >= 0; k--) {
      const os = relro[k]!;
      if (os.isTls && os.isNobits) continue;
      cur = Math.floor((cur - os.size) / os.align) * os.align;
      at.set(os, cur);
    }
    if (cur < lowest) continue;
    // .tbss follows .tdata's end (its address only matters for the TLS block).
    let prevEnd = cur;
    for (const os of relro) {
      if (os.isTls && os.isNobits) at.set(os, alignUp(prevEnd, os.align));
      else prevEnd = at.get(os)! + os.size;
    }
    return at;
  }
}

