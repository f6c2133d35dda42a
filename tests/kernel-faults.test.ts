// Faults and diagnostics of the UKL kernel, under QEMU with a timeout (never a hang): each program's
// console output ends with the kernel's one-line report, and QEMU's status is isa-debug-exit's for the
// status a shell would show for the same program on Linux (128 + the signal: the native build, run
// here, is the oracle for that signal).
//   page fault (null load)         #PF, cr2 0x0, the faulting function's name          SIGSEGV
//   divide error                   #DE                                                  SIGFPE
//   stack overflow                 #PF into the guard page under the stack (IST1 keeps the handler alive)  SIGSEGV
//   unknown syscall, ukl.strace    -1 ENOSYS to the program; the strace line names it  exit 3
//   abort()                        nothing extra printed                                SIGABRT (134)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PARALLEL, Pool, compile, exec, lazyCases } from './helpers/link.ts';
import { boot, ensureKernel, qemuArgs, qemuMissing, qemuStatusFor, run, uklLd, type RawResult } from './helpers/qemu.ts';

const missing = qemuMissing();
const tmp = mkdtempSync(join(tmpdir(), 'ukl-kernel-faults-'));
const pool = new Pool(PARALLEL);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SIGNALS: Record<string, number> = { SIGSEGV: 11, SIGFPE: 8, SIGABRT: 6 };
const cases = ['fault_null', 'fault_div', 'fault_stack', 'unknown_syscall', 'abort'].map((name) => ({ key: name }));

const results = lazyCases(cases, async ({ key }) => {
  ensureKernel();
  const dir = join(tmp, key);
  const [obj] = await compile([`../kernel-programs/${key}.c`], ['-O2'], dir, pool);
  const native = join(dir, 'native');
  expect((await exec('gcc', ['-static', obj!, '-o', native])).status).toBe(0);
  const ref = await run(native, [], { timeoutMs: 30_000 });
  // The status a shell shows: 128 + signal for a signal death.
  const refStatus = ref.signal ? 128 + (SIGNALS[ref.signal] ?? 0) : ref.status!;
  const image = join(dir, `${key}.vmlinux`);
  const l = await pool.run(() => uklLd(['--ukl', obj!, '-o', image]));
  if (l.status !== 0) throw new Error(`ukl-ld failed: ${l.stderr}`);
  const vm = await pool.run(() => boot(image, key === 'unknown_syscall' ? 'ukl.strace' : '', 60_000));
  return { ref, refStatus, vm, out: vm.stdout.toString('utf8') };
});

function lastLine(s: string): string {
  return s.trimEnd().split('\n').pop() ?? '';
}

// The cases are all queued at once on the pool: a test's wait includes the cases ahead of it.
describe.skipIf(missing)(`kernel faults are diagnosed and stop the machine; the console is a tty${missing ? ` (skipped: ${missing})` : ''}`, { timeout: 600_000 }, () => {
  for (const c of cases) void results.result(c.key);

  const stops = (r: { vm: RawResult; refStatus: number }) => {
    expect(r.vm.timedOut, 'QEMU did not stop').toBe(false);
    expect(r.vm.status).toBe(qemuStatusFor(r.refStatus));
  };

  it('a null pointer load: #PF with cr2 0 in main, status of SIGSEGV', async () => {
    const r = await results.must('fault_null');
    expect(r.ref.signal).toBe('SIGSEGV');
    expect(r.out.startsWith('before the fault\n')).toBe(true);
    expect(lastLine(r.out)).toMatch(/^ukl: #PF page fault \(vector 14\) error 0x[0-9a-f]+ at rip 0x[0-9a-f]+ <main\+0x[0-9a-f]+> cr2 0x0 rsp 0x[0-9a-f]+$/);
    stops(r);
  });

  it('a division by zero: #DE in main, status of SIGFPE', async () => {
    const r = await results.must('fault_div');
    expect(r.ref.signal).toBe('SIGFPE');
    expect(lastLine(r.out)).toMatch(/^ukl: #DE divide error \(vector 0\) error 0x0 at rip 0x[0-9a-f]+ <main\+0x[0-9a-f]+> rsp /);
    stops(r);
  });

  it('a stack overflow: #PF in the guard page, reported from the IST stack, status of SIGSEGV', async () => {
    const r = await results.must('fault_stack');
    expect(r.ref.signal).toBe('SIGSEGV');
    const line = lastLine(r.out);
    expect(line).toMatch(/^ukl: #PF page fault \(vector 14\) error 0x[0-9a-f]+ at rip 0x[0-9a-f]+ <recurse\+0x[0-9a-f]+> cr2 0x[0-9a-f]+ \(stack overflow into the guard page\) rsp 0x[0-9a-f]+$/);
    const m = /cr2 (0x[0-9a-f]+).* rsp (0x[0-9a-f]+)/.exec(line)!;
    // The fault is within a few frames of the stack pointer: a push or store just below it.
    expect(Math.abs(Number(m[1]) - Number(m[2]))).toBeLessThan(4096);
    stops(r);
  });

  it('an unknown syscall: -1/ENOSYS to the program, and ukl.strace prints it', async () => {
    const r = await results.must('unknown_syscall');
    expect(r.ref.status).toBe(3);
    expect(r.out).toMatch(/^syscall_1000\(0x1, 0x2, 0x3, 0x[0-9a-f]+, 0x[0-9a-f]+, 0x[0-9a-f]+\) = -1 \(errno 38, ENOSYS\)$/m);
    const printed = 'syscall(1000) = -1 errno=ENOSYS\n';
    expect(r.out).toContain(printed);
    expect(r.out).toMatch(new RegExp(`^write\\(0x1, 0x[0-9a-f]+, 0x${printed.length.toString(16)}, `, 'm'));
    expect(r.out).toMatch(/^exit_group\(0x3, .*\) = \?$/m);
    stops(r);
  });

  it('abort(): no extra output, the status of SIGABRT (134)', async () => {
    const r = await results.must('abort');
    expect(r.ref.signal).toBe('SIGABRT');
    expect(r.out).toBe('about to abort\n');
    expect(r.refStatus).toBe(134);
    stops(r);
  });

  it('the console is a tty to the program, and stdin comes from the serial port', async () => {
    ensureKernel();
    const dir = join(tmp, 'console_tty');
    const [obj] = await compile(['../kernel-programs/console_tty.c'], ['-O2'], dir, pool);
    const image = join(dir, 'console_tty.vmlinux');
    expect((await uklLd(['--ukl', obj!, '-o', image])).status).toBe(0);
    const input = 'a line typed on the serial console\n';
    const vm = await run('qemu-system-x86_64', qemuArgs(image, ''), { input, timeoutMs: 60_000 });
    expect(vm.timedOut).toBe(false);
    expect(vm.stdout.toString()).toBe([
      'isatty 0 1 2: 1 1 1',
      'fstat(1) character device: 1',
      'TIOCGWINSZ: 0 rows 0 cols 0',
      'tcgetattr: 0 ICANON 1',
      'dup2(1, 9) = 9, write through it: ok',
      `read: ${input.toUpperCase()}`,
    ].join('\n'));
    expect(vm.status).toBe(qemuStatusFor(0));
  });
});
