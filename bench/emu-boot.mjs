#!/usr/bin/env node
// Benchmark (not a test): ukl-run IMAGE against qemu-system-x86_64 -accel tcg on the same images,
// measured side by side in one run (alternating, median of RUNS wall times):
//   - the PVH test images test-objects/pvh-images/{hello32,long64}.elf;
//   - the hello image: test-objects/hello.o linked by ukl-ld --ukl with the kernel (dist/kernel/ukl.o).
// For ukl-run it also prints the guest instruction count and MIPS (from --stats).
// Usage: npm run build && node bench/emu-boot.mjs   (RUNS=5)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.env.RUNS ?? 5);
const tmp = mkdtempSync(join(tmpdir(), 'ukl-bench-emu-'));

const qemuArgs = (image, append) => [
  '-accel', 'tcg', '-display', 'none', '-monitor', 'none', '-serial', `file:${join(tmp, 'com1')}`, '-no-reboot', '-m', '128M',
  '-device', 'isa-debug-exit,iobase=0xf4,iosize=4', '-fw_cfg', 'name=etc/sercon-port,string=0', '-net', 'none',
  '-kernel', image, '-append', append,
];
function timed(cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, timeout: 600_000 });
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, r };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const images = [
  ['hello32.elf (32-bit only)', join(root, 'test-objects', 'pvh-images', 'hello32.elf')],
  ['long64.elf (long mode, timers)', join(root, 'test-objects', 'pvh-images', 'long64.elf')],
];
const kernel = join(root, 'dist', 'kernel', 'ukl.o');
if (existsSync(kernel)) {
  const hello = join(tmp, 'hello.vmlinux');
  const l = spawnSync(process.execPath, [join(root, 'bin', 'ukl-ld.js'), '--ukl', join(root, 'test-objects', 'hello.o'), '-o', hello], { encoding: 'utf8' });
  if (l.status === 0) images.push(['hello.vmlinux (ukl-ld --ukl, glibc printf)', hello]);
  else console.log(`(hello image not built: ${l.stderr.trim()})`);
} else console.log('(dist/kernel/ukl.o missing: run npm run build for the hello image)');

const haveQemu = spawnSync('qemu-system-x86_64', ['--version']).status === 0;
console.log(`ukl-run IMAGE vs qemu-system-x86_64 -accel tcg, median of ${runs} runs, ${new Date().toISOString()}`);
console.log('| image | QEMU TCG | ukl-run | guest instructions | ukl-run MIPS |');
console.log('|---|---:|---:|---:|---:|');
for (const [name, image] of images) {
  const q = [];
  const u = [];
  let stats = '';
  for (let i = 0; i < runs; i++) {
    if (haveQemu) q.push(timed('qemu-system-x86_64', qemuArgs(image, '')).ms);
    const t = timed(process.execPath, [join(root, 'bin', 'ukl-run.js'), '--stats', image]);
    u.push(t.ms);
    stats = t.r.stderr;
  }
  const m = /(\d+) instructions in [\d.]+ s: ([\d.]+) MIPS/.exec(stats);
  console.log(`| ${name} | ${haveQemu ? `${median(q).toFixed(0)} ms` : 'n/a'} | ${median(u).toFixed(0)} ms | ${m ? m[1] : '?'} | ${m ? m[2] : '?'} |`);
}
rmSync(tmp, { recursive: true, force: true });
