// Issue 10 item 4: --sysroot as GNU ld applies it: -L=dir and -L$SYSROOT/dir, `=` names in scripts, and
// absolute names inside a linker script that lies in the sysroot (Debian's libm.a is such a script). Each
// link is run by GNU ld and by ukl-ld; both must succeed or fail alike and build the same program.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { HAVE_GNU, cc, describeExec, exec, ldBoth, must, scratch, writeAll } from './helpers/gnu-compat.ts';

const dir = scratch('ukl-sysroot-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const LIBDIR = '/usr/lib/x86_64-linux-gnu';
const LIBM_A = join(LIBDIR, 'libm.a');
let gccLib = '';

/** A full static link's inputs around `objs` (crt files from the real system, libc from its real directory). */
function staticLink(objs: string[], extra: string[]): string[] {
  return ['-static', '-o', '@OUT@', join(LIBDIR, 'crt1.o'), join(LIBDIR, 'crti.o'), join(gccLib, 'crtbeginT.o'), ...objs, ...extra,
    `-L${gccLib}`, `-L${LIBDIR}`, '--start-group', '-lgcc', '-lgcc_eh', '-lc', '--end-group', join(gccLib, 'crtend.o'), join(LIBDIR, 'crtn.o')];
}

beforeAll(async () => {
  if (!HAVE_GNU) return;
  gccLib = (await must(exec('gcc', ['-print-file-name=crtbeginT.o']))).stdout.trim().replace(/\/crtbeginT\.o$/, '');
});

describe.skipIf(!HAVE_GNU)('--sysroot (against GNU ld)', () => {
  it('-L=dir, -L=/dir, -L$SYSROOTdir, -L$SYSROOT/dir find the library in the sysroot; a plain relative -L does not (mold sysroot)', async () => {
    writeAll(dir, { 'a.c': 'int foo(void) { return 7; }\n', 'b.c': 'int bar(void) { return 8; }\n', 'c.c': 'int foo(void);\nint main(void) { return foo(); }\n' });
    const [a, b, c] = [await cc(dir, 'a.c', 'a.o'), await cc(dir, 'b.c', 'b.o'), await cc(dir, 'c.c', 'c.o')];
    const root = join(dir, 'root1');
    mkdirSync(join(root, 'foo', 'bar'), { recursive: true });
    await must(exec('ar', ['rcs', join(root, 'foo', 'bar', 'libfoo.a'), a, b]));
    const cases: [string[], boolean][] = [
      [[`--sysroot=${root}/`, '-L=foo/bar'], true],
      [[`--sysroot=${root}/`, '-L=/foo/bar'], true],
      [[`--sysroot=${root}/`, '-L$SYSROOTfoo/bar'], true],
      [[`--sysroot=${root}/`, '-L$SYSROOT/foo/bar'], true],
      [[`--sysroot=${root}`, '-Lfoo/bar'], false],
      [['-L=foo/bar'], false],
    ];
    for (const [args, ok] of cases) {
      const r = await ldBoth(staticLink([c], [...args, '-lfoo']), join(dir, 'l'), { cwd: dir });
      expect(r.gnu.status === 0, `GNU ld: ${args.join(' ')}\n${r.gnu.stderr}`).toBe(ok);
      expect(r.ukl.status === 0, `ukl-ld: ${args.join(' ')}\n${describeExec(r.ukl)}`).toBe(ok);
      if (ok) {
        expect((await exec(join(dir, 'l.ukl'), [])).status).toBe(7);
        expect((await exec(join(dir, 'l.gnu'), [])).status).toBe(7);
      }
    }
  });

  it('scripts: INPUT(=/x.o) anywhere, INPUT(/y.o) in a script inside the sysroot, also when --sysroot has .. in it (mold sysroot2)', async () => {
    const root = join(dir, 'root2', 'sysroot');
    mkdirSync(join(root, 'foo'), { recursive: true });
    mkdirSync(join(dir, 'root2', 'bin'), { recursive: true });
    writeAll(dir, {
      'x.c': 'int hello(void) { return 3; }\n',
      'y.c': 'int hello2(void) { return 4; }\n',
      'm.c': 'int hello(void);\nint hello2(void);\nint main(void) { return hello() * 10 + hello2(); }\n',
      'a.script': 'INPUT(=/foo/x.o)\n',
    });
    await cc(dir, 'x.c', 'root2/sysroot/foo/x.o');
    await cc(dir, 'y.c', 'root2/sysroot/foo/y.o');
    writeAll(root, { 'b.script': 'INPUT(/foo/y.o)\n' });
    const m = await cc(dir, 'm.c', 'm.o');
    for (const sysroot of [root, join(dir, 'root2', 'bin', '..', 'sysroot')]) {
      const r = await ldBoth(staticLink([join(dir, 'a.script'), join(root, 'b.script'), m], [`--sysroot=${sysroot}`]), join(dir, 's2'));
      expect(r.gnu.status, describeExec(r.gnu)).toBe(0);
      expect(r.ukl.status, describeExec(r.ukl)).toBe(0);
      expect((await exec(join(dir, 's2.ukl'), [])).status).toBe(34);
    }
    // The same script outside the sysroot keeps its absolute name (which does not exist): both fail.
    writeAll(dir, { 'b-out.script': 'INPUT(/foo/y.o)\n' });
    const r = await ldBoth(staticLink([join(dir, 'a.script'), join(dir, 'b-out.script'), m], [`--sysroot=${root}`]), join(dir, 's3'));
    expect(r.gnu.status).not.toBe(0);
    expect(r.ukl.status).not.toBe(0);
    expect(r.ukl.stderr).toContain('/foo/y.o');
  });

  it.skipIf(!existsSync(LIBM_A) || !readFileSync(LIBM_A).subarray(0, 7).toString().startsWith('/*'))("Debian's libm.a script in a sysroot: its absolute GROUP names are taken inside the sysroot", async () => {
    // A sysroot holding a copy of the real libm.a script, whose GROUP names archives that, in the sysroot,
    // define cos() to return 42 (so the program shows which archive the link took).
    const text = readFileSync(LIBM_A, 'utf8');
    const names = [...text.matchAll(/\/\S+\.a/g)].map((x) => x[0]);
    expect(names.length).toBeGreaterThan(0);
    const root = join(dir, 'root3');
    mkdirSync(join(root, LIBDIR), { recursive: true });
    copyFileSync(LIBM_A, join(root, LIBM_A));
    writeAll(dir, { 'fakecos.c': 'double cos(double x) { (void)x; return 42.0; }\n', 'usecos.c': 'double cos(double);\nint main(int c, char **v) { (void)v; return (int)cos((double)c); }\n' });
    const fake = await cc(dir, 'fakecos.c', 'fakecos.o');
    for (const [i, name] of names.entries()) {
      mkdirSync(join(root, name, '..'), { recursive: true });
      await must(exec('ar', ['rcs', join(root, name), ...(i === 0 ? [fake] : [])]));
    }
    const use = await cc(dir, 'usecos.c', 'usecos.o');
    const r = await ldBoth(staticLink([use], [`--sysroot=${root}`, `-L=${LIBDIR}`, '-lm']), join(dir, 'libm'));
    expect(r.gnu.status, describeExec(r.gnu)).toBe(0);
    expect(r.ukl.status, describeExec(r.ukl)).toBe(0);
    expect((await exec(join(dir, 'libm.gnu'), [])).status).toBe(42);
    expect((await exec(join(dir, 'libm.ukl'), [])).status).toBe(42);
    // Without --sysroot the same command takes the real libm: cos(1) is 0 as an int.
    const plain = await ldBoth(staticLink([use], [`-L${LIBDIR}`, '-lm']), join(dir, 'libm-real'));
    expect(plain.ukl.status, describeExec(plain.ukl)).toBe(0);
    expect((await exec(join(dir, 'libm-real.ukl'), [])).status).toBe((await exec(join(dir, 'libm-real.gnu'), [])).status);
    expect((await exec(join(dir, 'libm-real.ukl'), [])).status).toBe(0);
  });
});
