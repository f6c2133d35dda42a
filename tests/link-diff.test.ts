// Differential tests of ukl-ld against GNU ld, from the outside.
//
// For every program of tests/link-corpus/programs.json and each of its variants (O0 = default flags, O2,
// fno-pie, fpic, gc, g, noplt, kernel, tlsdesc, large, large-pic: see VARIANTS in tests/helpers/link.ts — they
// select the relocation and relaxation forms a static link meets) the sources are compiled once with the system
// gcc/g++ into a per-run temp dir, then linked twice:
//   (a) `gcc -static …`                  GNU ld, the reference;
//   (b) `gcc -static -B <ROOT>/gcc-ld/ …` collect2 runs gcc-ld/ld, i.e. bin/ukl-ld.js.
// Both outputs are run with the same argv (argv[0] = the program name), environment and stdin, and must give
// the same stdout, stderr, exit status (and signal). The reference must also exit with the status the corpus
// promises. On ukl-ld's output, `readelf -a -W` must print no warning or error (nor `readelf -w -W`, which
// decodes .eh_frame and DWARF, unless it warns on GNU ld's output too); both outputs must be
// ELF64 EXEC x86-64, and ukl-ld's entry point must be `_start`.
// Plus: identical inputs and options linked twice by ukl-ld give byte-identical files; gdb can break at main
// and backtrace in a ukl-ld output (-g); and calling bin/ukl-ld.js directly with the exact ld line collect2
// uses (captured with a logging `ld` shim, LTO-plugin options dropped — as a Makefile `LD=ukl-ld` user would)
// gives a working program.
//
// Environment:
//   UKL_LD_REFERENCE_ONLY=1  side (b) uses GNU ld too (through a -B shim directory): validates this harness
//                            while ukl-ld cannot link yet. Every test must pass in this mode.
//   UKL_LD_SUBSTITUTE=PATH   side (b) uses that linker (/usr/bin/ld.gold, /usr/bin/ld.lld-16, /usr/bin/mold).
//   UKL_KEEP_TMP=1           keep the temp dir (objects, both outputs, ukl-ld argument traces) and print it.
//   CI=true                  the gdb test fails instead of skipping when gdb is missing (apt package: gdb).
// Needs: gcc, g++, binutils (readelf, GNU ld), libc6-dev, libstdc++-12-dev, zlib1g-dev, gdb.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CORPUS_DIR,
  GCC_LD_DIR,
  PARALLEL,
  Pool,
  SUBSTITUTE_LD,
  captureCollect2Args,
  commandExists,
  compile,
  describeExec,
  driverFor,
  exec,
  linkDriverArgs,
  loadCorpus,
  prepareUnderTest,
  programCflags,
  readTrace,
  readelfFacts,
  reproduceCommand,
  runUnderTestLd,
  withOutput,
  withoutPluginArgs,
  type CorpusProgram,
  type ExecResult,
  type ReadelfFacts,
  lazyCases,
} from './helpers/link.ts';
import { lacking } from './helpers/tools.ts';

const corpus = loadCorpus();
const tmp = mkdtempSync(join(tmpdir(), 'ukl-link-diff-'));
const pool = new Pool(PARALLEL);
const underTest = prepareUnderTest(tmp);

interface Side {
  out: string;
  link: ExecResult;
  run?: ExecResult;
  elf?: ReadelfFacts;
}
interface CaseResult {
  dir: string;
  objs: string[];
  ref: Side;
  ukl: Side;
  /** The arguments the linker under test received (undefined if collect2 never ran it). */
  uklArgs?: string[];
}

interface Case {
  p: CorpusProgram;
  variant: string;
  key: string;
}
const cases: Case[] = corpus.programs.flatMap((p) =>
  (p.variants ?? corpus.defaults.variants).map((variant) => ({ p, variant, key: `${p.name}.${variant}` })),
);

function runProgram(exe: string, p: CorpusProgram, cwd: string): Promise<ExecResult> {
  const d = corpus.defaults;
  return pool.run(() =>
    exec(exe, p.args ?? d.args, {
      cwd,
      env: { ...d.env, ...p.env },
      input: p.stdin ?? d.stdin,
      argv0: p.name,
      timeoutMs: 60_000,
    }),
  );
}

/** Link with the driver: reference (GNU ld) or under test (-B gcc-ld/), then readelf and run. */
async function linkAndRun(c: Case, objs: string[], dir: string, which: 'ref' | 'ukl'): Promise<Side & { trace?: string }> {
  const driver = driverFor(c.p.sources);
  const out = join(dir, which);
  const trace = join(dir, 'ukl-ld.args');
  const args = linkDriverArgs(c.p, c.variant, objs, out);
  const link =
    which === 'ref'
      ? await pool.run(() => exec(driver, args, { cwd: dir }))
      : await pool.run(() => exec(driver, ['-B', underTest.bDir, ...args], { cwd: dir, env: underTest.env(trace) }));
  const side: Side & { trace?: string } = { out, link, trace: which === 'ukl' ? trace : undefined };
  if (link.status !== 0 || !existsSync(out)) return side;
  [side.elf, side.run] = await Promise.all([pool.run(() => readelfFacts(out)), runProgram(out, c.p, dir)]);
  return side;
}

async function runCase(c: Case): Promise<CaseResult> {
  const dir = join(tmp, c.key);
  mkdirSync(dir, { recursive: true });
  const objs = await compile(c.p.sources, programCflags(c.p, c.variant), dir, pool);
  const [ref, ukl] = await Promise.all([linkAndRun(c, objs, dir, 'ref'), linkAndRun(c, objs, dir, 'ukl')]);
  return { dir, objs, ref, ukl, uklArgs: readTrace(ukl.trace!) };
}

const { result: caseResult, must: mustCase } = lazyCases(cases, runCase);

function how(r: CaseResult): string {
  return r.uklArgs ? `reproduce: (cd ${r.dir} && ${reproduceCommand(r.uklArgs)})` : 'collect2 never ran the linker under test';
}

function runView(r: ExecResult) {
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function checkElf(elf: ReadelfFacts | undefined, what: string) {
  expect(elf, `${what}: readelf facts`).toBeDefined();
  expect(elf!.status, `${what}: readelf exit status`).toBe(0);
  expect(elf!.problems, `${what}: readelf -a -W warnings/errors`).toEqual([]);
  expect(elf!.elfClass, `${what}: ELF class`).toBe('ELF64');
  expect(elf!.type, `${what}: ELF type`).toMatch(/^EXEC\b/);
  expect(elf!.machine, `${what}: machine`).toBe('Advanced Micro Devices X86-64');
}

beforeAll(() => {
  for (const tool of ['gcc', 'g++', 'readelf']) if (!commandExists(tool)) throw new Error(`${tool} is not installed`);
  if (!SUBSTITUTE_LD && !existsSync(join(CORPUS_DIR, '..', '..', 'bin', 'ukl-ld.js'))) {
    // Keep going: every ukl-ld case fails with collect2's message, which says the same.
    console.warn('bin/ukl-ld.js does not exist yet: every ukl-ld side will fail');
  }
  // Start everything now; the pool runs PARALLEL jobs at a time, in test order.
  for (const c of cases) void caseResult(c.key);
});

afterAll(() => {
  if (process.env.UKL_KEEP_TMP === '1') console.log(`link-diff temp dir kept: ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
});

describe(`link corpus: gcc -static with GNU ld vs ${SUBSTITUTE_LD ? `${SUBSTITUTE_LD} (substitute for ukl-ld)` : 'ukl-ld (gcc -B gcc-ld/)'}`, () => {
  for (const c of cases) {
    it(c.key, { timeout: 600_000 }, async () => {
      const r = await mustCase(c.key);
      // The reference defines what is right; check the corpus against it first.
      expect(r.ref.link.status, `reference link failed:\n${describeExec(r.ref.link)}`).toBe(0);
      checkElf(r.ref.elf, 'GNU ld output');
      expect(r.ref.run?.status, `reference run (programs.json promises exit ${c.p.exit}):\n${describeExec(r.ref.run!)}`).toBe(c.p.exit);

      expect(r.uklArgs, `collect2 did not run the linker under test (${underTest.bDir}ld):\n${describeExec(r.ukl.link)}`).toBeDefined();
      expect(r.ukl.link.status, `link failed:\n${describeExec(r.ukl.link)}\n${how(r)}`).toBe(0);
      if (r.ref.link.stderr === '') expect(r.ukl.link.stderr, `diagnostics where GNU ld printed none\n${how(r)}`).toBe('');
      checkElf(r.ukl.elf, 'ukl-ld output');
      if (r.ref.elf!.debugProblems.length === 0) expect(r.ukl.elf!.debugProblems, 'readelf -w -W (DWARF, .eh_frame) warnings/errors').toEqual([]);
      expect(r.ukl.elf!.start, 'ukl-ld output has _start in .symtab').toBeDefined();
      expect(r.ukl.elf!.entry, 'e_entry == _start').toBe(r.ukl.elf!.start);
      expect(runView(r.ukl.run!), `run of the ukl-ld output differs from GNU ld's\n${how(r)}`).toEqual(runView(r.ref.run!));
    });
  }
});

describe('ukl-ld beyond the corpus', () => {
  it('links identical inputs and options to byte-identical outputs', { timeout: 600_000 }, async () => {
    for (const key of ['cxx_stl.O2', 'tls_threads.fpic', 'init_order.gc']) {
      const r = await mustCase(key);
      const c = cases.find((x) => x.key === key)!;
      const outs: Buffer[] = [];
      for (const sub of ['first', 'second']) {
        const dir = join(r.dir, `determinism-${sub}`);
        mkdirSync(dir, { recursive: true });
        const trace = join(dir, 'ukl-ld.args');
        const args = ['-B', underTest.bDir, ...linkDriverArgs(c.p, c.variant, r.objs, 'prog')];
        const link = await pool.run(() => exec(driverFor(c.p.sources), args, { cwd: dir, env: underTest.env(trace) }));
        expect(link.status, `${key}: ${describeExec(link)}`).toBe(0);
        outs.push(readFileSync(join(dir, 'prog')));
      }
      expect(outs[0].length, `${key}: sizes of the two links`).toBe(outs[1].length);
      const firstDiff = outs[0].findIndex((b, i) => b !== outs[1][i]);
      expect(firstDiff, `${key}: first differing byte offset`).toBe(-1);
    }
  });

  it('gcc-ld/ld works through a symlink (-B pointing at a directory whose ld links to gcc-ld/ld)', { timeout: 300_000 }, async (ctx) => {
    if (SUBSTITUTE_LD) ctx.skip(); // this checks gcc-ld/ld itself
    const r = await mustCase('stdout_noflush.O2');
    const dir = join(tmp, 'symlinked-b');
    mkdirSync(dir, { recursive: true });
    symlinkSync(join(GCC_LD_DIR, 'ld'), join(dir, 'ld'));
    const trace = join(dir, 'ukl-ld.args');
    const link = await exec('gcc', ['-B', `${dir}/`, '-static', ...r.objs, '-o', join(dir, 'prog')], { cwd: dir, env: underTest.env(trace) });
    expect(readTrace(trace), 'the symlinked ld ran ukl-ld').toBeDefined();
    expect(link.status, describeExec(link)).toBe(0);
    const c = cases.find((x) => x.key === 'stdout_noflush.O2')!;
    expect(runView(await runProgram(join(dir, 'prog'), c.p, dir))).toEqual(runView(r.ref.run!));
  });

  const NO_GDB = lacking('gdb');
  it.skipIf(NO_GDB !== '')(`gdb: break main, run, bt on a ukl-ld output built with -g${NO_GDB}`, { timeout: 300_000 }, async () => {
    const dir = join(tmp, 'gdb');
    const objs = await compile(['hello_debug.c'], ['-g', '-O0'], dir, pool);
    const where: Record<string, string> = {};
    for (const which of ['ref', 'ukl'] as const) {
      const out = join(dir, which);
      const b = which === 'ukl' ? ['-B', underTest.bDir] : [];
      const link = await exec('gcc', [...b, '-static', '-g', ...objs, '-o', out], { cwd: dir, env: underTest.env(join(dir, 'ukl-ld.args')) });
      expect(link.status, `${which}: ${describeExec(link)}`).toBe(0);
      expect((await readelfFacts(out)).debugProblems, `${which}: readelf -w -W (DWARF) warnings`).toEqual([]);
      const g = await exec('gdb', ['-nx', '-batch', '-ex', 'break main', '-ex', 'run', '-ex', 'bt', out], {
        cwd: dir,
        timeoutMs: 120_000,
      });
      expect(g.status, `${which}: ${describeExec(g)}`).toBe(0);
      expect(g.stdout, `${which}: gdb output`).toMatch(/^Breakpoint 1, main \(argc=1, argv=0x[0-9a-f]+\) at \S*hello_debug\.c:\d+$/m);
      expect(g.stdout, `${which}: gdb backtrace`).toMatch(/^#0 +main \(argc=1, argv=0x[0-9a-f]+\) at \S*hello_debug\.c:\d+$/m);
      where[which] = /^Breakpoint 1, main .* at (\S+:\d+)$/m.exec(g.stdout)![1];
    }
    expect(where.ukl, 'breakpoint location (file:line) as with GNU ld').toBe(where.ref);
  });

  it('bin/ukl-ld.js called directly with the exact collect2 ld line (C with -lm, C++ with exceptions)', { timeout: 600_000 }, async () => {
    for (const key of ['libm_funcs.O2', 'cxx_exceptions.O2']) {
      const r = await mustCase(key);
      const c = cases.find((x) => x.key === key)!;
      const line = await captureCollect2Args(driverFor(c.p.sources), linkDriverArgs(c.p, c.variant, r.objs, 'captured'), join(r.dir, 'capture'), r.dir);
      // Sanity of the capture: what gcc 12 hands to ld for -static.
      expect(line).toContain('-static');
      expect(line).toContain('--start-group');
      expect(line.some((a) => a.endsWith('/crt1.o')), 'crt1.o in the line').toBe(true);
      const args = withOutput(withoutPluginArgs(line), join(r.dir, 'direct'));
      const link = await runUnderTestLd(args, { cwd: r.dir });
      expect(link.status, `${key}: ${describeExec(link)}\nreproduce: (cd ${r.dir} && ${reproduceCommand(args)})`).toBe(0);
      const run = await runProgram(join(r.dir, 'direct'), c.p, r.dir);
      expect(runView(run), `${key}: direct ukl-ld output vs GNU ld's`).toEqual(runView(r.ref.run!));
    }
  });
});
