// Error paths of ukl-ld, from the outside (bin/ukl-ld.js run directly, and once through `gcc -B gcc-ld/`).
//
// Each case is linked by ukl-ld and by GNU ld with the same inputs. GNU ld must fail too (the case is a real
// error), and what it names — symbol, objects, archive members, section+offset, relocation type, file — ukl-ld
// must name as well. On top of that ukl-ld must use the lld-style key phrases the project settled on:
//   undefined symbol: foo              >>> referenced by main.o:(.text+0x5)        (one line per reference)
//   duplicate symbol: dup              >>> defined at a.o   …   >>> defined at b.o  (first definition first)
//   relocation R_X86_64_32 out of range (+ the symbol and obj:(section+offset))
//   unrecognized option '--foo'        (GNU ld's wording)
//   LTO objects: an error that says LTO and names the object
// and in every error case: exit status 1, no output file (nor anything else) left in the output directory, and
// an existing older output file left byte-for-byte untouched (lld behaviour; GNU ld deletes it).
// Boundary cases that must link (R_X86_64_32 of 0xffffffff, R_X86_64_32S of 0xffffffff80000000 and
// 0x7fffffff) are checked against GNU ld's bytes.
//
// UKL_LD_REFERENCE_ONLY=1 (or UKL_LD_SUBSTITUTE=PATH) runs the "ukl-ld" side with GNU ld (or PATH) to validate
// this harness: then only the facts cross-checked against GNU ld, the exit status and the no-output checks run
// (the lld-style phrases and the untouched-output check are ukl-ld's own promises).
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GNU_LD,
  SUBSTITUTE_LD,
  describeExec,
  exec,
  prepareUnderTest,
  readTrace,
  runUnderTestLd,
  type ExecResult,
} from './helpers/link.ts';

/** Whose messages the "ukl-ld" side prints. */
const DIALECT: 'ukl' | 'gnu' | 'lld' | 'other' = !SUBSTITUTE_LD
  ? 'ukl'
  : /^ld(\.bfd)?$/.test(basename(SUBSTITUTE_LD))
    ? 'gnu'
    : /lld/.test(basename(SUBSTITUTE_LD))
      ? 'lld'
      : 'other';
const UKL = DIALECT === 'ukl';
/** GNU ld removes an existing output file when a link fails (lld too, when the error shows while writing); ukl-ld must leave it alone. */
const KEEPS_OLD_OUTPUT = UKL;

const tmp = mkdtempSync(join(tmpdir(), 'ukl-link-errors-'));
const NOTE = '\t.section .note.GNU-stack,"",@progbits\n';

const SOURCES: Record<string, string> = {
  'start.s': `\t.text\n\t.globl _start\n_start:\n\tcall main\n\tmovl %eax, %edi\n\tmovl $60, %eax\n\tsyscall\n${NOTE}`,
  'ok.c': 'int main(void) { return 0; }\n',
  // foo is referenced three times: main.o (.text+0x5), user.o in helper and in twice.
  'main.c': 'int foo(void);\nint main(void) { return foo() + 1; }\n',
  'user.c': 'int foo(void);\nint helper(void) { return foo() * 2; }\nint twice(void) { return foo() + 2; }\n',
  'usehelper.c': 'int helper(void);\nint main(void) { return helper(); }\n',
  'a.c': 'int dup(void) { return 1; }\nint foo(void) { return 0; }\n',
  'b.c': 'int dup(void) { return 2; }\n',
  'c.c': 'int dup(void) { return 3; }\nint only_in_c(void) { return 4; }\n',
  'needc.c': 'int only_in_c(void);\nint main(void) { return only_in_c(); }\n',
  'r32.s': `\t.data\n\t.globl val32\nval32:\n\t.long sym\n${NOTE}`,
  'r32s.s': `\t.data\n\t.reloc ., R_X86_64_32S, sym\n\t.long 0\n${NOTE}`,
  'rpc32.s': `\t.data\n\t.long 0\n\t.long sym - .\n${NOTE}`,
  'lto.c': 'int foo(void) { return 42; }\n',
  'local.c': 'static int helper(void) { return 0; }\nint main(void) { return helper(); }\n',
};

/** A copy of an object with every local STT_FUNC symbol's name pointing past the end of .strtab. */
function withLocalNamesPastStrtab(obj: Buffer): Buffer {
  const b = Buffer.from(obj);
  const shoff = Number(b.readBigUInt64LE(40));
  for (let i = 0; i < b.readUInt16LE(60); i++) {
    const sh = shoff + i * 64;
    if (b.readUInt32LE(sh + 4) !== 2 /* SHT_SYMTAB */) continue;
    const off = Number(b.readBigUInt64LE(sh + 24));
    for (let e = off; e < off + Number(b.readBigUInt64LE(sh + 32)); e += 24) {
      if (b[e + 4] === 2 /* STB_LOCAL, STT_FUNC */) b.writeUInt32LE(0x7fff, e);
    }
  }
  return b;
}

beforeAll(async () => {
  for (const [name, text] of Object.entries(SOURCES)) writeFileSync(join(tmp, name), text);
  const jobs = Object.keys(SOURCES).map((name) => {
    const obj = name.replace(/\.[cs]$/, '.o');
    const args = name === 'lto.c' ? ['-c', '-flto', name, '-o', obj] : ['-c', name, '-o', obj];
    return exec('gcc', args, { cwd: tmp });
  });
  for (const r of await Promise.all(jobs)) if (r.status !== 0) throw new Error(describeExec(r));
  writeFileSync(join(tmp, 'badname.o'), withLocalNamesPastStrtab(readFileSync(join(tmp, 'local.o'))));
  for (const [lib, member] of [
    ['libuser.a', 'user.o'],
    ['libdup.a', 'c.o'],
  ]) {
    const r = await exec('ar', ['rcs', lib, member], { cwd: tmp });
    if (r.status !== 0) throw new Error(describeExec(r));
  }
});

afterAll(() => {
  if (process.env.UKL_KEEP_TMP === '1') console.log(`link-errors temp dir kept: ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
});

const OLD_OUTPUT = Buffer.concat([Buffer.from('\x7fELF an older output that a failed link must not touch\n'), Buffer.alloc(4096, 0xa5)]);

interface Failed {
  ukl: ExecResult;
  gnu: ExecResult;
}

/**
 * Link `args` (cwd = the temp dir, objects by relative name) with the linker under test, expecting failure:
 * exit 1, nothing left in a fresh output directory, and an existing output file untouched. GNU ld must fail too.
 */
async function failingLink(name: string, args: string[]): Promise<Failed> {
  const fresh = join(tmp, name, 'fresh');
  const old = join(tmp, name, 'old');
  const gnuDir = join(tmp, name, 'gnu');
  for (const d of [fresh, old, gnuDir]) mkdirSync(d, { recursive: true });

  const ukl = await runUnderTestLd([...args, '-o', join(fresh, 'out')], { cwd: tmp });
  expect(ukl.status, `${name}: exit status\n${describeExec(ukl)}`).toBe(1);
  expect(ukl.stderr.trim(), `${name}: an error message on stderr`).not.toBe('');
  expect(readdirSync(fresh), `${name}: files left in the output directory after a failed link`).toEqual([]);

  const prev = join(old, 'out');
  writeFileSync(prev, OLD_OUTPUT);
  chmodSync(prev, 0o755);
  const again = await runUnderTestLd([...args, '-o', prev], { cwd: tmp });
  expect(again.status, `${name}: exit status with an existing output\n${describeExec(again)}`).toBe(1);
  if (KEEPS_OLD_OUTPUT) {
    expect(existsSync(prev), `${name}: the existing output file was removed`).toBe(true);
    expect(readFileSync(prev).equals(OLD_OUTPUT), `${name}: the existing output file was modified`).toBe(true);
    expect(statSync(prev).mode & 0o777, `${name}: mode of the existing output`).toBe(0o755);
    expect(readdirSync(old), `${name}: stray files next to the existing output`).toEqual(['out']);
  }

  const gnu = await exec(GNU_LD, [...args, '-o', join(gnuDir, 'out')], { cwd: tmp });
  expect(gnu.status, `${name}: GNU ld must reject this case too\n${describeExec(gnu)}`).toBe(1);
  return { ukl, gnu };
}

/** Assert one of ukl-ld's own key phrases (skipped when a substitute linker stands in). */
function expectPhrase(stderr: string, phrase: string | RegExp, what: string) {
  if (!UKL) return;
  if (typeof phrase === 'string') expect(stderr, what).toContain(phrase);
  else expect(stderr, what).toMatch(phrase);
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** GNU ld's undefined-reference diagnostics: [object (or archive(member)), section+offset] per reference. */
function gnuUndefinedRefs(stderr: string, sym: string): { obj: string; loc: string }[] {
  const refs: { obj: string; loc: string }[] = [];
  let obj = '';
  for (const line of stderr.split('\n')) {
    const f = /^(?:\S+: )?(\S+): in function `/.exec(line);
    if (f) obj = f[1];
    const u = new RegExp(`\\((\\.[\\w.]+\\+0x[0-9a-f]+)\\): undefined reference to \`${escape(sym)}'`).exec(line);
    if (u) refs.push({ obj, loc: u[1] });
  }
  return refs;
}

/** GNU ld's "relocation truncated to fit" diagnostics. */
function gnuTruncations(stderr: string): { obj: string; loc: string; type: string; sym: string }[] {
  const out: { obj: string; loc: string; type: string; sym: string }[] = [];
  let obj = '';
  for (const line of stderr.split('\n')) {
    const f = /^(?:\S+: )?(\S+): in function `/.exec(line);
    if (f) obj = f[1];
    const t = /(?:^|\s)(?:(\S+?):)?\((\.[\w.]+\+0x[0-9a-f]+)\): relocation truncated to fit: (R_X86_64_\w+) against (?:symbol )?`([^']+)'/.exec(line);
    if (t) out.push({ obj: t[1] ?? obj, loc: t[2], type: t[3], sym: t[4] });
  }
  return out;
}

describe(`ukl-ld error paths${SUBSTITUTE_LD ? ` (substitute: ${SUBSTITUTE_LD}, dialect ${DIALECT})` : ''}`, () => {
  it('undefined symbol: names the symbol and every reference as object:(section+offset)', async () => {
    const { ukl, gnu } = await failingLink('undefined', ['-static', 'start.o', 'main.o', 'user.o']);
    const refs = gnuUndefinedRefs(gnu.stderr, 'foo');
    expect(refs.map((r) => r.obj), 'GNU ld references (harness self-check)').toEqual(['main.o', 'user.o', 'user.o']);
    expect(ukl.stderr).toContain('foo');
    for (const r of refs) {
      expect(ukl.stderr, `names ${r.obj}`).toContain(r.obj);
      expect(ukl.stderr, `names ${r.loc} like GNU ld`).toContain(`(${r.loc})`);
      expectPhrase(ukl.stderr, new RegExp(`^>>> referenced by ${escape(r.obj)}:\\(${escape(r.loc)}\\)`, 'm'), `lld-style reference line for ${r.obj}:(${r.loc})`);
    }
    expectPhrase(ukl.stderr, /(^|\s)undefined symbol: foo$/m, 'lld-style first line');
    expectPhrase(ukl.stderr, /^(?:\S+: )?error: undefined symbol: foo$/m, 'error: prefix');
  });

  it('undefined symbol referenced from an archive member names archive(member)', async () => {
    const { ukl, gnu } = await failingLink('undefined-archive', ['-static', 'start.o', 'usehelper.o', 'libuser.a']);
    const refs = gnuUndefinedRefs(gnu.stderr, 'foo');
    expect(refs.map((r) => r.obj), `GNU ld references (harness self-check):\n${gnu.stderr}`).toEqual(['libuser.a(user.o)', 'libuser.a(user.o)']);
    expect(ukl.stderr).toContain('foo');
    for (const r of refs) {
      expect(ukl.stderr).toContain(r.obj);
      expect(ukl.stderr).toContain(`(${r.loc})`);
      expectPhrase(ukl.stderr, `>>> referenced by ${r.obj}:(${r.loc})`, 'lld-style archive member reference');
    }
  });

  it('duplicate strong definitions name both objects, the first definition first', async () => {
    const { ukl, gnu } = await failingLink('duplicate', ['-static', 'start.o', 'main.o', 'a.o', 'b.o']);
    expect(gnu.stderr, 'GNU ld (harness self-check)').toMatch(/multiple definition of `dup'; a\.o:/);
    expect(ukl.stderr).toContain('dup');
    expect(ukl.stderr).toContain('a.o');
    expect(ukl.stderr).toContain('b.o');
    expectPhrase(ukl.stderr, /(^|\s)duplicate symbol: dup$/m, 'lld-style first line');
    expectPhrase(ukl.stderr, /^>>> defined at a\.o\b/m, 'first definition');
    expectPhrase(ukl.stderr, /^>>> defined at b\.o\b/m, 'second definition');
    if (UKL) expect(ukl.stderr.indexOf('defined at a.o'), 'a.o (first definition) listed before b.o').toBeLessThan(ukl.stderr.indexOf('defined at b.o'));
  });

  it('duplicate definition pulled in from an archive member names archive(member)', async () => {
    const { ukl, gnu } = await failingLink('duplicate-archive', ['-static', 'start.o', 'needc.o', 'a.o', 'libdup.a']);
    expect(gnu.stderr, 'GNU ld (harness self-check)').toContain('libdup.a(c.o)');
    expect(gnu.stderr).toContain("multiple definition of `dup'");
    expect(ukl.stderr).toContain('libdup.a(c.o)');
    expect(ukl.stderr).toContain('a.o');
    expectPhrase(ukl.stderr, /(^|\s)duplicate symbol: dup$/m, 'lld-style first line');
    expectPhrase(ukl.stderr, /^>>> defined at libdup\.a\(c\.o\)/m, 'archive member definition');
  });

  const overflows: [string, string, string][] = [
    ['R_X86_64_32 of 2^32', 'r32.o', '--defsym=sym=0x100000000'],
    ['R_X86_64_32 of -1 (zero-extended field)', 'r32.o', '--defsym=sym=-1'],
    ['R_X86_64_32S of 2^31 (sign-extended field)', 'r32s.o', '--defsym=sym=0x80000000'],
    ['R_X86_64_PC32 to 2^32', 'rpc32.o', '--defsym=sym=0x100000000'],
  ];
  for (const [title, obj, defsym] of overflows) {
    it(`relocation overflow: ${title}`, async () => {
      const { ukl, gnu } = await failingLink(`overflow-${obj}-${defsym.replace(/\W/g, '')}`, ['-static', 'start.o', 'ok.o', obj, defsym]);
      const t = gnuTruncations(gnu.stderr);
      expect(t.length, `GNU ld truncations (harness self-check):\n${gnu.stderr}`).toBe(1);
      expect(t[0].obj).toBe(obj);
      expect(t[0].sym).toBe('sym');
      expect(ukl.stderr).toContain(t[0].type);
      expect(ukl.stderr).toMatch(/\bsym\b/);
      expect(ukl.stderr).toContain(obj);
      expect(ukl.stderr).toContain(`(${t[0].loc})`);
      expectPhrase(ukl.stderr, `relocation ${t[0].type} out of range`, 'lld-style phrase');
      expectPhrase(ukl.stderr, `${obj}:(${t[0].loc})`, 'location as object:(section+offset)');
    });
  }

  const inRange: [string, string, string][] = [
    ['R_X86_64_32 of 0xffffffff', 'r32.o', '--defsym=sym=0xffffffff'],
    ['R_X86_64_32S of 0xffffffff80000000 (kernel address)', 'r32s.o', '--defsym=sym=0xffffffff80000000'],
    ['R_X86_64_32S of 0x7fffffff', 'r32s.o', '--defsym=sym=0x7fffffff'],
  ];
  for (const [title, obj, defsym] of inRange) {
    it(`in range, links: ${title} (same .data bytes as GNU ld)`, async () => {
      const dir = join(tmp, `inrange-${obj}-${defsym.replace(/\W/g, '')}`);
      mkdirSync(dir, { recursive: true });
      const args = ['-static', 'start.o', 'ok.o', obj, defsym];
      const ukl = await runUnderTestLd([...args, '-o', join(dir, 'ukl')], { cwd: tmp });
      expect(ukl.status, describeExec(ukl)).toBe(0);
      const gnu = await exec(GNU_LD, [...args, '-o', join(dir, 'gnu')], { cwd: tmp });
      expect(gnu.status, describeExec(gnu)).toBe(0);
      const data = async (f: string) => {
        const r = await exec('readelf', ['-x', '.data', f]);
        expect(r.status, describeExec(r)).toBe(0);
        return [...r.stdout.matchAll(/^\s+0x[0-9a-f]+ ((?:[0-9a-f]{2,8} )+)/gm)].map((m) => m[1].replace(/ /g, '')).join('');
      };
      expect(await data(join(dir, 'ukl')), '.data contents').toBe(await data(join(dir, 'gnu')));
    });
  }

  it('a local symbol whose name is past the string table: one line naming the object and the symbol', async () => {
    const { ukl, gnu } = await failingLink('bad-local-name', ['-static', 'start.o', 'badname.o']);
    expect(gnu.stderr, 'GNU ld (harness self-check)').toMatch(/badname\.o: invalid string offset/);
    expect(ukl.stderr).toContain('badname.o');
    expectPhrase(ukl.stderr, /^ukl-ld: error: badname\.o: name of symbol \d+: string offset 0x7fff is past the end of string table section \d+/, 'the symbol and the offset');
    if (UKL) expect(ukl.stderr.trim().split('\n'), 'one line').toHaveLength(1);
  });

  it('unrecognized option', async () => {
    const { ukl, gnu } = await failingLink('unknown-option', ['-static', 'start.o', 'ok.o', '--no-such-option-xyz']);
    expect(gnu.stderr, 'GNU ld (harness self-check)').toContain("unrecognized option '--no-such-option-xyz'");
    expect(ukl.stderr).toContain('--no-such-option-xyz');
    expectPhrase(ukl.stderr, "unrecognized option '--no-such-option-xyz'", "GNU ld's wording");
  });

  it('missing input file', async () => {
    const { ukl, gnu } = await failingLink('missing-file', ['-static', 'start.o', 'ok.o', 'nosuch.o']);
    expect(gnu.stderr, 'GNU ld (harness self-check)').toContain('cannot find nosuch.o: No such file or directory');
    expect(ukl.stderr).toContain('nosuch.o');
    expect(ukl.stderr).toContain('No such file or directory');
  });

  it('missing library (-lnosuchlib)', async () => {
    const { ukl, gnu } = await failingLink('missing-lib', ['-static', 'start.o', 'ok.o', '-L.', '-lnosuchlib']);
    expect(gnu.stderr, 'GNU ld (harness self-check)').toContain('cannot find -lnosuchlib');
    expect(ukl.stderr).toContain('-lnosuchlib');
  });

  it('LTO-only object (gcc -flto) without the plugin: an error that mentions LTO', async () => {
    const { ukl, gnu } = await failingLink('lto', ['-static', 'start.o', 'main.o', 'lto.o']);
    expect(gnu.stderr, 'GNU ld (harness self-check)').toMatch(/lto\.o: plugin needed to handle lto object/);
    expect(ukl.stderr).toContain('lto.o');
    expect(ukl.stderr).toMatch(/\blto\b/i);
    expectPhrase(ukl.stderr, /\bLTO\b/, 'says LTO');
  });

  it('through gcc -B gcc-ld/: collect2 reports the failure and passes ukl-ld’s message through', async () => {
    const dir = join(tmp, 'via-gcc');
    mkdirSync(dir, { recursive: true });
    const underTest = prepareUnderTest(dir);
    const trace = join(dir, 'ukl-ld.args');
    const r = await exec('gcc', ['-B', underTest.bDir, '-static', join(tmp, 'main.o'), '-o', join(dir, 'out')], {
      cwd: dir,
      env: underTest.env(trace),
    });
    expect(readTrace(trace), 'collect2 ran the linker under test').toBeDefined();
    expect(r.status, describeExec(r)).toBe(1);
    expect(r.stderr).toContain('collect2: error: ld returned 1 exit status');
    expect(r.stderr).toContain('foo');
    expect(r.stderr).toContain('main.o');
    expectPhrase(r.stderr, 'undefined symbol: foo', 'lld-style phrase');
    expect(readdirSync(dir).filter((f) => f !== 'ukl-ld.args' && f !== 'node-tracer' && f !== 'substitute-ld'), 'no output left').toEqual([]);
  });
});
