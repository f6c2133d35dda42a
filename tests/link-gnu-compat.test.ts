// Issue 10 item 2: links that used to give a silently wrong program, each checked against what GNU ld does
// with the same inputs on this machine (the mold tests common-archive, common-ref, ctors-in-init-array and
// arch-x86_64-comdat-early-elimination, rewritten as differential tests), and the output details GNU ld writes.
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { HAVE_GNU, cc, describeExec, exec, gccBoth, ldBoth, messages, must, readelf, scratch, writeAll } from './helpers/gnu-compat.ts';

const dir = scratch('ukl-gnu-compat-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Both links succeeded; run both programs and return their outputs. */
async function runBoth(out: string): Promise<{ gnu: string; ukl: string }> {
  const g = await must(exec(`${out}.gnu`, []));
  const u = await must(exec(`${out}.ukl`, []));
  return { gnu: g.stdout, ukl: u.stdout };
}

/** name -> [value, ndx] from readelf -s. */
async function symbols(file: string): Promise<Map<string, [string, string]>> {
  const m = new Map<string, [string, string]>();
  for (const line of (await readelf(['-s', file])).split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 8 && /^\d+:$/.test(f[0]!)) m.set(f[7]!, [f[1]!, f[6]!]);
  }
  return m;
}

/** Section name -> [type, flags] from readelf -S. */
async function sections(file: string): Promise<Map<string, { type: string; flags: string; size: number }>> {
  const m = new Map<string, { type: string; flags: string; size: number }>();
  for (const line of (await readelf(['-S', file])).split('\n')) {
    const x = /^\s*\[\s*\d+\]\s+(\S+)\s+(\S+)\s+\S+\s+\S+\s+(\S+)\s+\S+\s+([A-Za-z]*)\s+\d+\s+\d+\s+\d+$/.exec(line);
    if (x) m.set(x[1]!, { type: x[2]!, flags: x[4]!, size: parseInt(x[3]!, 16) });
  }
  return m;
}

describe.skipIf(!HAVE_GNU)('no silently wrong program (against GNU ld)', () => {
  it('an archive member defining a symbol that is only COMMON so far is extracted (mold common-archive, common-ref)', async () => {
    writeAll(dir, {
      'ca.c': '#include <stdio.h>\nint foo;\nint bar;\nextern int baz;\n__attribute__((weak)) int two();\nint main() { printf("%d %d %d %d\\n", foo, bar, baz, two ? two() : -1); }\n',
      'cb.c': 'int foo = 5;\n',
      'cc.c': 'int bar;\nint two() { return 2; }\n',
      'cd.c': 'int baz;\n',
      'cf.c': 'int bar = 0;\nint baz = 7;\nint two() { return 2; }\n',
    });
    for (const x of ['ca', 'cb', 'cc', 'cd', 'cf']) await cc(dir, `${x}.c`, `${x}.o`, ['-fcommon']);
    await must(exec('ar', ['rcs', join(dir, 'ce.a'), join(dir, 'cb.o'), join(dir, 'cc.o'), join(dir, 'cd.o')]));
    await must(exec('ar', ['rcs', join(dir, 'cg.a'), join(dir, 'cb.o'), join(dir, 'cf.o')]));
    for (const [lib, want] of [['ce.a', '5 0 0 -1\n'], ['cg.a', '5 0 7 2\n']] as const) {
      const out = join(dir, `common-${lib}`);
      const r = await gccBoth('gcc', [join(dir, 'ca.o'), join(dir, lib)], out);
      expect(r.gnu.status, describeExec(r.gnu)).toBe(0);
      expect(r.ukl.status, describeExec(r.ukl)).toBe(0);
      const o = await runBoth(out);
      expect(o.gnu).toBe(want); // mold's expectation, which GNU ld meets
      expect(o.ukl).toBe(o.gnu);
    }
  });

  it('.ctors/.dtors merged into .init_array/.fini_array run in GNU ld\'s order (mold ctors-in-init-array)', async () => {
    const fns = [1, 2, 3, 4].map((i) => `static void ctor${i}() { printf("ctor${i} "); }\nstatic void dtor${i}() { printf("dtor${i} "); }\n`).join('');
    const sec = (s: string, name: string, list: string) => `__attribute__((aligned(sizeof(void *)), section("${s}"))) void (*${name}[])() = { ${list} };\n`;
    writeAll(dir, {
      'ia.c': `#include <stdio.h>\n${fns}${sec('.ctors.65435', 'c1', 'ctor1')}${sec('.ctors.65433', 'c2', 'ctor2')}${sec('.ctors', 'c3', 'ctor4, ctor3')}`
        + `${sec('.dtors', 'd1', 'dtor1, dtor2')}${sec('.dtors.65433', 'd2', 'dtor3')}${sec('.dtors.65435', 'd3', 'dtor4')}`,
      'ib.c': '#include <stdio.h>\n__attribute__((constructor(101))) static void init1() { printf("init1 "); }\n'
        + '__attribute__((constructor)) static void init2() { printf("init2 "); }\n'
        + '__attribute__((destructor(101))) static void fini1() { printf("fini1 "); }\n'
        + '__attribute__((destructor)) static void fini2() { printf("fini2 "); }\nint main() {}\n',
    });
    await cc(dir, 'ia.c', 'ia.o');
    await cc(dir, 'ib.c', 'ib.o');
    const out = join(dir, 'ctors');
    const r = await gccBoth('gcc', [join(dir, 'ia.o'), join(dir, 'ib.o')], out);
    expect(r.ukl.status, describeExec(r.ukl)).toBe(0);
    const o = await runBoth(out);
    expect(o.gnu).toBe('ctor1 init1 ctor2 ctor3 ctor4 init2 fini2 dtor1 dtor2 dtor3 fini1 dtor4 ');
    expect(o.ukl).toBe(o.gnu);
  });

  const emptySrc = [
    '.section .foo,"a",@progbits', '.globl infoo', 'infoo:',
    '.section .bar,"aw",@progbits', '.globl inbar', 'inbar:',
    '.section .note.mine,"",@note', '.long 4, 4, 1', '.asciz "ABC"', '.long 7',
    '.text', '.globl _start', '_start: ret', '.section .note.GNU-stack,"",@progbits', '',
  ].join('\n');

  it('--defsym A=B with B defined nowhere is an error, as in GNU ld', async () => {
    writeAll(dir, { 'e.s': emptySrc });
    const e = await cc(dir, 'e.s', 'e.o');
    const r = await ldBoth(['-o', '@OUT@', e, '--defsym', 'A=nosuch'], join(dir, 'defsym'));
    expect(r.gnu.status).toBe(1);
    expect(r.ukl.status).toBe(1);
    const want = messages(r.gnu.stderr).find((l) => l.includes('nosuch'));
    expect(want).toMatch(/undefined symbol `nosuch' referenced in expression/);
    expect(messages(r.ukl.stderr).join('\n')).toContain("undefined symbol `nosuch' referenced in expression");
    // and one that is defined still works
    const ok = await ldBoth(['-o', '@OUT@', e, '--defsym', 'A=_start+4'], join(dir, 'defsym-ok'));
    expect(ok.ukl.status, describeExec(ok.ukl)).toBe(0);
    expect((await symbols(join(dir, 'defsym-ok.ukl'))).get('A')).toEqual((await symbols(join(dir, 'defsym-ok.gnu'))).get('A'));
    // a symbol the linker itself defines counts as defined (mold global-offset-table). (In a link with no GOT at
    // all GNU ld does not define _GLOBAL_OFFSET_TABLE_ for a --defsym and fails; ukl-ld makes the .got.plt.)
    writeAll(dir, { 'got.c': '#include <stdio.h>\nextern char foo;\nint main() { printf("%lx\\n", (unsigned long)&foo); }\n' });
    const gotObj = await cc(dir, 'got.c', 'got.o', ['-fPIC']);
    const got = await gccBoth('gcc', ['-no-pie', gotObj, '-Wl,--defsym=foo=_GLOBAL_OFFSET_TABLE_'], join(dir, 'defsym-got'));
    expect(got.gnu.status).toBe(0);
    expect(got.ukl.status, describeExec(got.ukl)).toBe(0);
    const gotAddr = (await readelf(['-s', join(dir, 'defsym-got.ukl')])).match(/([0-9a-f]{16})\s+\d+\s+\w+\s+\w+\s+\w+\s+\S+\s+_GLOBAL_OFFSET_TABLE_$/m)?.[1];
    expect(gotAddr).toBeDefined();
    expect((await must(exec(join(dir, 'defsym-got.ukl'), []))).stdout.trim()).toBe(BigInt(`0x${gotAddr}`).toString(16));
  });

  it('globals defined in an empty section stay defined, at GNU ld\'s address and section', async () => {
    const e = join(dir, 'e.o');
    const r = await ldBoth(['-o', '@OUT@', e], join(dir, 'empty'));
    expect(r.ukl.status, describeExec(r.ukl)).toBe(0);
    const g = await symbols(join(dir, 'empty.gnu'));
    const u = await symbols(join(dir, 'empty.ukl'));
    for (const name of ['infoo', 'inbar']) {
      expect(g.get(name)?.[1]).not.toBe('UND');
      expect(u.get(name), name).toEqual(g.get(name));
    }
  });

  it('the entry point: a symbol, a number (-e 0x401234), or .text with GNU ld\'s warning — never a silent 0', async () => {
    const e = join(dir, 'e.o');
    for (const [tag, entry] of [['sym', 'infoo'], ['num', '0x401234'], ['missing', 'nosuch']] as const) {
      const r = await ldBoth(['-o', '@OUT@', e, '-e', entry], join(dir, `entry-${tag}`));
      expect(r.ukl.status, describeExec(r.ukl)).toBe(0);
      const eg = /Entry point address:\s+(\S+)/.exec(await readelf(['-h', join(dir, `entry-${tag}.gnu`)]))![1];
      const eu = /Entry point address:\s+(\S+)/.exec(await readelf(['-h', join(dir, `entry-${tag}.ukl`)]))![1];
      expect(eu, tag).toBe(eg);
      expect(messages(r.ukl.stderr), tag).toEqual(messages(r.gnu.stderr));
    }
    expect(messages((await ldBoth(['-o', '@OUT@', e, '-e', 'nosuch'], join(dir, 'entry-w'))).ukl.stderr)).toEqual(['LD: warning: cannot find entry symbol nosuch; defaulting to 0000000000401000']);
  });

  it('the .eh_frame FDE of a discarded COMDAT copy is dropped (mold arch-x86_64-comdat-early-elimination)', async () => {
    writeAll(dir, {
      'ka.s': '.section .text.foo,"axG",@progbits,foo,comdat\n.globl foo\n.type foo, @function\nfoo:\n.cfi_startproc\nret\n.cfi_endproc\n',
      'kb.s': '.section .text.foo,"axG",@progbits,foo,comdat\n.globl foo\n.type foo, @function\nfoo:\n.cfi_startproc\nnop\nret\n.cfi_endproc\n'
        + '.section .text.bar,"ax",@progbits\n.globl bar\nbar:\n.cfi_startproc\nret\n.cfi_endproc\n',
      'kc.s': '.text\n.globl _start\n_start:\ncall foo\ncall bar\nret\n',
    });
    const objs = [await cc(dir, 'ka.s', 'ka.o'), await cc(dir, 'kb.s', 'kb.o'), await cc(dir, 'kc.s', 'kc.o')];
    const r = await ldBoth(['-e', '_start', '-o', '@OUT@', ...objs], join(dir, 'comdat'));
    expect(r.ukl.status, describeExec(r.ukl)).toBe(0);
    const fdes = async (f: string) => (await readelf(['-wf', f])).split('\n').filter((l) => l.includes('FDE cie=')).map((l) => l.replace(/^.* pc=/, 'pc=')); // GNU ld also merges equal CIEs
    const g = await fdes(join(dir, 'comdat.gnu'));
    expect(g).toHaveLength(2); // foo (kept copy) and bar
    expect(await fdes(join(dir, 'comdat.ukl'))).toEqual(g);
  });

  it('C++: inline functions in two objects (COMDAT) with and without --gc-sections: GNU ld\'s FDE count, and exceptions still work', async () => {
    const inline = '#include <stdexcept>\ninline int thrower(int x) { if (x > 2) throw std::runtime_error("boom"); return x * 3; }\n';
    writeAll(dir, {
      'x1.cc': `${inline}int f1(int x) { return thrower(x); }\n`,
      'x2.cc': `${inline}#include <cstdio>\nint f1(int);\nint main(int c, char **) { try { std::printf("%d\\n", f1(c) + thrower(c + 5)); } catch (const std::exception &e) { std::printf("caught %s\\n", e.what()); } return 0; }\n`,
    });
    const objs = [await cc(dir, 'x1.cc', 'x1.o'), await cc(dir, 'x2.cc', 'x2.o')];
    for (const gc of [[], ['-Wl,--gc-sections']]) {
      const out = join(dir, `cxx${gc.length}`);
      const r = await gccBoth('g++', [...gc, ...objs], out);
      expect(r.ukl.status, describeExec(r.ukl)).toBe(0);
      const o = await runBoth(out);
      expect(o.gnu).toBe('caught boom\n');
      expect(o.ukl).toBe(o.gnu);
      const count = async (f: string) => (await readelf(['-wf', f])).split('\n').filter((l) => l.includes('FDE cie=')).length;
      expect(await count(`${out}.ukl`)).toBe(await count(`${out}.gnu`));
    }
  });

  it('a non-allocated SHT_NOTE section is kept, with its contents', async () => {
    const g = await sections(join(dir, 'empty.gnu'));
    const u = await sections(join(dir, 'empty.ukl'));
    expect(g.get('.note.mine')?.type).toBe('NOTE');
    expect(u.get('.note.mine')).toEqual(g.get('.note.mine'));
    const dump = async (f: string) => (await readelf(['-x', '.note.mine', f])).split('\n').filter((l) => l.startsWith('  0x')).join('\n');
    expect(await dump(join(dir, 'empty.ukl'))).toBe(await dump(join(dir, 'empty.gnu')));
  });
});

describe.skipIf(!HAVE_GNU)('output details as GNU ld writes them', () => {
  const src = '#include <stdio.h>\n#include <string.h>\nint main(int c, char **v) { char b[L_tmpnam]; if (c > 5) tmpnam(b); printf("%zu\\n", strlen(v[0])); return 0; }\n';

  it('EI_OSABI: GNU when the output has IFUNCs (glibc), System V when not; readelf then decodes __libc_atexit as GNU ld\'s', async () => {
    writeAll(dir, { 'w.c': src });
    const w = await cc(dir, 'w.c', 'w.o', ['-O1']);
    const out = join(dir, 'osabi');
    const r = await gccBoth('gcc', [w], out);
    expect(r.ukl.status, describeExec(r.ukl)).toBe(0);
    const abi = async (f: string) => /OS\/ABI:\s+(.*)/.exec(await readelf(['-h', f]))![1];
    expect(await abi(`${out}.gnu`)).toBe('UNIX - GNU');
    expect(await abi(`${out}.ukl`)).toBe(await abi(`${out}.gnu`));
    expect((await sections(`${out}.ukl`)).get('__libc_atexit')?.flags).toBe((await sections(`${out}.gnu`)).get('__libc_atexit')?.flags);
    // no IFUNC anywhere: ELFOSABI_NONE, as GNU ld leaves it
    expect(await abi(join(dir, 'empty.ukl'))).toBe(await abi(join(dir, 'empty.gnu')));
    expect(await abi(join(dir, 'empty.ukl'))).toBe('UNIX - System V');
  });

  it('.comment and the debug strings: merged (tails too), flags MS kept, no leading NUL — the sizes GNU ld gives', async () => {
    const wg = await cc(dir, 'w.c', 'wg.o', ['-O1', '-g']);
    const out = join(dir, 'strs');
    const r = await gccBoth('gcc', [wg], out);
    expect(r.ukl.status, describeExec(r.ukl)).toBe(0);
    const g = await sections(`${out}.gnu`);
    const u = await sections(`${out}.ukl`);
    for (const name of ['.comment', '.debug_str', '.debug_line_str']) {
      expect(g.get(name)?.flags, name).toBe('MS');
      expect(u.get(name), name).toEqual(g.get(name));
    }
    const comment = (f: string) => readelf(['-p', '.comment', f]);
    expect(await comment(`${out}.ukl`)).toBe(await comment(`${out}.gnu`));
    expect(await comment(`${out}.ukl`)).toMatch(/\[\s+0\]\s+GCC:/);
    // every string GNU ld's output has, ukl-ld's has (and no others)
    const strs = async (f: string) => (await readelf(['-p', '.debug_str', f])).split('\n').filter((l) => /^\s+\[/.test(l)).map((l) => l.replace(/^\s+\[\s*[0-9a-f]+\]\s+/, '')).sort();
    expect(await strs(`${out}.ukl`)).toEqual(await strs(`${out}.gnu`));
    // gdb-free check that references into the merged strings still land on the right names
    const names = async (f: string) => (await readelf(['--debug-dump=info', f])).split('\n').filter((l) => l.includes('DW_AT_name')).map((l) => l.replace(/^.*\): /, ''));
    expect(await names(`${out}.ukl`)).toEqual(await names(`${out}.gnu`));
  });

  it('a .gnu.warning about a symbol referenced from code names the function and the offset, as GNU ld prints it', async () => {
    const out = join(dir, 'gnuwarn');
    const r = await gccBoth('gcc', [join(dir, 'w.o')], out);
    expect(r.ukl.status, describeExec(r.ukl)).toBe(0);
    const g = messages(r.gnu.stderr);
    expect(g.join('\n')).toMatch(/in function `main':\n.*\(\.text\+0x[0-9a-f]+\): warning: the use of `tmpnam'/);
    expect(messages(r.ukl.stderr)).toEqual(g);
    expect(readFileSync(`${out}.ukl`).length).toBeGreaterThan(0);
  });
});
