#!/usr/bin/env node
// npm run demo: build examples/hello with its Makefile (gcc + ukl-ld --ukl) and boot the image under
// QEMU, then under ukl-run (the built-in emulator).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'examples', 'hello');
const step = (what, cmd, args, opts = {}) => {
  console.log(`\n$ ${[cmd, ...args].join(' ')}    # ${what}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: dir, ...opts });
  if (r.error) {
    console.error(`demo: cannot run ${cmd}: ${r.error.message}`);
    process.exit(1);
  }
  return r.status;
};

if (!existsSync(join(root, 'dist', 'kernel', 'ukl.o'))) {
  console.error('demo: dist/kernel/ukl.o is missing: run `npm run build` first');
  process.exit(1);
}
if (step('compile with gcc, link with ukl-ld --ukl', 'make', ['--no-print-directory', 'hello.vmlinux']) !== 0) process.exit(1);
const args = 'GREETING=hi -- one "two words"';
const qemu = ['-accel', 'tcg', '-nographic', '-no-reboot', '-m', '128M', '-device', 'isa-debug-exit,iobase=0xf4,iosize=4',
  '-fw_cfg', 'name=etc/sercon-port,string=0', '-net', 'none', '-kernel', 'hello.vmlinux', '-append', args];
const s = step('boot it under QEMU', 'qemu-system-x86_64', qemu, { stdio: ['inherit', 'inherit', 'ignore'] });
console.log(`[QEMU exit status ${s}: the application exited with ${(s - 1) >> 1}]`);
const run = join(root, 'bin', 'ukl-run.js');
const u = step('boot it under ukl-run, the built-in emulator', process.execPath, [run, 'hello.vmlinux', '--append', args, '--stats']);
console.log(`[ukl-run exit status ${u}: the application's own]`);
