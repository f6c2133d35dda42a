// Relocation types no compiled program in the corpus produces (R_X86_64_SIZE32/SIZE64, PC8/PC16, 8/16,
// GOT32, GOTPCREL64), assembled with `as` and linked by GNU ld and by ukl-ld: the relocated bytes must be
// GNU ld's, and at the edges of each field both linkers must accept or refuse the same values (GNU ld
// checks 8/16/PC16 as bitfields, PC8 as signed).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ElfFile } from '../src/elf/index.ts';
import { GNU_LD, Pool, describeExec, exec, runUnderTestLd, type ExecResult } from './helpers/link.ts';
import { lacking, sh } from './helpers/tools.ts';

const NO_TOOLS = lacking('as', GNU_LD);
const pool = new Pool(2);
let tmp = '';
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ukl-relocs-gnu-'));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function assemble(name: string, source: string): string {
  const s = join(tmp, `${name}.s`);
  const o = join(tmp, `${name}.o`);
  writeFileSync(s, source);
  sh('as', ['-o', o, s]);
  return o;
}

/** Links with both linkers; the outputs' paths and results. */
async function linkBoth(tag: string, objs: string[]): Promise<{ gnu: ExecResult; ukl: ExecResult; gnuOut: string; uklOut: string }> {
  const gnuOut = join(tmp, `${tag}.gnu`);
  const uklOut = join(tmp, `${tag}.ukl`);
  const [gnu, ukl] = await Promise.all([
    pool.run(() => exec(GNU_LD, ['-static', '-o', gnuOut, ...objs])),
    pool.run(() => runUnderTestLd(['-static', '-o', uklOut, ...objs])),
  ]);
  return { gnu, ukl, gnuOut, uklOut };
}

/** `size` bytes of an executable at the address of symbol `sym`. */
function bytesAt(exe: string, sym: string, size: number): number[] {
  const elf = new ElfFile(new Uint8Array(readFileSync(exe)), { file: exe });
  const s = elf.symbols().find((x) => x.name === sym);
  if (!s) throw new Error(`${exe}: no symbol ${sym}`);
  const sec = elf.sections[s.shndx]!;
  const at = Number(s.value - sec.addr);
  return [...sec.data.subarray(at, at + size)];
}

function sectionSize(obj: string, name: string): number {
  const sec = new ElfFile(new Uint8Array(readFileSync(obj)), { file: obj }).sectionByName(name);
  if (!sec) throw new Error(`${obj}: no ${name}`);
  return sec.data.length;
}

// The references, with addends, in one object; what they refer to in another (so `as` must leave relocations).
// Absolute references name .text symbols: both linkers start .text at the same address, while .data may
// sit elsewhere (ukl-ld's layout after .text is its own), and that is not what these tests are about.
const REFS = `
  .text
  .globl _start
_start:
  ret
  .byte near - .
  .byte near - . + 3
  .word near - .
  .word far16 - . - 5
  call near
  movl far16 + 4, %eax
  .long near - . + 7
  .quad far16 - .
  .section .data.refs,"aw"
  .globl refs
refs:
  .quad near + 3
  .long far16 + 8
  .long obj@SIZE
  .long obj@SIZE + 5
  .quad obj@SIZE
  .quad obj@SIZE - 3
  .byte abs8
  .byte abs8 + 1
  .word abs16
  .word abs16 - 2
  .long foo@GOT
  .long bar@GOT + 4
  .quad foo@GOTPCREL
  .quad bar@GOTPCREL + 8
`;
const DEFS = `
  .text
  .globl near, far16
near:
  nop
  .zero 3000
far16:
  ret
  .data
  .globl obj, foo, bar
  .type obj,@object
  .size obj, 40
obj: .zero 40
  .type foo,@object
  .size foo, 8
foo: .quad 1
  .type bar,@object
  .size bar, 8
bar: .quad 2
  .globl abs8, abs16
  abs8 = 0x7e
  abs16 = 0x7ffe
`;

describe.skipIf(NO_TOOLS !== '')(`relocation types no compiled program uses, against GNU ld${NO_TOOLS}`, () => {
  it('SIZE32, SIZE64, PC8, PC16, 8, 16, GOT32, GOTPCREL64 (and PC32, PLT32, 32, 32S, 64, PC64 beside them): the relocated bytes are GNU ld\'s', async () => {
    const a = assemble('refs', REFS);
    const b = assemble('defs', DEFS);
    // the object really carries every type this test is about (readelf, not our reader)
    const types = new Set(sh('readelf', ['-r', '-W', a]).split('\n').map((l) => /\b(R_X86_64_\w+)/.exec(l)?.[1]).filter(Boolean));
    for (const t of ['SIZE32', 'SIZE64', 'PC8', 'PC16', '8', '16', 'GOT32', 'GOTPCREL64', 'PC32', 'PLT32', '32', '32S', '64', 'PC64']) expect(types, t).toContain(`R_X86_64_${t}`);
    const r = await linkBoth('all', [a, b]);
    expect(r.gnu.status, describeExec(r.gnu)).toBe(0);
    expect(r.ukl.status, describeExec(r.ukl)).toBe(0);
    const text = sectionSize(a, '.text');
    const data = sectionSize(a, '.data.refs');
    expect(bytesAt(r.uklOut, '_start', text), '.text of refs.o').toEqual(bytesAt(r.gnuOut, '_start', text));
    expect(bytesAt(r.uklOut, 'refs', data), '.data.refs of refs.o').toEqual(bytesAt(r.gnuOut, 'refs', data));
  });

  // One field per case. Absolute (8, 16): `.byte absv` with absv = value in another object. PC-relative
  // (PC8, PC16): `.byte target - .` with target in another object's .text, placed by padding so that
  // target - P is the value (both linkers concatenate the two .text sections, alignment 1, in link order).
  const edges: [string, string, boolean, number[]][] = [
    ['R_X86_64_8', '.byte', false, [-257, -256, -129, -128, 255, 256]],
    ['R_X86_64_16', '.word', false, [-65537, -65536, -32769, -32768, 65535, 65536]],
    ['R_X86_64_PC8', '.byte', true, [-129, -128, 127, 128, 255]],
    ['R_X86_64_PC16', '.word', true, [-65537, -65536, -32769, -32768, 32767, 32768, 65535, 65536]],
  ];
  for (const [type, directive, pc, values] of edges) {
    const width = directive === '.byte' ? 1 : 2;
    it(`${type} at the edges of its field (${values.join(', ')}): accepted or refused as GNU ld does, same bytes when accepted`, async () => {
      const out = await Promise.all(values.map(async (v) => {
        const tag = `${type}.${v}`;
        const a = assemble(`${tag}.refs`, `  .text\n  .globl _start\n_start:\n  ret\n  .globl field\nfield:\n  ${directive} ${pc ? 'target - .' : 'absv'}\n`);
        let b: string;
        let objs: string[];
        if (!pc) {
          b = assemble(`${tag}.defs`, `  .globl absv\n  absv = ${v}\n`);
          objs = [a, b];
        } else if (v >= width) {
          // field at base + 1, target at base + 1 + width + padding
          b = assemble(`${tag}.defs`, `  .text\n  .zero ${v - width}\n  .globl target\ntarget:\n  ret\n`);
          objs = [a, b];
        } else {
          // target at base, field at base + padding + 1
          b = assemble(`${tag}.defs`, `  .text\n  .globl target\ntarget:\n  .zero ${-v - 1}\n`);
          objs = [b, a];
        }
        expect(sh('readelf', ['-r', '-W', a])).toContain(type);
        const r = await linkBoth(tag, objs);
        const gnuOk = r.gnu.status === 0;
        const same = gnuOk && r.ukl.status === 0 ? bytesAt(r.uklOut, 'field', width).join() === bytesAt(r.gnuOut, 'field', width).join() : true;
        return { v, gnu: gnuOk ? 'accepts' : 'refuses', ukl: r.ukl.status === 0 ? 'accepts' : r.ukl.status === 1 && /out of range/.test(r.ukl.stderr) ? 'refuses' : describeExec(r.ukl), same };
      }));
      expect(out.map((x) => `${x.v}: ${x.ukl}${x.same ? '' : ' (other bytes)'}`)).toEqual(out.map((x) => `${x.v}: ${x.gnu}`));
      // the edges are edges: GNU ld refuses some and accepts some of them
      expect(new Set(out.map((x) => x.gnu)).size).toBe(2);
    });
  }
});
