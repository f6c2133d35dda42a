// SHF_MERGE sections (src/link/merge.ts): small objects assembled with `as`, linked by GNU ld and by ukl-ld;
// the merged .rodata and the addresses .data takes of its pieces must be GNU ld's. The inputs avoid one
// string being a suffix of another, where GNU ld also merges tails and ukl-ld does not.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ElfFile } from '../src/elf/reader.ts';
import { hashBytes } from '../src/link/piece-table.ts';
import { GNU_LD, describeExec, exec, runUnderTestLd } from './helpers/link.ts';
import { lacking } from './helpers/tools.ts';

const NO_TOOLS = lacking('as', GNU_LD);
const tmp = mkdtempSync(join(tmpdir(), 'ukl-link-merge-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Linked {
  rodata: Uint8Array;
  /** .data as 64-bit words, each made relative to the start of .rodata. */
  refs: number[];
}

async function link(name: string, sources: string[]): Promise<{ gnu: Linked; ukl: Linked }> {
  const objs: string[] = [];
  for (const [i, src] of sources.entries()) {
    const s = join(tmp, `${name}-${i}.s`);
    const o = join(tmp, `${name}-${i}.o`);
    writeFileSync(s, src);
    const r = await exec('as', [s, '-o', o]);
    if (r.status !== 0) throw new Error(describeExec(r));
    objs.push(o);
  }
  const gnuOut = join(tmp, `${name}.gnu`);
  const uklOut = join(tmp, `${name}.ukl`);
  const g = await exec(GNU_LD, ['-static', '-o', gnuOut, ...objs]);
  if (g.status !== 0) throw new Error(describeExec(g));
  const u = await runUnderTestLd(['-static', '-o', uklOut, ...objs]);
  if (u.status !== 0) throw new Error(describeExec(u));
  return { gnu: read(gnuOut), ukl: read(uklOut) };
}

function read(file: string): Linked {
  const elf = new ElfFile(new Uint8Array(readFileSync(file)), { file });
  const rodata = elf.sections.find((s) => s.name === '.rodata');
  const data = elf.sections.find((s) => s.name === '.data');
  if (!rodata || !data) throw new Error(`${file}: no .rodata or .data`);
  const v = new DataView(data.data.buffer, data.data.byteOffset, data.data.byteLength);
  const refs: number[] = [];
  for (let o = 0; o + 8 <= data.data.length; o += 8) refs.push(Number(v.getBigUint64(o, true) - rodata.addr));
  return { rodata: rodata.data, refs };
}

const text = '\t.text\n\t.globl _start\n_start: ret\n';
const asciz = (label: string, s: string) => `${label}: .asciz "${s}"\n`;

describe.skipIf(NO_TOOLS !== '')(`merged sections against GNU ld${NO_TOOLS}`, () => {
  it('strings of 1, 2 and 4-byte characters and 8-byte constants: duplicates within and across objects', async () => {
    const a = `
\t.section .rodata.str1.1,"aMS",@progbits,1
${asciz('s_hello', 'hello world')}${asciz('s_abc', 'abc')}${asciz('s_dup', 'abc')}${asciz('s_x', 'xyz')}
\t.section .rodata.str2.2,"aMS",@progbits,2
\t.balign 2
w_a: .short 0x41, 0x42, 0
w_b: .short 0x43, 0
w_c: .short 0x41, 0x42, 0
\t.section .rodata.str4.4,"aMS",@progbits,4
\t.balign 4
q_a: .long 0x1F600, 0x41, 0
q_b: .long 0x1F600, 0x41, 0
q_c: .long 0x100, 0
\t.section .rodata.cst8,"aM",@progbits,8
\t.balign 8
c_1: .quad 1
c_2: .quad 2
c_1b: .quad 1
\t.data
\t.quad s_hello, s_abc, s_dup, s_x, s_hello+6, s_abc+4, .rodata.str1.1+13
\t.quad w_a, w_b, w_c, w_c+2, q_a, q_b, q_b+4, q_c, c_1, c_2, c_1b, c_1b+8
${text}`;
    const b = `
\t.section .rodata.str1.1,"aMS",@progbits,1
${asciz('t_x', 'xyz')}${asciz('t_new', 'new')}${asciz('t_hw', 'hello world')}
\t.section .rodata.str2.2,"aMS",@progbits,2
\t.balign 2
v_b: .short 0x43, 0
v_d: .short 0x4400, 0
\t.section .rodata.str4.4,"aMS",@progbits,4
\t.balign 4
r_c: .long 0x100, 0
r_a: .long 0x1F600, 0x41, 0
\t.section .rodata.cst8,"aM",@progbits,8
\t.balign 8
d_2: .quad 2
d_3: .quad 3
\t.data
\t.quad t_x, t_new, t_hw, t_hw+1, .rodata.str1.1+4, v_b, v_d, r_c, r_a, d_2, d_3
`;
    const { gnu, ukl } = await link('kinds', [a, b]);
    expect(Buffer.from(ukl.rodata).toString('hex')).toBe(Buffer.from(gnu.rodata).toString('hex'));
    expect(ukl.refs).toEqual(gnu.refs);
  });

  it('strings whose hashes collide stay apart; many strings (the table grows) keep input order', async () => {
    // Two different strings with the same 32-bit hash, found by a birthday search over short names.
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair; i++) {
      const s = `c${i.toString(36)}`;
      const h = hashBytes(Buffer.from(`${s}\0`, 'latin1'), 0, s.length + 1);
      const other = seen.get(h);
      if (other !== undefined) pair = [other, s];
      else seen.set(h, s);
    }
    const [x, y] = pair;
    const many = Array.from({ length: 3000 }, (_, i) => `m${(i * 7919) % 2000}`);
    const a = `
\t.section .rodata.str1.1,"aMS",@progbits,1
${asciz('a_x', x)}${asciz('a_y', y)}${asciz('a_x2', x)}
${many.map((s, i) => asciz(`a_m${i}`, s)).join('')}
\t.data
\t.quad a_x, a_y, a_x2, ${many.map((_, i) => `a_m${i}`).join(', ')}
${text}`;
    const b = `
\t.section .rodata.str1.1,"aMS",@progbits,1
${asciz('b_y', y)}${asciz('b_x', x)}${asciz('b_z', 'zz')}
\t.data
\t.quad b_y, b_x, b_z
`;
    const { gnu, ukl } = await link('collide', [a, b]);
    expect(Buffer.from(ukl.rodata).toString('latin1')).toBe(Buffer.from(gnu.rodata).toString('latin1'));
    expect(ukl.refs).toEqual(gnu.refs);
  });

  it('a string section without a final NUL is copied as it is, and references into it keep their bytes', async () => {
    const a = `
\t.section .rodata.str1.1,"aMS",@progbits,1
${asciz('s_a', 'abc')}
\t.section .rodata.nonul,"aMS",@progbits,1
n_1: .ascii "abc"
n_2: .ascii "def"
\t.data
\t.quad s_a, n_1, n_2
${text}`;
    const b = `
\t.section .rodata.str1.1,"aMS",@progbits,1
${asciz('t_a', 'abc')}${asciz('t_b', 'ghi')}
\t.data
\t.quad t_a, t_b
`;
    const { gnu, ukl } = await link('nonul', [a, b]);
    // GNU ld puts a NUL after the unterminated bytes, ukl-ld does not: compare what the references point at.
    const at = (l: Linked, i: number, n: number) => Buffer.from(l.rodata.subarray(l.refs[i]!, l.refs[i]! + n)).toString('latin1');
    for (let i = 0; i < gnu.refs.length; i++) expect(at(ukl, i, 3)).toBe(at(gnu, i, 3));
    expect(Buffer.from(ukl.rodata).toString('latin1')).toContain('abcdef');
  });
});
