// .eh_frame rewriting for grown code (src/relink-syscalls/eh-frame.ts), with .gcc_except_table
// (src/relink-syscalls/lsda.ts) where the two meet:
//  - identity: with the identity map every .eh_frame (test objects, libc.a, libstdc++.a) comes back byte for
//    byte, relocations included;
//  - readelf: bytes are inserted into the code at chosen offsets (syscall sites, every CFI row boundary,
//    random places; sizes that force wider advances), with CFA adjustments inside the inserted bytes; the
//    rewritten object's `readelf --debug-dump=frames-interp` table must be the original table with its
//    locations mapped, and rsp+N+delta wherever an adjustment is in force;
//  - run time: objects of the C++ test programs get real code inserted (NOPs, and probes that lower %rsp,
//    call an unwinder check and restore %rsp), with every branch re-encoded; linked by GNU ld they must print
//    what programs.json recorded (exceptions thrown and caught through the moved code and landing pads), and
//    each probe checks with _Unwind_Backtrace that the unwinder computes the padded frame's CFA exactly;
//  - malformed input raises RewriteRefused, never anything else.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ElfFile } from '../src/elf/reader.ts';
import { elfToModel, encodeRela, encodeSymbols, writeElf } from '../src/elf/writer.ts';
import { SHF_EXECINSTR, SHT_NOBITS, SHT_RELA, STT_SECTION } from '../src/elf/constants.ts';
import { stType } from '../src/elf/types.ts';
import { decodeSection, type DecodedInstruction } from '../src/asm/decode.ts';
import { RewriteRefused } from '../src/relink-syscalls/errors.ts';
import {
  listFdes, lsdaRefsFromEhFrame, rewriteEhFrame, type CfaAdjustment, type CodeRewrite, type EhFrameInput, type OffsetMap, type Reloc,
} from '../src/relink-syscalls/eh-frame.ts';
import { rewriteLsda } from '../src/relink-syscalls/lsda.ts';
import { runOk } from './helpers/elf-tools.ts';
import { lacking } from './helpers/tools.ts';
import { program, type Program } from './helpers/test-objects.ts';
import {
  LIBC_A, LIBSTDCXX_A, TEST_OBJECTS_DIR as DIR, archiveObjects, ehInput, ehSection, identity, insertionMap, relaFor, relocsOf, rng, testObjects, type Obj,
} from './helpers/unwind-objects.ts';

const NO_LIBC = lacking(LIBC_A);
const NO_LIBSTDCXX = lacking(LIBSTDCXX_A ?? 'libstdc++.a');
const NO_READELF = lacking('readelf');
const NO_GCC = lacking('gcc', 'g++', 'readelf');

// ---------------------------------------------------------------------------------------------------
// Objects.

function codeSections(elf: ElfFile): number[] {
  return elf.sections.filter((s) => (s.flags & SHF_EXECINSTR) !== 0 && s.type !== SHT_NOBITS).map((s) => s.index);
}

// ---------------------------------------------------------------------------------------------------
// Identity.

function identityCheck(o: Obj): { fdes: number; lsdas: number } {
  const input = ehInput(o.elf);
  if (!input) return { fdes: 0, lsdas: 0 };
  const code: CodeRewrite[] = codeSections(o.elf).map((i) => ({ sectionIndex: i, map: identity, adjustments: [] }));
  const out = rewriteEhFrame(input, code);
  expect(Buffer.from(out.data).equals(Buffer.from(input.data)), `${o.name}: .eh_frame`).toBe(true);
  expect(out.relocs, `${o.name}: .rela.eh_frame`).toEqual(input.relocs);
  const refs = lsdaRefsFromEhFrame(input);
  const bySection = new Map<number, typeof refs>();
  for (const r of refs) bySection.set(r.lsdaSection, [...(bySection.get(r.lsdaSection) ?? []), r]);
  for (const [sec, list] of bySection) {
    const rela = relaFor(o.elf, sec);
    const lin = { data: o.elf.sections[sec]!.data, relocs: rela === undefined ? [] : relocsOf(o.elf, rela) };
    const res = rewriteLsda(lin, list.map((r) => ({ lsdaOffset: r.lsdaOffset, functionStart: r.functionStart })), identity);
    expect(Buffer.from(res.data).equals(Buffer.from(lin.data)), `${o.name}: ${o.elf.sections[sec]!.name}`).toBe(true);
    expect(res.relocs).toEqual(lin.relocs);
  }
  return { fdes: listFdes(input).length, lsdas: refs.length };
}

describe('identity map: .eh_frame and .gcc_except_table come back byte for byte', () => {
  it('test-objects/*.o', () => {
    let fdes = 0;
    for (const o of testObjects()) fdes += identityCheck(o).fdes;
    expect(fdes).toBeGreaterThan(50);
  });
  it.skipIf(NO_LIBC !== '')(`every libc.a member${NO_LIBC}`, () => {
    let fdes = 0;
    let lsdas = 0;
    for (const o of archiveObjects(LIBC_A)) {
      const r = identityCheck(o);
      fdes += r.fdes;
      lsdas += r.lsdas;
    }
    expect(fdes).toBeGreaterThan(2000);
    expect(lsdas).toBeGreaterThan(10);
  });
  it.skipIf(NO_LIBSTDCXX !== '')(`every libstdc++.a member${NO_LIBSTDCXX}`, () => {
    let lsdas = 0;
    for (const o of archiveObjects(LIBSTDCXX_A)) lsdas += identityCheck(o).lsdas;
    expect(lsdas).toBeGreaterThan(500);
  });
});

// ---------------------------------------------------------------------------------------------------
// Padding objects: bytes inserted into code sections, everything else following.

interface Insertion {
  bytes: Uint8Array;
  /** CFA adjustments, `at` relative to the start of the inserted bytes. */
  cfa?: CfaAdjustment[];
  /** Relocations inside the inserted bytes (`at` relative to their start), against (possibly new) global symbols. */
  relocs?: { at: number; type: number; symbol: string; addend: number }[];
}

interface PadOptions {
  /** Re-encode relocation-less branches and RIP-relative operands, so the code still runs (throws if a rel8 no longer reaches). */
  fixCode: boolean;
  /** Give rewriteEhFrame the adjustments (default true; false is the negative control). */
  adjust?: boolean;
}

interface PadResult {
  bytes: Uint8Array;
  maps: Map<number, OffsetMap>;
  adjustments: Map<number, CfaAdjustment[]>;
}

class RelOutOfRange extends Error {}

const R_64 = 1;
const R_PC32 = 2;
const R_PLT32 = 4;

function decodeAll(elf: ElfFile): Map<number, DecodedInstruction[]> {
  const m = new Map<number, DecodedInstruction[]>();
  for (const i of codeSections(elf)) m.set(i, decodeSection(elf.sections[i]!.data, 0, { fields: true }));
  return m;
}

function containingInsn(insns: DecodedInstruction[], off: number): DecodedInstruction | undefined {
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

function padObject(elf: ElfFile, plan: Map<number, Map<number, Insertion>>, opts: PadOptions): PadResult {
  const model = elfToModel(elf);
  const secs = model.sections;
  const maps = new Map<number, OffsetMap>();
  const adjustments = new Map<number, CfaAdjustment[]>();
  for (const [si, ins] of plan) {
    const map = insertionMap(new Map([...ins].map(([p, i]) => [p, i.bytes.length])));
    maps.set(si, map);
    const list: CfaAdjustment[] = [];
    for (const p of [...ins.keys()].sort((a, b) => a - b)) for (const a of ins.get(p)!.cfa ?? []) list.push({ at: map(p) + a.at, delta: a.delta });
    adjustments.set(si, list);
  }
  const syms = elf.symtab ? elf.symbols() : [];
  const newSyms = syms.map((s) => {
    const map = maps.get(s.shndx);
    if (!map || stType(s.info) === STT_SECTION || s.index === 0) return { ...s };
    const v = Number(s.value);
    return { ...s, value: BigInt(map(v)), size: BigInt(map(v + Number(s.size)) - map(v)) };
  });
  const symIndex = (name: string): number => {
    let k = newSyms.findIndex((s) => s.name === name && s.shndx === 0 && s.index !== 0);
    if (k < 0) {
      k = newSyms.length;
      newSyms.push({ index: k, nameOffset: 0, name, info: 0x10, other: 0, shndx: 0, rawShndx: 0, value: 0n, size: 0n });
    }
    return k;
  };
  const insns = opts.fixCode ? decodeAll(elf) : new Map<number, DecodedInstruction[]>();

  // Code.
  const addedRelocs = new Map<number, Reloc[]>();
  for (const [si, ins] of plan) {
    const old = elf.sections[si]!.data;
    const map = maps.get(si)!;
    const out = new Uint8Array(map(old.length));
    const points = [...ins.keys()].sort((a, b) => a - b);
    let from = 0;
    const added: Reloc[] = [];
    const after = (x: number): number => map(x) + (ins.get(x)?.bytes.length ?? 0); // where old byte x lands
    for (const p of points) {
      out.set(old.subarray(from, p), after(from));
      const i = ins.get(p)!;
      out.set(i.bytes, map(p));
      for (const r of i.relocs ?? []) added.push({ offset: map(p) + r.at, type: r.type, sym: symIndex(r.symbol), addend: r.addend });
      from = p;
    }
    out.set(old.subarray(from), after(from));
    addedRelocs.set(si, added);
    if (opts.fixCode) {
      const rela = relaFor(elf, si);
      const relocated = new Set(rela === undefined ? [] : relocsOf(elf, rela).map((r) => r.offset));
      const view = new DataView(out.buffer);
      for (const i of insns.get(si)!) {
        const end = i.offset + i.length;
        if ((i.relSize === 1 || i.relSize === 4) && i.branchTarget !== undefined && !relocated.has(end - i.relSize)) {
          // Bytes inserted at a branch's own offset precede it; a target's inserted bytes are jumped to.
          const newEnd = map(end);
          const d = map(i.branchTarget) - newEnd;
          const at = newEnd - i.relSize;
          if (i.relSize === 1) {
            if (d < -128 || d > 127) throw new RelOutOfRange(`rel8 at ${i.offset}`);
            view.setInt8(at, d);
          } else view.setInt32(at, d, true);
        } else if (i.ripTarget !== undefined && i.disp && !relocated.has(i.offset + i.disp.offset)) {
          const newStart = map(i.offset) + (ins.get(i.offset)?.bytes.length ?? 0);
          view.setInt32(newStart + i.disp.offset, map(i.ripTarget) - (newStart + i.length), true);
        }
      }
    }
    secs[si]!.data = out;
  }

  // Relocations of every section but .eh_frame and the LSDA tables.
  const eh = ehSection(elf);
  const input = ehInput(elf);
  const lsdaRefs = input ? lsdaRefsFromEhFrame(input) : [];
  const lsdaSections = new Set(lsdaRefs.map((r) => r.lsdaSection));
  const moved: { sectionIndex: number; map: OffsetMap }[] = [];
  for (const rs of elf.sections) {
    if (rs.type !== SHT_RELA || rs.info === eh || lsdaSections.has(rs.info)) continue;
    const target = rs.info;
    const tmap = maps.get(target);
    const relocs = relocsOf(elf, rs.index);
    // Jump tables in data (PIE: PC32 against .text, value = target - table): table base = start of a run of
    // contiguous PC32 entries (a heuristic good enough for the objects used here).
    const runBase = new Map<number, number>();
    let prev: Reloc | undefined;
    for (const r of [...relocs].sort((a, b) => a.offset - b.offset)) {
      if (r.type !== R_PC32) {
        prev = undefined;
        continue;
      }
      // (Entries of one table may name different sections: GCC's hot/cold split puts cases in .text.unlikely.)
      runBase.set(r.offset, prev && r.offset === prev.offset + 4 ? runBase.get(prev.offset)! : r.offset);
      prev = r;
    }
    const targetIsCode = (elf.sections[target]!.flags & SHF_EXECINSTR) !== 0;
    const out = relocs.map((r) => {
      let addend = r.addend;
      const s = syms[r.sym];
      const smap = s ? maps.get(s.shndx) : undefined;
      if (s && smap && stType(s.info) === STT_SECTION) {
        if (targetIsCode && (r.type === R_PC32 || r.type === R_PLT32)) {
          const i = insns.get(target) ? containingInsn(insns.get(target)!, r.offset) : undefined;
          const k = i ? i.offset + i.length - r.offset : 4;
          addend = smap(r.addend + k) - k;
        } else if (!targetIsCode && r.type === R_PC32) {
          const rel = r.offset - runBase.get(r.offset)!;
          addend = smap(r.addend - rel) + rel;
        } else addend = smap(r.addend);
      }
      return { offset: tmap ? tmap(r.offset) : r.offset, type: r.type, sym: r.sym, addend };
    });
    out.push(...(addedRelocs.get(target) ?? []));
    addedRelocs.delete(target);
    out.sort((a, b) => a.offset - b.offset);
    secs[rs.index]!.data = encodeRela(out.map((r) => ({ offset: BigInt(r.offset), type: r.type, sym: r.sym, addend: BigInt(r.addend) })));
  }
  // Code sections that had no relocations get a new .rela section (a member of the code's group, if any).
  for (const [si, added] of addedRelocs) {
    if (added.length === 0) continue;
    const st = elf.symtab;
    if (!st) throw new Error(`section ${si}: no symbol table for the inserted relocations`);
    const index = secs.length;
    const data = encodeRela(added.sort((a, b) => a.offset - b.offset).map((r) => ({ offset: BigInt(r.offset), type: r.type, sym: r.sym, addend: BigInt(r.addend) })));
    secs.push({ name: `.rela${elf.sections[si]!.name}`, type: SHT_RELA, flags: 0x40 | (elf.sections[si]!.flags & 0x200), link: st.index, info: si, addralign: 8, entsize: 24, data });
    for (const g of elf.groups()) {
      if (!g.members.includes(si)) continue;
      const old = secs[g.section]!.data!;
      const grown = new Uint8Array(old.length + 4);
      grown.set(old);
      new DataView(grown.buffer).setUint32(old.length, index, true);
      secs[g.section]!.data = grown;
    }
  }

  // LSDAs, then .eh_frame.
  if (input && eh !== undefined) {
    const bySection = new Map<number, { lsdaOffset: number; functionStart: number; map: OffsetMap }[]>();
    for (const r of lsdaRefs) {
      const map = maps.get(r.codeSection);
      if (!map) continue;
      bySection.set(r.lsdaSection, [...(bySection.get(r.lsdaSection) ?? []), { lsdaOffset: r.lsdaOffset, functionStart: r.functionStart, map }]);
    }
    for (const [sec, fns] of bySection) {
      const rela = relaFor(elf, sec);
      const res = rewriteLsda({ data: elf.sections[sec]!.data, relocs: rela === undefined ? [] : relocsOf(elf, rela) }, fns);
      secs[sec]!.data = res.data;
      if (rela !== undefined) secs[rela]!.data = encodeRela(res.relocs.map((r) => ({ offset: BigInt(r.offset), type: r.type, sym: r.sym, addend: BigInt(r.addend) })));
      moved.push({ sectionIndex: sec, map: res.map });
    }
    const code: CodeRewrite[] = [...maps].map(([si, map]) => ({ sectionIndex: si, map, adjustments: opts.adjust === false ? [] : adjustments.get(si)! }));
    const out = rewriteEhFrame(input, code, moved);
    secs[eh]!.data = out.data;
    const rela = relaFor(elf, eh);
    if (rela !== undefined) secs[rela]!.data = encodeRela(out.relocs.map((r) => ({ offset: BigInt(r.offset), type: r.type, sym: r.sym, addend: BigInt(r.addend) })));
  }

  const st = elf.symtab;
  if (st) {
    const enc = encodeSymbols(newSyms);
    secs[st.index]!.data = enc.symtab;
    secs[st.link]!.data = enc.strtab;
    secs[st.index]!.info = enc.info;
  }
  return { bytes: writeElf(model, { layout: 'fresh' }), maps, adjustments };
}

// ---------------------------------------------------------------------------------------------------
// readelf --debug-dump=frames-interp.

interface FrameRow {
  loc: number;
  cfa: string;
  /** Register column -> rule, without the 'u' (undefined) ones. */
  regs: string;
}

interface FrameRecord {
  kind: 'CIE' | 'FDE';
  pcStart: number;
  pcEnd: number;
  rows: FrameRow[];
}

function parseFrames(text: string): FrameRecord[] {
  const out: FrameRecord[] = [];
  let cur: FrameRecord | undefined;
  let cols: string[] = [];
  for (const line of text.split('\n')) {
    let m = /^[0-9a-f]{8} [0-9a-f]+ [0-9a-f]{8} (CIE|FDE)(.*)$/.exec(line);
    if (m) {
      const pc = /pc=([0-9a-f]+)\.\.([0-9a-f]+)/.exec(m[2]!);
      cur = { kind: m[1] as 'CIE' | 'FDE', pcStart: pc ? parseInt(pc[1]!, 16) : 0, pcEnd: pc ? parseInt(pc[2]!, 16) : 0, rows: [] };
      out.push(cur);
      cols = [];
      continue;
    }
    m = /^\s+LOC\s+CFA\s*(.*)$/.exec(line);
    if (m && cur) {
      cols = m[1]!.trim().split(/\s+/).filter((c) => c !== '');
      continue;
    }
    m = /^([0-9a-f]{16}) (\S+)\s*(.*)$/.exec(line);
    if (m && cur) {
      const vals = m[3]!.trim().split(/\s+/).filter((c) => c !== '');
      const regs = cols.map((c, k) => [c, vals[k] ?? 'u'] as const).filter(([, v]) => v !== 'u').map(([c, v]) => `${c}=${v}`).sort().join(' ');
      cur.rows.push({ loc: parseInt(m[1]!, 16), cfa: m[2]!, regs });
    }
  }
  return out;
}

/** Merge rows equal to their predecessor; an FDE without rows has its CIE's initial row at pc_begin. */
function normalRows(rows: FrameRow[]): FrameRow[] {
  const out: FrameRow[] = [];
  for (const r of rows) {
    const last = out[out.length - 1];
    if (last && last.cfa === r.cfa && last.regs === r.regs) continue;
    if (last && last.loc === r.loc) out.pop();
    out.push(r);
  }
  return out;
}

function framesOf(paths: string[]): Map<string, FrameRecord[]> {
  const m = new Map<string, FrameRecord[]>();
  for (let k = 0; k < paths.length; k += 64) {
    const batch = paths.slice(k, k + 64);
    const text = runOk('readelf', ['--debug-dump=frames-interp', ...batch]);
    if (batch.length === 1) {
      m.set(batch[0]!, parseFrames(text));
      continue;
    }
    const parts = text.split(/^File: (.*)$/m);
    for (let j = 1; j < parts.length; j += 2) m.set(parts[j]!.trim(), parseFrames(parts[j + 1]!));
  }
  return m;
}

function deltaAt(adjs: CfaAdjustment[], loc: number): number {
  let d = 0;
  for (const a of adjs) {
    if (a.at > loc) break;
    d = a.delta;
  }
  return d;
}

/** The table the rewritten object must show: old rows at mapped locations, rsp-based CFAs raised inside adjustments. */
function expectedFrames(orig: FrameRecord[], fdeSections: (number | undefined)[], pad: PadResult): FrameRecord[] {
  let fdeIndex = 0;
  let lastCie: FrameRecord | undefined;
  return orig.map((rec) => {
    if (rec.kind === 'CIE') {
      lastCie = rec;
      return rec;
    }
    const sec = fdeSections[fdeIndex++];
    let rows = rec.rows.length > 0 ? rec.rows : (lastCie?.rows ?? []).slice(0, 1).map((r) => ({ ...r, loc: rec.pcStart }));
    const map = sec === undefined ? undefined : pad.maps.get(sec);
    if (!map) return { ...rec, rows: normalRows(rows) };
    const adjs = pad.adjustments.get(sec!)!;
    const start = map(rec.pcStart);
    const end = map(rec.pcEnd);
    rows = rows.map((r) => ({ ...r, loc: map(r.loc) }));
    const points = new Set(rows.map((r) => r.loc));
    for (const a of adjs) if (a.at > start && a.at < end) points.add(a.at);
    const out: FrameRow[] = [];
    for (const p of [...points].sort((a, b) => a - b)) {
      const base = [...rows].reverse().find((r) => r.loc <= p) ?? rows[0]!;
      const d = deltaAt(adjs, p);
      const m = /^rsp\+(\d+)$/.exec(base.cfa);
      out.push({ loc: p, cfa: d !== 0 && m ? `rsp+${Number(m[1]) + d}` : base.cfa, regs: base.regs });
    }
    return { kind: 'FDE', pcStart: start, pcEnd: end, rows: normalRows(out) };
  });
}

function actualFrames(recs: FrameRecord[]): FrameRecord[] {
  let lastCie: FrameRecord | undefined;
  return recs.map((rec) => {
    if (rec.kind === 'CIE') {
      lastCie = rec;
      return rec;
    }
    const rows = rec.rows.length > 0 ? rec.rows : (lastCie?.rows ?? []).slice(0, 1).map((r) => ({ ...r, loc: rec.pcStart }));
    return { ...rec, rows: normalRows(rows) };
  });
}

// ---------------------------------------------------------------------------------------------------
// readelf oracle with synthetic growth.

const SIZES = [1, 2, 3, 5, 16, 18, 23, 40, 61, 64, 100, 200, 256, 300, 1000, 4000];

function fdeSectionsOf(input: EhFrameInput): (number | undefined)[] {
  return listFdes(input).map((f) => f.codeSection);
}

/** Insert bytes at syscall sites, at every CFI row boundary and FDE start, and at random offsets; CFA adjustments inside. */
function framesPlan(o: Obj, orig: FrameRecord[], seed: number, opts: { adjust: boolean; huge: boolean }): Map<number, Map<number, Insertion>> {
  const input = ehInput(o.elf)!;
  const rand = rng(seed);
  const pick = <T,>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const fdeSecs = fdeSectionsOf(input);
  const code = new Set(codeSections(o.elf));
  const cands = new Map<number, Set<number>>();
  let k = 0;
  for (const rec of orig) {
    if (rec.kind !== 'FDE') continue;
    const sec = fdeSecs[k++];
    if (sec === undefined || !code.has(sec)) continue;
    const set = cands.get(sec) ?? new Set<number>();
    set.add(rec.pcStart);
    for (const r of rec.rows) set.add(r.loc);
    cands.set(sec, set);
  }
  const plan = new Map<number, Map<number, Insertion>>();
  let hugeDone = !opts.huge;
  for (const [sec, set] of cands) {
    const size = o.elf.sections[sec]!.data.length;
    for (const i of decodeSection(o.elf.sections[sec]!.data, 0, { fields: false })) if (i.isSyscall) set.add(i.offset);
    for (let j = 0; j < Math.min(20, size / 32); j++) set.add(Math.floor(rand() * size));
    const ins = new Map<number, Insertion>();
    for (const p of set) {
      if (p >= size || p < 0) continue;
      if (rand() < 0.25) continue; // not every candidate
      let n = pick(SIZES);
      if (!hugeDone && rand() < 0.2) {
        n = 70000; // forces DW_CFA_advance_loc4
        hugeDone = true;
      }
      const cfa: CfaAdjustment[] = [];
      if (opts.adjust && rand() < 0.7) {
        const a = Math.floor(rand() * n);
        const b = a + 1 + Math.floor(rand() * (n - a));
        const d1 = pick([8, 16, 128, 136]);
        cfa.push({ at: a, delta: d1 });
        if (b - a >= 2 && rand() < 0.4) cfa.push({ at: a + 1 + Math.floor(rand() * (b - a - 1)), delta: d1 + 8 });
        cfa.push({ at: b, delta: 0 });
      }
      ins.set(p, { bytes: new Uint8Array(n).fill(0x90), cfa });
    }
    plan.set(sec, ins);
  }
  return plan;
}

interface FramesOutcome {
  checked: number;
  fdesMoved: number;
  refused: string[];
}

/** Pad every object, then compare readelf's tables (in batches). */
function framesCheck(objs: Obj[], seed: number, opts: { adjust: boolean; huge: boolean }): FramesOutcome {
  const dir = mkdtempSync(join(tmpdir(), 'ukl-ehframe-'));
  const outcome: FramesOutcome = { checked: 0, fdesMoved: 0, refused: [] };
  try {
    const withEh = objs.filter((o) => ehInput(o.elf) && listFdes(ehInput(o.elf)!).length > 0);
    const origPaths = withEh.map((o, k) => {
      const p = join(dir, `o${k}.o`);
      writeFileSync(p, o.elf.bytes);
      return p;
    });
    const origFrames = framesOf(origPaths);
    const jobs: { o: Obj; orig: FrameRecord[]; pad: PadResult; path: string }[] = [];
    withEh.forEach((o, k) => {
      const orig = origFrames.get(origPaths[k]!)!;
      let plan = framesPlan(o, orig, seed + k, opts);
      let pad: PadResult;
      try {
        pad = padObject(o.elf, plan, { fixCode: false });
      } catch (e) {
        if (!(e instanceof RewriteRefused)) throw new Error(`${o.name}: ${String(e)}`, { cause: e });
        outcome.refused.push(`${o.name}: ${e.message}`);
        plan = framesPlan(o, orig, seed + k, { ...opts, adjust: false });
        pad = padObject(o.elf, plan, { fixCode: false });
      }
      const path = join(dir, `p${k}.o`);
      writeFileSync(path, pad.bytes);
      jobs.push({ o, orig, pad, path });
    });
    const padded = framesOf(jobs.map((j) => j.path));
    for (const j of jobs) {
      const fdeSecs = fdeSectionsOf(ehInput(j.o.elf)!);
      const want = expectedFrames(j.orig, fdeSecs, j.pad);
      const got = actualFrames(padded.get(j.path)!);
      expect(got, j.o.name).toEqual(want);
      outcome.checked++;
      outcome.fdesMoved += fdeSecs.filter((s) => s !== undefined && j.pad.maps.has(s)).length;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return outcome;
}

describe.skipIf(NO_READELF !== '')(`synthetic growth: readelf --debug-dump=frames-interp of the rewritten object${NO_READELF}`, () => {
  it('test-objects/*.o, with CFA adjustments', () => {
    const r = framesCheck(testObjects(), 1, { adjust: true, huge: true });
    expect(r.checked).toBeGreaterThan(20);
    expect(r.refused).toEqual([]);
  });
  it('test-objects/*.o, several seeds, no adjustments', () => {
    for (const seed of [7, 8, 9]) framesCheck(testObjects(), seed * 1000, { adjust: false, huge: seed === 9 });
  });
  it.skipIf(NO_LIBC !== '')(`every libc.a member with an FDE, with CFA adjustments${NO_LIBC}`, () => {
    const r = framesCheck(archiveObjects(LIBC_A), 11, { adjust: true, huge: false });
    expect(r.checked).toBeGreaterThan(1500);
    expect(r.fdesMoved).toBeGreaterThan(3000);
    // Only __restore_rt's hand-written FDE (CFA = *(rsp+160), every register an expression on rsp) is refused.
    expect(r.refused.length).toBeLessThanOrEqual(1);
    for (const m of r.refused) expect(m).toMatch(/libc_sigaction\.o.*DWARF expression reading %rsp/);
  }, 120_000);
  it.skipIf(NO_LIBSTDCXX !== '')(`every libstdc++.a member with an FDE, with CFA adjustments${NO_LIBSTDCXX}`, () => {
    const r = framesCheck(archiveObjects(LIBSTDCXX_A), 12, { adjust: true, huge: false });
    expect(r.checked).toBeGreaterThan(150);
    expect(r.refused).toEqual([]);
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------------
// Run time: padded objects linked by GNU ld, with unwinder probes.

// ukl_probe: called from inserted code with %rsp lowered by 136 (lea -0x80; push $expected); saves every
// register, the flags and the SSE state, and asks ukl_probe_check to verify the unwinder's view.
const PROBE_S = String.raw`	.text
	.globl	ukl_probe
	.type	ukl_probe, @function
ukl_probe:
	.cfi_startproc
	pushfq
	.cfi_adjust_cfa_offset 8
	pushq	%rax
	.cfi_adjust_cfa_offset 8
	pushq	%rcx
	.cfi_adjust_cfa_offset 8
	pushq	%rdx
	.cfi_adjust_cfa_offset 8
	pushq	%rsi
	.cfi_adjust_cfa_offset 8
	pushq	%rdi
	.cfi_adjust_cfa_offset 8
	pushq	%r8
	.cfi_adjust_cfa_offset 8
	pushq	%r9
	.cfi_adjust_cfa_offset 8
	pushq	%r10
	.cfi_adjust_cfa_offset 8
	pushq	%r11
	.cfi_adjust_cfa_offset 8
	pushq	%rbp
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rbp, 0
	movq	%rsp, %rbp
	.cfi_def_cfa_register %rbp
	andq	$-64, %rsp
	subq	$512, %rsp
	fxsave64 (%rsp)
	cld
	movq	96(%rbp), %rdi
	leaq	232(%rbp), %rsi
	movq	(%rbp), %rdx
	leaq	96(%rbp), %rcx
	call	ukl_probe_check
	fxrstor64 (%rsp)
	movq	%rbp, %rsp
	.cfi_def_cfa_register %rsp
	popq	%rbp
	.cfi_adjust_cfa_offset -8
	.cfi_restore %rbp
	popq	%r11
	.cfi_adjust_cfa_offset -8
	popq	%r10
	.cfi_adjust_cfa_offset -8
	popq	%r9
	.cfi_adjust_cfa_offset -8
	popq	%r8
	.cfi_adjust_cfa_offset -8
	popq	%rdi
	.cfi_adjust_cfa_offset -8
	popq	%rsi
	.cfi_adjust_cfa_offset -8
	popq	%rdx
	.cfi_adjust_cfa_offset -8
	popq	%rcx
	.cfi_adjust_cfa_offset -8
	popq	%rax
	.cfi_adjust_cfa_offset -8
	popfq
	.cfi_adjust_cfa_offset -8
	ret
	.cfi_endproc
	.size	ukl_probe, .-ukl_probe
	.section .note.GNU-stack,"",@progbits
`;

// ukl_probe_check: _Unwind_Backtrace from inside the probe. The frame after ukl_probe is the padded
// function: its CFA (what libgcc reports for the next frame) must be rsp+N or rbp+N as the original CFI
// says at that place (`expected` = kind << 24 | N, kind 1 = rsp, 2 = rbp), where rsp is the padded
// function's %rsp before the inserted code lowered it; and unwinding must end in _start (or, in a thread, in clone/clone3).
// Any failure exits with status 97; a destructor reports the number of checks on stderr.
const PROBE_C = String.raw`#include <unwind.h>
#include <stdint.h>
#include <unistd.h>
#include <string.h>
extern char ukl_probe[], _start[];
extern char __clone3[] __attribute__((weak)), __clone[] __attribute__((weak));
static int outermost(uintptr_t ip, char *f, uintptr_t len) { return f && ip > (uintptr_t)f && ip <= (uintptr_t)f + len; }
static unsigned long checks, skipped;
struct frame { uintptr_t ip, cfa, fn; };
struct state { int n; struct frame f[128]; };
static _Unwind_Reason_Code cb(struct _Unwind_Context *ctx, void *arg) {
  struct state *s = arg;
  if (s->n >= 128) return _URC_END_OF_STACK;
  struct frame *f = &s->f[s->n++];
  f->ip = _Unwind_GetIP(ctx);
  f->cfa = _Unwind_GetCFA(ctx);
  f->fn = (uintptr_t)_Unwind_FindEnclosingFunction((void *)(f->ip - 1));
  return _URC_NO_REASON;
}
static void put(const char *s) { write(2, s, strlen(s)); }
static void puthex(uint64_t v) {
  char b[19]; b[0] = '0'; b[1] = 'x';
  for (int i = 0; i < 16; i++) b[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 15];
  b[18] = 0; put(b);
}
static void fail(const char *why, struct state *s, uint64_t want, uint64_t got) {
  put("ukl-probe: "); put(why); put(" want "); puthex(want); put(" got "); puthex(got); put("\n");
  for (int i = 0; i < s->n && i < 12; i++) { put("  ip "); puthex(s->f[i].ip); put(" cfa "); puthex(s->f[i].cfa); put(" fn "); puthex(s->f[i].fn); put("\n"); }
  _exit(97);
}
void ukl_probe_check(uint64_t expected, uint64_t rsp, uint64_t rbp, uint64_t probe_cfa) {
  struct state s;
  s.n = 0;
  _Unwind_Backtrace(cb, &s);
  int i = 0;
  while (i < s.n && s.f[i].fn != (uintptr_t)ukl_probe) i++;
  if (i + 2 >= s.n) fail("ukl_probe's frame not found", &s, i, s.n);
  if (s.f[i + 1].cfa != probe_cfa) fail("probe CFA", &s, probe_cfa, s.f[i + 1].cfa);
  struct frame *last = &s.f[s.n - 1];
  if (last->ip == 0 && s.n >= 2) last--; /* a thread's chain ends with a null frame after clone3's */
  if (s.n >= 128 || !(outermost(last->ip, _start, 64) || outermost(last->ip, __clone3, 128) || outermost(last->ip, __clone, 128))) fail("unwinding did not end in _start or a thread's clone", &s, (uintptr_t)_start, last->ip);
  unsigned kind = (expected >> 24) & 0xff;
  uint64_t n = expected & 0xffffff;
  uint64_t want = kind == 1 ? rsp + n : kind == 2 ? rbp + n : 0;
  if (kind != 0 && s.f[i + 2].cfa != want) fail("padded frame's CFA", &s, want, s.f[i + 2].cfa);
  if (kind == 0) __atomic_add_fetch(&skipped, 1, __ATOMIC_RELAXED);
  else __atomic_add_fetch(&checks, 1, __ATOMIC_RELAXED);
}
__attribute__((destructor)) static void report(void) {
  char b[64]; int k = 0; unsigned long v = checks; char t[24]; int m = 0;
  do { t[m++] = '0' + v % 10; v /= 10; } while (v);
  memcpy(b, "ukl-probe: ", 11); k = 11;
  while (m) b[k++] = t[--m];
  memcpy(b + k, " checks\n", 8); k += 8;
  write(2, b, k);
}
`;

/** lea -0x80(%rsp),%rsp; push $expected; call ukl_probe; lea 0x88(%rsp),%rsp */
function probeInsertion(expected: number): Insertion {
  const imm = [expected & 0xff, (expected >> 8) & 0xff, (expected >> 16) & 0xff, (expected >> 24) & 0xff];
  const bytes = Uint8Array.from([0x48, 0x8d, 0x64, 0x24, 0x80, 0x68, ...imm, 0xe8, 0, 0, 0, 0, 0x48, 0x8d, 0xa4, 0x24, 0x88, 0, 0, 0]);
  return {
    bytes,
    cfa: [{ at: 5, delta: 128 }, { at: 10, delta: 136 }, { at: 23, delta: 0 }],
    relocs: [{ at: 11, type: R_PLT32, symbol: 'ukl_probe', addend: -4 }],
  };
}

function nopInsertion(n: number): Insertion {
  return { bytes: new Uint8Array(n).fill(0x90) };
}

/** Drop insertion points until every relocation-less rel8 branch still reaches. */
function fitRel8(insns: DecodedInstruction[], relocated: Set<number>, ins: Map<number, Insertion>): void {
  for (;;) {
    const map = insertionMap(new Map([...ins].map(([p, i]) => [p, i.bytes.length])));
    let changed = false;
    for (const i of insns) {
      if (i.relSize !== 1 || i.branchTarget === undefined) continue;
      const end = i.offset + i.length;
      if (relocated.has(end - 1)) continue;
      const d = map(i.branchTarget) - map(end);
      if (d >= -128 && d <= 127) continue;
      const lo = Math.min(end, i.branchTarget);
      const hi = Math.max(end, i.branchTarget);
      for (const p of [...ins.keys()]) if (p >= lo && p < hi) ins.delete(p);
      changed = true;
    }
    if (!changed) return;
  }
}

/** Plan real insertions at instruction boundaries inside FDEs: probes where the CFA is rsp+N or rbp+N, or NOPs. */
function runtimePlan(elf: ElfFile, orig: FrameRecord[], mode: 'probes' | 'nops', seed: number, density: number): Map<number, Map<number, Insertion>> {
  const plan = new Map<number, Map<number, Insertion>>();
  const input = ehInput(elf);
  if (!input) return plan;
  const rand = rng(seed);
  const fdeSecs = fdeSectionsOf(input);
  const insns = decodeAll(elf);
  // GNU ld rewrites TLS GD/LD/TLSDESC code sequences by pattern: nothing may be inserted inside one.
  const tlsSeq = new Map<number, Set<number>>();
  for (const [sec, list] of insns) {
    const rela = relaFor(elf, sec);
    const set = new Set<number>();
    for (const r of rela === undefined ? [] : relocsOf(elf, rela)) {
      if (r.type !== 19 && r.type !== 20 && r.type !== 34) continue;
      const i = containingInsn(list, r.offset);
      if (i) set.add(i.offset + i.length);
    }
    tlsSeq.set(sec, set);
  }
  let k = 0;
  let lastCie: FrameRecord | undefined;
  for (const rec of orig) {
    if (rec.kind === 'CIE') {
      lastCie = rec;
      continue;
    }
    const sec = fdeSecs[k++];
    if (sec === undefined || !insns.has(sec)) continue;
    const rows = rec.rows.length > 0 ? rec.rows : (lastCie?.rows ?? []).slice(0, 1).map((r) => ({ ...r, loc: rec.pcStart }));
    const ins = plan.get(sec) ?? new Map<number, Insertion>();
    plan.set(sec, ins);
    for (const i of insns.get(sec)!) {
      if (i.offset < rec.pcStart || i.offset >= rec.pcEnd || tlsSeq.get(sec)!.has(i.offset) || rand() >= density) continue;
      if (mode === 'nops') {
        ins.set(i.offset, nopInsertion([1, 7, 16, 100, 200, 700][Math.floor(rand() * 6)]!));
        continue;
      }
      const row = [...rows].reverse().find((r) => r.loc <= i.offset);
      const m = row ? /^(rsp|rbp)\+(\d+)$/.exec(row.cfa) : null;
      if (!m) continue;
      ins.set(i.offset, probeInsertion(((m[1] === 'rsp' ? 1 : 2) << 24) | Number(m[2])));
    }
  }
  for (const [sec, ins] of plan) {
    const rela = relaFor(elf, sec);
    const relocated = new Set(rela === undefined ? [] : relocsOf(elf, rela).map((r) => r.offset));
    fitRel8(insns.get(sec)!, relocated, ins);
  }
  return plan;
}

interface RunOutcome {
  status: number;
  stdout: string;
  stderr: string;
  probes: number;
  checks: number | undefined;
}

/** Pad the program's objects in `pad` with `planOf`, link with GNU ld (+ the probe objects), run. */
function runPadded(dir: string, prog: Program, pad: Set<string>, planOf: (elf: ElfFile, frames: FrameRecord[]) => Map<number, Map<number, Insertion>>, opts: { adjust?: boolean; extra?: Obj[] } = {}): RunOutcome {
  let probes = 0;
  const padOne = (name: string, elf: ElfFile, path: string): string => {
    const frames = framesOf([path]).get(path)!;
    const plan = planOf(elf, frames);
    for (const ins of plan.values()) for (const i of ins.values()) if (i.relocs?.length) probes++;
    const out = join(dir, `padded-${name}`);
    writeFileSync(out, padObject(elf, plan, { fixCode: true, adjust: opts.adjust }).bytes);
    return out;
  };
  const objs = prog.objects.map((name) => {
    const path = join(DIR, name);
    if (!pad.has(name)) return path;
    return padOne(name, new ElfFile(new Uint8Array(readFileSync(path)), { file: name }), path);
  });
  for (const [k, o] of (opts.extra ?? []).entries()) {
    const path = join(dir, `extra${k}.o`);
    writeFileSync(path, o.elf.bytes);
    objs.push(padOne(`extra${k}.o`, o.elf, path));
  }
  const exe = join(dir, `${prog.name}.exe`);
  runOk(prog.driver, ['-static', ...prog.ldflags, ...objs, join(dir, 'probe.o'), join(dir, 'probe-check.o'), '-o', exe]);
  const r = spawnSync(exe, [], { encoding: 'latin1', timeout: 60000 });
  const m = /ukl-probe: (\d+) checks/.exec(r.stderr ?? '');
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '', probes, checks: m ? Number(m[1]) : undefined };
}

function withProbeDir<T>(f: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'ukl-ehrun-'));
  try {
    writeFileSync(join(dir, 'probe.S'), PROBE_S);
    writeFileSync(join(dir, 'probe-check.c'), PROBE_C);
    runOk('gcc', ['-c', '-O2', join(dir, 'probe.S'), '-o', join(dir, 'probe.o')]);
    runOk('gcc', ['-c', '-O2', join(dir, 'probe-check.c'), '-o', join(dir, 'probe-check.o')]);
    return f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Programs whose objects get probes everywhere. Not here: hello (no .eh_frame); ifunc and ctor-order (IRELATIVE
// resolvers and .preinit_array functions run before libgcc's unwinder can find any FDE: _Unwind_Backtrace
// aborts there even without rewriting); label-diff (the known computed-goto hazard); clone and vfork (child
// stacks); data-in-text (data inside .text). All of those still get NOPs.
const PROBED = ['cxx-syscall-eh', 'cxx', 'comdat', 'weak-common', 'tls', 'switch-pie', 'switch-nopie', 'switch-cet', 'abs-reloc-nopie', 'abs-reloc-large', 'abs-reloc-kernel', 'rel8', 'redzone', 'sigreturn', 'sysnr'];
const NOPPED = ['cxx-syscall-eh', 'cxx', 'comdat', 'ifunc', 'ctor-order', 'clone', 'vfork', 'tls'];

describe.skipIf(NO_GCC !== '')(`run time: padded objects linked by GNU ld${NO_GCC}`, () => {
  it('probes at every instruction where the CFA is rsp+N or rbp+N: output unchanged, every CFA exact', () => {
    withProbeDir((dir) => {
      let total = 0;
      for (const name of PROBED) {
        const prog = program(name);
        const r = runPadded(dir, prog, new Set(prog.objects), (elf, frames) => runtimePlan(elf, frames, 'probes', 17, 1));
        expect({ name, status: r.status, stdout: r.stdout, stderr: r.stderr.replace(/ukl-probe: \d+ checks\n/, '') }).toEqual({ name, status: prog.exitStatus, stdout: prog.stdout, stderr: '' });
        expect(r.probes, name).toBeGreaterThan(10);
        if (r.checks !== undefined) total += r.checks;
      }
      expect(total).toBeGreaterThan(2000);
    });
  }, 300_000);

  it('NOPs of 1 to 700 bytes (LEB128 call sites and advances widen): output unchanged', () => {
    withProbeDir((dir) => {
      for (const name of NOPPED) {
        const prog = program(name);
        const r = runPadded(dir, prog, new Set(prog.objects), (elf, frames) => runtimePlan(elf, frames, 'nops', 23, 0.5));
        expect({ name, status: r.status, stdout: r.stdout }).toEqual({ name, status: prog.exitStatus, stdout: prog.stdout });
      }
    });
  }, 300_000);

  it.skipIf(NO_LIBSTDCXX !== '')(`libstdc++ members with large LSDAs (iostreams, the throw and personality code) padded into the cxx program${NO_LIBSTDCXX}`, () => {
    const wanted = ['ostream-inst.o', 'istream-inst.o', 'functexcept.o', 'cow-stdexcept.o', 'eh_alloc.o', 'eh_throw.o', 'eh_personality.o', 'eh_catch.o', 'ios_init.o', 'locale-inst.o', 'stdexcept.o', 'string-inst.o'];
    const members = archiveObjects(LIBSTDCXX_A).filter((o) => wanted.some((w) => o.name.endsWith(`(${w})`)));
    expect(members.length).toBe(wanted.length);
    withProbeDir((dir) => {
      const prog = program('cxx');
      for (const mode of ['nops', 'probes'] as const) {
        const r = runPadded(dir, prog, new Set(prog.objects), (elf, frames) => runtimePlan(elf, frames, mode, 31, mode === 'nops' ? 0.5 : 0.3), { extra: members });
        expect({ mode, status: r.status, stdout: r.stdout, stderr: r.stderr.replace(/ukl-probe: \d+ checks\n/, '') }).toEqual({ mode, status: prog.exitStatus, stdout: prog.stdout, stderr: '' });
        if (mode === 'probes') {
          expect(r.probes).toBeGreaterThan(1000);
          expect(r.checks).toBeGreaterThan(1000);
        }
      }
    });
  }, 300_000);

  it('negative control: the same probes without the CFA adjustments break unwinding', () => {
    withProbeDir((dir) => {
      const prog = program('cxx-syscall-eh');
      const r = runPadded(dir, prog, new Set(prog.objects), (elf, frames) => runtimePlan(elf, frames, 'probes', 17, 1), { adjust: false });
      expect(r.status).not.toBe(prog.exitStatus);
    });
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------------
// Every CFA opcode and the rarer record layouts, assembled by gas.

const NO_AS = lacking('as');
const HAVE_AS = NO_AS === '';

function assemble(src: string, name: string): Obj {
  const dir = mkdtempSync(join(tmpdir(), 'ukl-ehas-'));
  try {
    writeFileSync(join(dir, 'a.S'), src);
    runOk('as', [join(dir, 'a.S'), '-o', join(dir, 'a.o')]);
    return { name, elf: new ElfFile(new Uint8Array(readFileSync(join(dir, 'a.o'))), { file: name }) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// def_cfa_sf, def_cfa_offset_sf, GNU_args_size, remember/restore_state, val_offset(_sf), offset_extended(_sf),
// GNU_negative_offset_extended, restore_extended, same_value, undefined, register, expression and
// val_expression (on rbp), restore, advance_loc2 and advance_loc4, def_cfa_expression (on rbp), 'S'
// augmentation, personality and LSDA pointers as udata4 (R_X86_64_32) and absptr (R_X86_64_64).
const OPS_S = String.raw`	.text
	.globl	f_ops
	.type	f_ops, @function
f_ops:
	.cfi_startproc
	pushq	%rbp
	.cfi_adjust_cfa_offset 8
	.cfi_offset %rbp, -16
	movq	%rsp, %rbp
	.cfi_def_cfa_register %rbp
	pushq	%rbx
	.cfi_offset %rbx, -24
	nop
	.cfi_escape 0x2e, 0x10
	nop
	.cfi_remember_state
	.cfi_escape 0x12, 0x06, 0x7e
	nop
	.cfi_escape 0x13, 0x7d
	nop
	.cfi_restore_state
	nop
	.cfi_escape 0x14, 0x0c, 0x04
	nop
	.cfi_escape 0x15, 0x0d, 0x7c
	nop
	.cfi_escape 0x05, 0x0e, 0x05
	.cfi_escape 0x11, 0x0f, 0x7a
	.cfi_escape 0x2f, 0x03, 0x03
	nop
	.cfi_escape 0x06, 0x0e
	.cfi_same_value %r12
	.cfi_undefined %r13
	.cfi_register %r15, %rax
	nop
	.cfi_escape 0x10, 0x0c, 0x02, 0x76, 0x00
	.cfi_escape 0x16, 0x0d, 0x02, 0x76, 0x08
	nop
	.cfi_restore %rbx
	.skip	300, 0x90
	.cfi_def_cfa %rsp, 24
	nop
	.cfi_escape 0x0f, 0x02, 0x76, 0x10
	.skip	70000, 0x90
	.cfi_def_cfa %rsp, 8
	.cfi_escape 0x0d, 0x07
	ret
	.cfi_endproc
	.size	f_ops, .-f_ops

	.globl	f_signal
	.type	f_signal, @function
f_signal:
	.cfi_startproc
	.cfi_signal_frame
	subq	$40, %rsp
	.cfi_def_cfa_offset 48
	nop
	addq	$40, %rsp
	.cfi_def_cfa_offset 8
	ret
	.cfi_endproc
	.size	f_signal, .-f_signal

	.globl	f_pers
	.type	f_pers, @function
f_pers:
	.cfi_startproc
	.cfi_personality 0x3, pers_sym
	.cfi_lsda 0x3, lsda_sym
	pushq	%r12
	.cfi_def_cfa_offset 16
	.cfi_offset %r12, -16
	nop
	popq	%r12
	.cfi_def_cfa_offset 8
	ret
	.cfi_endproc
	.size	f_pers, .-f_pers

	.globl	f_pers8
	.type	f_pers8, @function
f_pers8:
	.cfi_startproc
	.cfi_personality 0x0, pers_sym
	.cfi_lsda 0x1b, lsda_sym2
	pushq	%r13
	.cfi_def_cfa_offset 16
	nop
	popq	%r13
	.cfi_def_cfa_offset 8
	ret
	.cfi_endproc
	.size	f_pers8, .-f_pers8

	.section .text.other,"ax",@progbits
	.globl	f_other
	.type	f_other, @function
f_other:
	.cfi_startproc
	subq	$8, %rsp
	.cfi_def_cfa_offset 16
	nop
	addq	$8, %rsp
	.cfi_def_cfa_offset 8
	ret
	.cfi_endproc

	.data
pers_sym:	.quad 0
	.section .gcc_except_table,"a",@progbits
lsda_sym:	.byte 0xff, 0xff, 0x01, 0x00
lsda_sym2:	.byte 0xff, 0xff, 0x01, 0x00
	.section .note.GNU-stack,"",@progbits
`;

// Hand-written records: set_loc through a relocation (against a function symbol), a version 3 CIE with udata8
// FDE pointers (R_X86_64_64), a CIE without augmentation.
const HAND_S = String.raw`	.text
	.globl	g1
	.type	g1, @function
g1:	subq $24, %rsp
	nop
	nop
	addq $24, %rsp
	ret
g1_end:
	.globl	g2
	.type	g2, @function
g2:	pushq %rbx
	nop
	popq %rbx
	ret
g2_end:
	.globl	g3
	.type	g3, @function
g3:	pushq %rbp
	nop
	popq %rbp
	ret
g3_end:

	.section .eh_frame,"a",@unwind
	.balign 8
cie64:	.long cie64_end - cie64_id
cie64_id:
	.long 0
	.byte 1
	.string "zR"
	.uleb128 1
	.sleb128 -8
	.byte 16
	.uleb128 1
	.byte 0x1b
	.byte 0x0c, 7, 8
	.byte 0x90, 1
	.balign 4, 0
cie64_end:
fde64:	.long fde64_end - fde64_id
fde64_id:
	.long fde64_id - cie64
	.long g1 - .
	.long g1_end - g1
	.uleb128 0
	.byte 0x44
	.byte 0x0e, 32
	.byte 0x01
	.long g1 + 6 - .
	.byte 0x0e, 8
	.balign 4, 0
fde64_end:

cie_u8:	.long cie_u8_end - cie_u8_id
cie_u8_id:
	.long 0
	.byte 3
	.string "zR"
	.uleb128 1
	.sleb128 -8
	.uleb128 16
	.uleb128 1
	.byte 0x04
	.byte 0x0c, 7, 8
	.byte 0x90, 1
	.balign 4, 0
cie_u8_end:
fde_u8:	.long fde_u8_end - fde_u8_id
fde_u8_id:
	.long fde_u8_id - cie_u8
	.quad g2
	.quad g2_end - g2
	.uleb128 0
	.byte 0x41
	.byte 0x0e, 16
	.byte 0x83, 2
	.byte 0x42
	.byte 0x0e, 8
	.byte 0xc3
	.balign 4, 0
fde_u8_end:

cie_plain: .long cie_plain_end - cie_plain_id
cie_plain_id:
	.long 0
	.byte 1
	.string ""
	.uleb128 1
	.sleb128 -8
	.byte 16
	.byte 0x0c, 7, 8
	.byte 0x90, 1
	.balign 4, 0
cie_plain_end:
fde_plain: .long fde_plain_end - fde_plain_id
fde_plain_id:
	.long fde_plain_id - cie_plain
	.quad g3
	.quad g3_end - g3
	.byte 0x41
	.byte 0x0e, 16
	.byte 0x86, 2
	.byte 0x42
	.byte 0x0e, 8
	.balign 4, 0
fde_plain_end:
	.section .note.GNU-stack,"",@progbits
`;

// The same records with the 64-bit length escape (the CIE id and pointer stay 4 bytes, LSB).
const HAND64_S = String.raw`	.text
	.globl	g1
	.type	g1, @function
g1:	subq $24, %rsp
	nop
	nop
	addq $24, %rsp
	ret
g1_end:
	.globl	g2
	.type	g2, @function
g2:	pushq %rbx
	nop
	popq %rbx
	ret
g2_end:
	.globl	g3
	.type	g3, @function
g3:	pushq %rbp
	nop
	popq %rbp
	ret
g3_end:

	.section .eh_frame,"a",@unwind
	.balign 8
cie64:	.long 0xffffffff
	.quad cie64_end - cie64_id
cie64_id:
	.long 0
	.byte 1
	.string "zR"
	.uleb128 1
	.sleb128 -8
	.byte 16
	.uleb128 1
	.byte 0x1b
	.byte 0x0c, 7, 8
	.byte 0x90, 1
	.balign 4, 0
cie64_end:
fde64:	.long 0xffffffff
	.quad fde64_end - fde64_id
fde64_id:
	.long fde64_id - cie64
	.long g1 - .
	.long g1_end - g1
	.uleb128 0
	.byte 0x44
	.byte 0x0e, 32
	.byte 0x01
	.long g1 + 6 - .
	.byte 0x0e, 8
	.balign 4, 0
fde64_end:

cie_u8:	.long cie_u8_end - cie_u8_id
cie_u8_id:
	.long 0
	.byte 3
	.string "zR"
	.uleb128 1
	.sleb128 -8
	.uleb128 16
	.uleb128 1
	.byte 0x04
	.byte 0x0c, 7, 8
	.byte 0x90, 1
	.balign 4, 0
cie_u8_end:
fde_u8:	.long fde_u8_end - fde_u8_id
fde_u8_id:
	.long fde_u8_id - cie_u8
	.quad g2
	.quad g2_end - g2
	.uleb128 0
	.byte 0x41
	.byte 0x0e, 16
	.byte 0x83, 2
	.byte 0x42
	.byte 0x0e, 8
	.byte 0xc3
	.balign 4, 0
fde_u8_end:

cie_plain: .long cie_plain_end - cie_plain_id
cie_plain_id:
	.long 0
	.byte 1
	.string ""
	.uleb128 1
	.sleb128 -8
	.byte 16
	.byte 0x0c, 7, 8
	.byte 0x90, 1
	.balign 4, 0
cie_plain_end:
fde_plain: .long fde_plain_end - fde_plain_id
fde_plain_id:
	.long fde_plain_id - cie_plain
	.quad g3
	.quad g3_end - g3
	.byte 0x41
	.byte 0x0e, 16
	.byte 0x86, 2
	.byte 0x42
	.byte 0x0e, 8
	.balign 4, 0
fde_plain_end:
	.section .note.GNU-stack,"",@progbits
`;

/** Records with the 64-bit length escape turned into ordinary ones (CIE pointers zeroed: they differ). */
function narrowRecords(data: Uint8Array, relocs: Reloc[]): { bytes: number[]; relocs: Reloc[] } {
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: number[] = [];
  const moved: { from: number; to: number; shift: number }[] = [];
  let pos = 0;
  while (pos < data.length) {
    const l32 = v.getUint32(pos, true);
    const wide = l32 === 0xffffffff;
    const len = wide ? Number(v.getBigUint64(pos + 4, true)) : l32;
    const head = wide ? 12 : 4;
    const body = Array.from(data.subarray(pos + head, pos + head + len));
    if (v.getUint32(pos + head, true) !== 0) body.splice(0, 4, 0, 0, 0, 0);
    moved.push({ from: pos, to: pos + head + len, shift: out.length + 4 - (pos + head) });
    out.push(len & 0xff, (len >> 8) & 0xff, (len >> 16) & 0xff, len >>> 24, ...body);
    pos += head + len;
  }
  return { bytes: out, relocs: relocs.map((r) => ({ ...r, offset: r.offset + moved.find((m) => r.offset >= m.from && r.offset < m.to)!.shift })) };
}

describe.skipIf(NO_AS !== '' || NO_READELF !== '')(`every CFA opcode and rare record layouts (gas-built objects, readelf oracle)${NO_AS}${NO_READELF}`, () => {
  it('all DWARF CFA opcodes, with CFA adjustments everywhere', () => {
    const o = assemble(OPS_S, 'ops.o');
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const r = framesCheck([o], seed, { adjust: true, huge: seed === 1 });
      expect(r.refused).toEqual([]);
      expect(r.fdesMoved).toBe(5);
    }
  });

  it('set_loc, udata8 pointers, version 3 CIE, no augmentation', () => {
    const o = assemble(HAND_S, 'hand.o');
    for (const seed of [1, 2, 3, 4]) expect(framesCheck([o], seed, { adjust: true, huge: seed === 2 }).refused).toEqual([]);
  });

  it('64-bit lengths: the same result as the 32-bit records', () => {
    const o32 = assemble(HAND_S, 'hand.o');
    const o64 = assemble(HAND64_S, 'hand64.o');
    const text = o32.elf.sections.find((s) => s.name === '.text')!.index;
    for (const seed of [1, 2, 3]) {
      const rand = rng(seed);
      const pts = new Map<number, number>();
      for (let k = 0; k < 6; k++) pts.set(Math.floor(rand() * 19), [1, 64, 300, 70000][Math.floor(rand() * 4)]!);
      const map = insertionMap(pts);
      const adjustments = [{ at: map(1) + 1, delta: 16 }, { at: map(2), delta: 0 }, { at: map(12), delta: 8 }, { at: map(13), delta: 0 }];
      const a = rewriteEhFrame(ehInput(o32.elf)!, [{ sectionIndex: text, map, adjustments }]);
      const b = rewriteEhFrame(ehInput(o64.elf)!, [{ sectionIndex: text, map, adjustments }]);
      const na = narrowRecords(a.data, a.relocs);
      const nb = narrowRecords(b.data, b.relocs);
      expect(nb.bytes).toEqual(na.bytes);
      expect(nb.relocs).toEqual(na.relocs);
      expect(b.data.length).toBeGreaterThan(ehInput(o64.elf)!.data.length);
    }
  });
});

// CFA and register rules that read %rsp: fine without an adjustment, refused under one.
const RSPEXP_S = String.raw`
	.text
	.globl	h
	.type	h, @function
h:
	.cfi_startproc
	nop
	.cfi_escape 0x0f, 0x03, 0x77, 0x08, 0x06
	nop
	.cfi_def_cfa %rsp, 8
	nop
	.cfi_escape 0x10, 0x03, 0x02, 0x77, 0x10
	nop
	.cfi_restore %rbx
	nop
	.cfi_register %r12, %rsp
	nop
	.cfi_restore %r12
	nop
	.cfi_escape 0x16, 0x0d, 0x03, 0x92, 0x07, 0x00
	nop
	.cfi_undefined %r13
	nop
	ret
	.cfi_endproc
	.section .note.GNU-stack,"",@progbits
`;

describe.skipIf(!HAVE_AS)(`rules reading %rsp under an adjustment are refused${NO_AS}`, () => {
  const o = HAVE_AS ? assemble(RSPEXP_S, 'rspexp.o') : undefined;
  const cases: [number, RegExp | undefined][] = [
    [0, undefined], [1, /the CFA is a DWARF expression reading %rsp/], [2, undefined], [3, /register 3 reads %rsp/],
    [4, undefined], [5, /register 12 reads %rsp/], [6, undefined], [7, /register 13 reads %rsp/], [8, undefined],
  ];
  for (const [at, why] of cases) {
    it(`adjustment over [${at}, ${at + 1}): ${why ? 'refused' : 'accepted'}`, () => {
      const input = ehInput(o!.elf)!;
      const text = o!.elf.sections.find((s) => s.name === '.text')!.index;
      const map = insertionMap(new Map([[at, 16]]));
      const adjustments = [{ at: map(at) + 3, delta: 8 }, { at: map(at) + 16, delta: 0 }];
      const run = (): unknown => rewriteEhFrame(input, [{ sectionIndex: text, map, adjustments }]);
      if (why) expect(run).toThrow(why);
      else expect(run).not.toThrow();
      if (why) expect(() => run()).toThrow(RewriteRefused);
    });
  }
});

// ---------------------------------------------------------------------------------------------------
// Hand-built sections: refusals and malformed input.

const le32 = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];

interface CieSpec {
  aug?: string;
  caf?: number;
  augData?: number[];
  instrs?: number[];
}

interface FdeSpec {
  /** pc_begin and pc_range bytes (default: 4 + 4, pcrel sdata4). */
  pc?: number[];
  range?: number[];
  aug?: number[];
  instrs: number[];
  /** Start offset of the function (the pc_begin relocation's addend). */
  start?: number;
}

/** One CIE and its FDEs; pc_begin relocated (PC32) against the section symbol of section 1. */
function buildEh(cie: CieSpec, fdes: FdeSpec[]): EhFrameInput {
  const aug = cie.aug ?? 'zR';
  const cieBody = [...le32(0), 1, ...Array.from(aug, (c) => c.charCodeAt(0)), 0, cie.caf ?? 1, 0x78, 16];
  if (aug.startsWith('z')) {
    const d = cie.augData ?? [0x1b];
    cieBody.push(d.length, ...d);
  }
  cieBody.push(...(cie.instrs ?? [0x0c, 7, 8, 0x90, 1]));
  while ((cieBody.length + 4) % 4 !== 0) cieBody.push(0);
  const data: number[] = [...le32(cieBody.length), ...cieBody];
  const relocs: Reloc[] = [];
  for (const f of fdes) {
    const start = data.length;
    const body = [...le32(start + 4), ...(f.pc ?? [0, 0, 0, 0])];
    relocs.push({ offset: start + 8, type: R_PC32, sym: 1, addend: f.start ?? 0 });
    body.push(...(f.range ?? le32(16)));
    if (aug.startsWith('z')) body.push((f.aug ?? []).length, ...(f.aug ?? []));
    body.push(...f.instrs);
    while ((body.length + 4) % 4 !== 0) body.push(0);
    data.push(...le32(body.length), ...body);
  }
  return {
    data: Uint8Array.from(data),
    relocs,
    symbols: [{ name: '', type: 0, shndx: 0, value: 0 }, { name: '', type: STT_SECTION, shndx: 1, value: 0 }],
  };
}

const grow = insertionMap(new Map([[1, 100], [4, 300]]));
const rewriteText = (input: EhFrameInput, map: OffsetMap = grow, adjustments: CfaAdjustment[] = []): ReturnType<typeof rewriteEhFrame> =>
  rewriteEhFrame(input, [{ sectionIndex: 1, map, adjustments }]);

describe('hand-built .eh_frame sections', () => {
  it('grows an FDE: wider advance, new length, 4-byte padding, later relocations and CIE pointers follow', () => {
    const input = buildEh({}, [{ instrs: [0x43, 0x0e, 16, 0x42, 0x0e, 8] }, { instrs: [0x41, 0x0e, 16] }]);
    const out = rewriteText(input);
    const v = new DataView(out.data.buffer);
    // FDE 1: advance 3 -> 103 (advance_loc1), advance 2 -> 302 (advance_loc2): 26 bytes, padded to 28.
    expect(v.getUint32(0x18, true)).toBe(24);
    expect(v.getUint32(0x18 + 12, true)).toBe(16 + 400);
    expect(Array.from(out.data.subarray(0x18 + 17, 0x18 + 28))).toEqual([0x02, 103, 0x0e, 16, 0x03, 302 & 0xff, 302 >> 8, 0x0e, 8, 0, 0]);
    // FDE 2 moved by 4: its CIE pointer and relocation follow; its advance of 1 stays (the bytes come after).
    expect(v.getUint32(0x34 + 4, true)).toBe(0x38);
    expect(Array.from(out.data.subarray(0x34 + 17, 0x34 + 20))).toEqual([0x41, 0x0e, 16]);
    expect(out.relocs.map((r) => r.offset)).toEqual([0x18 + 8, 0x34 + 8]);
    expect(out.relocs.map((r) => r.addend)).toEqual([0, 0]);
    expect(out.data.length).toBe(0x34 + 20);
  });

  it('an adjustment inside an advance splits it, and the CFA returns at the end', () => {
    const input = buildEh({}, [{ instrs: [0x44, 0x0e, 16] }]);
    const out = rewriteText(input, identity, [{ at: 1, delta: 128 }, { at: 3, delta: 0 }]);
    expect(Array.from(out.data.subarray(0x18 + 17, 0x18 + 28))).toEqual([0x41, 0x0e, 0x88, 0x01, 0x42, 0x0e, 8, 0x41, 0x0e, 16, 0]);
  });

  it('an adjustment that covers the end of the program and one at the very start', () => {
    const input = buildEh({}, [{ instrs: [0x42, 0x0e, 16] }]);
    const out = rewriteText(input, identity, [{ at: 0, delta: 8 }, { at: 1, delta: 0 }, { at: 10, delta: 32 }, { at: 12, delta: 0 }]);
    expect(Array.from(out.data.subarray(0x18 + 17, 0x18 + 32))).toEqual([0x0e, 16, 0x41, 0x0e, 8, 0x41, 0x0e, 16, 0x48, 0x0e, 48, 0x42, 0x0e, 16, 0]);
    expect(out.data.length).toBe(0x18 + 32);
  });

  const refusals: [string, EhFrameInput, RegExp, OffsetMap?][] = [
    ['code alignment factor 4', buildEh({ caf: 4 }, [{ instrs: [] }]), /code alignment factor 4/],
    ['unknown augmentation letter', buildEh({ aug: 'zX', augData: [] }, [{ instrs: [] }]), /unknown augmentation 'X'/],
    ['augmentation without z', buildEh({ aug: 'eh' }, [{ instrs: [] }]), /augmentation "eh"/],
    ['restore_state without remember_state', buildEh({}, [{ instrs: [0x41, 0x0b] }]), /restore_state without a remembered state/],
    ['an opcode that is not DWARF CFA', buildEh({}, [{ instrs: [0x41, 0x2d] }]), /unknown CFA opcode 0x2d/],
    ['set_loc without a relocation', buildEh({}, [{ instrs: [0x01, 4, 0, 0, 0] }]), /set_loc .* without a relocation/],
    ['an advance past the end of the function', buildEh({}, [{ instrs: [0x02, 200] }]), /outside/],
    ['pc_range that no longer fits udata2', buildEh({ augData: [0x02] }, [{ pc: [0, 0], range: [0xf0, 0xff], instrs: [] }]), /does not fit/],
    ['uleb128 FDE pointers', buildEh({ augData: [0x01] }, [{ pc: [0], range: [16], instrs: [] }]), /encoding 0x1 is not supported/],
    ['a map that goes backwards', buildEh({}, [{ instrs: [0x42, 0x0e, 16, 0x42] }]), /monotonic/, (x: number) => (x === 2 ? 10 : x)],
    ['a map that is not defined there', buildEh({}, [{ instrs: [0x44] }]), /outside the rewritten code/, (x: number) => { if (x > 2) throw new RangeError('no'); return x; }],
  ];
  for (const [what, input, why, map] of refusals) {
    it(`refused: ${what}`, () => {
      expect(() => rewriteText(input, map)).toThrow(RewriteRefused);
      expect(() => rewriteText(input, map)).toThrow(why);
      // The same section with nothing to rewrite in it is copied.
      const out = rewriteEhFrame(input, []);
      expect(Buffer.from(out.data).equals(Buffer.from(input.data))).toBe(true);
    });
  }

  it('malformed sections: RewriteRefused', () => {
    const good = buildEh({}, [{ instrs: [0x41, 0x0e, 16] }]);
    const bad: [string, Uint8Array][] = [
      ['record past the end', good.data.subarray(0, good.data.length - 4)],
      ['stray bytes at the end', Uint8Array.from([...good.data, 1, 2])],
      ['CIE pointer to nowhere', (() => { const d = good.data.slice(); d[0x18 + 4] = 0x10; return d; })()],
      ['truncated CIE', Uint8Array.from([...le32(3), 0, 0, 0])],
    ];
    for (const [what, data] of bad) {
      const input = { ...good, data };
      expect(() => rewriteText(input), what).toThrow(RewriteRefused);
    }
  });
});

describe('fuzzed .eh_frame sections: only RewriteRefused', () => {
  it('byte flips, truncations, insertions and moved relocations on real sections', () => {
    const objs = [...testObjects(), ...archiveObjects(LIBC_A).filter((_, k) => k % 40 === 0)];
    const rand = rng(99);
    let ok = 0;
    let refused = 0;
    for (const o of objs) {
      const input = ehInput(o.elf);
      if (!input || input.data.length === 0) continue;
      const code = codeSections(o.elf);
      for (let trial = 0; trial < 40; trial++) {
        const data = Array.from(input.data);
        const kind = Math.floor(rand() * 4);
        if (kind === 0) for (let k = 0; k < 1 + rand() * 4; k++) data[Math.floor(rand() * data.length)] = Math.floor(rand() * 256);
        else if (kind === 1) data.length = Math.floor(rand() * data.length);
        else if (kind === 2) data.splice(Math.floor(rand() * data.length), 0, ...Array.from({ length: 1 + Math.floor(rand() * 8) }, () => Math.floor(rand() * 256)));
        const relocs = input.relocs.map((r) => (kind === 3 && rand() < 0.3 ? { ...r, offset: Math.floor(rand() * data.length) } : r));
        const map = insertionMap(new Map([[Math.floor(rand() * 64), 1 + Math.floor(rand() * 300)]]));
        const mutated = { ...input, data: Uint8Array.from(data), relocs };
        const adjustments = [{ at: Math.floor(rand() * 64), delta: 128 }, { at: 70, delta: 0 }];
        for (const f of [
          () => rewriteEhFrame(mutated, code.map((sectionIndex) => ({ sectionIndex, map, adjustments }))),
          () => lsdaRefsFromEhFrame(mutated),
          () => listFdes(mutated),
        ]) {
          try {
            f();
            ok++;
          } catch (e) {
            if (!(e instanceof RewriteRefused)) throw new Error(`${o.name} trial ${trial}: ${String(e)}`, { cause: e });
            refused++;
          }
        }
      }
    }
    expect(ok).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(100);
  });
});
