// Issue 10 item 3: options ukl-ld used to accept and ignore now take effect, checked against GNU ld run with
// the same command line on the same inputs: -z ibt/shstk/x86-64-vN/stack-size/cet-report/execstack, the
// execstack warnings, --warn-common, --unresolved-symbols/--warn-unresolved-symbols, -X/--discard-none.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import * as zlib from 'node:zlib';
import { join } from 'node:path';
import { runUnderTestLd } from './helpers/link.ts';
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

// ---------------------------------------------------------------------------------------------------------
// Options GNU ld has that ukl-ld refused before: each against GNU ld on the same command line.

const bSrc = '.text\n.globl _start\n_start: mov $1, %eax\nret\n.data\n.quad 0x1122334455667788\n.section .rodata\n.asciz "hi"\n.bss\n.zero 64\n.section .note.GNU-stack,"",@progbits\n';

/** name -> address of each section readelf lists, and the PT_LOAD lines. */
async function layoutOf(file: string): Promise<{ addrs: Map<string, string>; loads: string[] }> {
  const text = await readelf(['-lS', file]);
  const addrs = new Map<string, string>();
  for (const m of text.matchAll(/^\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]{16})/gm)) addrs.set(m[1]!, m[2]!);
  return { addrs, loads: text.split('\n').filter((l) => l.trim().startsWith('LOAD')).map((l) => l.trim()) };
}

const sameOutputName = (lines: string[]) => lines.map((l) => l.replace(/\S+\.(?:gnu|ukl)\b/g, 'OUT'));

describe.skipIf(!HAVE_GNU)('addresses: --section-start, -Ttext/-Tdata/-Tbss, -N/-n, --check-sections', () => {
  it('--section-start for orphan sections (mold section-start): the program runs the same, sections where GNU ld puts them, PT_LOADs sorted', async () => {
    writeAll(dir, { 'ss.c': '#include <stdio.h>\n__attribute__((section(".fn1"))) void fn1() { printf(" fn1"); }\n__attribute__((section(".fn2"))) void fn2() { printf(" fn2"); }\nint main() { printf("main"); fn1(); fn2(); printf(" %p %p\\n", fn1, fn2); }\n' });
    const o = await cc(dir, 'ss.c', 'ss.o', ['-fno-PIC']);
    for (const [a, b] of [['0x10000000', '0x20000000'], ['0x20000000', '0x10000000']]) {
      const out = join(dir, `ss-${a}`);
      const r = await gccBoth('gcc', ['-no-pie', o, `-Wl,--section-start=.fn1=${a},--section-start=.fn2=${b}`], out);
      expect(r.ukl.status, describeExec(r.ukl)).toBe(0);
      const run = (await must(exec(`${out}.ukl`, []))).stdout;
      expect(run).toBe((await must(exec(`${out}.gnu`, []))).stdout);
      expect(run).toBe(`main fn1 fn2 ${a} ${b}\n`);
      const u = await layoutOf(`${out}.ukl`);
      const g = await layoutOf(`${out}.gnu`);
      expect([u.addrs.get('.fn1'), u.addrs.get('.fn2')]).toEqual([g.addrs.get('.fn1'), g.addrs.get('.fn2')]);
      const vaddrs = u.loads.map((l) => BigInt(l.split(/\s+/)[2]!));
      expect(vaddrs).toEqual([...vaddrs].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
    }
    // Overlapping addresses: an error, as in GNU ld, unless --no-check-sections.
    const bad = await gccBoth('gcc', ['-no-pie', o, '-Wl,--section-start=.fn1=0x10000000,--section-start=.fn2=0x1000000a'], join(dir, 'ss-bad'));
    expect(bad.gnu.status).not.toBe(0);
    expect(bad.ukl.status).not.toBe(0);
    expect(messages(bad.ukl.stderr).map((l) => l.replace('LD: error: ', 'LD: '))).toEqual(messages(bad.gnu.stderr));
    const ok = await gccBoth('gcc', ['-no-pie', o, '-Wl,--section-start=.fn1=0x10000000,--section-start=.fn2=0x1000000a', '-Wl,--no-check-sections'], join(dir, 'ss-ok'));
    expect(ok.gnu.status).toBe(0);
    expect(ok.ukl.status, describeExec(ok.ukl)).toBe(0);
  });

  it('-Ttext, -Tdata, -Tbss, -N, -n, -N -Ttext: every section at GNU ld\'s address; -N/-n one RWX PT_LOAD with GNU ld\'s warning', async () => {
    writeAll(dir, { 'b.s': bSrc });
    const b = await cc(dir, 'b.s', 'b.o');
    for (const args of [['-Ttext=0x500000'], ['-Tdata=0x600000'], ['-Tbss=0x700000'], ['-Ttext', '0x500000', '-Tdata', '0x600000'], ['-N'], ['-n'], ['-N', '-Ttext=0x1000'], ['--omagic', '--no-omagic']]) {
      const r = await ldBoth(['-o', '@OUT@', b, ...args], join(dir, 'tt'));
      expect(r.ukl.status, describeExec(r.ukl)).toBe(0);
      const g = await layoutOf(join(dir, 'tt.gnu'));
      const u = await layoutOf(join(dir, 'tt.ukl'));
      for (const name of ['.text', '.rodata', '.data', '.bss']) expect(u.addrs.get(name), `${args.join(' ')}: ${name}`).toBe(g.addrs.get(name));
      if (args.includes('-N') || args.includes('-n')) {
        expect(u.loads).toHaveLength(1);
        expect(u.loads[0]).toContain('RWE');
        expect(g.loads[0]).toContain('RWE');
      }
      expect(sameOutputName(messages(r.ukl.stderr)), args.join(' ')).toEqual(sameOutputName(messages(r.gnu.stderr)));
    }
    const quiet = await ldBoth(['-o', '@OUT@', b, '-N', '--no-warn-rwx-segments'], join(dir, 'tt'));
    expect(quiet.ukl.stderr).toBe('');
  });

  it('--oformat=binary writes GNU ld\'s bytes (default layout, and -N -Ttext=0x1000)', async () => {
    const b = join(dir, 'b.o');
    for (const args of [[], ['-N', '-Ttext=0x1000', '--no-warn-rwx-segments']]) {
      const r = await ldBoth(['--oformat=binary', '-o', '@OUT@', b, ...args], join(dir, 'bin'));
      expect(r.ukl.status, describeExec(r.ukl)).toBe(0);
      const g = readFileSync(join(dir, 'bin.gnu'));
      expect(g.length).toBeGreaterThan(0);
      expect(readFileSync(join(dir, 'bin.ukl')).equals(g)).toBe(true);
    }
    expect((await ldBoth(['--oformat=elf64-x86-64', '-o', '@OUT@', b], join(dir, 'bin'))).ukl.status).toBe(0);
  });
});

describe.skipIf(!HAVE_GNU)('sections and symbols: --emit-relocs, --unique, --require-defined, --retain-symbols-file, --cref, --orphan-handling', () => {
  it('--emit-relocs: a .rela section for each output section GNU ld gives one, with its count; each entry agrees with the bytes', async () => {
    writeAll(dir, { 'ea.c': '#include <stdio.h>\nint main() { puts("Hello world"); }\n' });
    const o = await cc(dir, 'ea.c', 'ea.o', ['-fPIC']);
    const out = join(dir, 'q');
    const r = await gccBoth('gcc', [o, '-Wl,-q'], out);
    expect(r.ukl.status, describeExec(r.ukl)).toBe(0);
    expect((await must(exec(`${out}.ukl`, []))).stdout).toBe('Hello world\n');
    const counts = async (f: string) => (await readelf(['-r', f])).split('\n').filter((l) => l.startsWith('Relocation section')).map((l) => l.replace(/ at offset 0x[0-9a-f]+/, '')).sort();
    const g = await counts(`${out}.gnu`);
    expect(g.length).toBeGreaterThan(5);
    expect(await counts(`${out}.ukl`)).toEqual(g);
    // Every emitted 64/PC32/PLT32 relocation in an allocated section: S + A (- P) is what the output holds there.
    const file = readFileSync(`${out}.ukl`);
    const secs = [...(await readelf(['-S', `${out}.ukl`])).matchAll(/^\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]{16})\s+([0-9a-f]+)\s+([0-9a-f]+)/gm)]
      .map((m) => ({ name: m[1]!, addr: BigInt(`0x${m[2]}`), off: parseInt(m[3]!, 16), size: BigInt(`0x${m[4]}`) })).filter((s) => s.addr > 0n);
    const ifuncs = new Set([...(await readelf(['-s', `${out}.ukl`])).matchAll(/ IFUNC .* (\S+)$/gm)].map((m) => m[1]!));
    let checked = 0;
    for (const m of (await readelf(['-r', `${out}.ukl`])).matchAll(/^([0-9a-f]{16})\s+[0-9a-f]+\s+(R_X86_64_64|R_X86_64_PC32|R_X86_64_PLT32)\s+([0-9a-f]{16})\s+(\S+)\s*([+-])\s*([0-9a-f]+)$/gm)) {
      if (ifuncs.has(m[4]!)) continue;
      const place = BigInt(`0x${m[1]}`);
      const sec = secs.find((s) => place >= s.addr && place < s.addr + s.size);
      if (!sec) continue;
      const at = sec.off + Number(place - sec.addr);
      const addend = (m[5] === '-' ? -1n : 1n) * BigInt(`0x${m[6]}`);
      const want = BigInt(`0x${m[3]}`) + addend - (m[2] === 'R_X86_64_64' ? 0n : place);
      const got = m[2] === 'R_X86_64_64' ? file.readBigInt64LE(at) : BigInt(file.readInt32LE(at));
      expect(got, `${m[0]}`).toBe(BigInt.asIntN(m[2] === 'R_X86_64_64' ? 64 : 32, want));
      checked++;
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('--emit-relocs names a local symbol by its own .symtab entry (mold emit-relocs-local-sym)', async () => {
    writeAll(dir, { 'ls.s': '.text\n.globl _start\n_start:\n.reloc _start, BFD_RELOC_64, str\n.space 8\n.data\n.globl str\nstr:\n.string "Hello"\n.section .note.GNU-stack,"",@progbits\n' });
    const o = await cc(dir, 'ls.s', 'ls.o');
    await must(exec('objcopy', ['--localize-symbol=str', o]));
    const r = await ldBoth(['--emit-relocs', '-o', '@OUT@', o], join(dir, 'ls'));
    expect(r.ukl.status, describeExec(r.ukl)).toBe(0);
    const rel = async (f: string) => (await readelf(['-r', f])).split('\n').filter((l) => /\bstr\b/.test(l)).map((l) => l.split(/\s+/).slice(2).join(' '));
    expect(await rel(join(dir, 'ls.ukl'))).toEqual(await rel(join(dir, 'ls.gnu')));
    expect(await rel(join(dir, 'ls.ukl'))).toHaveLength(1);
  });

  it('--unique=PATTERN and --unique (mold arch-x86_64-unique): GNU ld\'s output sections', async () => {
    writeAll(dir, { 'u.s': '.section .data.foo.1,"aw",@progbits\n.ascii "a"\n.section .data.foo.1,"aw",@progbits\n.ascii "b"\n.section .data.foo.2,"aw",@progbits\n.ascii "c"\n.section .data.bar.1,"aw",@progbits\n.ascii "d"\n.section .data.bar.2,"aw",@progbits\n.ascii "e"\n.section .myorphan,"aw",@progbits\n.ascii "f"\n.text\n.globl _start\n_start:\nnop\n.section .note.GNU-stack,"",@progbits\n' });
    const o = await cc(dir, 'u.s', 'u.o');
    writeAll(dir, { 'u2.s': '.section .data.foo.1,"aw",@progbits\n.ascii "g"\n.section .data.bar.1,"aw",@progbits\n.ascii "h"\n.section .note.GNU-stack,"",@progbits\n' });
    const o2 = await cc(dir, 'u2.s', 'u2.o');
    for (const args of [['-unique=*foo*'], ['--unique'], ['--unique=.data.foo.1']]) {
      const r = await ldBoth(['-o', '@OUT@', o, o2, ...args], join(dir, 'uq'));
      expect(r.ukl.status, describeExec(r.ukl)).toBe(0);
      const list = async (f: string) => (await readelf(['-S', f])).split('\n').flatMap((l) => {
        const m = /^\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+\S+\s+\S+\s+([0-9a-f]+)/.exec(l);
        return m && /data|orphan/.test(m[1]!) ? [`${m[1]} ${m[2]}`] : [];
      });
      expect(await list(join(dir, 'uq.ukl')), args.join(' ')).toEqual(await list(join(dir, 'uq.gnu')));
    }
  });

  it('--require-defined: a GC root and an error when nothing defines it, in GNU ld\'s words', async () => {
    await setUp();
    const missing = await ldBoth(['-o', '@OUT@', objs.st!, objs.plain!, '--require-defined=nosuch'], join(dir, 'rq'));
    expect(missing.gnu.status).toBe(1);
    expect(missing.ukl.status).toBe(1);
    expect(messages(missing.ukl.stderr).map((l) => l.replace('LD: error: ', 'LD: '))).toEqual(messages(missing.gnu.stderr));
    writeAll(dir, { 'gc.s': `.section .text.keep,"ax",@progbits\n.globl keepme\nkeepme: ret\n${noteStack}` });
    const gc = await cc(dir, 'gc.s', 'gc.o');
    const r = await ldBoth(['-o', '@OUT@', objs.st!, objs.plain!, gc, '--gc-sections', '--require-defined=keepme'], join(dir, 'rq'));
    expect(r.ukl.status, describeExec(r.ukl)).toBe(0);
    const has = async (f: string) => (await readelf(['-s', f])).includes(' keepme');
    expect(await has(join(dir, 'rq.gnu'))).toBe(true);
    expect(await has(join(dir, 'rq.ukl'))).toBe(true);
  });

  it('--retain-symbols-file keeps exactly the listed symbols GNU ld keeps', async () => {
    await setUp();
    writeAll(dir, { 'keep.txt': 'f\nloc\n_start\nnot_there\n', 'loc.s': `.text\n.globl f\nf: nop\nloc: ret\n${noteStack}` });
    const loc = await cc(dir, 'loc.s', 'loc.o');
    const r = await ldBoth(['-o', '@OUT@', objs.st!, loc, `--retain-symbols-file=${join(dir, 'keep.txt')}`], join(dir, 'rs'));
    expect(r.ukl.status, describeExec(r.ukl)).toBe(0);
    const nm = async (f: string) => (await must(exec('nm', [f]))).stdout;
    expect(await nm(join(dir, 'rs.ukl'))).toBe(await nm(join(dir, 'rs.gnu')));
  });

  it('--cref: GNU ld\'s cross reference table, on standard output and in the -Map file', async () => {
    await setUp();
    const r = await ldBoth(['-o', '@OUT@', '--cref', objs.st!, objs.plain!], join(dir, 'cref'));
    expect(r.ukl.status, describeExec(r.ukl)).toBe(0);
    const table = (t: string) => t.split('\n').filter((l) => !l.startsWith('_GLOBAL_OFFSET_TABLE_')); // GNU ld lists its own GOT symbol too
    expect(table(r.gnu.stdout)).toContain('Cross Reference Table');
    expect(table(r.ukl.stdout)).toEqual(table(r.gnu.stdout));
    const m = await ldBoth(['-o', '@OUT@', '--cref', `-Map=${join(dir, 'cref-@OUT@.map')}`.replace('@OUT@', 'x'), objs.st!, objs.plain!], join(dir, 'cref'));
    expect(m.ukl.status).toBe(0);
  });

  it('--orphan-handling=warn|error|discard, and --print-map-discarded in the -Map file', async () => {
    writeAll(dir, { 'orph.s': `.section .myorph,"aw"\n.byte 1\n.text\n.globl _start\n_start: ret\n${noteStack}` });
    const o = await cc(dir, 'orph.s', 'orph.o');
    for (const mode of ['warn', 'error', 'discard', 'place']) {
      const r = await ldBoth(['-o', '@OUT@', o, `--orphan-handling=${mode}`], join(dir, 'orph'));
      expect(r.ukl.status, mode).toBe(r.gnu.status);
      expect(messages(r.ukl.stderr).map((l) => l.replace(/^LD: error: /, 'LD: error: ')), mode).toEqual(messages(r.gnu.stderr));
      if (mode === 'discard') expect((await readelf(['-S', join(dir, 'orph.ukl')])).includes('.myorph')).toBe(false);
    }
    const discarded = (f: string) => {
      const t = readFileSync(f, 'utf8');
      const a = t.indexOf('Discarded input sections');
      return a < 0 ? [] : t.slice(a).split('\n').slice(2).filter((l, i, all) => l !== '' && all.slice(0, i).every((x) => x !== '')).map((l) => l.replace(/\S*\.o$/, 'FILE'));
    };
    await setUp();
    const ok = await ldBoth(['-o', '@OUT@', objs.st!, objs.plain!, `-Map=${join(dir, 'map.gnu')}`], join(dir, 'm'));
    expect(ok.gnu.status).toBe(0);
    await runUnderTestLd(['-o', join(dir, 'm.ukl'), objs.st!, objs.plain!, `-Map=${join(dir, 'map.ukl')}`]);
    expect(discarded(join(dir, 'map.gnu')).length).toBeGreaterThan(0);
    expect(discarded(join(dir, 'map.ukl'))).toEqual(discarded(join(dir, 'map.gnu')));
    await runUnderTestLd(['-o', join(dir, 'm.ukl'), objs.st!, objs.plain!, `-Map=${join(dir, 'map2.ukl')}`, '--no-print-map-discarded']);
    expect(readFileSync(join(dir, 'map2.ukl'), 'utf8')).not.toContain('Discarded input sections');
  });
});

describe.skipIf(!HAVE_GNU)('files and notes: --dependency-file, --package-metadata, --compress-debug-sections, archives only', () => {
  it('--dependency-file writes GNU ld\'s rule; --package-metadata GNU ld\'s .note.package', async () => {
    await setUp();
    const a = join(dir, 'only.a');
    await must(exec('ar', ['rcs', a, objs.plain!]));
    const r = await ldBoth(['-o', join(dir, 'dep-out'), '--dependency-file=@OUT@', objs.st!, a], join(dir, 'dep'));
    expect(r.ukl.status, describeExec(r.ukl)).toBe(0);
    expect(readFileSync(join(dir, 'dep.ukl'), 'utf8')).toBe(readFileSync(join(dir, 'dep.gnu'), 'utf8'));
    const p = await ldBoth(['-o', '@OUT@', objs.st!, objs.plain!, '--package-metadata={"type":"deb","name":"ukl","version":"1.0"}'], join(dir, 'pkg'));
    expect(p.ukl.status, describeExec(p.ukl)).toBe(0);
    const note = async (f: string) => (await readelf(['-x', '.note.package', f])).split('\n').filter((l) => l.startsWith('  0x')).map((l) => l.slice(13)).join('\n');
    expect(await note(join(dir, 'pkg.gnu'))).toContain('7e1afeca');
    expect(await note(join(dir, 'pkg.ukl'))).toBe(await note(join(dir, 'pkg.gnu')));
  });

  it('a link of archives only (--whole-archive a.a, and a.a -u _start) works as in GNU ld', async () => {
    await setUp();
    const a = join(dir, 'all.a');
    await must(exec('ar', ['rcs', a, objs.st!, objs.plain!]));
    for (const args of [['--whole-archive', a], [a, '-u', '_start']]) {
      const r = await ldBoth(['-o', '@OUT@', ...args], join(dir, 'arc'));
      expect(r.gnu.status).toBe(0);
      expect(r.ukl.status, describeExec(r.ukl)).toBe(0);
      const syms = async (f: string) => (await must(exec('nm', [f]))).stdout.split('\n').filter((l) => / [TtDd] /.test(l)).map((l) => l.split(' ')[2]).sort();
      expect(await syms(join(dir, 'arc.ukl'))).toEqual(await syms(join(dir, 'arc.gnu')));
    }
    // An archive nothing is taken from (mold no-object-file): GNU ld writes an empty program with a warning.
    writeAll(dir, { 'foo.s': '.globl foo\nfoo:\n' });
    const none = join(dir, 'none.a');
    await must(exec('ar', ['rcs', none, await cc(dir, 'foo.s', 'foo.o')]));
    const r = await ldBoth(['-o', '@OUT@', none], join(dir, 'none'));
    expect(r.gnu.status).toBe(0);
    expect(r.ukl.status, describeExec(r.ukl)).toBe(0);
    expect(messages(r.ukl.stderr)).toEqual(messages(r.gnu.stderr));
    const head = async (f: string) => (await readelf(['-h', f])).split('\n').filter((l) => /Entry point|Number of program headers|Start of program headers/.test(l));
    expect(await head(join(dir, 'none.ukl'))).toEqual(await head(join(dir, 'none.gnu')));
  });

  it('--compress-debug-sections=zlib|zlib-gabi|zlib-gnu: the sections GNU ld compresses, the same DWARF once decompressed, a build-id over the result', async () => {
    writeAll(dir, { 'dbg.c': '#include <stdio.h>\nstruct point { int x, y; };\nint norm(struct point p) { return p.x * p.x + p.y * p.y; }\nint main(void) { struct point p = { 3, 4 }; printf("%d\\n", norm(p)); return 0; }\n' });
    const o = await cc(dir, 'dbg.c', 'dbg.o', ['-g', '-O1']);
    const plain = join(dir, 'dbg-plain');
    await gccBoth('gcc', [o], plain);
    const dwarf = async (f: string) => (await readelf(['--debug-dump=info,line,abbrev', f])).replace(/\.zdebug_/g, '.debug_').split('\n').filter((l) => !/^\s*Offset|section at offset/.test(l));
    for (const style of ['zlib', 'zlib-gabi', 'zlib-gnu']) {
      const out = join(dir, `dbg-${style}`);
      const r = await gccBoth('gcc', [o, `-Wl,--compress-debug-sections=${style}`, '-Wl,--build-id'], out);
      expect(r.ukl.status, describeExec(r.ukl)).toBe(0);
      const compressed = async (f: string) => (await readelf(['-S', f])).split('\n').flatMap((l) => {
        const m = /^\s*\[\s*\d+\]\s+(\.z?debug\S*)\s+\S+\s+[0-9a-f]+\s+[0-9a-f]+\s+[0-9a-f]+\s+[0-9a-f]+\s+([A-Z]*)\s+\d+\s+\d+\s+\d+$/.exec(l);
        return m && (m[1]!.startsWith('.zdebug') || m[2]!.includes('C')) ? [m[1]!] : [];
      }).sort();
      const g = await compressed(`${out}.gnu`);
      expect(g.length, style).toBeGreaterThan(0);
      expect(await compressed(`${out}.ukl`), style).toEqual(g);
      expect(await dwarf(`${out}.ukl`), style).toEqual(await dwarf(`${plain}.ukl`));
      expect((await must(exec(`${out}.ukl`, []))).stdout).toBe('25\n');
      // The build-id is the SHA-1 of the file as written, with the id's own bytes zeroed.
      const bytes = readFileSync(`${out}.ukl`);
      const id = /Build ID: ([0-9a-f]+)/.exec(await readelf(['-n', `${out}.ukl`]))![1]!;
      const at = bytes.indexOf(Buffer.from(id, 'hex'));
      bytes.fill(0, at, at + id.length / 2);
      expect(createHash('sha1').update(bytes).digest('hex')).toBe(id);
    }
  });

  it.skipIf(typeof (zlib as unknown as { zstdCompressSync?: unknown }).zstdCompressSync === 'function')('--compress-debug-sections=zstd on a Node without a zstd codec: refused with the reason, nothing written', async () => {
    const o = join(dir, 'dbg.o');
    const r = await ldBoth(['-o', '@OUT@', o, '--compress-debug-sections=zstd', '--unresolved-symbols=ignore-all'], join(dir, 'zstd'));
    expect(r.gnu.status).toBe(0); // GNU ld 2.40 has zstd
    expect(r.ukl.status).toBe(1);
    expect(r.ukl.stderr).toMatch(/zstd: this Node\.js \(v[\d.]+\) has no zstd codec/);
    expect(existsSync(join(dir, 'zstd.ukl'))).toBe(false);
  });
});

describe.skipIf(!HAVE_GNU)('the rest of the option audit against GNU ld', () => {
  it('--no-relax keeps GOTPCRELX loads and calls through the GOT, as GNU ld does; the program still runs', async () => {
    writeAll(dir, { 'nr.c': '#include <stdio.h>\nint main(void) { puts("no relax"); return 0; }\n' });
    const o = await cc(dir, 'nr.c', 'nr.o');
    const out = join(dir, 'nr');
    const r = await gccBoth('gcc', [o, '-Wl,--no-relax'], out);
    expect(r.ukl.status, describeExec(r.ukl)).toBe(0);
    expect((await must(exec(`${out}.ukl`, []))).stdout).toBe('no relax\n');
    const indirect = async (f: string) => (await must(exec('objdump', ['-d', f]))).stdout.split('\n').filter((l) => /call\s+\*0x[0-9a-f]+\(%rip\)/.test(l)).length;
    const g = await indirect(`${out}.gnu`);
    expect(g).toBeGreaterThan(0);
    expect(await indirect(`${out}.ukl`)).toBe(g);
  });

  it('--sort-common lays commons out by alignment, largest first, as GNU ld does', async () => {
    writeAll(dir, { 'cm.c': '__attribute__((aligned(1))) char c1;\n__attribute__((aligned(16))) long long c16[2];\n__attribute__((aligned(4))) int c4;\n__attribute__((aligned(8))) long c8;\n' });
    const o = await cc(dir, 'cm.c', 'cm.o', ['-fcommon']);
    await setUp();
    for (const args of [['--sort-common'], ['--sort-common=descending'], ['--sort-common=ascending']]) {
      const r = await ldBoth(['-o', '@OUT@', objs.st!, objs.plain!, o, ...args], join(dir, 'cm'));
      expect(r.ukl.status, describeExec(r.ukl)).toBe(0);
      const order = async (f: string) => (await must(exec('nm', ['-n', f]))).stdout.split('\n').filter((l) => / c\d+$/.test(l)).map((l) => l.split(' ')[2]);
      expect(await order(join(dir, 'cm.ukl')), args.join(' ')).toEqual(await order(join(dir, 'cm.gnu')));
    }
  });

  it('-z start-stop-visibility, --stats, -z defs/undefs/--no-undefined, -nostdlib with SEARCH_DIR, no PT_GNU_STACK without notes', async () => {
    writeAll(dir, { 'sv.s': `.text\n.globl _start\n_start: ret\n.section foo,"a"\n.byte 1\n.data\n.quad __start_foo\n${noteStack}` });
    const sv = await cc(dir, 'sv.s', 'sv.o');
    for (const v of [[], ['-z', 'start-stop-visibility=hidden'], ['-z', 'start-stop-visibility=default'], ['-z', 'start-stop-visibility=internal']]) {
      await ldBoth(['-o', '@OUT@', sv, ...v], join(dir, 'sv'));
      const vis = async (f: string) => /\s(DEFAULT|HIDDEN|PROTECTED|INTERNAL)\s+\d+ __start_foo$/m.exec(await readelf(['-s', f]))?.[1];
      expect(await vis(join(dir, 'sv.ukl')), v.join(' ')).toBe(await vis(join(dir, 'sv.gnu')));
    }
    const stats = await ldBoth(['-o', '@OUT@', sv, '--stats'], join(dir, 'sv'));
    expect(stats.gnu.stderr).toMatch(/total time in link: [\d.]+/);
    expect(stats.ukl.stderr).toMatch(/ukl-ld: total time in link: [\d.]+\nukl-ld: data size \d+/);
    await setUp();
    for (const args of [['-z', 'defs'], ['-z', 'undefs'], ['--unresolved-symbols=ignore-all', '--no-undefined'], ['--no-undefined', '-z', 'undefs']]) {
      const r = await ldBoth(['-o', '@OUT@', objs.und!, ...args], join(dir, 'zd'));
      expect(r.ukl.status, args.join(' ')).toBe(r.gnu.status);
    }
    // -nostdlib: SEARCH_DIR in a script is not searched
    writeAll(dir, { 'sd.ld': `SEARCH_DIR(${dir})\nINPUT(-lonlyhere)\n` });
    await must(exec('ar', ['rcs', join(dir, 'libonlyhere.a'), objs.plain!]));
    for (const args of [[], ['-nostdlib']]) {
      const r = await ldBoth(['-o', '@OUT@', objs.st!, join(dir, 'sd.ld'), ...args], join(dir, 'sd'));
      expect(r.ukl.status, args.join(' ')).toBe(r.gnu.status);
    }
    // no input has a .note.GNU-stack: GNU ld writes no PT_GNU_STACK (unless -z stack-size asks for one)
    for (const args of [[], ['-z', 'stack-size=0x1000']]) {
      const r = await ldBoth(['-o', '@OUT@', objs.nos!, ...args, '-e', 'f'], join(dir, 'ns'));
      expect(r.ukl.status).toBe(0);
      expect((await propertyAndStack(join(dir, 'ns.ukl'))).stack, args.join(' ')).toBe((await propertyAndStack(join(dir, 'ns.gnu'))).stack);
      expect(messages(r.ukl.stderr)).toEqual(messages(r.gnu.stderr));
    }
  });
});
