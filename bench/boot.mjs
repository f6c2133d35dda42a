#!/usr/bin/env node
// Benchmark of UKL images (issue 8). Not a test: it prints figures, asserts nothing.
//   1. hello's image size, unstripped and stripped (`strip`), next to the native static hello;
//   2. wall time from QEMU's start to its exit for hello, under TCG and under KVM where /dev/kvm
//      works (median of RUNS);
//   3. ns per getppid() (bench/boot-getppid.c) through (a) --syscall-direct, (b) the generic entry
//      __ukl_syscall, (c) the `syscall` instruction itself in ring 0 (the image linked by GNU ld with
//      ukl.o, so no site is rewritten), and (d) the same static program on the host Linux. The guest
//      figures are taken under KVM when it works, else under TCG (then they measure the emulator).
// Usage: npm run build && node bench/boot.mjs   (RUNS=5, CALLS=1000000)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.env.RUNS ?? 5);
const calls = Number(process.env.CALLS ?? 1000000);
const ukl = join(root, 'dist', 'kernel', 'ukl.o');
const tmp = mkdtempSync(join(tmpdir(), 'ukl-bench-boot-'));

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
  if (r.error) throw r.error;
  return r;
}
function must(cmd, args, opts) {
  const r = sh(cmd, args, opts);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}\n${r.stderr}`);
  return r;
}
const uklLd = (args) => must(process.execPath, [join(root, 'bin', 'ukl-ld.js'), ...args]);
const qemu = (image, append, accel) => [
  '-accel', accel, '-nographic', '-no-reboot', '-m', '128M', '-device', 'isa-debug-exit,iobase=0xf4,iosize=4',
  '-fw_cfg', 'name=etc/sercon-port,string=0', '-net', 'none', '-kernel', image, '-append', append,
];
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
/** Boot; returns { ms, out, ok } (ok: exited through isa-debug-exit with status 0). */
function boot(image, append, accel, timeout = 120_000) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('qemu-system-x86_64', qemu(image, append, accel), { encoding: 'utf8', timeout, killSignal: 'SIGKILL' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) return { ms, out: r.stdout ?? '', ok: false, err: `error: ${r.error.code === 'ETIMEDOUT' ? `no exit within ${timeout / 1000} s` : r.error.message}\n${r.stderr ?? ''}` };
  return { ms, out: r.stdout, ok: r.status === 1, err: r.stderr };
}

if (!existsSync(ukl)) throw new Error('dist/kernel/ukl.o is missing: run `npm run build` first');
writeFileSync(join(tmp, 'hello.c'), '#include <stdio.h>\nint main(void) { puts("hello, world"); return 0; }\n');
must('gcc', ['-O2', '-c', join(tmp, 'hello.c'), '-o', join(tmp, 'hello.o')]);
must('gcc', ['-O2', '-c', join(root, 'bench', 'boot-getppid.c'), '-o', join(tmp, 'getppid.o')]);
const hello = join(tmp, 'hello.vmlinux');
uklLd(['--ukl', join(tmp, 'hello.o'), '-o', hello]);
must('strip', ['-o', `${hello}.stripped`, hello]);
must('gcc', ['-static', join(tmp, 'hello.o'), '-o', join(tmp, 'hello.native')]);
const kib = (f) => `${(statSync(f).size / 1024).toFixed(0)} KiB`;
console.log('hello image size');
console.log(`  vmlinux            ${kib(hello)}`);
console.log(`  vmlinux, stripped  ${kib(`${hello}.stripped`)}`);
console.log(`  native static ELF  ${kib(join(tmp, 'hello.native'))} (gcc -static, for scale)`);

const kvmWorks = (() => {
  if (!existsSync('/dev/kvm')) return 'no /dev/kvm';
  const r = boot(hello, '', 'kvm', 20_000);
  if (r.ok && r.out === 'hello, world\n') return true;
  return `KVM did not run the image: ${(r.err.split('\n').find((l) => /error|failure/i.test(l)) ?? `status ${r.out}`).trim()}`;
})();

console.log(`\nboot to exit (hello, median of ${runs})`);
for (const accel of ['tcg', 'kvm']) {
  if (accel === 'kvm' && kvmWorks !== true) {
    console.log(`  kvm                ${kvmWorks}`);
    continue;
  }
  const times = [];
  for (let i = 0; i < runs; i++) {
    const r = boot(hello, '', accel);
    if (!r.ok || r.out !== 'hello, world\n') throw new Error(`${accel} boot failed: ${r.out}${r.err}`);
    times.push(r.ms);
  }
  console.log(`  ${accel.padEnd(18)} ${median(times).toFixed(0)} ms`);
}

const images = {
  '(a) --syscall-direct': ['--ukl', '--syscall-direct'],
  '(b) generic entry': ['--ukl'],
};
const L = '/usr/lib/x86_64-linux-gnu';
const gccDir = dirname(must('gcc', ['-print-libgcc-file-name']).stdout.trim());
for (const [name, flags] of Object.entries(images)) uklLd([...flags, join(tmp, 'getppid.o'), '-o', join(tmp, `${name.slice(1, 2)}.vmlinux`)]);
// (c) GNU ld: the same inputs, nothing rewritten; -z noseparate-code keeps the file small.
must('ld', ['-static', '-nostdlib', '-e', '__ukl_pvh_start', '-z', 'noseparate-code', `${L}/crt1.o`, `${L}/crti.o`, `${gccDir}/crtbeginT.o`, join(tmp, 'getppid.o'),
  '--start-group', `${L}/libc.a`, `${gccDir}/libgcc.a`, `${gccDir}/libgcc_eh.a`, '--end-group', `${gccDir}/crtend.o`, `${L}/crtn.o`, ukl, '-o', join(tmp, 'c.vmlinux')]);
must('gcc', ['-static', join(tmp, 'getppid.o'), '-o', join(tmp, 'getppid.native')]);
const accel = kvmWorks === true ? 'kvm' : 'tcg';
console.log(`\ngetppid, ns per call (${calls} calls, median of ${runs}; guest under ${accel.toUpperCase()})`);
const perCall = (out) => Number(/getppid: ([\d.]+) ns\/call/.exec(out)?.[1]);
for (const [label, file] of [['(a) --syscall-direct', 'a'], ['(b) generic entry', 'b'], ['(c) syscall in ring 0', 'c']]) {
  const xs = [];
  for (let i = 0; i < runs; i++) {
    const r = boot(join(tmp, `${file}.vmlinux`), `-- ${calls}`, accel);
    if (!r.ok) throw new Error(`${label}: ${r.out}${r.err}`);
    xs.push(perCall(r.out));
  }
  console.log(`  ${label.padEnd(24)} ${median(xs).toFixed(1)}`);
}
const host = [];
for (let i = 0; i < runs; i++) host.push(perCall(must(join(tmp, 'getppid.native'), [String(calls)]).stdout));
console.log(`  ${'(d) host Linux'.padEnd(24)} ${median(host).toFixed(1)}`);
rmSync(tmp, { recursive: true, force: true });
