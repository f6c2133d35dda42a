// Issue 10 item 3: options ukl-ld used to accept and ignore now take effect, checked against GNU ld run with
// the same command line on the same inputs: -z ibt/shstk/x86-64-vN/stack-size/cet-report/execstack, the
// execstack warnings, --warn-common, --unresolved-symbols/--warn-unresolved-symbols, -X/--discard-none.
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { HAVE_GNU, cc, describeExec, exec, gccBoth, ldBoth, messages, must, readelf, scratch, writeAll } from './helpers/gnu-compat.ts';

const dir = scratch('ukl-options-gnu-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const noteStack = '.section .note.GNU-stack,"",@progbits\n';
let objs: Record<string, string> = {};

async function setUp(): Promise<void> {
  if (Object.keys(objs).length) return;
  writeAll(dir, {
    'st.s': `.text\n.globl _start\n_start: call f\nret\n${noteStack}`,
    'xs.s': '.text\n.globl f\nf: ret\n.section .note.GNU-stack,"x",@progbits\n',
    'nos.s': '.text\n.globl f\nf: ret\n',
    'plain.s': `.text\n.globl f\nf: ret\n${noteStack}`,
    'cet.c': 'int h(void) { return 1; }\n',
    'und.s': `.text\n.globl _start\n_start: call undefd\nret\n${noteStack}`,
    'wc1.c': 'int cm;\nint cm2;\n',
    'wc2.c': 'int cm;\nlong cm2;\nint cm3;\n',
    'wc3.c': 'int cm3 = 1;\n',
  });
  for (const x of ['st', 'xs', 'nos', 'plain', 'und']) objs[x] = await cc(dir, `${x}.s`, `${x}.o`);
  objs.cet = await cc(dir, 'cet.c', 'cet.o', ['-fcf-protection=full']);
  for (const x of ['wc1', 'wc2', 'wc3']) objs[x] = await cc(dir, `${x}.c`, `${x}.o`, ['-fcommon']);
}

/** The note's bytes and PT_GNU_STACK, which GNU ld and ukl-ld must agree on. */
async function propertyAndStack(file: string): Promise<{ note: string; stack: string }> {
  const note = (await exec('readelf', ['-x', '.note.gnu.property', file])).stdout.split('\n').filter((l) => l.startsWith('  0x')).map((l) => l.slice(13, 48)).join('\n');
  const stack = (await readelf(['-l', file])).split('\n').find((l) => l.includes('GNU_STACK'))?.trim() ?? '';
  return { note, stack };
}

describe.skipIf(!HAVE_GNU)('-z keywords that mark the output (against GNU ld)', () => {
  const cases: [string, string[]][] = [
    ['ibt', ['-z', 'ibt']],
    ['shstk', ['-z', 'shstk']],
    ['ibt+shstk', ['-z', 'ibt', '-z', 'shstk']],
    ['x86-64-v2', ['-z', 'x86-64-v2']],
    ['x86-64-v3', ['-z', 'x86-64-v3']],
    // (`-z x86-64-baseline` makes GNU ld 2.40 abort with an internal error in elfxx-x86.c: no oracle for it)
    ['x86-64-v4', ['-z', 'x86-64-v4']],
    ['stack-size+ibt', ['-z', 'stack-size=0x12345', '-z', 'ibt']],
    ['stack-size', ['-z', 'stack-size=0x12345']],
    ['all', ['-z', 'stack-size=0x800000', '-z', 'x86-64-v3', '-z', 'ibt']],
    ['none', []],
  ];
  for (const [name, z] of cases) {
    for (const inputs of [['st', 'plain'], ['st', 'plain', 'cet']]) {
      it(`${z.join(' ') || '(nothing)'} over ${inputs.join('+')}: the .note.gnu.property bytes and PT_GNU_STACK are GNU ld's`, async () => {
        await setUp();
        const r = await ldBoth(['-o', '@OUT@', ...inputs.map((x) => objs[x]!), ...z], join(dir, `z-${name}-${inputs.length}`));
        expect(r.gnu.status, describeExec(r.gnu)).toBe(0);
        expect(r.ukl.status, describeExec(r.ukl)).toBe(0);
        const g = await propertyAndStack(join(dir, `z-${name}-${inputs.length}.gnu`));
        expect(await propertyAndStack(join(dir, `z-${name}-${inputs.length}.ukl`))).toEqual(g);
        if (z.length) expect(g.note + g.stack).not.toBe('');
      });
    }
  }

  it('-z ibt over glibc: the IPLT entries start with endbr64, as GNU ld writes them', async () => {
    writeAll(dir, { 'hello.c': '#include <string.h>\n#include <stdio.h>\nint main(int c, char **v) { printf("%zu\\n", strlen(v[0])); return 0; }\n' });
    const hello = await cc(dir, 'hello.c', 'hello.o', ['-O1', '-fcf-protection=full']);
    const out = join(dir, 'ibt-plt');
    const r = await gccBoth('gcc', ['-Wl,-z,ibt', hello], out);
    expect(r.ukl.status, describeExec(r.ukl)).toBe(0);
    const plt = async (f: string) => (await must(exec('objdump', ['-d', '-j', '.plt', f]))).stdout.split('\n')
      .filter((l) => /^\s+[0-9a-f]+:\t/.test(l)).map((l) => l.split('\t')[2]!.replace(/\s+#.*$/, '').replace(/0x[0-9a-f]+/g, 'N').trim());
    const g = await plt(`${out}.gnu`);
    expect(g[0]).toBe('endbr64');
    expect(await plt(`${out}.ukl`)).toEqual(g);
    expect((await must(exec(`${out}.ukl`, ['x']))).stdout).toBe((await must(exec(`${out}.gnu`, ['x']))).stdout);
  });

  it('-z cet-report=warning|error names the inputs without IBT/SHSTK that -z ibt/-z shstk do not cover', async () => {
    await setUp();
    for (const args of [['-z', 'cet-report=warning'], ['-z', 'cet-report=warning', '-z', 'ibt'], ['-z', 'cet-report=error', '-z', 'shstk'], ['-z', 'cet-report=error', '-z', 'ibt', '-z', 'shstk'], ['-z', 'cet-report=none']]) {
      const r = await ldBoth(['-o', '@OUT@', objs.st!, objs.plain!, objs.cet!, ...args], join(dir, 'cet'));
      expect(r.ukl.status, args.join(' ')).toBe(r.gnu.status);
      const strip = (l: string[]) => l.map((x) => x.replace('LD: error: ', 'LD: ').replace(/: error: /, ': '));
      expect(strip(messages(r.ukl.stderr)), args.join(' ')).toEqual(strip(messages(r.gnu.stderr)));
    }
  });
});

describe.skipIf(!HAVE_GNU)('executable stack: -z execstack/noexecstack, the warnings GNU ld 2.40 prints', () => {
  const cases: [string, string[]][] = [
    ['exec note', ['st', 'xs']],
    ['no note', ['st', 'nos']],
    ['exec note, -z execstack', ['st', 'xs', '-z', 'execstack']],
    ['exec note, -z noexecstack', ['st', 'xs', '-z', 'noexecstack']],
    ['exec note, --no-warn-execstack', ['st', 'xs', '--no-warn-execstack']],
    ['no note, --no-warn-execstack', ['st', 'nos', '--no-warn-execstack']],
    ['-z execstack', ['st', 'plain', '-z', 'execstack']],
    ['-z execstack --warn-execstack', ['st', 'plain', '-z', 'execstack', '--warn-execstack']],
    ['plain', ['st', 'plain']],
  ];
  for (const [name, args] of cases) {
    it(name, async () => {
      await setUp();
      const r = await ldBoth(['-o', '@OUT@', ...args.map((a) => objs[a] ?? a)], join(dir, 'stack'));
      expect(r.ukl.status, describeExec(r.ukl)).toBe(0);
      expect((await propertyAndStack(join(dir, 'stack.ukl'))).stack).toBe((await propertyAndStack(join(dir, 'stack.gnu'))).stack);
      expect(messages(r.ukl.stderr)).toEqual(messages(r.gnu.stderr));
    });
  }
});

describe.skipIf(!HAVE_GNU)('--warn-common, --unresolved-symbols, --warn-unresolved-symbols, -X, --discard-none', () => {
  it('--warn-common: GNU ld\'s warnings for commons meeting commons and definitions, in its order', async () => {
    await setUp();
    for (const order of [['wc1', 'wc2', 'wc3'], ['wc3', 'wc2', 'wc1']]) {
      const r = await ldBoth(['-o', '@OUT@', objs.st!, objs.plain!, ...order.map((x) => objs[x]!), '--warn-common'], join(dir, 'wc'));
      expect(r.ukl.status, describeExec(r.ukl)).toBe(0);
      const g = messages(r.gnu.stderr);
      expect(g.length).toBeGreaterThan(2);
      expect(messages(r.ukl.stderr)).toEqual(g);
    }
    const quiet = await ldBoth(['-o', '@OUT@', objs.st!, objs.plain!, objs.wc1!, objs.wc2!], join(dir, 'wc'));
    expect(quiet.ukl.stderr).toBe('');
  });

  it('an undefined reference: error, ignored or a warning as each --unresolved-symbols / --warn-unresolved-symbols form makes it', async () => {
    await setUp();
    for (const args of [[], ['--warn-unresolved-symbols'], ['--unresolved-symbols=ignore-all'], ['--unresolved-symbols=ignore-in-object-files'], ['--unresolved-symbols=report-all'],
      ['--unresolved-symbols=ignore-in-shared-libs'], ['--unresolved-symbols=ignore-all', '--error-unresolved-symbols'], ['--warn-unresolved-symbols', '--error-unresolved-symbols'],
      ['--warn-unresolved-symbols', '--unresolved-symbols=report-all']]) {
      const r = await ldBoth(['-o', '@OUT@', objs.und!, ...args], join(dir, 'unres'));
      expect(r.ukl.status, args.join(' ')).toBe(r.gnu.status);
      // both mention the symbol exactly when GNU ld does (the wording is ukl-ld's lld-style block)
      expect(r.ukl.stderr.includes('undefd'), args.join(' ')).toBe(r.gnu.stderr.includes('undefd'));
      expect(/warning/.test(r.ukl.stderr), args.join(' ')).toBe(/warning/.test(r.gnu.stderr));
    }
    expect((await ldBoth(['-o', '@OUT@', objs.und!, '--unresolved-symbols=bogus'], join(dir, 'unres'))).ukl.stderr).toContain('bad --unresolved-symbols option: bogus');
  });

  it('local symbols kept: GNU ld\'s default (.L labels dropped only in SHF_MERGE sections), -X, --discard-none, -x', async () => {
    writeAll(dir, { 'dl.s': `.text\n.globl _start\n_start:\n.Ltext_label: nop\nloc_text: ret\n.section .rodata.str1.1,"aMS",@progbits,1\n.Lstr: .asciz "hello"\nloc_str: .asciz "world"\n.data\n.quad .Lstr\n${noteStack}` });
    const o = join(dir, 'dl.o');
    await must(exec('as', ['-L', join(dir, 'dl.s'), '-o', o]));
    for (const args of [[], ['-X'], ['--discard-none'], ['-x'], ['--discard-locals'], ['--discard-all']]) {
      await ldBoth(['-o', '@OUT@', o, ...args], join(dir, 'dl'));
      const locals = async (f: string) => (await must(exec('nm', [f]))).stdout.split('\n').filter((l) => / [a-z] /.test(l)).sort();
      const g = await locals(join(dir, 'dl.gnu'));
      expect(await locals(join(dir, 'dl.ukl')), args.join(' ')).toEqual(g);
    }
  });
});
