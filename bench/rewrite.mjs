#!/usr/bin/env node
// Benchmark of the syscall rewriter. Not a test: no assertions, prints a Markdown table.
//
//   node bench/rewrite.mjs [--runs N] [--libc PATH]
//
//  - `ukl-objcopy --rewrite-syscalls libc.a out.a` over the whole system libc.a (goal: under 1 s), also with
//    --rewrite-report and --syscall-direct; `node -e 0` as the start-up floor;
//  - linking hello world: `ukl-ld --rewrite-syscalls` vs plain `ukl-ld` vs GNU ld, each given collect2's
//    exact ld line (captured once with a logging `ld` shim; LTO-plugin options dropped), so only the linker is
//    timed. The first run of each link is checked (the output must print what GNU ld's prints).
// Median wall time of N runs (default 7) and peak RSS (from /usr/bin/time -f %M when installed).
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const opts = { runs: 7, libc: '/usr/lib/x86_64-linux-gnu/libc.a' };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--runs') opts.runs = Number(process.argv[++i]);
  else if (a === '--libc') opts.libc = process.argv[++i];
  else {
    console.error('usage: node bench/rewrite.mjs [--runs N] [--libc PATH]');
    process.exit(2);
  }
}

const ENV = { ...process.env, LC_ALL: 'C' };
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const OBJCOPY = join(ROOT, 'bin', 'ukl-objcopy.js');
const UKL_LD = join(ROOT, 'bin', 'ukl-ld.js');
const NODE = process.execPath;

function run(cmd, args, o = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, env: ENV, ...o });
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmtMs = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
const fmtMb = (kb) => (kb === undefined ? 'n/a' : `${(kb / 1024).toFixed(0)} MB`);

const tmp = mkdtempSync(join(tmpdir(), 'ukl-bench-rewrite-'));

/** Median wall time (and peak RSS) of `cmd args`, run opts.runs times; `check` runs after the first. */
function measure(cmd, args, check) {
  const walls = [];
  const rss = [];
  const tf = join(tmp, 'time.txt');
  for (let i = 0; i < opts.runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = TIME ? run(TIME, ['-f', '%M', '-o', tf, cmd, ...args]) : run(cmd, args);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) return { error: `${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr.split('\n').slice(0, 3).join(' | ')}` };
    if (i === 0 && check) {
      const problem = check();
      if (problem) return { error: problem };
    }
    walls.push(ms);
    if (TIME) rss.push(Number(readFileSync(tf, 'utf8').trim().split('\n').pop()));
  }
  return { ms: median(walls), rssKb: rss.length ? median(rss) : undefined };
}

const rows = [];
function row(what, m, note = '') {
  rows.push({ what, m, note });
  process.stderr.write(`${what}: ${m.error ?? `${fmtMs(m.ms)} ${fmtMb(m.rssKb)}`}\n`);
}

// ------------------------------------------------------------------------------------------------
// ukl-objcopy over libc.a

const out = join(tmp, 'out.a');
const report = join(tmp, 'report.json');
let summary;
row('`node -e 0` (start-up floor)', measure(NODE, ['-e', '0']));
row('`ukl-objcopy --rewrite-syscalls libc.a out.a`', measure(NODE, [OBJCOPY, '--rewrite-syscalls', opts.libc, out]));
row(
  '`… --rewrite-report=r.json`',
  measure(NODE, [OBJCOPY, '--rewrite-syscalls', opts.libc, out, `--rewrite-report=${report}`], () => {
    summary = JSON.parse(readFileSync(report, 'utf8')).summary;
    return undefined;
  }),
);
row('`… --syscall-direct`', measure(NODE, [OBJCOPY, '--rewrite-syscalls', '--syscall-direct', opts.libc, out]));
row('GNU `objcopy libc.a out.a` (plain copy, for scale)', measure('objcopy', [opts.libc, join(tmp, 'copy.a')]));

// ------------------------------------------------------------------------------------------------
// hello world: ukl-ld --rewrite-syscalls vs ukl-ld vs GNU ld, with collect2's exact ld line

const dir = join(tmp, 'hello');
mkdirSync(dir);
writeFileSync(join(dir, 'hello.c'), '#include <stdio.h>\nint main(void) { printf("hello, world\\n"); return 0; }\n');
const obj = join(dir, 'hello.o');
const cc = run('gcc', ['-O2', '-c', join(dir, 'hello.c'), '-o', obj]);
if (cc.status !== 0) throw new Error(`gcc -c: ${cc.stderr}`);
const shim = join(tmp, 'shim');
mkdirSync(shim);
writeFileSync(join(shim, 'ld'), `#!/bin/sh\nprintf '%s\\0' "$@" > "$UKL_BENCH_LOG"\nexec /usr/bin/ld "$@"\n`);
chmodSync(join(shim, 'ld'), 0o755);
const log = join(dir, 'ld.args');
const cap = run('gcc', ['-B', `${shim}/`, '-static', obj, '-o', join(dir, 'ref')], { env: { ...ENV, UKL_BENCH_LOG: log } });
if (cap.status !== 0) throw new Error(`gcc -static: ${cap.stderr}`);
const raw = readFileSync(log, 'utf8').split('\0').slice(0, -1);
const ldArgs = [];
for (let i = 0; i < raw.length; i++) {
  if (raw[i] === '-plugin') { i++; continue; }
  if (raw[i].startsWith('-plugin-opt=') || raw[i] === `-L${shim}`) continue;
  ldArgs.push(raw[i]);
}
const withOut = (o) => {
  const a = [...ldArgs];
  a[a.indexOf('-o') + 1] = o;
  return a;
};
const refOut = run(join(dir, 'ref'), []).stdout;
const checkRun = (exe, rewritten) => () => {
  const r = run(exe, []);
  if (r.status !== 0 || r.stdout !== refOut) return `${exe}: exit ${r.status ?? r.signal}, stdout ${JSON.stringify(r.stdout)}`;
  if (rewritten && !/call\s+[0-9a-f]+ <__ukl_syscall>/.test(run('objdump', ['-d', exe]).stdout)) return `${exe}: no call to __ukl_syscall`;
  return undefined;
};
const links = {
  gnu: measure('/usr/bin/ld', withOut(join(dir, 'gnu')), checkRun(join(dir, 'gnu'), false)),
  ukl: measure(NODE, [UKL_LD, ...withOut(join(dir, 'ukl'))], checkRun(join(dir, 'ukl'), false)),
  rewrite: measure(NODE, [UKL_LD, '--rewrite-syscalls', ...withOut(join(dir, 'rw'))], checkRun(join(dir, 'rw'), true)),
};
row('hello: GNU ld', links.gnu);
row('hello: `ukl-ld`', links.ukl);
row('hello: `ukl-ld --rewrite-syscalls`', links.rewrite, links.rewrite.ms && links.ukl.ms ? `+${fmtMs(links.rewrite.ms - links.ukl.ms)} over plain ukl-ld` : '');

// ------------------------------------------------------------------------------------------------

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`## Syscall rewriting (median of ${opts.runs} runs; peak RSS from /usr/bin/time -f %M${TIME ? '' : ' — not installed, n/a'})\n`);
console.log(`${cpus().length} vCPU (${cpu}), Node ${process.version}; ${opts.libc}${summary ? `: ${summary.sites} syscall sites, ${summary.rewritten} rewritten, ${summary.left} left` : ''}.\n`);
console.log('| what | time | peak RSS | note |');
console.log('|---|---:|---:|---|');
for (const r of rows) console.log(`| ${r.what} | ${r.m.error ? 'failed' : fmtMs(r.m.ms)} | ${r.m.error ? '' : fmtMb(r.m.rssKb)} | ${r.m.error ?? r.note} |`);
const objc = rows.find((r) => r.what.startsWith('`ukl-objcopy'));
if (objc?.m.ms !== undefined) console.log(`\nGoal for ukl-objcopy over libc.a: < 1 s — ${objc.m.ms < 1000 ? 'met' : 'not met'} (${fmtMs(objc.m.ms)}).`);
rmSync(tmp, { recursive: true, force: true });
