// The hosted differential run of the syscall rewriter: rewritten programs must behave exactly like the
// originals when the entry simply performs the real system call.
//
// Programs: the link corpus (tests/link-corpus/programs.json, the O2 variant of each by default), the
// committed test objects (test-objects/programs.json, with their recorded outputs) and the rewriter's own
// corpus (tests/relink-corpus/programs.json: signals with handlers, nested signals, sigaltstack and
// longjmp out of it through glibc's ____longjmp_chk, threads, clone/clone3, posix_spawn, vfork, fork,
// pthread cancellation (also with -fexceptions cleanups), C++ exceptions thrown out of a signal handler
// through an interrupted syscall, ucontext switches, the register and flags contract). Each is linked three ways:
//   (a) `gcc -static …`                                          GNU ld, the reference;
//   (b) `gcc -static -B gcc-ld/ -Wl,--rewrite-syscalls …`          ukl-ld rewrites every input object and adds
//                                                                  its built-in hosted entry;
//   (c) `gcc -static -L <dir> <rewritten objects> hosted.o …`      GNU ld, with the program's objects and
//       libc.a rewritten by `ukl-objcopy --rewrite-syscalls` (libc.a once per run, as <dir>/libc.a) and the
//       entry object from `ukl-objcopy --hosted-entry`. Only libc.a among the libraries: the others have no
//       syscall instruction (checked below with objdump).
// All three run with the same argv, environment and stdin and must give the same stdout, stderr, exit
// status (and signal); the reference must return what the manifest promises (and, for the test objects,
// print the recorded stdout). (b) and (c) must really be rewritten: `objdump -d` of the output may show
// `syscall` only at the sites the reports say were left and inside the entry, every rewritten site must be
// `lea -0x80(%rsp),%rsp; call <entry>; lea 0x80(%rsp),%rsp` (b: at the address its report gives), the
// number of calls to the entry must equal the number of rewritten sites linked, and the unwinder must be
// able to find the entry's FDE (before the .eh_frame ZERO terminator), since signals and cancellation
// unwind through it. With strace installed, every thread and process of (b) and (c) must make the same
// system calls as (a), with the same arguments and results, in the same order (strace -ff under setarch -R;
// addresses, ids and the executable's path normalised; for programs whose two reference runs agree).
//
// Environment:
//   UKL_RELINK_VARIANTS=O2,O0,...  variants of the link corpus to run (default O2; 'all' = every variant the
//                                  manifest lists). The relink corpus always runs its own variants.
//   UKL_KEEP_TMP=1                 keep the temp dir (objects, the three outputs, reports) and print it.
// Needs: gcc, g++, binutils (objdump, readelf, nm, GNU ld), libc6-dev, libstdc++-12-dev, zlib1g-dev; strace and
// setarch for the strace comparison (skipped visibly without them, and failed under CI=true).
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GCC_LD_DIR,
  PARALLEL,
  Pool,
  ROOT,
  TOOL_ENV,
  commandExists,
  compile,
  describeExec,
  driverFor,
  exec,
  VARIANTS,
  loadCorpus,
  programCflags,
  type CorpusProgram,
  type ExecResult,
  lazyCases,
} from './helpers/link.ts';
import { lacking } from './helpers/tools.ts';
import {
  ENTRY,
  callTarget,
  callsEntry,
  covers,
  isRedZoneBack,
  isRedZoneSkip,
  isSyscall,
  commandTimes,
  noteTime,
  objcopy,
  objdump,
  parseFrames,
  parseObjdump,
  readReport,
  symbolValues,
  tracedMembers,
  type FrameTable,
  type Insn,
  type Report,
  type ReportSite,
} from './helpers/relink.ts';

const LIBC_A = '/usr/lib/x86_64-linux-gnu/libc.a';
const TEST_OBJECTS = join(ROOT, 'test-objects');
const RELINK_CORPUS = join(ROOT, 'tests', 'relink-corpus');

const linkCorpus = loadCorpus();
const relinkCorpus = JSON.parse(readFileSync(join(RELINK_CORPUS, 'programs.json'), 'utf8')) as { programs: CorpusProgram[] };
interface TestObjectProgram {
  name: string;
  objects: string[];
  driver: string;
  ldflags: string[];
  exitStatus: number;
  stdout: string;
}
const testObjects = JSON.parse(readFileSync(join(TEST_OBJECTS, 'programs.json'), 'utf8')) as { programs: TestObjectProgram[] };

const tmp = mkdtempSync(join(tmpdir(), 'ukl-relink-hosted-'));
const pool = new Pool(PARALLEL);

// ------------------------------------------------------------------------------------------------
// Cases

interface Case {
  key: string;
  /** Objects to link, in order (compiled on demand for corpus programs). */
  objects: () => Promise<string[]>;
  driver: string;
  /** Link flags before the objects and libraries after them. */
  ldflags: string[];
  libs: string[];
  run: { args: string[]; env: Record<string, string>; stdin: string; argv0: string };
  exit: number;
  stdout?: string;
}

const D = linkCorpus.defaults;
const wanted = (process.env.UKL_RELINK_VARIANTS ?? 'O2').split(',');
const runOf = (p: CorpusProgram) => ({ args: p.args ?? D.args, env: { ...D.env, ...p.env }, stdin: p.stdin ?? D.stdin, argv0: p.name });

function corpusCase(p: CorpusProgram, variant: string, prefix: string, srcDir: string): Case {
  const key = `${prefix}${p.name}.${variant}`;
  const dir = join(tmp, key);
  let objs: Promise<string[]> | undefined;
  // compile() takes sources relative to the link corpus directory
  const rel = srcDir === join(ROOT, 'tests', 'link-corpus') ? p.sources : p.sources.map((s) => join('..', basename(srcDir), s));
  return {
    key,
    objects: () => (objs ??= compile(rel, programCflags(p, variant), dir, pool)),
    driver: driverFor(p.sources),
    ldflags: ['-static', ...VARIANTS[variant].ldflags, ...(p.ldflags ?? [])],
    libs: p.libs ?? [],
    run: runOf(p),
    exit: p.exit,
  };
}

const cases: Case[] = [
  ...linkCorpus.programs.flatMap((p) => {
    const vs = p.variants ?? D.variants;
    const chosen = wanted.includes('all') ? vs : vs.filter((v) => wanted.includes(v));
    return (chosen.length ? chosen : ['O2']).map((v) => corpusCase(p, v, 'link-corpus/', join(ROOT, 'tests', 'link-corpus')));
  }),
  ...relinkCorpus.programs.flatMap((p) => (p.variants ?? ['O2']).map((v) => corpusCase(p, v, 'relink-corpus/', RELINK_CORPUS))),
  ...testObjects.programs.map((p): Case => ({
    key: `test-objects/${p.name}`,
    objects: async () => p.objects.map((o) => join(TEST_OBJECTS, o)),
    driver: p.driver,
    ldflags: ['-static', ...p.ldflags],
    libs: [],
    // recorded without arguments (abs-reloc-* derive an index from argc)
    run: { args: [], env: D.env, stdin: '', argv0: p.name },
    exit: p.exitStatus,
    stdout: p.stdout,
  })),
];

// ------------------------------------------------------------------------------------------------
// The rewritten libc.a and the hosted entry, once per run

interface RewrittenLibc {
  dir: string;
  archive: string;
  hosted: string;
  report: Report;
}
let libcPromise: Promise<RewrittenLibc> | undefined;
function rewrittenLibc(): Promise<RewrittenLibc> {
  return (libcPromise ??= (async () => {
    const dir = join(tmp, 'libc-ukl');
    mkdirSync(dir, { recursive: true });
    const archive = join(dir, 'libc.a');
    const hosted = join(dir, 'hosted.o');
    await Promise.all([
      objcopy(['--rewrite-syscalls', LIBC_A, archive, `--rewrite-report=${join(dir, 'libc.json')}`], pool),
      objcopy(['--hosted-entry', hosted], pool),
    ]);
    return { dir, archive, hosted, report: readReport(join(dir, 'libc.json')) };
  })());
}

// ------------------------------------------------------------------------------------------------
// Linking, running, inspecting

interface Side {
  out: string;
  link: ExecResult;
  run?: ExecResult;
  /** What the checks of the rewritten output found wrong (b and c). */
  problems?: string[];
  /** Why the unwinder cannot find the entry's FDE, or '' (b and c). */
  fde?: string;
}
interface CaseResult {
  dir: string;
  a: Side;
  b: Side & { report?: Report };
  c: Side & { reports: Report[]; libc: RewrittenLibc; members: Set<string> };
  /** strace -ff of every thread: '' when (b) and (c) make the reference's system calls (with arguments)
   * in its order, 'unstable' when two runs of the reference differ, else the first difference. */
  strace?: string;
}

const NO_STRACE = lacking('strace', 'setarch');
const HAVE_STRACE = NO_STRACE === '';

/**
 * The system calls of every thread and process, with their arguments and results (strace -ff: one log per
 * thread, so no interleaving; setarch -R: the same address-space layout each run; each executable run
 * from the same path). Normalised so that only what the program asked for is compared: addresses (hex;
 * the three links lay out differently, and so the RELRO mprotect's length), the executable's path, thread
 * and process ids (numbered in creation order; the parent's is strace's), getrandom's bytes, sysinfo's
 * figures, the munmaps that trim a new malloc arena's reservation (withoutArenaTrims), futex calls (whether a
 * thread waits depends on scheduling) and SIGCHLD deliveries (asynchronous) are left out. One string per
 * thread, sorted.
 */
async function straceThreads(c: Case, built: string, dir: string, tag: string): Promise<string[] | undefined> {
  const prefix = `strace.${tag}`;
  // the runs of one case are sequential: one path for all, so argv[0] and /proc/self/exe are the same
  const exe = join(dir, 'strace-prog');
  copyFileSync(built, exe);
  const r = await pool.run(async () =>
    noteTime('strace', await exec('setarch', ['-R', 'strace', '-ff', '-qq', '-s', '256', '-o', join(dir, prefix), exe, ...c.run.args], { cwd: dir, env: c.run.env, input: c.run.stdin, timeoutMs: 20_000 })),
  );
  if (r.signal) return undefined;
  const logs = readdirSync(dir)
    .filter((f) => f.startsWith(`${prefix}.`) && /^\d+$/.test(f.slice(prefix.length + 1)))
    .map((f) => ({ f, pid: Number(f.slice(prefix.length + 1)) }))
    .sort((x, y) => x.pid - y.pid);
  if (logs.length === 0) return undefined;
  const ids = new Map(logs.map((l, k) => [String(l.pid), `TID${k}`]));
  const idRe = new RegExp(`\\b(${[...ids.keys()].join('|')})\\b`, 'g');
  return logs
    .map(({ f }) =>
      withoutArenaTrims(readFileSync(join(dir, f), 'utf8')
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('futex(') && !l.startsWith('--- SIGCHLD '))
        .map((l) =>
          l
            .split(exe).join('EXE')
            .replace(idRe, (m) => ids.get(m)!)
            .replace(/0x[0-9a-f]+/g, '0x?')
            .replace(/^(getrandom\()"[^"]*"/, '$1"?"')
            .replace(/^getppid\(\)(\s+)= \d+/, 'getppid()$1= PPID')
            .replace(/^sysinfo\(\{.*\}\)/, 'sysinfo({...})')
            // clone3's parent_tid is the thread's tid word, which the child clears when it exits
            // (CLONE_CHILD_CLEARTID): strace shows TID or 0 depending on whether the child has ended yet.
            .replace(/=> \{parent_tid=\[\w+\]\}/, '=> {parent_tid=[?]}')
            .replace(/^mprotect\(0x\?, \d+, PROT_READ\)/, 'mprotect(0x?, N, PROT_READ)')
            .replace(/\s+= /, ' = '),
        ))
        .join('\n'),
    )
    .sort();
}

/**
 * malloc's per-thread arenas: glibc reserves twice HEAP_MAX_SIZE with PROT_NONE and unmaps the parts that
 * are not HEAP_MAX_SIZE-aligned: one or two munmaps, of lengths that follow the reservation's address
 * (like the RELRO mprotect's length). Those munmaps are left out; every other munmap is compared.
 */
function withoutArenaTrims(lines: string[]): string[] {
  const out: string[] = [];
  let afterReserve = false;
  for (const l of lines) {
    if (afterReserve && l.startsWith('munmap(')) continue;
    afterReserve = /^mmap\(NULL, \d+, PROT_NONE, MAP_PRIVATE\|MAP_ANONYMOUS\|MAP_NORESERVE, -1, 0\)/.test(l);
    out.push(l);
  }
  return out;
}

/** Where one run's threads differ from the reference's, or '' when they agree. */
function straceDifference(tag: string, got: string[] | undefined, ref: string[]): string {
  if (!got) return `(${tag}): strace failed`;
  if (got.length !== ref.length) return `(${tag}): ${got.length} threads/processes, GNU ld's output ${ref.length}`;
  for (let t = 0; t < got.length; t++) {
    const want = ref[t]!.split('\n');
    const have = got[t]!.split('\n');
    const k = want.findIndex((l, i) => have[i] !== l);
    if (k >= 0 || have.length !== want.length) {
      const at = k >= 0 ? k : Math.min(have.length, want.length);
      return `(${tag}) thread/process ${t} differs from GNU ld's output at system call #${at}:\n  want ${want[at]}\n  got  ${have[at]}`;
    }
  }
  return '';
}

/** Runs of (b) and (c) per case: a threaded program's calls can follow its scheduling even when GNU ld's
 * output ran the same way twice, so a run that differs is tried again; a difference the link causes shows
 * in every run. */
const STRACE_TRIES = 3;

async function compareStrace(c: Case, r: CaseResult): Promise<string | undefined> {
  if (!HAVE_STRACE || r.a.run?.status !== c.exit || r.b.link.status !== 0 || r.c.link.status !== 0) return undefined;
  const ref1 = await straceThreads(c, r.a.out, r.dir, 'a1');
  const ref2 = await straceThreads(c, r.a.out, r.dir, 'a2');
  // two runs of GNU ld's output that differ (timing, scheduling): nothing to compare against
  if (!ref1 || !ref2 || ref1.join('\0') !== ref2.join('\0')) return 'unstable';
  for (const [tag, out] of [['b', r.b.out], ['c', r.c.out]] as const) {
    let diff = '';
    for (let k = 0; k < STRACE_TRIES; k++) {
      // each try writes its own logs (strace.b, strace.b1, ...): straceThreads reads every log of its prefix
      diff = straceDifference(tag, await straceThreads(c, out, r.dir, k === 0 ? tag : `${tag}${k}`), ref1);
      if (diff === '' || ref1.length === 1) break; // one thread: no scheduling to blame
    }
    if (diff) return diff;
  }
  return '';
}

const hex = (n: number) => `0x${n.toString(16)}`;
const where = (i: Insn) => `${hex(i.addr)} <${i.func}+${hex(i.addr - i.funcAddr)}>`;

/** Is this instruction in the entry function(s) `__ukl_syscall…` (whose syscall is the real one)? */
const inEntry = (i: Insn): boolean => i.func === ENTRY || i.func.startsWith(`${ENTRY}_`);

/** The instructions the checks need (the outputs are big: keeping every instruction of every case costs GBs). */
const interesting = (t: string): boolean => t === 'syscall' || t === 'lea -0x80(%rsp),%rsp' || t === 'lea 0x80(%rsp),%rsp' || /^call [0-9a-f]+ <__ukl_syscall/.test(t);

interface Listing {
  insns: Insn[];
  byAddr: Map<number, Insn>;
  byOrd: Map<number, Insn>;
  syms: Map<string, number[]>;
  frames: FrameTable;
}

/** Is the instruction at `at` the start of lea -0x80; call <entry>; lea 0x80? Returns the problem, or ''. */
function sequenceProblem(l: Listing, at: number, entry: string | null): string {
  const i = l.byAddr.get(at);
  if (!i) return `no lea -0x80(%rsp),%rsp starts at ${hex(at)}`;
  const call = l.byOrd.get(i.ord + 1);
  const back = l.byOrd.get(i.ord + 2);
  const ok = isRedZoneSkip(i) && call !== undefined && callTarget(call) === (entry ?? ENTRY) && back !== undefined && isRedZoneBack(back);
  return ok ? '' : `at ${where(i)}: ${[i, call, back].map((x) => x?.text ?? '(other instruction)').join('; ')}`;
}

/** Why the unwinder cannot find the entry's FDE (signals and cancellation unwind through it), or ''. */
function entryFdeProblem(l: Listing): string {
  const addrs = l.syms.get(ENTRY) ?? [];
  if (addrs.length === 0) return `${ENTRY} is not defined`;
  for (const a of addrs) {
    if (covers(l.frames.reachable, a)) continue;
    return covers(l.frames.unreachable, a)
      ? `the FDE of ${ENTRY} (${hex(a)}) lies after the .eh_frame ZERO terminator (crtend.o's), where libgcc's unwinder never looks`
      : `no FDE covers ${ENTRY} (${hex(a)})`;
  }
  return '';
}

/** (b): the report gives every site's address: left sites stay `syscall`, rewritten ones are the sequence. */
function checkB(l: Listing, rep: Report): string[] {
  const problems: string[] = [];
  const linked = rep.sites.filter((s) => s.address !== undefined);
  const left = new Set(linked.filter((s) => s.status === 'left').map((s) => parseInt(s.address!, 16)));
  const syscalls = l.insns.filter((i) => isSyscall(i) && !inEntry(i));
  for (const i of syscalls) if (!left.has(i.addr)) problems.push(`syscall the report does not list as left: ${where(i)}`);
  if (syscalls.length > left.size) problems.push(`${syscalls.length} syscall instructions outside the entry, ${left.size} sites left`);
  let rewritten = 0;
  for (const s of linked) {
    const what = `${s.member ?? s.file} <${s.symbol}+${hex(s.symbolOffset)}> at ${s.address}`;
    const at = parseInt(s.address!, 16);
    if (s.status === 'left') {
      // objdump shows a left site as `syscall`, unless it lies in a data object objdump does not decode
      // (see the data-in-text test below); it must not look rewritten
      if (l.byAddr.get(at) && isRedZoneSkip(l.byAddr.get(at)!)) problems.push(`left site ${what} looks rewritten`);
      if (!s.reason) problems.push(`left site ${what} has no reason`);
    } else {
      rewritten++;
      const p = sequenceProblem(l, at, s.entry);
      if (p) problems.push(`rewritten site ${what}: ${p}`);
    }
  }
  const calls = l.insns.filter((i) => callsEntry(i)).length;
  if (calls !== rewritten) problems.push(`${calls} calls to the entry, ${rewritten} rewritten sites linked`);
  if (calls === 0) problems.push(`no call to ${ENTRY}`);
  return problems;
}

/** (c): sites from the objects' reports and the libc.a members GNU ld loaded. */
function checkC(l: Listing, reports: Report[], libc: RewrittenLibc, members: Set<string>, gc: boolean): string[] {
  const problems: string[] = [];
  if (members.size === 0) problems.push('GNU ld loaded no member of the rewritten libc.a (-t -t)');
  const sites: ReportSite[] = [...reports.flatMap((r) => r.sites), ...libc.report.sites.filter((s) => members.has(s.member!))];
  const left = sites.filter((s) => s.status === 'left');
  const rewritten = sites.filter((s) => s.status === 'rewritten');
  for (const s of left) if (!s.reason) problems.push(`left site without a reason: ${JSON.stringify(s)}`);
  // Every syscall left in the output must be in a function the reports name for a left site (by address:
  // aliases share one, and objdump labels the function with only one of their names), and there may be
  // no more of them than the reports leave.
  const namesAt = new Map<number, Set<string>>();
  for (const [name, values] of l.syms) for (const v of values) (namesAt.get(v) ?? namesAt.set(v, new Set()).get(v)!).add(name);
  const leftNames = new Set(left.map((s) => s.symbol ?? ''));
  const syscalls = l.insns.filter((i) => isSyscall(i) && !inEntry(i));
  for (const i of syscalls) {
    if (![...(namesAt.get(i.funcAddr) ?? [i.func])].some((n) => leftNames.has(n))) problems.push(`syscall in a function without a left site: ${where(i)}`);
  }
  if (syscalls.length > left.length) problems.push(`${syscalls.length} syscall instructions outside the entry, ${left.length} sites left`);
  const sequences = l.insns.filter((i) => isRedZoneSkip(i) && !sequenceProblem(l, i.addr, null)).length;
  const calls = l.insns.filter((i) => callsEntry(i)).length;
  // (with --gc-sections GNU ld may drop sections of the members it loaded, and their sites with them)
  const differ = gc ? (n: number) => n > rewritten.length : (n: number) => n !== rewritten.length;
  if (differ(calls)) problems.push(`${calls} calls to the entry, ${rewritten.length} rewritten sites linked${gc ? ' (at most)' : ''}`);
  if (differ(sequences)) problems.push(`${sequences} lea -0x80/call/lea 0x80 sequences, ${rewritten.length} rewritten sites linked${gc ? ' (at most)' : ''}`);
  if (calls === 0) problems.push(`no call to ${ENTRY}`);
  return problems;
}

function runProgram(c: Case, exe: string, cwd: string): Promise<ExecResult> {
  return pool.run(async () => noteTime('run', await exec(exe, c.run.args, { cwd, env: c.run.env, input: c.run.stdin, argv0: c.run.argv0, timeoutMs: 20_000 })));
}

/** objdump -d, readelf --debug-dump=frames and nm of an output, then `check` on them; keeps only the verdicts. */
async function inspect(side: Side, check: (l: Listing) => string[]): Promise<void> {
  const [d, f, syms] = await Promise.all([
    objdump(side.out, pool),
    pool.run(async () => noteTime('readelf', await exec('readelf', ['--debug-dump=frames', side.out], { timeoutMs: 120_000 }))),
    symbolValues(side.out, pool),
  ]);
  const insns = parseObjdump(d, interesting);
  const l: Listing = { insns, byAddr: new Map(insns.map((i) => [i.addr, i])), byOrd: new Map(insns.map((i) => [i.ord, i])), syms, frames: parseFrames(f.stdout) };
  side.problems = check(l);
  side.fde = entryFdeProblem(l);
}

async function link(c: Case, dir: string, name: string, extraFirst: string[], objs: string[], env = TOOL_ENV): Promise<Side> {
  const out = join(dir, name);
  const args = [...extraFirst, ...c.ldflags, ...objs, ...c.libs, '-o', out];
  const r = noteTime(`link (${name.charAt(0)})`, await pool.run(() => exec(c.driver, args, { cwd: dir, env, timeoutMs: 300_000 })));
  return { out, link: r };
}

async function runCase(c: Case): Promise<CaseResult> {
  const dir = join(tmp, c.key);
  mkdirSync(dir, { recursive: true });
  const objs = await c.objects();
  const libcP = rewrittenLibc();

  const sideA = (async () => {
    const s = await link(c, dir, 'a.out.gnu', [], objs);
    if (s.link.status === 0) s.run = await runProgram(c, s.out, dir);
    return s;
  })();

  const bReport = join(dir, 'b.report.json');
  const sideB = (async () => {
    const s: Side & { report?: Report } = await link(c, dir, 'b.out.ukl-ld', ['-B', `${GCC_LD_DIR}/`, '-Wl,--rewrite-syscalls', `-Wl,--rewrite-report=${bReport}`], objs);
    if (s.link.status !== 0) return s;
    const report = (s.report = readReport(bReport));
    [s.run] = await Promise.all([runProgram(c, s.out, dir), inspect(s, (l) => checkB(l, report))]);
    return s;
  })();

  const sideC = (async () => {
    const libc = await libcP;
    const rdir = join(dir, 'rewritten');
    mkdirSync(rdir, { recursive: true });
    const robjs = objs.map((o) => join(rdir, basename(o)));
    const reports = await Promise.all(
      objs.map(async (o, i) => {
        const rep = `${robjs[i]}.json`;
        await objcopy(['--rewrite-syscalls', o, robjs[i], `--rewrite-report=${rep}`], pool);
        return readReport(rep);
      }),
    );
    const s: Side = await link(c, dir, 'c.out.objcopy', [`-L${libc.dir}`, '-Wl,-t,-t'], [...robjs, libc.hosted]);
    const members = tracedMembers(s.link.stdout, libc.archive);
    const side = { ...s, reports, libc, members };
    if (s.link.status === 0) [side.run] = await Promise.all([runProgram(c, s.out, dir), inspect(side, (l) => checkC(l, reports, libc, members, c.ldflags.includes('-Wl,--gc-sections')))]);
    return side;
  })();

  const [a, b, cc] = await Promise.all([sideA, sideB, sideC]);
  const result: CaseResult = { dir, a, b, c: cc };
  result.strace = await compareStrace(c, result);
  return result;
}

const { result: caseResult, must: mustCase } = lazyCases(cases, runCase);

const runView = (r: ExecResult) => ({ status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr });

beforeAll(() => {
  for (const tool of ['gcc', 'g++', 'objdump', 'readelf', 'nm']) if (!commandExists(tool)) throw new Error(`${tool} is not installed`);
  if (!existsSync(join(ROOT, 'dist', 'cli', 'ukl-objcopy.js'))) throw new Error('dist/ is missing: run npm run build');
  void rewrittenLibc();
  for (const c of cases) void caseResult(c.key);
});

afterAll(() => {
  if (process.env.UKL_RELINK_TIMING === '1') {
    for (const [k, v] of [...commandTimes].sort((x, y) => y[1] - x[1])) console.log(`${k.padEnd(16)} ${(v / 1000).toFixed(1).padStart(6)} s`);
  }
  if (process.env.UKL_KEEP_TMP === '1') console.log(`relink-hosted temp dir kept: ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
});

describe('hosted differential run: GNU ld vs ukl-ld --rewrite-syscalls vs GNU ld with ukl-objcopy-rewritten objects and libc.a', () => {
  for (const c of cases) {
    it(c.key, { timeout: 600_000 }, async () => {
      const r = await mustCase(c.key);
      expect(r.a.link.status, `reference link failed:\n${describeExec(r.a.link)}`).toBe(0);
      expect(r.a.run!.status, `reference run (the manifest promises exit ${c.exit}):\n${describeExec(r.a.run!)}`).toBe(c.exit);
      if (c.stdout !== undefined) expect(r.a.run!.stdout, 'reference stdout vs the recorded one').toBe(c.stdout);

      expect(r.b.link.status, `ukl-ld --rewrite-syscalls failed:\n${describeExec(r.b.link)}`).toBe(0);
      expect(runView(r.b.run!), `(b) ukl-ld --rewrite-syscalls: run differs from GNU ld's (${r.dir})`).toEqual(runView(r.a.run!));
      expect(r.c.link.status, `GNU ld with the rewritten objects failed:\n${describeExec(r.c.link)}`).toBe(0);
      expect(runView(r.c.run!), `(c) ukl-objcopy + GNU ld: run differs from GNU ld's (${r.dir})`).toEqual(runView(r.a.run!));

      expect(r.b.problems, `(b) ukl-ld --rewrite-syscalls output vs its report (${r.dir})`).toEqual([]);
      expect(r.c.problems, `(c) GNU ld output vs the ukl-objcopy reports (${r.dir})`).toEqual([]);
    });
  }
});

describe('the unwinder can unwind through the entry', () => {
  // A signal delivered while a thread is inside the entry (blocked in read, nanosleep, futex…) is unwound
  // from there by pthread cancellation (-fexceptions cleanups), by C++ exceptions thrown from signal
  // handlers and by backtrace(): libgcc must find the entry's FDE. In a static executable crtbeginT.o
  // registers .eh_frame from its start and the unwinder stops at the first ZERO terminator (crtend.o's),
  // so the entry's FDE must come before it, as it does when GNU ld links hosted.o among the objects.
  for (const which of ['b', 'c'] as const) {
    it(`(${which}) ${which === 'b' ? 'ukl-ld --rewrite-syscalls (built-in hosted entry)' : 'GNU ld with hosted.o'}: the entry's FDE is before the ZERO terminator in every output`, { timeout: 600_000 }, async () => {
      const problems: string[] = [];
      for (const c of cases) {
        const s = await caseResult(c.key);
        if (!s.ok || s.value[which].link.status !== 0) continue;
        const p = s.value[which].fde;
        if (p) problems.push(`${c.key}: ${p}`);
      }
      expect(problems).toEqual([]);
    });
  }
});

describe('strace: the rewritten programs make the same system calls', () => {
  it.skipIf(!HAVE_STRACE)(`every thread and process of (b) and (c) makes the system calls of GNU ld's output, with the same arguments and results, in its order (strace -ff)${NO_STRACE}`, { timeout: 600_000 }, async () => {
    const problems: string[] = [];
    const unstable: string[] = [];
    let compared = 0;
    let threaded = 0;
    for (const c of cases) {
      const s = await caseResult(c.key);
      if (!s.ok || s.value.strace === undefined) continue;
      if (s.value.strace === 'unstable') {
        unstable.push(c.key);
        continue;
      }
      compared++;
      if (readdirSync(s.value.dir).filter((f) => f.startsWith('strace.a1.')).length > 1) threaded++;
      if (s.value.strace) problems.push(`${c.key} ${s.value.strace}`);
    }
    console.log(`strace: ${compared} cases compared (${threaded} with more than one thread or process); ${unstable.length} whose two reference runs differ: ${unstable.join(' ')}`);
    expect(problems).toEqual([]);
    expect(compared, 'cases compared').toBeGreaterThan(cases.length / 2);
    expect(threaded, 'cases with threads or processes compared').toBeGreaterThan(0);
  });
});

describe('the relink corpus exercises what it claims', () => {
  it('signals_alt.O2: longjmp is __longjmp_chk, and ____longjmp_chk\'s red-zone sigaltstack site is linked and rewritten', async () => {
    const r = await mustCase('relink-corpus/signals_alt.O2');
    const nm = await pool.run(() => exec('nm', [join(r.dir, 'signals_alt.o')]));
    expect(nm.stdout).toMatch(/ U __longjmp_chk$/m);
    const site = r.b.report!.sites.find((s) => s.symbol === '____longjmp_chk');
    expect(site, 'the ____longjmp_chk site in the ukl-ld report').toBeDefined();
    expect(site).toMatchObject({ name: 'sigaltstack', status: 'rewritten' });
    expect(site!.address).toBeDefined();
    expect(r.c.members.has('____longjmp_chk.o'), '(c) links ____longjmp_chk.o').toBe(true);
  });

  it('threads_clone.O2: the program\'s raw clone3 and libc\'s clone/clone3 sites are left, with reasons; the raw exit after it is rewritten', async () => {
    const r = await mustCase('relink-corpus/threads_clone.O2');
    const own = r.c.reports.flatMap((x) => x.sites);
    expect(own.filter((s) => s.name === 'clone3').map((s) => s.status)).toEqual(['left']);
    expect(own.find((s) => s.name === 'exit')?.status).toBe('rewritten');
    const b = r.b.report!.sites;
    for (const n of ['clone', 'clone3']) {
      const libc = b.filter((s) => s.name === n && s.member !== null);
      expect(libc.length, `libc ${n} sites in the ukl-ld report`).toBeGreaterThan(0);
      for (const s of libc) expect(s.status === 'left' && !!s.reason, JSON.stringify(s)).toBe(true);
    }
  });

  it('spawn_fork.O2: vfork is left; posix_spawn\'s clone sites are left', async () => {
    const r = await mustCase('relink-corpus/spawn_fork.O2');
    const b = r.b.report!.sites;
    expect(b.filter((s) => s.name === 'vfork').map((s) => s.status)).toEqual(['left']);
    expect(b.some((s) => s.symbol === '__clone3' && s.status === 'left')).toBe(true);
  });

  it('ucontext.O2: the rt_sigprocmask sites of glibc\'s getcontext/swapcontext/setcontext are linked and rewritten', async () => {
    const r = await mustCase('relink-corpus/ucontext.O2');
    const sites = r.b.report!.sites.filter((s) => /^__(get|swap|set)context$/.test(s.symbol ?? ''));
    expect(sites.map((s) => `${s.symbol} ${s.name} ${s.status}`).sort()).toEqual(['__getcontext rt_sigprocmask rewritten', '__setcontext rt_sigprocmask rewritten', '__swapcontext rt_sigprocmask rewritten']);
  });

  it('regs_preserved: the inline-asm syscall is rewritten in (b) and (c)', async () => {
    for (const v of ['O2', 'O0']) {
      const r = await mustCase(`relink-corpus/regs_preserved.${v}`);
      const own = r.c.reports.flatMap((x) => x.sites);
      expect(own.length, v).toBe(1);
      expect(own[0].status, v).toBe('rewritten');
      expect(r.b.report!.sites.filter((s) => s.member === null && s.status === 'rewritten').length, v).toBe(1);
    }
  });

  it('test-objects/data-in-text: the reports list no syscall site inside the data object dit_table (GNU objdump shows it as data, not instructions)', async () => {
    // data-in-text.o has an 8-byte STT_OBJECT table inside .text whose first bytes are 0f 05. GNU objdump
    // prints an object symbol's bytes as data. The site finder used to decode them as a `syscall` and report
    // a site there (left, with the section's refusal as the reason): one site too many in the report and in
    // `ukl-objdump --syscalls` (fixed in 1cdfb47; this test found it).
    const r = await mustCase('test-objects/data-in-text');
    const own = r.c.reports.flatMap((x) => x.sites);
    expect(own.filter((s) => s.symbol === 'dit_table').map((s) => `${s.section}+0x${s.offset.toString(16)} <${s.symbol}+${s.symbolOffset}>`)).toEqual([]);
    expect(own.map((s) => s.symbol)).toEqual(['dit_getpid']);
  });

  it('test-objects/redzone: the red-zone sites of redzone.o and redzone-main.o are rewritten, not left', async () => {
    const r = await mustCase('test-objects/redzone');
    const own = r.c.reports.flatMap((x) => x.sites);
    expect(own.length).toBeGreaterThanOrEqual(4);
    expect(own.filter((s) => s.status !== 'rewritten')).toEqual([]);
  });
});

describe('libraries other than libc.a need no rewriting', () => {
  it('libstdc++, libsupc++, libgcc, libgcc_eh, libm, libmvec, libpthread, libz and the crt files have no syscall instruction', { timeout: 300_000 }, async () => {
    const names = ['libstdc++.a', 'libsupc++.a', 'libgcc.a', 'libgcc_eh.a', 'libm-2.36.a', 'libmvec.a', 'libpthread.a', 'libz.a', 'crt1.o', 'crti.o', 'crtn.o', 'crtbeginT.o', 'crtend.o'];
    const found = await Promise.all(
      names.map(async (n) => {
        const p = (await exec('gcc', [`-print-file-name=${n}`])).stdout.trim();
        if (!existsSync(p)) return { n, p, missing: true, count: 0 };
        return { n, p, missing: false, count: parseObjdump(await objdump(p, pool)).filter(isSyscall).length };
      }),
    );
    for (const f of found) {
      if (f.missing && f.n.startsWith('libm-')) continue; // another glibc version names it differently
      expect(f.missing, `${f.n} not found (${f.p})`).toBe(false);
      expect(f.count, `${f.p}: syscall instructions`).toBe(0);
    }
  });
});
