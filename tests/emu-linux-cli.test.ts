// ukl-run's command line contract: one-line diagnoses and the documented exit statuses (docs/emulator.md) for
// a missing program, a dynamically linked one, a guest killed by SIGSEGV (address, symbol, disassembly), the
// instruction limit, and the guest's own exit status.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IN_CI, ROOT, commandExists, exec } from './helpers/link.ts';

const tmp = mkdtempSync(join(tmpdir(), 'ukl-emu-cli-'));
const UKL_RUN = join(ROOT, 'bin', 'ukl-run.js');
const HAVE_GCC = commandExists('gcc');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = (args: string[]) => exec(process.execPath, [UKL_RUN, ...args], { cwd: tmp });

beforeAll(async () => {
  if (!HAVE_GCC) return;
  writeFileSync(join(tmp, 'segv.c'), 'int *volatile p;\n__attribute__((noinline)) int crash(void) { return *p; }\nint main(void) { return crash(); }\n');
  writeFileSync(join(tmp, 'spin.c'), 'int main(void) { for (volatile unsigned long i = 0; ; i++) ; }\n');
  writeFileSync(join(tmp, 'status.c'), '#include <stdio.h>\nint main(int c, char **v) { printf("%s|%s\\n", v[0], v[1]); return 42; }\n');
  for (const n of ['segv', 'spin', 'status']) {
    const r = await exec('gcc', ['-O1', '-static', `${n}.c`, '-o', n], { cwd: tmp });
    if (r.status !== 0) throw new Error(r.stderr);
  }
  const d = await exec('gcc', ['-O1', 'status.c', '-o', 'dynamic'], { cwd: tmp });
  if (d.status !== 0) throw new Error(d.stderr);
});

describe('ukl-run --linux diagnoses and exit statuses', () => {
  it('a missing program: status 2, one line naming it', async () => {
    const r = await run(['--linux', 'no-such-program']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^ukl-run: no-such-program: .*no such file/i);
  });

  it.skipIf(!HAVE_GCC && !IN_CI)('a dynamically linked program: status 2, one line (gcc missing: skipped)', async () => {
    const r = await run(['--linux', './dynamic']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/dynamically linked/);
  });

  it.skipIf(!HAVE_GCC && !IN_CI)('the guest\'s exit status and argv[0] (gcc missing: skipped)', async () => {
    const r = await run(['--linux', '--argv0', 'zero', './status', '-x']);
    expect(r.status).toBe(42);
    expect(r.stdout).toBe('zero|-x\n');
    expect(r.stderr).toBe('');
  });

  it.skipIf(!HAVE_GCC && !IN_CI)('a NULL dereference: 128+SIGSEGV and a diagnosis with address, symbol and disassembly (gcc missing: skipped)', async () => {
    const r = await run(['--linux', './segv']);
    expect(r.status).toBe(128 + 11);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/SIGSEGV \(#PF page fault at address 0x0\) at 0x[0-9a-f]+ <crash(\+0x[0-9a-f]+)?>: [0-9a-f ]+ +mov/);
  });

  it.skipIf(!HAVE_GCC && !IN_CI)('--max-instructions: status 125 and where it stopped (gcc missing: skipped)', async () => {
    const r = await run(['--linux', '--max-instructions', '200000', './spin']);
    expect(r.status).toBe(125);
    expect(r.stderr).toMatch(/instruction limit reached at 0x[0-9a-f]+ <main/);
  });
});
