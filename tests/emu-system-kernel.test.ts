// The kernel's images (ukl-ld --ukl over the kernel's test programs and the hello object) boot in
// ukl-run exactly as in QEMU TCG: byte-identical console output, and the same exit (QEMU reports the
// guest's status s as (s << 1) | 1 through isa-debug-exit; ukl-run reports s). Programs whose output
// depends on the wall clock or on timing are left out (they cannot be byte-identical across machines).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PARALLEL, Pool, compile, lazyCases } from './helpers/link.ts';
import { boot, ensureKernel, qemuArgs, qemuMissing, qemuStatusFor, run, uklLd, QEMU } from './helpers/qemu.ts';
import { ROOT } from './helpers/tools.ts';

const missing = qemuMissing();
/** UKL_TEST_JIT=off|eager|N runs ukl-run with --jit (tests/emu-system-kernel-jit.test.ts). */
const JIT = process.env.UKL_TEST_JIT !== undefined ? ['--jit', process.env.UKL_TEST_JIT] : [];
const tmp = mkdtempSync(join(tmpdir(), 'ukl-emu-kernel-'));
const pool = new Pool(PARALLEL);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Case {
  key: string;
  sources: string[];
  append: string;
  /** Typed on the console (stdin of both machines). */
  input?: string;
}
const cases: Case[] = [
  { key: 'hello', sources: ['../../test-objects/src/hello.c'], append: '' },
  { key: 'ctor', sources: ['../kernel-programs/ctor_main.c', '../kernel-programs/ctor_only.c'], append: '' },
  { key: 'regs_preserved', sources: ['../kernel-programs/regs_preserved.c'], append: '' },
  { key: 'sigsuspend', sources: ['../kernel-programs/sigsuspend.c'], append: '' },
  { key: 'mprotect_pages', sources: ['../kernel-programs/mprotect_pages.c'], append: '' },
  { key: 'fault_null', sources: ['../kernel-programs/fault_null.c'], append: '' },
  { key: 'fault_div', sources: ['../kernel-programs/fault_div.c'], append: '' },
  { key: 'fault_stack', sources: ['../kernel-programs/fault_stack.c'], append: '' },
  { key: 'unknown_syscall', sources: ['../kernel-programs/unknown_syscall.c'], append: 'ukl.strace' },
  { key: 'abort', sources: ['../kernel-programs/abort.c'], append: 'A=1 -- x "y z"' },
  { key: 'console_tty', sources: ['../kernel-programs/console_tty.c'], append: '', input: 'hello tty\n' },
];

const results = lazyCases(cases, async (c) => {
  ensureKernel();
  const dir = join(tmp, c.key);
  const objs = await compile(c.sources, ['-O2'], dir, pool);
  const image = join(dir, `${c.key}.vmlinux`);
  const l = await pool.run(() => uklLd(['--ukl', ...objs, '-o', image]));
  if (l.status !== 0) throw new Error(`ukl-ld failed: ${l.stderr}`);
  const emuArgs = [join(ROOT, 'bin', 'ukl-run.js'), ...JIT, '--timeout', '300', '--append', c.append, image];
  if (c.input !== undefined) {
    const input = c.input;
    const qemu = await pool.run(() => run(QEMU, qemuArgs(image, c.append), { input, timeoutMs: 120_000 }));
    const emu = await pool.run(() => run(process.execPath, emuArgs, { input, timeoutMs: 320_000 }));
    return { qemu, emu };
  }
  const qemu = await pool.run(() => boot(image, c.append, 120_000));
  const emu = await pool.run(() => run(process.execPath, emuArgs, { timeoutMs: 320_000 }));
  return { qemu, emu };
});

describe.skipIf(missing)(`kernel images in ukl-run and QEMU${missing ? ` (skipped: ${missing})` : ''}`, () => {
  for (const c of cases) void results.result(c.key);
  for (const c of cases) {
    it(`${c.key}${c.append ? ` --append '${c.append}'` : ''}: same console bytes, same exit`, async () => {
      const { qemu, emu } = await results.must(c.key);
      expect(qemu.timedOut, 'QEMU did not stop').toBe(false);
      expect(emu.timedOut, 'ukl-run did not stop').toBe(false);
      expect(emu.stderr).toBe('');
      expect(emu.stdout.toString('latin1')).toBe(qemu.stdout.toString('latin1'));
      expect(emu.stdout.length).toBeGreaterThan(0);
      expect(qemu.status).toBe(qemuStatusFor(emu.status!));
    }, 400_000);
  }
});
