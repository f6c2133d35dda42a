// Instruction-level differential test: every vector recorded on the host CPU by
// test-objects/emu-vectors/gen.c (see its header for the format) is replayed in the emulator's
// snippet runner (64-bit ring 3, code at the recorded address, the data page and stack mapped), and
// the registers, flags (masked to what the SDM defines), MXCSR (rounding, DAZ/FTZ and all six exception
// flags), xmm registers and the data page (which holds the x87 status word: exception flags, SF, ES, B,
// TOP and C1) must come out as they did natively; a recorded #DE must be raised as #DE.
//
// Forms the CPU does not implement yet are listed in EXCLUDED with the reason, and the test names
// carry them; a form that hits an unimplemented instruction without being listed fails.
import { describe, expect, it } from 'vitest';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { runSnippetVector, type SnippetInput, type SnippetOutcome } from './helpers/emu-snippet.ts';

const DIR = join(import.meta.dirname, '..', 'test-objects', 'emu-vectors');
const FAMILIES = ['integer', 'shift', 'muldiv', 'bit', 'string', 'sse-int', 'sse-fp', 'x87'];

/** Forms the emulator does not implement (form name -> why). Each appears in its family's test name. */
const EXCLUDED: Record<string, string> = {};

/**
 * Known gaps of the CPU, by form: the part of the state named is not compared (everything else is),
 * and the test name says so. Each gap must still show on at least one vector, so the list shrinks as
 * the CPU improves instead of hiding a fixed form.
 */
interface Gap {
  what: string;
  /** MXCSR bits left out of the comparison. */
  mxcsr?: number;
  /** Data-page bytes left out: offset -> bits ignored. */
  memory?: [number, number][];
  /** Vectors left out entirely (their inputs select what the CPU gets wrong). */
  skip?: (input: SnippetInput) => boolean;
}
const GAPS: Record<string, Gap[]> = {};
const addGap = (forms: string[], g: Gap) => forms.forEach((f) => (GAPS[f] = [...(GAPS[f] ?? []), g]));

/** Forms the CPU gets wrong outright (form name -> what is wrong): run, but counted as not reproduced. */
const WRONG: Record<string, string> = {};

interface Header {
  family: string;
  code: string;
  data: string;
  dataSize: number;
  stack: string;
  stackSize: number;
  gpr: Record<string, string>;
  fl: string;
  mx: string;
  xmm: string[];
  forms: { name: string; asm: string; code: string; fm: string }[];
}
type Regs = Record<string, string>;
interface Vector {
  f: string;
  i: Regs & { m?: [number, string][] };
  o: Regs & { m?: [number, string][] };
  x?: number;
  fm?: string;
  ur?: string[];
  mm?: [number, string][];
}

const GPRS = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

function load(family: string): { header: Header; vectors: Vector[] } {
  const text = gunzipSync(readFileSync(join(DIR, `${family}.jsonl.gz`))).toString('utf8');
  const lines = text.split('\n').filter((l) => l.length > 0);
  const header = (JSON.parse(lines[0]!) as { header: Header }).header;
  return { header, vectors: lines.slice(1).map((l) => JSON.parse(l) as Vector) };
}

function hexBytes(h: string): Uint8Array {
  return Uint8Array.from(Buffer.from(h, 'hex'));
}
/** An xmm value printed most-significant byte first -> 16 bytes little-endian. */
function xmmBytes(h: string): Uint8Array {
  return hexBytes(h.padStart(32, '0')).reverse();
}

function buildInput(h: Header, v: Vector): SnippetInput {
  const form = h.forms.find((f) => f.name === v.f)!;
  const gpr = GPRS.map((r) => BigInt(`0x${v.i[r] ?? h.gpr[r]!}`));
  const data = new Uint8Array(h.dataSize);
  for (const [off, bytes] of v.i.m ?? []) data.set(hexBytes(bytes), off);
  const xmm = h.xmm.map((x, i) => xmmBytes(v.i[`x${i}`] ?? x));
  return {
    codeAddr: BigInt(`0x${h.code}`),
    code: Uint8Array.from([...hexBytes(form.code), 0xcc]), // the snippet, then int3
    dataAddr: BigInt(`0x${h.data}`),
    data,
    stackAddr: BigInt(`0x${h.stack}`),
    stackSize: h.stackSize,
    gpr,
    rflags: 0x202 | parseInt(v.i.fl ?? '0', 16),
    mxcsr: parseInt(v.i.mx ?? h.mx, 16),
    xmm,
  };
}

/** Differences between the emulator's outcome and the vector, as short strings (empty = reproduced). */
function compare(h: Header, v: Vector, input: SnippetInput, got: SnippetOutcome, gaps: Gap[] = []): string[] {
  const form = h.forms.find((f) => f.name === v.f)!;
  if (gaps.some((g) => g.skip?.(input))) return [];
  const bad: string[] = [];
  if (v.x !== undefined) {
    if (got.stop.kind !== 'exception' || got.stop.vector !== v.x) bad.push(`expected exception ${v.x}, got ${describeStop(got)}`);
  } else if (got.stop.kind !== 'breakpoint') {
    bad.push(`expected to reach int3, got ${describeStop(got)}`);
    return bad;
  }
  const undef = new Set(v.ur ?? []);
  GPRS.forEach((r, i) => {
    if (undef.has(r)) return;
    const want = v.o[r] !== undefined ? BigInt(`0x${v.o[r]}`) : input.gpr[i]!;
    if (got.gpr[i] !== want) bad.push(`${r} ${got.gpr[i]!.toString(16)} != ${want.toString(16)}`);
  });
  const fm = parseInt(v.fm ?? form.fm, 16) | 0x400;
  const wantFl = parseInt(v.o.fl!, 16);
  if ((got.rflags & fm) !== (wantFl & fm)) bad.push(`flags ${(got.rflags & fm).toString(16)} != ${(wantFl & fm).toString(16)} (mask ${fm.toString(16)})`);
  const wantMx = v.o.mx !== undefined ? parseInt(v.o.mx, 16) : input.mxcsr;
  const mxMask = ~gaps.reduce((m, g) => m | (g.mxcsr ?? 0), 0);
  if ((got.mxcsr & mxMask) !== (wantMx & mxMask)) bad.push(`mxcsr ${got.mxcsr.toString(16)} != ${wantMx.toString(16)}`);
  for (let i = 0; i < 16; i++) {
    const want = v.o[`x${i}`] !== undefined ? xmmBytes(v.o[`x${i}`]!) : input.xmm[i]!;
    if (Buffer.compare(Buffer.from(got.xmm[i]!), Buffer.from(want)) !== 0) {
      bad.push(`xmm${i} ${Buffer.from(got.xmm[i]!).reverse().toString('hex')} != ${Buffer.from(want).reverse().toString('hex')}`);
    }
  }
  const want = input.data.slice();
  for (const [off, bytes] of v.o.m ?? []) want.set(hexBytes(bytes), off);
  const mask = new Uint8Array(want.length).fill(0xff);
  for (const [off, m] of v.mm ?? []) mask.set(hexBytes(m), off);
  for (const [off, bits] of gaps.flatMap((g) => g.memory ?? [])) mask[off] = mask[off]! & ~bits;
  for (let a = 0; a < want.length; a++) {
    if ((got.data[a]! & mask[a]!) !== (want[a]! & mask[a]!)) {
      bad.push(`memory +0x${a.toString(16)}: ${got.data[a]!.toString(16)} != ${want[a]!.toString(16)}`);
      break;
    }
  }
  return bad;
}

function describeStop(o: SnippetOutcome): string {
  const s = o.stop;
  if (s.kind === 'exception') return `exception ${s.vector} (${s.diagnosis})`;
  if (s.kind === 'unimplemented') return `unimplemented ${s.text}`;
  return s.kind;
}

for (const family of FAMILIES) {
  const { header, vectors } = load(family);
  const names = header.forms.map((f) => f.name);
  const excluded = names.filter((n) => EXCLUDED[n] !== undefined);
  const wrong = names.filter((n) => WRONG[n] !== undefined);
  const gapped = names.filter((n) => GAPS[n] !== undefined);
  const byGap = new Map<string, string[]>();
  for (const n of gapped) for (const g of GAPS[n]!) byGap.set(g.what, [...(byGap.get(g.what) ?? []), n]);
  const parts = [
    excluded.length ? `excluded (not implemented): ${excluded.map((n) => `${n} (${EXCLUDED[n]})`).join(', ')}` : 'no forms excluded',
    ...wrong.map((n) => `known wrong: ${n} (${WRONG[n]})`),
    ...[...byGap].map(([what, ns]) => `not compared, ${what}: ${ns.join(' ')}`),
  ];
  const checked = header.forms.length - excluded.length - wrong.length;
  const run = vectors.filter((v) => EXCLUDED[v.f] === undefined);
  describe(`${family} vectors`, () => {
    it(`${checked} forms, ${run.filter((v) => WRONG[v.f] === undefined).length} vectors reproduced; ${parts.join('; ')}`, () => {
      const failures = new Map<string, { count: number; first: string }>();
      const gapSeen = new Set<string>();
      const wrongSeen = new Set<string>();
      let exact = 0;
      let withGap = 0;
      for (const v of run) {
        const input = buildInput(header, v);
        let strict: string[];
        let loose: string[];
        try {
          const got = runSnippetVector(input);
          strict = compare(header, v, input, got);
          loose = GAPS[v.f] !== undefined && strict.length > 0 ? compare(header, v, input, got, GAPS[v.f]) : strict;
        } catch (e) {
          strict = loose = [`the emulator threw ${String(e)}`];
        }
        if (WRONG[v.f] !== undefined) {
          if (strict.length > 0) wrongSeen.add(v.f);
          continue;
        }
        if (strict.length === 0) exact++;
        else if (loose.length === 0) {
          withGap++;
          gapSeen.add(v.f);
        } else {
          const f = failures.get(v.f);
          if (f) f.count++;
          else failures.set(v.f, { count: 1, first: `${JSON.stringify(v.i)}: ${loose.slice(0, 3).join('; ')}` });
        }
      }
      const report = [...failures].map(([name, f]) => `${name} (${header.forms.find((x) => x.name === name)!.asm}): ${f.count} wrong, e.g. ${f.first}`);
      expect(report).toEqual([]);
      expect(exact + withGap).toBe(run.filter((v) => WRONG[v.f] === undefined).length);
      // The known gaps and wrong forms must still show (fixed ones leave the lists).
      expect(gapped.filter((n) => !gapSeen.has(n)).map((n) => `${n}: gaps "${GAPS[n]!.map((g) => g.what).join('", "')}" no longer seen`)).toEqual([]);
      expect(wrong.filter((n) => !wrongSeen.has(n)).map((n) => `${n}: now reproduced, remove it from WRONG`)).toEqual([]);
    });
  });
}

describe('the vectors on disk', () => {
  it('every family file lists its forms and has vectors for each', () => {
    for (const family of FAMILIES) {
      const { header, vectors } = load(family);
      const seen = new Set(vectors.map((v) => v.f));
      expect(header.forms.filter((f) => !seen.has(f.name)).map((f) => f.name)).toEqual([]);
    }
  });

  it('EXCLUDED, WRONG and GAPS name only forms that exist', () => {
    const all = new Set(FAMILIES.flatMap((f) => load(f).header.forms.map((x) => x.name)));
    expect([...Object.keys(EXCLUDED), ...Object.keys(WRONG), ...Object.keys(GAPS)].filter((n) => !all.has(n))).toEqual([]);
  });

  const haveGcc = spawnSync('gcc', ['--version']).status === 0;
  if (!haveGcc && process.env.CI === 'true') throw new Error('gcc is required in CI to regenerate the vectors');
  it.skipIf(!haveGcc)('regenerating them on this CPU gives the same defined results (skipped when gcc is missing)', () => {
    const out = mkdtempSync(join(tmpdir(), 'ukl-vectors-'));
    try {
      const r = spawnSync('bash', [join(DIR, 'build.sh')], { env: { ...process.env, OUT: out }, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      for (const family of FAMILIES) {
        const mine = load(family);
        const text = gunzipSync(readFileSync(join(out, `${family}.jsonl.gz`))).toString('utf8').split('\n').filter((l) => l);
        const theirs = text.slice(1).map((l) => JSON.parse(l) as Vector);
        expect(theirs.length).toBe(mine.vectors.length);
        // Same inputs; outputs equal under the masks (undefined flags may differ between CPUs).
        const diff: string[] = [];
        theirs.forEach((t, k) => {
          const m = mine.vectors[k]!;
          if (JSON.stringify(t.i) !== JSON.stringify(m.i)) diff.push(`${family}#${k} inputs differ`);
          const fm = parseInt(m.fm ?? mine.header.forms.find((f) => f.name === m.f)!.fm, 16) | 0x400;
          const strip = (o: Regs) => ({ ...o, fl: (parseInt(o.fl!, 16) & fm).toString(16) });
          if (m.ur === undefined && m.mm === undefined && JSON.stringify(strip(t.o)) !== JSON.stringify(strip(m.o))) diff.push(`${family}#${k} (${m.f}) outputs differ`);
        });
        expect(diff.slice(0, 10)).toEqual([]);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
