#!/usr/bin/env node
// Benchmark (not a test): ukl-run IMAGE against qemu-system-x86_64 -accel tcg on the same images,
// measured side by side in one run (alternating, median of RUNS wall times):
//   - the PVH test images test-objects/pvh-images/{hello32,long64}.elf;
//   - the hello image: test-objects/hello.o linked by ukl-ld --ukl with the kernel (dist/kernel/ukl.o).
// For ukl-run it also prints the guest instruction count and MIPS (from --stats).
// With a program, it also builds that C program (-O2, with -lz when it uses zlib) into an image and boots it
// with the given arguments on the kernel command line, checking that both print the same, e.g. the
// compression workload as a unikernel: node bench/emu-boot.mjs tests/link-corpus/zlib_roundtrip.c 4000000
// Usage: npm run build && node bench/emu-boot.mjs [program.c [args...]]   (RUNS=5)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
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
  ['hello32.elf (32-bit only)', join(root, 'test-objects', 'pvh-images', 'hello32.elf'), ''],
  ['long64.elf (long mode, timers)', join(root, 'test-objects', 'pvh-images', 'long64.elf'), ''],
];
const kernel = join(root, 'dist', 'kernel', 'ukl.o');
if (existsSync(kernel)) {
  const hello = join(tmp, 'hello.vmlinux');
  const l = spawnSync(process.execPath, [join(root, 'bin', 'ukl-ld.js'), '--ukl', join(root, 'test-objects', 'hello.o'), '-o', hello], { encoding: 'utf8' });
  if (l.status === 0) images.push(['hello.vmlinux (ukl-ld --ukl, glibc printf)', hello, '']);
  else console.log(`(hello image not built: ${l.stderr.trim()})`);
  const prog = process.argv[2];
  if (prog !== undefined) {
    const obj = join(tmp, 'prog.o'), image = join(tmp, 'prog.vmlinux');
    const c = spawnSync('gcc', ['-O2', '-c', prog, '-o', obj], { encoding: 'utf8' });
    const p = c.status === 0 ? spawnSync(process.execPath, [join(root, 'bin', 'ukl-ld.js'), '--ukl', obj, ...(readFileSync(prog, 'utf8').includes('zlib.h') ? ['-lz'] : []), '-o', image], { encoding: 'utf8' }) : c;
    if (p.status !== 0) {
      console.error(`${prog}: not built: ${p.stderr.trim()}`);
      process.exit(1);
    }
    const args = process.argv.slice(3).join(' ');
    images.push([`${basename(prog, '.c')}${args ? ` ${args}` : ''} (ukl-ld --ukl)`, image, args]);
  }
} else console.log('(dist/kernel/ukl.o missing: run npm run build for the hello image)');

const haveQemu = spawnSync('qemu-system-x86_64', ['--version']).status === 0;
console.log(`ukl-run IMAGE vs qemu-system-x86_64 -accel tcg, median of ${runs} runs, ${new Date().toISOString()}`);
console.log('| image | QEMU TCG | ukl-run | guest instructions | ukl-run MIPS |');
console.log('|---|---:|---:|---:|---:|');
for (const [name, image, append] of images) {
  let qout = '';
  const q = [];
  const u = [];
  let stats = '';
  for (let i = 0; i < runs; i++) {
    if (haveQemu) {
      q.push(timed('qemu-system-x86_64', qemuArgs(image, append)).ms);
      qout = readFileSync(join(tmp, 'com1'), 'utf8');
    }
    const t = timed(process.execPath, [join(root, 'bin', 'ukl-run.js'), '--stats', '--append', append, image]);
    u.push(t.ms);
    stats = t.r.stderr;
    // The console of both, compared so that a fast wrong run is not reported.
    if (haveQemu && qout.replace(/\r/g, '') !== t.r.stdout.replace(/\r/g, '')) {
      console.error(`${name}: ukl-run printed something else than QEMU:\n--- QEMU\n${qout}\n--- ukl-run\n${t.r.stdout}${t.r.stderr}`);
      process.exit(1);
    }
  }
  const m = /(\d+) instructions in [\d.]+ s: ([\d.]+) MIPS/.exec(stats);
  console.log(`| ${name} | ${haveQemu ? `${median(q).toFixed(0)} ms` : 'n/a'} | ${median(u).toFixed(0)} ms | ${m ? m[1] : '?'} | ${m ? m[2] : '?'} |`);
}
rmSync(tmp, { recursive: true, force: true });
