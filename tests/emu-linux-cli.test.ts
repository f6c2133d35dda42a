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
  // Code loaded by read() into a fresh executable mapping, called until it is compiled, unmapped, and again
  // with other code: the host's write into a page that held code must reach the decoded and compiled copies.
  writeFileSync(join(tmp, 'jitpage.c'), `#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
typedef int (*fn)(int);
static unsigned char *p;
/* Load "lea eax, [rdi + k]; ret" into p with read(), then call it until it is hot. */
static int once(int k) {
  unsigned char code[] = {0x8d, 0x87, (unsigned char)k, 0, 0, 0, 0xc3};
  int fd = open("code.bin", O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0 || write(fd, code, sizeof code) != sizeof code || lseek(fd, 0, SEEK_SET) != 0 || read(fd, p, sizeof code) != sizeof code) return -1;
  close(fd);
  int s = 0;
  for (int i = 0; i < 3000; i++) s += ((fn)p)(i);
  return s;
}
static unsigned char *map(void) {
  return mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}
int main(void) {
  p = map();
  for (int k = 1; k <= 3; k++) printf("%d\\n", once(k)); /* the same page, rewritten */
  munmap(p, 4096);
  p = map(); /* a fresh page (the emulator reuses the freed one) */
  printf("%d\\n", once(4));
  return 0;
}
`);
  for (const n of ['segv', 'spin', 'status', 'jitpage']) {
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

  it.skipIf(!HAVE_GCC && !IN_CI)('code read into an executable page, rewritten and mapped again, runs as written, as natively (gcc missing: skipped)', async () => {
    const native = await exec(join(tmp, 'jitpage'), [], { cwd: tmp });
    const r = await run(['--linux', './jitpage']);
    expect(native.stdout.split('\n')).toHaveLength(5);
    expect([r.status, r.stdout, r.stderr]).toEqual([native.status, native.stdout, '']);
  });

  it.skipIf(!HAVE_GCC && !IN_CI)('--max-instructions: status 125 and where it stopped (gcc missing: skipped)', async () => {
    const r = await run(['--linux', '--max-instructions', '200000', './spin']);
    expect(r.status).toBe(125);
    expect(r.stderr).toMatch(/instruction limit reached at 0x[0-9a-f]+ <main/);
  });
});
