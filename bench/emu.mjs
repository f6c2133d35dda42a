#!/usr/bin/env node
// Benchmark (not a test): ukl-run --linux on a CPU-bound corpus program (zlib compress/uncompress round trip,
// tests/link-corpus/zlib_roundtrip.c, -O2, linked by ukl-ld), against qemu-x86_64 and the native CPU on the
// same executable. Prints instructions, wall and CPU seconds and MIPS; qemu's MIPS uses our instruction count
// (the same program executes the same instructions). Usage: node bench/emu.mjs [program.c [program args]]
// (zlib_roundtrip takes the size of its input: 200000 bytes by default, as the corpus runs it; 4000000
// makes a run of about 0.93 G instructions, long enough that compiled code is measured rather than warm-up).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = process.argv[2] ?? join(root, 'tests/link-corpus/zlib_roundtrip.c');
const progArgs = process.argv.slice(3);
const libs = src.includes('zlib') ? ['-lz'] : [];
const tmp = mkdtempSync(join(tmpdir(), 'ukl-bench-emu-'));
const exe = join(tmp, 'prog');
execFileSync('gcc', ['-O2', '-static', '-B', `${join(root, 'gcc-ld')}/`, src, ...libs, '-o', exe], { env: { ...process.env, UKL_NODE: process.execPath } });

/** User+system CPU seconds of a command (bash's time), for comparisons on a loaded machine. */
function cpuSeconds(cmd) {
  const r = spawnSync('bash', ['-c', `TIMEFORMAT='%U %S'; time ${cmd} > /dev/null`], { encoding: 'utf8' });
  const m = /([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  return m ? Number(m[1]) + Number(m[2]) : NaN;
}

function timed(cmd, args) {
  const t = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  return { ms: performance.now() - t, r };
}

const native = timed(exe, progArgs);
let insns = 0;
console.log(`program: ${src}${progArgs.length ? ` ${progArgs.join(' ')}` : ''}`);
console.log(`native:       ${native.ms.toFixed(0)} ms wall, ${(cpuSeconds(`${exe} ${progArgs.join(' ')}`) * 1000).toFixed(0)} ms CPU`);
// ukl-run with block translation (the default) and without it (--jit off: every instruction interpreted).
for (const jit of ['default', 'off']) {
  const emu = timed(process.execPath, [join(root, 'bin/ukl-run.js'), '--linux', '--stats', ...(jit === 'off' ? ['--jit', 'off'] : []), exe, ...progArgs]);
  const m = /(\d+) instructions in ([\d.]+) s wall .*?, ([\d.]+) s CPU \(([\d.]+) MIPS\)/.exec(emu.r.stderr);
  if (!m || emu.r.status !== native.r.status || emu.r.stdout !== native.r.stdout) {
    console.error(`ukl-run differs from native or printed no stats:\n${emu.r.stderr}`);
    process.exit(1);
  }
  insns = Number(m[1]);
  const label = `ukl-run --jit ${jit}:`.padEnd(22);
  console.log(`${label}${(Number(m[2]) * 1000).toFixed(0)} ms wall (${(insns / Number(m[2]) / 1e6).toFixed(1)} MIPS), ${(Number(m[3]) * 1000).toFixed(0)} ms CPU (${m[4]} MIPS); process total ${emu.ms.toFixed(0)} ms; ${insns} guest instructions`);
}
const hasQemu = spawnSync('sh', ['-c', 'command -v qemu-x86_64']).status === 0;
if (hasQemu) {
  const q = timed('qemu-x86_64', [exe, ...progArgs]);
  const qcpu = cpuSeconds(`qemu-x86_64 ${exe} ${progArgs.join(' ')}`);
  console.log(`qemu-x86_64:          ${q.ms.toFixed(0)} ms wall (${(insns / q.ms / 1000).toFixed(1)} MIPS at the same instruction count), ${(qcpu * 1000).toFixed(0)} ms CPU (${(insns / qcpu / 1e6).toFixed(1)} MIPS)`);
} else console.log('qemu-x86_64: not installed');
rmSync(tmp, { recursive: true, force: true });
