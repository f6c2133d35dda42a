// The hazards of growing code when `syscall` becomes `lea -0x80(%rsp),%rsp; call __ukl_syscall;
// lea 0x80(%rsp),%rsp` (syscall-rewriting.md §5), one describe per hazard. Every check compares what GNU
// objdump/readelf show for the input object with what they show for `ukl-objcopy --rewrite-syscalls`'s
// output; programs are linked by GNU ld (gcc/g++ -static) with the hosted entry object and must print
// what test-objects/programs.json recorded.
//
// The old -> new address map is rebuilt from objdump's two instruction listings (tests/relink-fixtures/
// oracle.ts: same instructions in order, each rewritten syscall three instructions, local branches maybe
// wider), never taken from the rewriter's report.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, LIBC_A, lacking } from './helpers/tools.ts';
import { program, type Program } from './helpers/test-objects.ts';
import {
  align, exec, frames, hex, prefetch, isCallSequence, isLocalBranch, isRel8, isSyscall, objdump, relocations, rowAt, sameInstruction, sections, symbols, tool,
  type Alignment, type Fde, type OdInsn, type RelRow, type ShdrRow, type SymRow,
} from './relink-fixtures/oracle.ts';

const TO = join(ROOT, 'test-objects');
const FIX = join(ROOT, 'tests', 'relink-fixtures');
const OBJCOPY = join(ROOT, 'bin', 'ukl-objcopy.js');
const ENTRY = '__ukl_syscall';
const SEQUENCE = [0x48, 0x8d, 0x64, 0x24, 0x80, 0xe8, 0, 0, 0, 0, 0x48, 0x8d, 0xa4, 0x24, 0x80, 0, 0, 0];

let W = '';
beforeAll(() => {
  W = mkdtempSync(join(tmpdir(), 'ukl-hazards-'));
});
afterAll(() => {
  if (W) rmSync(W, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------
// Rewriting and linking

interface ReportSite {
  file: string;
  member: string | null;
  section: string;
  offset: number;
  newOffset: number;
  symbol: string | null;
  nr: number | null;
  name: string | null;
  status: 'rewritten' | 'left';
  reason: string | null;
}
interface Report {
  sites: ReportSite[];
  summary: { sites: number; rewritten: number; left: number };
  notes: string[];
}
interface Rewritten {
  input: string;
  output: string;
  report: Report;
  stderr: string;
}

const cache = new Map<string, Rewritten>();

/** ukl-objcopy --rewrite-syscalls IN OUT --rewrite-report=...; `input` is a path or a test-objects name. */
function rewrite(input: string, tag = input.replace(/^.*\//, '').replace(/\.(o|a)$/, '')): Rewritten {
  const inPath = input.includes('/') ? input : join(TO, input);
  const key = `${inPath}:${tag}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const ext = inPath.endsWith('.a') ? '.a' : '.o';
  const output = join(W, `${tag}.rw${ext}`);
  const reportFile = join(W, `${tag}.report.json`);
  const r = exec(process.execPath, [OBJCOPY, '--rewrite-syscalls', inPath, output, `--rewrite-report=${reportFile}`]);
  if (r.status !== 0) throw new Error(`ukl-objcopy --rewrite-syscalls ${inPath} exited ${r.status}:\n${r.stderr}`);
  const res = { input: inPath, output, report: JSON.parse(readFileSync(reportFile, 'utf8')) as Report, stderr: r.stderr };
  cache.set(key, res);
  return res;
}

let hostedPath = '';
function hosted(): string {
  if (!hostedPath) {
    hostedPath = join(W, 'hosted.o');
    const r = exec(process.execPath, [OBJCOPY, '--hosted-entry', hostedPath]);
    if (r.status !== 0) throw new Error(`ukl-objcopy --hosted-entry: ${r.stderr}`);
  }
  return hostedPath;
}


/** Links a programs.json program with GNU ld, each object replaced by its rewritten copy, plus the hosted entry; runs it. */
function runRewritten(name: string): { expected: Program; status: number; stdout: string; stderr: string } {
  const p = program(name);
  const objs = p.objects.map((o) => rewrite(o).output);
  const exe = join(W, `${name}.exe`);
  const l = exec(p.driver, ['-static', ...p.ldflags, ...objs, hosted(), '-o', exe]);
  if (l.status !== 0) throw new Error(`${p.driver} -static ${name}: ${l.stderr}`);
  const r = exec(exe, []);
  return { expected: p, ...r };
}

function expectRunsAsRecorded(name: string): void {
  const r = runRewritten(name);
  expect(r.stdout).toBe(r.expected.stdout);
  expect(r.status).toBe(r.expected.exitStatus);
}

// ---------------------------------------------------------------------------------------------------
// Comparing an object with its rewritten copy (objdump/readelf only)

interface Compared {
  input: string;
  output: string;
  oldSecs: ShdrRow[];
  newSecs: ShdrRow[];
  oldSyms: SymRow[];
  newSyms: SymRow[];
  /** every executable section present in both, by name */
  code: Map<string, Alignment>;
  oldCode: Map<string, OdInsn[]>;
  newCode: Map<string, OdInsn[]>;
}

const compared = new Map<string, Compared>();

function compare(input: string, output: string): Compared {
  const key = `${input}->${output}`;
  const hit = compared.get(key);
  if (hit) return hit;
  const oldSecs = sections(input);
  const newSecs = sections(output);
  const oldCode = objdump(input);
  const newCode = objdump(output);
  const code = new Map<string, Alignment>();
  for (const s of oldSecs) {
    if (!s.flags.includes('X')) continue;
    const n = newSecs.find((x) => x.name === s.name);
    if (!n) throw new Error(`${output}: section ${s.name} is gone`);
    code.set(s.name, align(oldCode.get(s.name) ?? [], newCode.get(s.name) ?? [], s.size, n.size));
  }
  const c = { input, output, oldSecs, newSecs, oldSyms: symbols(input), newSyms: symbols(output), code, oldCode, newCode };
  compared.set(key, c);
  return c;
}

const comparedRewrite = (name: string): Compared => {
  const r = rewrite(name);
  return compare(r.input, r.output);
};

/** Where an old code address lands; `what` is for messages. */
function mapped(al: Alignment | undefined, addr: number): number {
  return al ? al.map(addr) : addr;
}

/** The instruction at old address t and the one at its mapped address are the same one (or t is a rewritten site). */
function sameTarget(al: Alignment, t: number): string | null {
  const o = al.oldByAddr.get(t);
  const nt = al.map(t);
  const n = al.newByAddr.get(nt);
  if (!o) return al.oldByAddr.size && t !== Math.max(...al.oldByAddr.keys()) + 1 ? `old target ${hex(t)} is not an instruction` : null;
  if (!n) return `new target ${hex(nt)} is not an instruction`;
  const site = al.sites.find((s) => s.old === t);
  if (site?.rewritten) return n.addr === site.at ? null : `site ${hex(t)} maps to ${hex(n.addr)}, sequence at ${hex(site.at)}`;
  return sameInstruction(o, n) ? null : `${hex(t)} '${o.text}' vs ${hex(nt)} '${n.text}'`;
}

/** Every report record agrees with what objdump shows (rewritten: the sequence; left: a syscall). */
function checkReportAgainstObjdump(c: Compared, report: Report): string[] {
  const bad: string[] = [];
  const seen = new Set<string>();
  for (const s of report.sites) {
    const al = c.code.get(s.section);
    if (!al) { bad.push(`${s.section}: no such code section`); continue; }
    const site = al.sites.find((x) => x.old === s.offset);
    if (!site) { bad.push(`${s.section}+${hex(s.offset)}: objdump shows no syscall there`); continue; }
    seen.add(`${s.section}:${s.offset}`);
    if (site.rewritten !== (s.status === 'rewritten')) bad.push(`${s.section}+${hex(s.offset)}: report says ${s.status}, objdump says ${site.rewritten ? 'rewritten' : 'left'}`);
    if (site.at !== s.newOffset) bad.push(`${s.section}+${hex(s.offset)}: report newOffset ${hex(s.newOffset)}, objdump ${hex(site.at)}`);
    if (s.status === 'left' && !s.reason) bad.push(`${s.section}+${hex(s.offset)}: left without a reason`);
  }
  for (const [sec, al] of c.code) for (const s of al.sites) if (!seen.has(`${sec}:${s.old}`)) bad.push(`${sec}+${hex(s.old)}: syscall missing from the report`);
  return bad;
}

/** Every rewritten site is exactly the 18 bytes with the PLT32 relocation against the entry. */
function checkSequences(c: Compared): string[] {
  const bad: string[] = [];
  for (const [sec, al] of c.code) {
    const list = c.newCode.get(sec) ?? [];
    for (const s of al.sites.filter((x) => x.rewritten)) {
      const k = list.findIndex((i) => i.addr === s.at);
      if (!isCallSequence(list, k, ENTRY)) { bad.push(`${sec}+${hex(s.at)}: not the call sequence`); continue; }
      const bytes = list.slice(k, k + 3).flatMap((i) => i.bytes);
      if (bytes.join(',') !== SEQUENCE.join(',')) bad.push(`${sec}+${hex(s.at)}: bytes ${bytes.map((b) => b.toString(16)).join(' ')}`);
    }
  }
  return bad;
}

/** Every local (assembler-resolved) branch still reaches the same instruction. */
function checkBranches(c: Compared): string[] {
  const bad: string[] = [];
  for (const [sec, al] of c.code) {
    for (const [o, n] of al.pairs) {
      if (!isLocalBranch(o)) continue;
      if (!isLocalBranch(n)) { bad.push(`${sec}+${hex(o.addr)}: branch gained a relocation`); continue; }
      if (n.target !== al.map(o.target!)) bad.push(`${sec}+${hex(o.addr)} '${o.text}': new target ${hex(n.target!)}, expected ${hex(al.map(o.target!))}`);
      const why = sameTarget(al, o.target!);
      if (why) bad.push(`${sec}+${hex(o.addr)} '${o.text}': ${why}`);
    }
    // same-section RIP-relative operands the assembler resolved (objdump's `# addr <sym>` comment, no relocation)
    for (const [o, n] of al.pairs) {
      if (o.relocs.length || o.target !== undefined || !/\(%rip\)/.test(o.text)) continue;
      const ot = /#\s+([0-9a-f]+)\b/.exec(o.text);
      const nt = /#\s+([0-9a-f]+)\b/.exec(n.text);
      if (!ot || !nt) continue;
      const want = al.map(parseInt(ot[1]!, 16));
      if (parseInt(nt[1]!, 16) !== want) bad.push(`${sec}+${hex(o.addr)} '${o.text}': now '${n.text}', expected ${hex(want)}`);
    }
  }
  return bad;
}

interface Widening {
  section: string;
  func: string;
  old: OdInsn;
  neu: OdInsn;
  /** the old rel8 displacement */
  disp: number;
  widened: boolean;
}

/** rel8 jmp/jcc: which became rel32, with encoding and necessity checks. */
function widenings(c: Compared): { list: Widening[]; bad: string[] } {
  const list: Widening[] = [];
  const bad: string[] = [];
  for (const [sec, al] of c.code) {
    for (const [o, n] of al.pairs) {
      if (!isRel8(o)) continue;
      const op = o.bytes[o.bytes.length - 2]!;
      const disp = (o.bytes[o.bytes.length - 1]! << 24) >> 24;
      const prefixes = o.bytes.slice(0, -2);
      const widened = n.bytes.length !== o.bytes.length;
      list.push({ section: sec, func: o.func, old: o, neu: n, disp, widened });
      if (!widened) continue;
      // encoding: e9 rel32 for jmp, 0f 8x rel32 for jcc, prefixes kept
      const want = op === 0xeb ? [...prefixes, 0xe9] : [...prefixes, 0x0f, 0x80 + (op - 0x70)];
      if (n.bytes.slice(0, want.length).join(',') !== want.join(',') || n.bytes.length !== want.length + 4) {
        bad.push(`${sec}+${hex(o.addr)}: widened to ${n.bytes.map((b) => b.toString(16)).join(' ')}`);
      }
      // necessity: with this one branch back in its rel8 form (everything after it 3/4 bytes closer), it would not reach
      const shrink = n.bytes.length - o.bytes.length;
      const end = n.addr + o.bytes.length;
      const target = n.target! > n.addr ? n.target! - shrink : n.target!;
      const d = target - end;
      if (d >= -128 && d <= 127) bad.push(`${sec}+${hex(o.addr)} '${o.text}' widened though rel8 ${d} reaches`);
    }
  }
  return { list, bad };
}

/** Symbols: values and sizes of every symbol in a rewritten code section map; the rest unchanged; one entry symbol added. */
function checkSymbols(c: Compared): string[] {
  const bad: string[] = [];
  const secName = (rows: ShdrRow[], ndx: string) => (/^\d+$/.test(ndx) ? rows[+ndx]?.name : undefined);
  const added = c.newSyms.slice(c.oldSyms.length);
  const rewritten = [...c.code.values()].some((al) => al.sites.some((s) => s.rewritten));
  if (rewritten) {
    if (added.length !== 1 || added[0]!.name !== ENTRY || added[0]!.ndx !== 'UND' || added[0]!.bind !== 'GLOBAL') bad.push(`added symbols: ${JSON.stringify(added)}`);
  } else if (added.length) bad.push(`symbols added though nothing was rewritten: ${added.map((s) => s.name)}`);
  c.oldSyms.forEach((o, k) => {
    const n = c.newSyms[k];
    if (!n) { bad.push(`symbol ${k} (${o.name}) missing`); return; }
    const sec = secName(c.oldSecs, o.ndx);
    if (n.name !== o.name || n.type !== o.type || n.bind !== o.bind || n.vis !== o.vis || secName(c.newSecs, n.ndx) !== sec) {
      bad.push(`symbol ${k}: ${JSON.stringify(o)} became ${JSON.stringify(n)}`);
      return;
    }
    const al = sec ? c.code.get(sec) : undefined;
    if (!al || o.type === 'SECTION') {
      if (n.value !== o.value || n.size !== o.size) bad.push(`${o.name} (${sec}): ${hex(o.value)}/${o.size} became ${hex(n.value)}/${n.size}`);
      return;
    }
    const v = al.map(o.value);
    const size = o.size ? al.map(o.value + o.size) - v : 0;
    if (n.value !== v || n.size !== size) bad.push(`${o.name} (${sec}): ${hex(o.value)}/${o.size} became ${hex(n.value)}/${n.size}, expected ${hex(v)}/${size}`);
  });
  return bad;
}

const PC_RELATIVE = new Set(['R_X86_64_PC32', 'R_X86_64_PLT32', 'R_X86_64_GOTPCREL', 'R_X86_64_GOTPCRELX', 'R_X86_64_REX_GOTPCRELX', 'R_X86_64_PC64', 'R_X86_64_PC8', 'R_X86_64_PC16']);
const ABSOLUTE = new Set(['R_X86_64_64', 'R_X86_64_32', 'R_X86_64_32S']);

/** The section a relocation's symbol is defined in, and the symbol's value. */
function symbolOf(syms: SymRow[], secs: ShdrRow[], name: string): { section?: string; value: number } {
  const s = syms.find((x) => x.name === name && x.ndx !== 'UND') ?? syms.find((x) => x.name === name);
  if (!s || !/^\d+$/.test(s.ndx)) return { value: 0 };
  return { section: secs[+s.ndx]!.name, value: s.type === 'SECTION' ? 0 : s.value };
}

/**
 * Jump-table bases in a data section: where code's PC-relative references (lea table(%rip)) into it point,
 * read from objdump -dr of the code.
 */
function tableBases(c: Compared, dataSection: string): number[] {
  const bases: number[] = [];
  for (const [, list] of c.oldCode) {
    for (const i of list) {
      for (const r of i.relocs) {
        if (r.type !== 'R_X86_64_PC32') continue;
        const m = /^(.*?)([+-]0x[0-9a-f]+)?$/.exec(r.target)!;
        const sym = symbolOf(c.oldSyms, c.oldSecs, m[1]!);
        if (sym.section !== dataSection) continue;
        const addend = m[2] ? parseInt(m[2].replace('0x', ''), 16) : 0;
        bases.push(sym.value + addend + (i.addr + i.bytes.length - r.offset));
      }
    }
  }
  return [...new Set(bases)].sort((a, b) => a - b);
}

interface RelocTarget {
  /** the section and offset the relocation's value leads to (an instruction for code) */
  section: string;
  target: number;
  /** the part of the addend that is not the target's offset from the symbol */
  bias: number;
}

/** What a relocation points to, for relocations whose symbol lies in a rewritten code section. */
function relocTarget(c: Compared, where: string, r: RelRow, old: boolean): RelocTarget | 'skip' | string {
  const syms = old ? c.oldSyms : c.newSyms;
  const secs = old ? c.oldSecs : c.newSecs;
  const sym = symbolOf(syms, secs, r.sym);
  if (!sym.section || !c.code.has(sym.section)) return 'skip';
  let bias = 0;
  if (PC_RELATIVE.has(r.type)) {
    const code = (old ? c.oldCode : c.newCode).get(where);
    if (code) {
      const insn = code.find((i) => r.offset >= i.addr && r.offset < i.addr + i.bytes.length);
      if (!insn) return `${where}+${hex(r.offset)}: relocation outside any instruction`;
      bias = -(insn.addr + insn.bytes.length - r.offset);
    } else if (r.type === 'R_X86_64_PC32') {
      const base = tableBases(c, where).filter((b) => b <= r.offset).pop();
      if (base === undefined) return `${where}+${hex(r.offset)}: PC32 into ${sym.section} without a table base`;
      bias = r.offset - base;
    } else return `${where}+${hex(r.offset)}: ${r.type} into ${sym.section}`;
  } else if (!ABSOLUTE.has(r.type)) return 'skip';
  return { section: sym.section, target: sym.value + r.addend - bias, bias };
}

const relKey = (r: RelRow) => `${hex(r.offset)} ${r.type} ${r.sym} ${r.addend}`;

/**
 * Relocations: in every section (but .eh_frame and debug sections), each old relocation is present at its
 * mapped offset; where it points into rewritten code, its addend follows the map so that it reaches the
 * same instruction; one new PLT32 per rewritten site.
 */
function checkRelocations(c: Compared, opts: { skip?: (section: string) => boolean } = {}): { bad: string[]; followed: { where: string; old: RelRow; oldTarget: number; newTarget: number; section: string }[] } {
  const bad: string[] = [];
  const followed: { where: string; old: RelRow; oldTarget: number; newTarget: number; section: string }[] = [];
  const oldR = relocations(c.input);
  const newR = relocations(c.output);
  for (const [where, list] of oldR) {
    if (where === '.eh_frame' || where.startsWith('.debug') || opts.skip?.(where)) continue;
    const here = c.code.get(where);
    const expected: string[] = [];
    for (const r of list) {
      const e: RelRow = { ...r, offset: mapped(here, r.offset) };
      const t = relocTarget(c, where, r, true);
      if (typeof t === 'string' && t !== 'skip') { bad.push(t); continue; }
      if (t !== 'skip') {
        const al = c.code.get(t.section)!;
        const newSym = symbolOf(c.newSyms, c.newSecs, r.sym);
        const nt = al.map(t.target);
        e.addend = nt - newSym.value + t.bias;
        followed.push({ where, old: r, oldTarget: t.target, newTarget: nt, section: t.section });
        if (t.target < c.oldSecs.find((s) => s.name === t.section)!.size) {
          const why = sameTarget(al, t.target);
          if (why) bad.push(`${where}+${hex(r.offset)} -> ${t.section}: ${why}`);
        }
      }
      expected.push(relKey(e));
    }
    if (here) {
      for (const s of here.sites) if (s.rewritten) expected.push(relKey({ offset: s.at + 6, type: 'R_X86_64_PLT32', symValue: 0, sym: ENTRY, addend: -4 }));
    }
    const got = (newR.get(where) ?? []).map(relKey);
    expected.sort();
    got.sort();
    const missing = expected.filter((x) => !got.includes(x));
    const extra = got.filter((x) => !expected.includes(x));
    if (missing.length || extra.length) bad.push(`${where}: missing [${missing.join('; ')}] unexpected [${extra.join('; ')}]`);
  }
  // sections that had no relocations before: only the new PLT32s
  for (const [where, list] of newR) {
    if (oldR.has(where)) continue;
    const al = c.code.get(where);
    const want = (al?.sites ?? []).filter((s) => s.rewritten).map((s) => relKey({ offset: s.at + 6, type: 'R_X86_64_PLT32', symValue: 0, sym: ENTRY, addend: -4 })).sort();
    const got = list.map(relKey).sort();
    if (want.join('|') !== got.join('|')) bad.push(`${where} (new): ${got.join('; ')} expected ${want.join('; ')}`);
  }
  return { bad, followed };
}

/** The code section an FDE covers, from the PC32 relocation on its pc_begin field (readelf -r). */
function fdeSection(rel: RelRow[] | undefined, fde: Fde): string | undefined {
  return rel?.find((r) => r.offset === fde.offset + 8)?.sym;
}

/**
 * .eh_frame (readelf --debug-dump=frames-interp): each FDE's range is its old range mapped; the rule row in
 * force at each new instruction is the old one at the corresponding old instruction, except between the
 * two leas of a rewritten site, where an rsp-based CFA is 128 higher; row locations are the mapped old ones
 * plus the two edges of each sequence.
 */
function checkFrames(c: Compared): { bad: string[]; adjustedRows: number } {
  const bad: string[] = [];
  let adjustedRows = 0;
  const o = frames(c.input);
  const n = frames(c.output);
  const oRel = relocations(c.input).get('.eh_frame');
  const nRel = relocations(c.output).get('.eh_frame');
  if (o.fdes.length !== n.fdes.length) return { bad: [`${o.fdes.length} FDEs became ${n.fdes.length}`], adjustedRows };
  o.fdes.forEach((of, k) => {
    const nf = n.fdes[k]!;
    const sec = fdeSection(oRel, of);
    const what = `FDE ${k} (${sec}+${hex(of.pcBegin)})`;
    if (!sec || fdeSection(nRel, nf) !== sec) { bad.push(`${what}: covers ${fdeSection(nRel, nf)} now`); return; }
    const al = c.code.get(sec);
    if (!al) return;
    if (nf.pcBegin !== al.map(of.pcBegin) || nf.pcEnd !== al.map(of.pcEnd)) {
      bad.push(`${what}: pc ${hex(nf.pcBegin)}..${hex(nf.pcEnd)}, expected ${hex(al.map(of.pcBegin))}..${hex(al.map(of.pcEnd))}`);
      return;
    }
    const sites = al.sites.filter((s) => s.rewritten && s.old >= of.pcBegin && s.old < of.pcEnd);
    const oldByNew = new Map<number, number>();
    for (const i of al.oldByAddr.keys()) if (i >= of.pcBegin && i < of.pcEnd) oldByNew.set(al.map(i), i);
    for (const ni of al.newByAddr.keys()) {
      if (ni < nf.pcBegin || ni >= nf.pcEnd) continue;
      let want: Record<string, string>;
      const site = sites.find((s) => ni >= s.at && ni < s.at + 18);
      if (site && ni !== site.at) {
        want = { ...rowAt(of, o.cies, site.old) };
        const m = /^rsp\+(\d+)$/.exec(want.CFA ?? '');
        if (m) want.CFA = `rsp+${+m[1]! + 128}`;
      } else {
        const oi = oldByNew.get(ni);
        if (oi === undefined) { bad.push(`${what}: new instruction ${hex(ni)} has no old one`); continue; }
        want = rowAt(of, o.cies, oi);
      }
      const got = rowAt(nf, n.cies, ni);
      if (JSON.stringify(got, Object.keys(got).sort()) !== JSON.stringify(want, Object.keys(want).sort())) {
        bad.push(`${what}: at ${hex(ni)} ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
      }
    }
    const oldLocs = of.rows.length ? of.rows.map((r) => al.map(r.loc)) : [nf.pcBegin];
    const allowed = new Set([...oldLocs, ...sites.flatMap((s) => [s.at + 5, s.at + 18])]);
    const newLocs = new Set(nf.rows.map((r) => r.loc));
    for (const l of newLocs) if (!allowed.has(l)) bad.push(`${what}: row at ${hex(l)} is neither a mapped old row nor a sequence edge`);
    for (const l of oldLocs) if (!newLocs.has(l) && nf.rows.length) bad.push(`${what}: old row mapped to ${hex(l)} is missing`);
    for (const s of sites) {
      if (/^rsp\+/.test(rowAt(of, o.cies, s.old).CFA ?? '')) {
        adjustedRows++;
        if (!newLocs.has(s.at + 5)) bad.push(`${what}: no row at ${hex(s.at + 5)} (CFA +128 inside the sequence)`);
      }
    }
  });
  return { bad, adjustedRows };
}

/** All structural checks on one rewritten object. */
function checkAll(c: Compared, report?: Report): Record<string, string[]> {
  const out: Record<string, string[]> = {
    sequences: checkSequences(c),
    branches: checkBranches(c),
    widening: widenings(c).bad,
    symbols: checkSymbols(c),
    relocations: checkRelocations(c).bad,
    frames: checkFrames(c).bad,
  };
  if (report) out.report = checkReportAgainstObjdump(c, report);
  return out;
}
const NONE = { sequences: [], branches: [], widening: [], symbols: [], relocations: [], frames: [] };
const NONE_R = { ...NONE, report: [] };

const fileBytesEqual = (a: string, b: string) => Buffer.compare(readFileSync(a), readFileSync(b)) === 0;

/** Instructions of one function (by objdump label). */
const fn = (list: OdInsn[] | undefined, name: string) => (list ?? []).filter((i) => i.func === name);

/** Objects whose rewriting every structural check runs on. */
const REWRITTEN = ['redzone.o', 'redzone-main.o', 'rel8.o', 'switch-pie.o', 'switch-nopie.o', 'switch-cet.o', 'cxx-syscall-eh.o', 'sigreturn.o', 'clone.o', 'sysnr.o'];

// ===================================================================================================

describe('red zone', () => {
  it('every former site is exactly the 18-byte sequence, its call relocated against __ukl_syscall (objdump -dr)', () => {
    for (const name of ['redzone.o', 'redzone-main.o']) {
      const r = rewrite(name);
      const c = comparedRewrite(name);
      expect(checkSequences(c), name).toEqual([]);
      expect(checkReportAgainstObjdump(c, r.report), name).toEqual([]);
      const sites = [...c.code.values()].flatMap((al) => al.sites);
      expect(sites.length, name).toBeGreaterThan(0);
      expect(sites.every((s) => s.rewritten), name).toBe(true);
      // no syscall instruction is left anywhere
      expect([...c.newCode.values()].flat().filter(isSyscall), name).toEqual([]);
      // the report agrees: the sigaltstack and getpid sites are rewritten
      expect(r.report.sites.filter((s) => s.status === 'rewritten').length, name).toBe(sites.length);
    }
    expect(rewrite('redzone.o').report.sites.map((s) => s.name).sort()).toEqual(['getpid', 'sigaltstack']);
  });

  it('the functions read their red-zone data at the same %rsp offsets, around the sequence that steps over it', () => {
    for (const name of ['redzone.o', 'redzone-main.o']) {
      const c = comparedRewrite(name);
      for (const [sec, al] of c.code) {
        const funcs = new Set((c.oldCode.get(sec) ?? []).map((i) => i.func));
        for (const f of funcs) {
          const rspOld = fn(c.oldCode.get(sec), f).filter((i) => /\(%rsp\)/.test(i.text)).map((i) => i.text);
          const rspNew = fn(c.newCode.get(sec), f).filter((i) => /\(%rsp\)/.test(i.text) && !al.inserted.has(i.addr)).map((i) => i.text);
          expect(rspNew, `${name} ${f}`).toEqual(rspOld);
        }
      }
    }
    // ____longjmp_chk's pattern: the 24-byte stack_t at -0x18(%rsp) is read back after the site
    const c = comparedRewrite('redzone.o');
    const f = fn(c.newCode.get('.text'), 'redzone_sigaltstack');
    const seq = f.findIndex((i) => /^lea\s+-0x80\(%rsp\),%rsp$/.test(i.text));
    expect(seq).toBeGreaterThan(0);
    expect(f.slice(0, seq).some((i) => /lea\s+-0x18\(%rsp\),%rsi/.test(i.text))).toBe(true);
    const after = f.slice(seq + 3).map((i) => i.text).join('\n');
    for (const off of ['-0x18', '-0x10', '-0x8']) expect(after).toContain(`${off}(%rsp)`);
    // the canary function keeps 16 qwords from -0x80 to -0x8 across getpid
    const canary = fn(c.newCode.get('.text'), 'redzone_canary');
    const k = canary.findIndex((i) => /^lea\s+-0x80\(%rsp\),%rsp$/.test(i.text));
    const stores = new Set(canary.slice(0, k).flatMap((i) => [.../(-0x[0-9a-f]+)\(%rsp\)/.exec(i.text)?.slice(1) ?? []]));
    const loads = new Set(canary.slice(k + 3).flatMap((i) => [.../(-0x[0-9a-f]+)\(%rsp\)/.exec(i.text)?.slice(1) ?? []]));
    expect(stores.size).toBe(16);
    expect([...stores].sort()).toEqual([...loads].sort());
  });

  it('all structural checks hold for redzone.o and redzone-main.o', () => {
    expect(checkAll(comparedRewrite('redzone.o'), rewrite('redzone.o').report)).toEqual(NONE_R);
    expect(checkAll(comparedRewrite('redzone-main.o'), rewrite('redzone-main.o').report)).toEqual(NONE_R);
  });

  it('linked by GNU ld with the hosted entry, redzone prints what programs.json records', () => {
    expectRunsAsRecorded('redzone');
  });
});

// ===================================================================================================

describe('rt_sigreturn, clone, clone3, vfork are left as syscall', () => {
  const cases: [string, number, string][] = [['sigreturn.o', 15, 'rt_sigreturn'], ['clone.o', 56, 'clone'], ['vfork.o', 58, 'vfork']];

  it.each(cases)('%s: the nr %i site stays a syscall (objdump), the report gives the reason', (name, nr, sysname) => {
    const r = rewrite(name);
    const c = comparedRewrite(name);
    const recs = r.report.sites.filter((s) => s.nr === nr);
    expect(recs.length).toBeGreaterThan(0);
    for (const s of recs) {
      expect(s.status).toBe('left');
      expect(s.reason).toMatch(new RegExp(sysname));
      const al = c.code.get(s.section)!;
      const site = al.sites.find((x) => x.old === s.offset)!;
      expect(site.rewritten).toBe(false);
      const n = al.newByAddr.get(site.at)!;
      expect(n.text).toBe('syscall');
      expect(n.bytes).toEqual([0x0f, 0x05]);
      // the instruction before it (the number's mov) is unchanged too
      const prevOld = [...al.oldByAddr.values()].filter((i) => i.addr < s.offset).pop()!;
      const prevNew = [...al.newByAddr.values()].filter((i) => i.addr < site.at).pop()!;
      expect(prevNew.bytes).toEqual(prevOld.bytes);
    }
    expect(checkAll(c, r.report)).toEqual(NONE_R);
    if (name === 'vfork.o') expect(fileBytesEqual(r.input, r.output)).toBe(true); // nothing else to rewrite
  });

  it('sigreturn keeps glibc\'s __restore_rt bytes (48 c7 c0 0f 00 00 00 0f 05) that libgcc matches', () => {
    const c = comparedRewrite('sigreturn.o');
    const f = fn(c.newCode.get('.text'), 'my_restore_rt');
    expect(f.slice(0, 2).flatMap((i) => i.bytes)).toEqual([0x48, 0xc7, 0xc0, 0x0f, 0, 0, 0, 0x0f, 0x05]);
  });

  it('in libc.a: __restore_rt, __clone, __clone3 and __vfork keep their syscall, with reasons', () => {
    const r = rewrite(LIBC_A, 'libc');
    const want: [string, number, string][] = [['__restore_rt', 15, 'rt_sigreturn'], ['__clone', 56, 'clone'], ['__clone3', 435, 'clone3'], ['__vfork', 58, 'vfork']];
    for (const [sym, nr, sysname] of want) {
      const s = r.report.sites.filter((x) => x.symbol === sym && x.nr === nr);
      expect(s.length, sym).toBe(1);
      expect(s[0]!.status, sym).toBe('left');
      expect(s[0]!.reason, sym).toMatch(new RegExp(`\\b${sysname}\\b`));
      // objdump of the rewritten member shows the syscall at the same offset
      const member = s[0]!.member!;
      const dir = join(W, 'libc-left');
      mkdirSync(dir, { recursive: true });
      tool('ar', ['x', r.output, member], dir);
      const list = objdump(join(dir, member)).get(s[0]!.section)!;
      const at = list.find((i) => i.addr === s[0]!.newOffset);
      expect(at?.text, sym).toBe('syscall');
    }
    // nothing else is left in libc.a
    expect(r.report.sites.filter((x) => x.status === 'left').every((x) => [15, 56, 435, 58].includes(x.nr ?? -1))).toBe(true);
  });

  it.each(['sigreturn', 'clone', 'vfork'])('the %s program still runs as recorded', (name) => {
    expectRunsAsRecorded(name);
  });
});

// ===================================================================================================

describe('rel8 branches across a site', () => {
  it('instruction streams correspond and every branch target maps to the same instruction (objdump -d before/after)', () => {
    const c = comparedRewrite('rel8.o');
    const al = c.code.get('.text')!;
    expect(al.sites.length).toBe(8);
    expect(al.sites.every((s) => s.rewritten)).toBe(true);
    expect(checkBranches(c)).toEqual([]);
    // branches to the instruction right after a site land after the whole sequence
    const afterSite = al.pairs.filter(([o]) => isLocalBranch(o) && al.sites.some((s) => al.oldByAddr.get(s.old)!.addr + 2 === o.target));
    expect(afterSite.length).toBeGreaterThan(0);
    for (const [o, n] of afterSite) {
      const s = al.sites.find((x) => x.old + 2 === o.target)!;
      expect(n.target).toBe(s.at + 18);
    }
  });

  it('the +127/-128 cases spanning a site become rel32 (e9 / 0f 8x) exactly where needed and nowhere else', () => {
    const c = comparedRewrite('rel8.o');
    const { list, bad } = widenings(c);
    expect(bad).toEqual([]);
    const widened = list.filter((w) => w.widened).map((w) => `${w.func} ${w.disp}`).sort();
    expect(widened).toEqual(['rel8_back_limit -128', 'rel8_cascade -128', 'rel8_cascade 127', 'rel8_fwd_limit 127', 'rel8_near_limit 125'].sort());
    // the controls stay short: -128 spanning no site, +126 spanning none, the cascade's exit jmp
    const short = list.filter((w) => !w.widened).map((w) => `${w.func} ${w.disp}`);
    expect(short).toContain('rel8_near_limit -128');
    expect(short).toContain('rel8_near_limit 126');
    // every rel8 that stays rel8 still fits (objdump decoded it as a 2-byte branch with the mapped target)
    for (const w of list.filter((x) => !x.widened)) expect(w.neu.bytes.length).toBe(2);
  });

  it('all structural checks hold, and the rel8 program runs as recorded', () => {
    expect(checkAll(comparedRewrite('rel8.o'), rewrite('rel8.o').report)).toEqual(NONE_R);
    expectRunsAsRecorded('rel8');
  });
});

// ===================================================================================================

describe('symbols in a rewritten section', () => {
  it.each(REWRITTEN)('%s: values and sizes equal the mapped old ones (readelf -s -W)', (name) => {
    const c = comparedRewrite(name);
    expect(checkSymbols(c)).toEqual([]);
  });
});

// ===================================================================================================

describe('relocations in the rewritten section', () => {
  it.each(REWRITTEN)('%s: every old relocation at its mapped offset, one new PLT32 per rewritten site (readelf -r)', (name) => {
    const c = comparedRewrite(name);
    const { bad } = checkRelocations(c, { skip: (s) => !c.code.has(s) });
    expect(bad).toEqual([]);
  });

  it('a COMDAT code section without relocations gets a .rela section in its group (fixture comdat-syscall.cpp)', () => {
    const obj = join(W, 'comdat-syscall.o');
    tool('g++', ['-O2', '-c', join(FIX, 'comdat-syscall.cpp'), '-o', obj]);
    const before = tool('readelf', ['-g', '-W', obj]);
    expect(before).toMatch(/\.text\._Z10pid_inlinev/);
    expect(before).not.toMatch(/\.rela\.text\._Z10pid_inlinev/);
    const r = rewrite(obj);
    const c = compare(r.input, r.output);
    expect(checkAll(c, r.report)).toEqual(NONE_R);
    expect(tool('readelf', ['-g', '-W', r.output])).toMatch(/contains 2 sections:\n\s+\[Index\]\s+Name\n\s+\[\s*\d+\]\s+\.text\._Z10pid_inlinev\n\s+\[\s*\d+\]\s+\.rela\.text\._Z10pid_inlinev/);
    const exe = join(W, 'comdat-syscall.exe');
    tool('g++', ['-static', r.output, hosted(), '-o', exe]);
    expect(exec(exe, []).stdout).toBe('same pid: yes\n');
  });
});

// ===================================================================================================

describe('relocations elsewhere into the section', () => {
  it.each(['switch-pie.o', 'switch-cet.o'])('%s: PC32 jump-table entries in .rodata follow the map (same target instruction before and after)', (name) => {
    const c = comparedRewrite(name);
    const { bad, followed } = checkRelocations(c);
    expect(bad).toEqual([]);
    const table = followed.filter((f) => f.where === '.rodata' && f.old.type === 'R_X86_64_PC32');
    expect(table.length).toBe(11);
    // some entries really moved
    expect(table.filter((f) => f.newTarget !== f.oldTarget).length).toBeGreaterThan(0);
    if (name === 'switch-cet.o') {
      // IBT: the indirect-branch targets that had an endbr64 (the &&label targets; the switch uses notrack jmp)
      // still land on one
      const al = c.code.get('.text')!;
      const endbr = followed.filter((f) => al.oldByAddr.get(f.oldTarget)?.text === 'endbr64');
      expect(endbr.length).toBeGreaterThan(0);
      for (const f of endbr) expect(al.newByAddr.get(f.newTarget)?.text, hex(f.newTarget)).toBe('endbr64');
    }
  });

  it('switch-nopie.o: R_X86_64_64 jump-table entries in .rodata follow the map', () => {
    const c = comparedRewrite('switch-nopie.o');
    const { bad, followed } = checkRelocations(c);
    expect(bad).toEqual([]);
    const table = followed.filter((f) => f.where === '.rodata' && f.old.type === 'R_X86_64_64');
    expect(table.length).toBeGreaterThanOrEqual(11);
    expect(table.filter((f) => f.newTarget !== f.oldTarget).length).toBeGreaterThan(0);
  });

  it.each(['switch-pie.o', 'switch-nopie.o', 'switch-cet.o'])('%s: the &&label table in .data.rel.ro(.local) follows the map', (name) => {
    const c = comparedRewrite(name);
    const { followed } = checkRelocations(c);
    const labels = followed.filter((f) => f.where.startsWith('.data.rel.ro') || (name === 'switch-nopie.o' && f.where === '.rodata' && f.old.offset >= 0x80));
    expect(labels.length).toBeGreaterThan(0);
    expect(labels.filter((f) => f.newTarget !== f.oldTarget).length).toBeGreaterThan(0);
  });

  it.each(['switch-pie', 'switch-nopie', 'switch-cet'])('the %s program runs as recorded', (name) => {
    expectRunsAsRecorded(name);
  });

  it('self-relative code pointers in .rodata (`.long fn - .`, PC32) are followed or refused, never mis-adjusted (fixture selfrel-table.S)', () => {
    const obj = join(W, 'selfrel.o');
    const main = join(W, 'selfrel-main.o');
    tool('gcc', ['-c', join(FIX, 'selfrel-table.S'), '-o', obj]);
    tool('gcc', ['-O2', '-c', join(FIX, 'selfrel-main.c'), '-o', main]);
    const orig = join(W, 'selfrel.orig.exe');
    tool('gcc', ['-static', main, obj, '-o', orig]);
    const want = exec(orig, []);
    expect(want.stdout).toBe('entry 0 is getpid: yes\nentry 1 returns 2\n');
    const r = rewrite(obj);
    if (r.report.sites.every((x) => x.status === 'left')) {
      expect(fileBytesEqual(r.input, r.output)).toBe(true);
      return;
    }
    // rewritten: each entry `fn - .` must still reach fn: the symbols moved themselves, so the addends stay 0
    const entries = relocations(r.output).get('.rodata') ?? [];
    expect.soft(entries.map((e) => `${e.sym}${e.addend >= 0 ? '+' : ''}${e.addend}`), 'readelf -r .rela.rodata').toEqual(['sr_one+0', 'sr_two+0']);
    const exe = join(W, 'selfrel.exe');
    tool('gcc', ['-static', main, r.output, hosted(), '-o', exe]);
    const got = exec(exe, []);
    expect({ status: got.status, stdout: got.stdout }).toEqual({ status: 0, stdout: want.stdout });
  });

  it('label-diff.o (a table of label differences, no relocations) is refused with a reason and left byte for byte', () => {
    const r = rewrite('label-diff.o');
    expect(r.report.sites.length).toBeGreaterThan(0);
    for (const s of r.report.sites) {
      expect(s.status).toBe('left');
      expect(s.reason).toBeTruthy();
      expect(s.reason).toMatch(/computed goto|label|without a relocation|table/i);
    }
    expect(fileBytesEqual(r.input, r.output)).toBe(true);
    expectRunsAsRecorded('label-diff');
  });
});

// ===================================================================================================

describe('.eh_frame', () => {
  it.each(REWRITTEN)('%s: FDE ranges grow with their functions; rows at mapped locations; CFA +128 inside each sequence (readelf frames-interp)', (name) => {
    const c = comparedRewrite(name);
    const { bad, adjustedRows } = checkFrames(c);
    expect(bad).toEqual([]);
    const rewrittenSites = [...c.code.values()].flatMap((al) => al.sites.filter((s) => s.rewritten));
    if (name !== 'sigreturn.o' && rewrittenSites.length) expect(adjustedRows).toBeGreaterThan(0);
  });

  it.each(REWRITTEN)('%s: each function symbol\'s range still equals its FDE\'s range', (name) => {
    const c = comparedRewrite(name);
    const o = frames(c.input);
    const n = frames(c.output);
    const oRel = relocations(c.input).get('.eh_frame');
    const nRel = relocations(c.output).get('.eh_frame');
    o.fdes.forEach((of, k) => {
      const nf = n.fdes[k]!;
      const sec = fdeSection(oRel, of)!;
      const f = c.oldSyms.find((s) => s.type === 'FUNC' && /^\d+$/.test(s.ndx) && c.oldSecs[+s.ndx]!.name === sec && s.value === of.pcBegin && s.value + s.size === of.pcEnd);
      if (!f) return;
      const g = c.newSyms[f.num]!;
      expect(fdeSection(nRel, nf)).toBe(sec);
      expect([g.value, g.value + g.size], `${name} ${f.name}`).toEqual([nf.pcBegin, nf.pcEnd]);
    });
  });

  const NO_GDB = lacking('gdb');
  it.skipIf(NO_GDB !== '')(`gdb backtraces from a breakpoint on __ukl_syscall through rewritten libc functions to main (gcc -static -B gcc-ld/ -Wl,--rewrite-syscalls)${NO_GDB}`, () => {
    const exe = join(W, 'bt.exe');
    const reportFile = join(W, 'bt.report.json');
    const l = exec('gcc', ['-static', '-O1', '-g', '-B', join(ROOT, 'gcc-ld') + '/', '-Wl,--rewrite-syscalls', `-Wl,--rewrite-report=${reportFile}`, join(FIX, 'bt.c'), '-o', exe]);
    expect(l.status, l.stderr).toBe(0);
    const rewrittenFns = new Set((JSON.parse(readFileSync(reportFile, 'utf8')) as Report).sites.filter((x) => x.status === 'rewritten').map((x) => x.symbol));
    // every stop on the entry between say() and its return: puts' fstat, then write
    const cmds = ['break say', 'run', `break ${ENTRY}`, 'continue', 'bt', 'continue', 'bt', 'kill'];
    const out = exec('gdb', ['-nx', '-batch', ...cmds.flatMap((c) => ['-ex', c]), exe]);
    const all = out.stdout + out.stderr;
    const traces = all.split(/\nBreakpoint 2, /).slice(1).map((t) => t.split('\n').filter((x) => /^#\d+/.test(x)));
    expect(traces.length, all).toBe(2);
    const names = (bt: string[]) => bt.map((x) => /^#\d+\s+(?:0x[0-9a-f]+ in )?(\S+)/.exec(x)![1]!);
    for (const bt of traces) {
      expect(bt[0], all).toMatch(new RegExp(`in ${ENTRY}`));
      expect(names(bt).slice(-2), all).toEqual(['say', 'main']);
      // frame 1 is the libc function whose site was rewritten (gdb names it by any alias at that address)
      const pc = parseInt(/0x([0-9a-f]+) in/.exec(bt[1]!)![1]!, 16);
      const aliases = symbols(exe).filter((x) => x.type === 'FUNC' && x.value <= pc && pc < x.value + x.size).map((x) => x.name);
      expect(aliases.some((a) => rewrittenFns.has(a)), `${bt[1]} (${aliases.join(', ')})`).toBe(true);
    }
    // the second stop is the write of the flushed line, several rewritten-libc frames deep
    expect(names(traces[1]!)[1], all).toMatch(/write/);
    expect(traces[1]!.length).toBeGreaterThan(4);
    expect(all).not.toMatch(/Backtrace stopped|previous frame identical|corrupt stack/);
  });
});

// ===================================================================================================

describe('.gcc_except_table', () => {
  it('cxx-syscall-eh.o: sites in the try block, in the cold catch handler; all structural checks hold', () => {
    const r = rewrite('cxx-syscall-eh.o');
    const c = comparedRewrite('cxx-syscall-eh.o');
    expect(checkAll(c, r.report)).toEqual(NONE_R);
    const secs = new Set(r.report.sites.filter((s) => s.status === 'rewritten').map((s) => s.section));
    expect(secs).toEqual(new Set(['.text', '.text.unlikely']));
    expect(tool('readelf', ['-S', '-W', r.output])).toMatch(/\.gcc_except_table/);
  });

  it('exceptions thrown from inside/after rewritten sites are still caught: cxx-syscall-eh prints as recorded', () => {
    expectRunsAsRecorded('cxx-syscall-eh');
  });
});

// ===================================================================================================

describe('data in code', () => {
  it('data-in-text.o: the section is refused (reason: data/undecodable/relocation) and left byte for byte', () => {
    const r = rewrite('data-in-text.o');
    expect(r.report.sites.length).toBeGreaterThan(0);
    for (const s of r.report.sites) {
      expect(s.status).toBe('left');
      expect(s.reason).toMatch(/data|undecodable|relocation/i);
    }
    expect(fileBytesEqual(r.input, r.output)).toBe(true);
    expectRunsAsRecorded('data-in-text');
  });

  it('a table in .text that happens to decode (je rel8 over a site) is refused, not "re-encoded" (fixture data-in-text-decodable.S)', () => {
    // tbl: .byte 0x74, 0x07 (an STT_OBJECT read by tbl_lookup) decodes as `je` to the instruction after
    // tbl_getpid's syscall; growing that site must not change the table.
    const obj = join(W, 'did.o');
    tool('gcc', ['-c', join(FIX, 'data-in-text-decodable.S'), '-o', obj]);
    const before = objdump(obj).get('.text')!.filter((i) => i.func === 'tbl');
    expect(before.flatMap((i) => i.bytes)).toEqual([0x74, 0x07]);
    const r = rewrite(obj);
    const after = objdump(r.output).get('.text')!.filter((i) => i.func === 'tbl');
    expect(after.flatMap((i) => i.bytes), 'the data bytes of tbl').toEqual([0x74, 0x07]);
    for (const s of r.report.sites) {
      expect(s.status).toBe('left');
      expect(s.reason).toMatch(/data|undecodable|relocation|object/i);
    }
    expect(fileBytesEqual(r.input, r.output)).toBe(true);
  });
});

// ===================================================================================================

describe('debug info', () => {
  it('an object compiled with -g: debug sections dropped or kept consistent; readelf -w -W and objdump --dwarf=info clean', () => {
    const obj = join(W, 'dbg.o');
    tool('gcc', ['-O2', '-g', '-c', join(FIX, 'debug-syscalls.c'), '-o', obj]);
    const r = rewrite(obj);
    expect(r.report.sites.filter((s) => s.status === 'rewritten').length).toBeGreaterThanOrEqual(3);
    const c = compare(r.input, r.output);
    // Dropped debug sections are renamed .ukl.dropped.*: their section symbols' names follow.
    const checks = checkAll(c, r.report);
    checks.symbols = checks.symbols.filter((x) => !/"type":"SECTION".*"name":"\.debug_\w+"\} became \{.*"name":"\.ukl\.dropped\.debug_\w+"\}/.test(x));
    expect(checks).toEqual(NONE_R);
    const debugOld = c.oldSecs.filter((s) => s.name.startsWith('.debug_'));
    const debugNew = c.newSecs.filter((s) => s.name.startsWith('.debug_'));
    expect(debugOld.length).toBeGreaterThan(0);
    const dropped = debugNew.every((s) => s.size === 0);
    const kept = !dropped;
    // report which (visible in the test name via the console in verbose runs)
    console.log(`debug info: ${dropped ? 'dropped' : 'kept'} (${debugNew.map((s) => `${s.name}=${s.size}`).join(', ')}); notes: ${r.report.notes.join(' | ')}`);
    if (dropped) expect(r.report.notes.join('\n')).toMatch(/debug/);
    const rw = exec('readelf', ['-w', '-W', r.output]);
    expect(rw.status).toBe(0);
    expect(rw.stderr).toBe('');
    expect(rw.stdout).not.toMatch(/warning|error|corrupt/i);
    const od = exec('objdump', ['--dwarf=info', r.output]);
    expect(od.status).toBe(0);
    expect(od.stderr).toBe('');
    expect.soft(od.stdout, 'objdump --dwarf=info output').not.toMatch(/can't get contents|warning|error/i);
    if (kept) {
      // every subprogram's DW_AT_low_pc is a mapped function start
      const lows = (s: string) => [...s.matchAll(/DW_AT_low_pc\s*:\s*0x([0-9a-f]+)/g)].map((m) => parseInt(m[1]!, 16));
      const al = c.code.get('.text')!;
      expect(lows(od.stdout)).toEqual(lows(tool('objdump', ['--dwarf=info', r.input])).map((v) => al.map(v)));
    }
    // the object still links and runs
    const exe = join(W, 'dbg.exe');
    const main = join(W, 'dbg-main.c');
    writeFileSync(main, '#include <stdio.h>\nlong dbg_pids(int);\nlong dbg_switch(int);\nint main(void){long s=0;for(int k=-1;k<7;k++)s+=dbg_switch(k);printf("%ld %ld\\n",dbg_pids(5),s);return 0;}\n');
    tool('gcc', ['-static', '-g', main, r.output, hosted(), '-o', exe]);
    tool('gcc', ['-static', '-g', main, r.input, '-o', exe + '.orig']);
    const want = exec(exe + '.orig', []).stdout;
    expect(want).toMatch(/^5 \d+\n$/);
    expect(exec(exe, []).stdout).toBe(want);
  });
});

// ===================================================================================================

describe('idempotence and safety', () => {
  it.each(REWRITTEN)('%s: rewriting the rewritten object finds no more rewritable sites, changes nothing', (name) => {
    const first = rewrite(name);
    const second = rewrite(first.output, name.replace(/\.o$/, '') + '-again');
    expect(second.report.sites.filter((s) => s.status === 'rewritten')).toEqual([]);
    const leftBefore = first.report.sites.filter((s) => s.status === 'left').map((s) => `${s.section}:${s.newOffset}:${s.nr}`);
    expect(second.report.sites.map((s) => `${s.section}:${s.offset}:${s.nr}`)).toEqual(leftBefore);
    expect(fileBytesEqual(first.output, second.output)).toBe(true);
  });

  it('an object that defines __ukl_syscall (the hosted entry object): its own syscall is left, no second __ukl_syscall symbol', () => {
    const r = rewrite(hosted(), 'hosted-again');
    const sites = r.report.sites;
    expect(sites.length).toBe(1);
    expect(sites[0]!.symbol).toBe(ENTRY);
    // the entry must perform the real syscall: rewriting it makes it call itself forever
    expect.soft(sites[0]!.status, JSON.stringify(sites[0])).toBe('left');
    const list = objdump(r.output).get('.text')!;
    expect.soft(list.map((i) => i.text)).toEqual(['syscall', 'ret']);
    const named = symbols(r.output).filter((x) => x.name === ENTRY);
    expect(named.map((x) => `${x.bind} ${x.ndx}`), 'readelf -s: symbols named __ukl_syscall').toEqual(['GLOBAL 1']);
  });

  it('libc.a: rewriting the rewritten archive finds only the left sites', () => {
    const first = rewrite(LIBC_A, 'libc');
    const second = rewrite(first.output, 'libc-again');
    expect(second.report.summary.rewritten).toBe(0);
    expect(second.report.sites.map((s) => `${s.member}:${s.newOffset}`).sort()).toEqual(first.report.sites.filter((s) => s.status === 'left').map((s) => `${s.member}:${s.newOffset}`).sort());
  });

  it('every libc.a member with a syscall: readelf -a -W without warnings, and every structural check; the others byte-identical', { timeout: 900_000 }, async () => {
    const r = rewrite(LIBC_A, 'libc');
    const members = [...new Set(r.report.sites.map((s) => s.member!))].sort();
    expect(r.report.sites.filter((s) => s.status === 'rewritten').length).toBeGreaterThan(300);
    const all = tool('ar', ['t', LIBC_A]).split('\n').filter(Boolean);
    expect(tool('ar', ['t', r.output]).split('\n').filter(Boolean)).toEqual(all);
    const dirIn = join(W, 'libc-in');
    const dirOut = join(W, 'libc-out');
    mkdirSync(dirIn, { recursive: true });
    mkdirSync(dirOut, { recursive: true });
    tool('ar', ['x', LIBC_A], dirIn);
    tool('ar', ['x', r.output], dirOut);
    // members without a site (the report's, checked against objdump's syscalls below for the others) are untouched
    const untouched = all.filter((m) => !members.includes(m) && !fileBytesEqual(join(dirIn, m), join(dirOut, m)));
    expect(untouched, 'members without a syscall site that changed').toEqual([]);
    const outs = members.map((m) => join(dirOut, m));
    for (let k = 0; k < outs.length; k += 128) {
      const ra = exec('readelf', ['-a', '-W', ...outs.slice(k, k + 128)]);
      expect(ra.stderr).toBe('');
      expect(ra.status).toBe(0);
    }
    // objdump and readelf listings of all of them, a few processes at a time (what makes this affordable)
    await prefetch([...members.map((m) => join(dirIn, m)), ...outs]);
    const problems: Record<string, Record<string, string[]>> = {};
    let insns = 0;
    for (const m of members) {
      const c = compare(join(dirIn, m), join(dirOut, m));
      const rep = { ...r.report, sites: r.report.sites.filter((s) => s.member === m) };
      const res = checkAll(c, rep);
      const bad = Object.fromEntries(Object.entries(res).filter(([, v]) => v.length));
      if (Object.keys(bad).length) problems[m] = bad;
      insns += [...c.code.values()].reduce((t, al) => t + al.pairs.length, 0);
    }
    console.log(`libc.a: ${members.length} members with a syscall checked (${insns} instruction pairs), ${all.length - members.length} byte-identical`);
    expect(problems).toEqual({});
  });
});

