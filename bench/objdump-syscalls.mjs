#!/usr/bin/env node
// Benchmark: `ukl-objdump --syscalls` over the whole system libc.a (goal: under 2 s), with GNU
// `objdump -d` over the same archive for scale. Prints the median of N runs. Not a test: no assertions.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const libc = process.argv[2] ?? '/usr/lib/x86_64-linux-gnu/libc.a';
const runs = Number(process.env.RUNS ?? 7);

function time(cmd, args) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 1 << 30 });
    const t1 = process.hrtime.bigint();
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
    times.push(Number(t1 - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const rows = [
  ['ukl-objdump --syscalls', time(process.execPath, [join(root, 'bin/ukl-objdump.js'), '--syscalls', libc])],
  ['ukl-objdump --syscalls --json', time(process.execPath, [join(root, 'bin/ukl-objdump.js'), '--syscalls', '--json', libc])],
  ['ukl-objdump -d', time(process.execPath, [join(root, 'bin/ukl-objdump.js'), '-d', libc])],
  ['GNU objdump -d', time('objdump', ['-d', libc])],
  ['node -e 0 (start-up floor)', time(process.execPath, ['-e', '0'])],
];
console.log(`${libc}, median of ${runs} runs`);
for (const [name, ms] of rows) console.log(`${name.padEnd(32)} ${ms.toFixed(0).padStart(6)} ms`);
