#!/usr/bin/env node
// Link-time benchmark: the same static links done by GNU ld (bfd), gold, lld, mold and ukl-ld.
//
//   node bench/link.mjs [--runs N] [--workloads hello,zlib,big] [--linkers bfd,gold,lld,mold,ukl]
//
// Each workload is compiled once (gcc/g++ -O2 -c), then `gcc -static` is run once with a -B shim `ld` that
// logs the exact argument vector collect2 passes; that vector (LTO-plugin options and the shim's own -L
// dropped, -o replaced) is what every linker gets, so the time measured is the linker's alone, not gcc's.
// Per linker: one warm-up link whose output is run and compared with GNU ld's output (a wrong or failed
// link is reported instead of a time), then N timed links under /usr/bin/time -f %M: median wall time and
// median peak RSS. Linkers that are not installed are reported as such. No assertions; prints Markdown.
// Every linker runs with its default thread count (lld and mold are multi-threaded); mold gets --no-fork.
//
// Workloads: hello (C printf), zlib (tests/link-corpus/zlib_roundtrip.c with -lz), big
// (bench/link-inputs/big.cc: libstdc++ iostream/regex/thread + SQLite + libcrypto + libxml2 + ICU + liblzma +
// zlib + libm; needs libsqlite3-dev libssl-dev libxml2-dev libicu-dev liblzma-dev zlib1g-dev).
// Apt packages for all linkers: binutils (ld.bfd, ld.gold), lld-16, mold, time.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const LIBDIR = '/usr/lib/x86_64-linux-gnu';

const opts = { runs: 10, workloads: ['hello', 'zlib', 'big'], linkers: ['bfd', 'gold', 'lld', 'mold', 'ukl'] };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--runs') opts.runs = Number(process.argv[++i]);
  else if (a === '--workloads') opts.workloads = process.argv[++i].split(',');
  else if (a === '--linkers') opts.linkers = process.argv[++i].split(',');
  else {
    console.error(`usage: node bench/link.mjs [--runs N] [--workloads hello,zlib,big] [--linkers bfd,gold,lld,mold,ukl]`);
    process.exit(2);
  }
}

const ENV = { ...process.env, LC_ALL: 'C' };
function run(cmd, args, o = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, env: ENV, ...o });
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}
function which(cmd) {
  const r = run('sh', ['-c', `command -v ${cmd}`]);
  return r.status === 0 ? r.stdout.trim() : undefined;
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const WORKLOADS = {
  hello: { driver: 'gcc', sources: [join(ROOT, 'bench/link-inputs/hello.c')], cflags: [], libs: [], needs: [] },
  zlib: { driver: 'gcc', sources: [join(ROOT, 'tests/link-corpus/zlib_roundtrip.c')], cflags: [], libs: ['-lz'], needs: ['libz.a'] },
  big: {
    driver: 'g++',
    sources: [join(ROOT, 'bench/link-inputs/big.cc')],
    cflags: ['-I/usr/include/libxml2', '-pthread'],
    libs: ['-pthread', '-lxml2', '-licui18n', '-licuuc', '-licudata', '-llzma', '-lsqlite3', '-lcrypto', '-lz', '-lm'],
    needs: ['libxml2.a', 'libicuuc.a', 'libicudata.a', 'liblzma.a', 'libsqlite3.a', 'libcrypto.a', 'libz.a'],
  },
};

const lldPath = which('ld.lld-16') ?? which('ld.lld');
const uklOk = existsSync(join(ROOT, 'bin/ukl-ld.js')) && existsSync(join(ROOT, 'dist/cli/ukl-ld.js'));
const LINKERS = {
  bfd: { name: 'GNU ld (bfd)', cmd: which('ld.bfd'), prefix: [], missing: 'binutils' },
  gold: { name: 'gold', cmd: which('ld.gold'), prefix: [], missing: 'binutils (ld.gold)' },
  lld: { name: lldPath?.endsWith('-16') ? 'lld 16' : 'lld', cmd: lldPath, prefix: [], missing: 'lld-16' },
  // --no-fork: by default mold does the work in a forked child and the parent (the process /usr/bin/time
  // measures) only waits, so its peak RSS would be the parent's few MB.
  mold: { name: 'mold', cmd: which('mold'), prefix: ['--no-fork'], missing: 'mold' },
  ukl: {
    name: 'ukl-ld',
    cmd: uklOk ? process.execPath : undefined,
    prefix: [join(ROOT, 'bin/ukl-ld.js')],
    missing: 'bin/ukl-ld.js or dist/ (npm run build)',
  },
};
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

function version(key) {
  const l = LINKERS[key];
  if (!l.cmd) return 'not installed';
  const r = run(l.cmd, [...l.prefix.filter((a) => a !== '--no-fork'), '--version']);
  return (r.stdout || r.stderr).split('\n')[0].trim();
}

const tmp = mkdtempSync(join(tmpdir(), 'ukl-bench-link-'));
const shimDir = join(tmp, 'shim');
mkdirSync(shimDir);
writeFileSync(join(shimDir, 'ld'), `#!/bin/sh\nprintf '%s\\0' "$@" > "$UKL_BENCH_LOG"\nexec /usr/bin/ld "$@"\n`);
chmodSync(join(shimDir, 'ld'), 0o755);

/** Compile the workload and capture collect2's ld line; returns { args, refStdout, inputs }. */
function prepare(key) {
  const w = WORKLOADS[key];
  const missing = w.needs.filter((f) => !existsSync(join(LIBDIR, f)));
  if (missing.length) return { skip: `missing ${missing.join(', ')}` };
  const dir = join(tmp, key);
  mkdirSync(dir);
  const objs = w.sources.map((s, i) => {
    const o = join(dir, `in${i}.o`);
    const r = run(w.driver, ['-O2', ...w.cflags, '-c', s, '-o', o]);
    if (r.status !== 0) throw new Error(`compiling ${s}:\n${r.stderr}`);
    return o;
  });
  const log = join(dir, 'ld.args');
  const r = run(w.driver, ['-B', `${shimDir}/`, '-static', ...objs, ...w.libs, '-o', join(dir, 'captured')], {
    env: { ...ENV, UKL_BENCH_LOG: log },
  });
  if (r.status !== 0) throw new Error(`gcc -static (${key}):\n${r.stderr}`);
  let args = readFileSync(log, 'utf8').split('\0').slice(0, -1);
  const out = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-plugin') { i++; continue; }
    if (args[i].startsWith('-plugin-opt=')) continue;
    if (args[i] === `-L${shimDir}`) continue;
    out.push(args[i]);
  }
  args = out;
  const ref = run(join(dir, 'captured'), []);
  return { dir, args, refStdout: ref.stdout, refStatus: ref.status, size: statSync(join(dir, 'captured')).size };
}

function withOutput(args, o) {
  const a = [...args];
  a[a.indexOf('-o') + 1] = o;
  return a;
}

function measure(key, prep, lk) {
  const l = LINKERS[lk];
  if (!l.cmd) return { text: 'not installed', note: `not installed (${l.missing})` };
  const out = join(prep.dir, `out-${lk}`);
  const args = [...l.prefix, ...withOutput(prep.args, out)];
  const warm = run(l.cmd, args);
  if (warm.status !== 0) return { text: 'link fails', note: `${l.name} on ${key}: ${warm.stderr.split('\n').slice(0, 3).join(' | ')}` };
  const check = run(out, []);
  if (check.status !== prep.refStatus || check.stdout !== prep.refStdout)
    return { text: 'wrong output', note: `${l.name} on ${key}: exit ${check.status ?? check.signal}, stdout differs from GNU ld's output` };
  // Flush the previous links' outputs first: the kernel writing back 40 MB files in the background
  // would otherwise slow whichever linker happens to run next.
  run('sync', []);
  const walls = [];
  const rss = [];
  const tf = join(prep.dir, 'time.txt');
  for (let i = 0; i < opts.runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = TIME ? run(TIME, ['-f', '%M', '-o', tf, l.cmd, ...args]) : run(l.cmd, args);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) return { text: 'link fails', note: `${l.name} on ${key}: run ${i} failed` };
    walls.push(ms);
    if (TIME) rss.push(Number(readFileSync(tf, 'utf8').trim().split('\n').pop()));
  }
  return { ms: median(walls), rssKb: rss.length ? median(rss) : undefined, size: statSync(out).size };
}

const fmtMs = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
const fmtMb = (kb) => (kb === undefined ? 'n/a' : `${(kb / 1024).toFixed(0)} MB`);

const prepared = {};
for (const w of opts.workloads) {
  if (!WORKLOADS[w]) throw new Error(`unknown workload ${w}`);
  prepared[w] = prepare(w);
}
const results = {};
const notes = [];
for (const lk of opts.linkers) {
  if (!LINKERS[lk]) throw new Error(`unknown linker ${lk}`);
  results[lk] = {};
  for (const w of opts.workloads) {
    if (prepared[w].skip) { results[lk][w] = { text: 'skipped' }; continue; }
    const r = measure(w, prepared[w], lk);
    results[lk][w] = r;
    if (r.note && !notes.includes(r.note)) notes.push(r.note);
    process.stderr.write(`${LINKERS[lk].name} ${w}: ${r.ms !== undefined ? `${fmtMs(r.ms)} ${fmtMb(r.rssKb)}` : r.text}\n`);
  }
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(`## Static link times (median of ${opts.runs} runs; peak RSS from /usr/bin/time -f %M${TIME ? '' : ' — not installed (apt-get install time), n/a'})\n`);
console.log(`${cpus().length} vCPU (${cpu}), Node ${process.version}. Each linker gets collect2's exact ld line (LTO plugin options dropped).\n`);
const head = ['linker', ...opts.workloads.flatMap((w) => [`${w}: time`, `${w}: peak RSS`])];
console.log(`| ${head.join(' | ')} |`);
console.log(`|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
for (const lk of opts.linkers) {
  const cells = opts.workloads.flatMap((w) => {
    const r = results[lk][w];
    return r.ms !== undefined ? [fmtMs(r.ms), fmtMb(r.rssKb)] : [r.text, ''];
  });
  console.log(`| ${LINKERS[lk].name} | ${cells.join(' | ')} |`);
}
console.log('');
for (const w of opts.workloads) {
  const p = prepared[w];
  if (p.skip) console.log(`- ${w}: skipped (${p.skip})`);
  else {
    const inputs = p.args.filter((a) => a.endsWith('.o') || a.startsWith('-l')).length;
    console.log(`- ${w}: ${p.args.length} ld arguments (${inputs} objects/-l), GNU ld output ${(p.size / 1e6).toFixed(2)} MB`);
  }
}
console.log(`- linkers: ${opts.linkers.map((k) => `${LINKERS[k].name}: ${version(k)}`).join('; ')}`);
for (const n of notes) console.log(`- ${n}`);
rmSync(tmp, { recursive: true, force: true });
