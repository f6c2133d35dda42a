// ukl-ld command-line cases beyond the corpus: -T with the script subset, --start-lib before the
// objects that need it (the `ukl-ld --start-lib glibc/*.o --end-lib app.o` shape), and the options
// that are refused with a reason rather than ignored.
import { describe, expect, it, beforeAll } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LIBC_A, run, sh, ukl } from './helpers/tools.ts';

const L = '/usr/lib/x86_64-linux-gnu';
let dir: string;
let gccLib: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ukl-ld-cli-'));
  writeFileSync(join(dir, 'hello.c'), '#include <stdio.h>\nint main(void) { printf("hello from ukl-ld\\n"); return 3; }\n');
  sh('gcc', ['-O2', '-c', join(dir, 'hello.c'), '-o', join(dir, 'hello.o')]);
  gccLib = sh('gcc', ['-print-file-name=crtbeginT.o']).trim().replace(/\/crtbeginT\.o$/, '');
});

describe('ukl-ld options', () => {
  it('-T with ENTRY, SEARCH_DIR and INPUT links a working program', () => {
    writeFileSync(join(dir, 't.ld'), `ENTRY(_start)\nSEARCH_DIR(${L})\nINPUT(${L}/crt1.o ${L}/crti.o)\n`);
    const out = join(dir, 'hello-t');
    const r = ukl('ukl-ld', ['-static', '-T', join(dir, 't.ld'), '-o', out, `${gccLib}/crtbeginT.o`, join(dir, 'hello.o'), `-L${gccLib}`, `-L${L}`,
      '--start-group', '-lgcc', '-lgcc_eh', '-lc', '--end-group', `${gccLib}/crtend.o`, `${L}/crtn.o`]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const p = run(out, []);
    expect(p.stdout).toBe('hello from ukl-ld\n');
    expect(p.status).toBe(3);
  });

  it('-T with SECTIONS is refused in one line naming the script and line, and writes nothing', () => {
    writeFileSync(join(dir, 'bad.ld'), '/* a comment */\nSECTIONS { .text : { *(.text) } }\n');
    const out = join(dir, 'never');
    const r = ukl('ukl-ld', ['-T', join(dir, 'bad.ld'), join(dir, 'hello.o'), '-o', out]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/bad\.ld:2: SECTIONS/);
    expect(existsSync(out)).toBe(false);
    // GNU ld accepts that script: this is a documented gap, not a parse error.
    expect(run('ld', ['-T', join(dir, 'bad.ld'), join(dir, 'hello.o'), '-o', join(dir, 'gnu-out'), '--unresolved-symbols=ignore-all']).status).toBe(0);
  });

  it('--start-lib objects before the objects that need them are still pulled (lld/gold semantics)', () => {
    const glibc = join(dir, 'glibc');
    mkdirSync(glibc);
    sh('ar', ['x', LIBC_A], { cwd: glibc });
    const members = readdirSync(glibc).map((m) => join(glibc, m));
    const out = join(dir, 'hello-lib');
    const r = ukl('ukl-ld', ['-static', '-o', out, `${L}/crt1.o`, `${L}/crti.o`, `${gccLib}/crtbeginT.o`, '--start-lib', ...members, '--end-lib',
      join(dir, 'hello.o'), `-L${gccLib}`, '--start-group', '-lgcc', '-lgcc_eh', '--end-group', `${gccLib}/crtend.o`, `${L}/crtn.o`]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(run(out, []).stdout).toBe('hello from ukl-ld\n');
    // GNU ld has no --start-lib: the same objects as an archive after hello.o is its equivalent.
    expect(run('ld', ['--start-lib']).stderr).toMatch(/unrecognized option/);
  });

  it('--ukl links a bootable image, entered at the PVH entry (tests/image-*.test.ts boot it)', () => {
    const r = ukl('ukl-ld', ['--ukl', join(dir, 'hello.o'), '-o', join(dir, 'img')]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(existsSync(join(dir, 'img'))).toBe(true);
    expect(run('readelf', ['-n', join(dir, 'img')]).stdout).toMatch(/Xen\s+0x00000008\s+Unknown note type: \(0x00000012\)/);
  });
});
