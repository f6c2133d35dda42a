// Outputs that are not regular files: ukl-ld and ukl-objcopy write into an existing device node, FIFO or
// symlink in place, as GNU ld does, instead of renaming a temporary file over it (as root that replaced
// /dev/null with a regular file). Checked on a private character device (mknod, as root) so the machine's
// /dev/null is never at stake, and on a FIFO with a reader (GNU ld fails there with "Illegal seek": it
// seeks; ukl-ld writes in order). A symlink is replaced by the new file, as GNU ld replaces it.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, sh, ukl } from './helpers/tools.ts';

const IS_ROOT = process.getuid?.() === 0;
const IN_CI = process.env.CI === 'true';
let dir: string;
let obj: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ukl-special-out-'));
  writeFileSync(join(dir, 'start.c'), 'void _start(void) { for (;;) ; }\n');
  obj = join(dir, 'start.o');
  sh('gcc', ['-O2', '-c', join(dir, 'start.c'), '-o', obj]);
});

type Writer = (out: string) => { status: number; stderr: string };
const writers: [string, Writer][] = [
  ['ukl-ld', (out) => ukl('ukl-ld', [obj, '-o', out])],
  ['GNU ld', (out) => run('ld', [obj, '-o', out])],
  ['ukl-objcopy', (out) => ukl('ukl-objcopy', ['--rewrite-syscalls', obj, out])],
];

/** Files the writer may have left next to the output (temporary files). */
function leftovers(): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.tmp'));
}

describe('outputs that are not regular files are written in place', () => {
  // As root only: creating a device node needs CAP_MKNOD. The device is /dev/null's (1,3), in a private directory.
  it.skipIf(!IS_ROOT && !IN_CI)(`a character device stays a character device${IS_ROOT ? '' : ' (skipped: needs root for mknod)'}`, () => {
    expect(IS_ROOT, 'CI runs as root').toBe(true);
    for (const [name, write] of writers) {
      const dev = join(dir, `null-${name.replace(/\W/g, '')}`);
      sh('mknod', [dev, 'c', '1', '3']);
      const r = write(dev);
      expect(r.status, `${name}: ${r.stderr}`).toBe(0);
      const st = lstatSync(dev);
      expect(st.isCharacterDevice(), `${name} replaced the device node`).toBe(true);
      expect([Number(st.rdev >> 8) & 0xfff, st.rdev & 0xff], name).toEqual([1, 3]);
    }
    expect(leftovers()).toEqual([]);
  });

  it('a FIFO stays a FIFO and its reader gets the whole output', async () => {
    for (const [name, write] of writers.filter(([n]) => n !== 'GNU ld')) {
      const fifo = join(dir, `fifo-${name.replace(/\W/g, '')}`);
      sh('mkfifo', [fifo]);
      const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'inherit'] });
      const got: Buffer[] = [];
      reader.stdout.on('data', (b: Buffer) => got.push(b));
      // With the output renamed over the FIFO instead, cat would wait for a writer forever.
      const timer = setTimeout(() => reader.kill('SIGKILL'), 20_000);
      const done = new Promise<void>((resolve) => reader.on('close', () => resolve()));
      const r = write(fifo);
      await done;
      clearTimeout(timer);
      expect(r.status, `${name}: ${r.stderr}`).toBe(0);
      expect(lstatSync(fifo).isFIFO(), `${name} replaced the FIFO`).toBe(true);
      const bytes = Buffer.concat(got);
      expect(bytes.subarray(0, 4).toString('latin1'), name).toBe('\x7fELF');
    }
    expect(leftovers()).toEqual([]);
  });

  it('a symlink is replaced by the new output and the file it named is untouched, as GNU ld does', () => {
    for (const [name, write] of writers) {
      const target = join(dir, `target-${name.replace(/\W/g, '')}`);
      const link = join(dir, `link-${name.replace(/\W/g, '')}`);
      writeFileSync(target, 'old contents');
      symlinkSync(target, link);
      const r = write(link);
      expect(r.status, `${name}: ${r.stderr}`).toBe(0);
      expect(lstatSync(link).isFile(), `${name} left the symlink`).toBe(true);
      expect(readFileSync(link).subarray(0, 4).toString('latin1'), name).toBe('\x7fELF');
      expect(readFileSync(target, 'latin1'), name).toBe('old contents');
    }
  });

  it('a regular output is still replaced whole (a new inode), never half-written', () => {
    const out = join(dir, 'regular');
    writeFileSync(out, 'old');
    const before = statSync(out).ino;
    const r = ukl('ukl-ld', [obj, '-o', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(statSync(out).ino).not.toBe(before);
    expect(existsSync(out)).toBe(true);
    expect(leftovers()).toEqual([]);
  });
});
