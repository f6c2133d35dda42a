// Helpers for the ukl-ld tests that work from the outside (tests/link-diff.test.ts, tests/link-errors.test.ts):
// the link corpus manifest, compiling it with the system gcc/g++, linking through `gcc -static` with GNU ld or
// with ukl-ld behind `gcc -B gcc-ld/`, running the outputs, readelf checks, and capturing collect2's ld line.
//
// UKL_LD_REFERENCE_ONLY=1 makes every "ukl-ld" side use GNU ld instead (through a `gcc -B` shim directory
// whose `ld` execs /usr/bin/ld, or /usr/bin/ld directly). It exists only to validate the harness itself
// while ukl-ld cannot link yet: with it, every test must pass. UKL_LD_SUBSTITUTE=/path/to/ld does the same
// with another linker (ld.gold, ld.lld-16, mold) to see what the harness says about it.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CORPUS_DIR = join(ROOT, 'tests', 'link-corpus');
/** The `gcc -B` directory whose `ld` runs bin/ukl-ld.js. */
export const GCC_LD_DIR = join(ROOT, 'gcc-ld');
export const UKL_LD_JS = join(ROOT, 'bin', 'ukl-ld.js');
export const GNU_LD = '/usr/bin/ld';
export const REFERENCE_ONLY = process.env.UKL_LD_REFERENCE_ONLY === '1';
/**
 * UKL_LD_SUBSTITUTE=/usr/bin/ld.lld-16 (or ld.gold, mold, …): run the "ukl-ld" side with that linker instead
 * (UKL_LD_REFERENCE_ONLY=1 is the same with GNU ld). For validating the harness and for comparing linkers.
 */
export const SUBSTITUTE_LD: string | undefined = process.env.UKL_LD_SUBSTITUTE || (REFERENCE_ONLY ? '/usr/bin/ld' : undefined);
export { IN_CI } from './tools.ts';
export const PARALLEL = Math.max(1, Math.min(availableParallelism(), 4));

/** Environment for compilers and linkers: the caller's, with messages in plain ASCII, and gcc-ld/ld running
 * ukl-ld with this very node. */
export const TOOL_ENV: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C', LANG: 'C', UKL_NODE: process.execPath };

// ------------------------------------------------------------------------------------------------
// Running commands

export interface ExecResult {
  cmd: string;
  args: string[];
  stdout: string;
  stderr: string;
  /** Exit status, or null when killed by a signal. */
  status: number | null;
  signal: string | null;
  ms: number;
}

export interface ExecOptions {
  cwd?: string;
  /** The complete environment (default TOOL_ENV). */
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** argv[0] seen by the program (default: cmd). */
  argv0?: string;
  timeoutMs?: number;
}

/** Run a command asynchronously; never rejects for a non-zero exit (only for a failure to start). */
export function exec(cmd: string, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? TOOL_ENV,
      argv0: opts.argv0,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => {}); // the program may exit without reading its stdin
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({
        cmd,
        args,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        status,
        signal,
        ms: performance.now() - t0,
      });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** A case's outcome, kept whether it failed or not. */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Cases run at most once each, when first asked for by key (tests share them, and a suite may start them
 * all early): `result` gives the outcome, `must` the value or the case's error.
 */
export function lazyCases<C extends { key: string }, R>(cases: readonly C[], run: (c: C) => Promise<R>): { result(key: string): Promise<Settled<R>>; must(key: string): Promise<R> } {
  const pending = new Map<string, Promise<Settled<R>>>();
  const result = (key: string): Promise<Settled<R>> => {
    let p = pending.get(key);
    if (!p) {
      const c = cases.find((x) => x.key === key);
      if (!c) throw new Error(`no case ${key}`);
      p = run(c).then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      );
      pending.set(key, p);
    }
    return p;
  };
  const must = async (key: string): Promise<R> => {
    const s = await result(key);
    if (!s.ok) throw s.error;
    return s.value;
  };
  return { result, must };
}

/** A concurrency limiter: at most `limit` jobs at once, started in submission order. */
export class Pool {
  private active = 0;
  private queue: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.queue.push(r));
    this.active++;
    try {
      return await job();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}

export function commandExists(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
}

/** One line per command for failure messages. */
export function describeExec(r: ExecResult, max = 3000): string {
  const what = `$ ${[r.cmd, ...r.args].join(' ')}\n(exit ${r.status ?? `signal ${r.signal}`})`;
  const s = `${what}\n${r.stderr}${r.stdout ? `\n[stdout]\n${r.stdout}` : ''}`;
  return s.length > max ? `${s.slice(0, max)}\n…(${s.length - max} more characters)` : s;
}

// ------------------------------------------------------------------------------------------------
// The corpus

export interface CorpusDefaults {
  variants: string[];
  args: string[];
  env: Record<string, string>;
  stdin: string;
}

export interface CorpusProgram {
  name: string;
  sources: string[];
  exit: number;
  variants?: string[];
  cflags?: string[];
  ldflags?: string[];
  libs?: string[];
  args?: string[];
  env?: Record<string, string>;
  stdin?: string;
}

export interface Corpus {
  defaults: CorpusDefaults;
  programs: CorpusProgram[];
}

export function loadCorpus(): Corpus {
  return JSON.parse(readFileSync(join(CORPUS_DIR, 'programs.json'), 'utf8')) as Corpus;
}

/** Compile flags per variant, and extra link flags. */
export const VARIANTS: Record<string, { cflags: string[]; ldflags: string[] }> = {
  O0: { cflags: [], ldflags: [] },
  O2: { cflags: ['-O2'], ldflags: [] },
  'fno-pie': { cflags: ['-O2', '-fno-pie'], ldflags: [] },
  fpic: { cflags: ['-O2', '-fPIC'], ldflags: [] },
  gc: { cflags: ['-O2', '-ffunction-sections', '-fdata-sections'], ldflags: ['-Wl,--gc-sections'] },
  g: { cflags: ['-O2', '-g'], ldflags: [] },
  // GOTPCRELX calls and loads (`call *f@GOTPCREL(%rip)`), relaxed to direct calls in a static link
  noplt: { cflags: ['-O2', '-fno-plt'], ldflags: [] },
  // the UKL code model: R_X86_64_32S everywhere (fits because the executable sits below 2 GiB)
  kernel: { cflags: ['-O2', '-mcmodel=kernel', '-mno-red-zone', '-fno-pie'], ldflags: [] },
  // TLS descriptors: GOTPC32_TLSDESC + TLSDESC_CALL, relaxed to local-exec
  tlsdesc: { cflags: ['-O2', '-fPIC', '-mtls-dialect=gnu2'], ldflags: [] },
  // large code model: GOT64, GOTOFF64, GOTPC64, PLTOFF64, PC64
  large: { cflags: ['-O2', '-mcmodel=large'], ldflags: [] },
  // large model PIC: the long TLSGD/TLSLD sequences (movabs __tls_get_addr@PLTOFF) a static link relaxes
  'large-pic': { cflags: ['-O2', '-mcmodel=large', '-fPIC'], ldflags: [] },
};

export function isCxx(sources: string[]): boolean {
  return sources.some((s) => /\.(cc|cpp|cxx|C)$/.test(s));
}

export function driverFor(sources: string[]): string {
  return isCxx(sources) ? 'g++' : 'gcc';
}

export function objectName(source: string): string {
  return basename(source).replace(/\.[^.]+$/, '.o');
}

/** Compile each source to `dir/<name>.o` (in parallel through `pool`); throws with the compiler's output on failure. */
export async function compile(
  sources: string[],
  cflags: string[],
  dir: string,
  pool: Pool,
): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const driver = driverFor(sources);
  return Promise.all(
    sources.map(async (s) => {
      const obj = join(dir, objectName(s));
      const r = await pool.run(() => exec(driver, ['-c', ...cflags, join(CORPUS_DIR, s), '-o', obj], { cwd: dir }));
      if (r.status !== 0) throw new Error(`compiling ${s} failed:\n${describeExec(r)}`);
      return obj;
    }),
  );
}

export function programCflags(p: CorpusProgram, variant: string): string[] {
  const v = VARIANTS[variant];
  if (!v) throw new Error(`unknown variant ${variant} (programs.json, ${p.name})`);
  return [...v.cflags, ...(p.cflags ?? [])];
}

/** Arguments to `gcc`/`g++` that link `objs` statically into `out` (without any -B). */
export function linkDriverArgs(p: CorpusProgram, variant: string, objs: string[], out: string): string[] {
  return ['-static', ...VARIANTS[variant].ldflags, ...(p.ldflags ?? []), ...objs, ...(p.libs ?? []), '-o', out];
}

// ------------------------------------------------------------------------------------------------
// gcc -B directories and the linker under test

/** Write an executable `ld` into `dir` that logs its arguments (NUL-separated, when `log` is given) and execs `target`. */
export function writeLdShim(dir: string, target: string[], log?: string): string {
  mkdirSync(dir, { recursive: true });
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const lines = ['#!/bin/sh'];
  if (log) lines.push(`printf '%s\\0' "$@" > ${q(log)}`);
  lines.push(`exec ${target.map(q).join(' ')} "$@"`);
  const path = join(dir, 'ld');
  writeFileSync(path, `${lines.join('\n')}\n`);
  chmodSync(path, 0o755);
  return dir;
}

/**
 * How `gcc -static -B <bDir>` reaches the linker under test, with a trace: `env(trace)` makes the linker
 * under test write its argument vector (NUL-separated) to `trace`, so a test can prove that collect2 really ran
 * it (and not /usr/bin/ld) and can print the exact `ukl-ld` command to reproduce a failure.
 *  - normally: bDir = gcc-ld/, whose `ld` runs `$UKL_NODE bin/ukl-ld.js ARGS`; UKL_NODE is a tracer script
 *    that logs and execs this node;
 *  - UKL_LD_REFERENCE_ONLY=1 / UKL_LD_SUBSTITUTE: bDir = a shim directory whose `ld` logs and execs GNU ld
 *    (or the substitute).
 */
export interface UnderTest {
  bDir: string;
  env(trace: string): NodeJS.ProcessEnv;
}

export function prepareUnderTest(tmp: string): UnderTest {
  const log = `[ -n "$UKL_TRACE_FILE" ] && printf '%s\\0' "$@" > "$UKL_TRACE_FILE"`;
  if (SUBSTITUTE_LD) {
    const dir = join(tmp, 'substitute-ld');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'ld'), `#!/bin/sh\n${log}\nexec '${SUBSTITUTE_LD}' "$@"\n`);
    chmodSync(join(dir, 'ld'), 0o755);
    return { bDir: `${dir}/`, env: (trace) => ({ ...TOOL_ENV, UKL_TRACE_FILE: trace }) };
  }
  const tracer = join(tmp, 'node-tracer');
  writeFileSync(tracer, `#!/bin/sh\n${log}\nexec '${process.execPath}' "$@"\n`);
  chmodSync(tracer, 0o755);
  return { bDir: `${GCC_LD_DIR}/`, env: (trace) => ({ ...TOOL_ENV, UKL_NODE: tracer, UKL_TRACE_FILE: trace }) };
}

/** The linker arguments recorded in a trace file (without the ukl-ld.js path), or undefined if it was not run. */
export function readTrace(trace: string): string[] | undefined {
  if (!existsSync(trace)) return undefined;
  const args = readFileSync(trace, 'utf8').split('\0').slice(0, -1);
  return args[0] === UKL_LD_JS || args[0]?.endsWith('/bin/ukl-ld.js') ? args.slice(1) : args;
}

/** A shell command line that reruns the linker under test with `args` (for failure messages). */
export function reproduceCommand(args: string[]): string {
  const q = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const { cmd, prefix } = underTestLd();
  return [cmd === process.execPath ? 'node' : cmd, ...prefix, ...args].map(q).join(' ');
}

/** The command line prefix that runs the linker under test directly (`ukl-ld ARGS`). */
export function underTestLd(): { cmd: string; prefix: string[] } {
  return SUBSTITUTE_LD ? { cmd: SUBSTITUTE_LD, prefix: [] } : { cmd: process.execPath, prefix: [UKL_LD_JS] };
}

export function runUnderTestLd(args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const { cmd, prefix } = underTestLd();
  return exec(cmd, [...prefix, ...args], opts);
}

/**
 * Run `driver ARGS` with a -B shim that logs the exact argument vector collect2 hands to `ld` (and then runs
 * GNU ld), and return that vector. gcc 12's collect2 looks in the -B directories for `real-ld`, then
 * `collect-ld`, then `ld` (`ld.bfd`/`ld.gold`/… with -fuse-ld=), then in PATH.
 */
export async function captureCollect2Args(driver: string, args: string[], tmp: string, cwd: string): Promise<string[]> {
  const dir = join(tmp, 'capture-ld');
  const log = join(dir, 'args.bin');
  writeLdShim(dir, [GNU_LD], log);
  const r = await exec(driver, ['-B', `${dir}/`, ...args], { cwd });
  if (r.status !== 0) throw new Error(`capturing the collect2 line failed:\n${describeExec(r)}`);
  const raw = readFileSync(log, 'utf8');
  return raw.split('\0').slice(0, -1);
}

/** Drop the LTO plugin options collect2 adds (a Makefile `LD=ukl-ld` user does not write them). */
export function withoutPluginArgs(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-plugin') {
      i++;
      continue;
    }
    if (args[i].startsWith('-plugin-opt=') || args[i].startsWith('-plugin=') || args[i].startsWith('--plugin')) continue;
    out.push(args[i]);
  }
  return out;
}

/** Replace the value of `-o` in an ld argument vector. */
export function withOutput(args: string[], out: string): string[] {
  const r = [...args];
  const i = r.indexOf('-o');
  if (i < 0) throw new Error('no -o in the link line');
  r[i + 1] = out;
  return r;
}

// ------------------------------------------------------------------------------------------------
// readelf

export interface ReadelfFacts {
  /** Lines with `readelf: Warning` / `readelf: Error` (stdout or stderr) from `readelf -a -W`. */
  problems: string[];
  /** The same from `readelf -w -W` (DWARF and .eh_frame decoding). */
  debugProblems: string[];
  status: number | null;
  elfClass: string;
  type: string;
  machine: string;
  entry: bigint;
  /** Value of `_start` in .symtab, if any (GNU ld keeps it GLOBAL HIDDEN, gold makes it LOCAL). */
  start?: bigint;
  segments: { type: string; flags: string; memsz: bigint; filesz: bigint; align: bigint }[];
}

export async function readelfFacts(file: string): Promise<ReadelfFacts> {
  const [r, w] = await Promise.all([
    exec('readelf', ['-a', '-W', file], { timeoutMs: 60_000 }),
    exec('readelf', ['-w', '-W', file], { timeoutMs: 60_000 }),
  ]);
  const bad = (x: ExecResult) => `${x.stdout}\n${x.stderr}`.split('\n').filter((l) => /readelf: (Warning|Error)/.test(l));
  const problems = bad(r);
  const debugProblems = [...bad(w), ...(w.status === 0 ? [] : [`readelf -w exited ${w.status}`])];
  const field = (name: string) => new RegExp(`^\\s*${name}:\\s*(.*)$`, 'm').exec(r.stdout)?.[1].trim() ?? '';
  const startLine = /^\s*\d+: ([0-9a-f]+)\s+\S+\s+(?:FUNC|NOTYPE)\s+\w+\s+\w+\s+\w+\s+_start$/m.exec(r.stdout);
  const segments: ReadelfFacts['segments'] = [];
  const ph = /^\s{2}(\w+)\s+0x([0-9a-f]+) 0x([0-9a-f]+) 0x([0-9a-f]+) 0x([0-9a-f]+) 0x([0-9a-f]+) (.{3}) 0x([0-9a-f]+)$/gm;
  for (const m of r.stdout.matchAll(ph)) {
    segments.push({ type: m[1], filesz: BigInt(`0x${m[5]}`), memsz: BigInt(`0x${m[6]}`), flags: m[7].trim(), align: BigInt(`0x${m[8]}`) });
  }
  return {
    problems,
    debugProblems,
    status: r.status,
    elfClass: field('Class'),
    type: field('Type'),
    machine: field('Machine'),
    entry: BigInt(field('Entry point address') || '0'),
    start: startLine ? BigInt(`0x${startLine[1]}`) : undefined,
    segments,
  };
}
