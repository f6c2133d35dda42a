// ukl-objdump against GNU objdump on the system's libc.a and on a static executable built here.
import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LIBC_A, lacking, sh, ukl, run } from './helpers/tools.ts';
import { walkSyscalls } from './helpers/syscall-walk.ts';
import { knownClass, recordedMismatches } from './helpers/known-mismatches.ts';

let work: string;
let exe: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ukl-objdump-'));
  writeFileSync(join(work, 'hello.c'), '#include <stdio.h>\n__thread int tv = 3;\nint main(int c, char **v) { printf("hello %d %s\\n", tv + c, v[0]); return 0; }\n');
  exe = join(work, 'hello');
  sh('gcc', ['-static', '-O2', '-o', exe, join(work, 'hello.c')]);
});

/** GNU objdump's text, with the file name it was given made the same as ours. */
function gnu(args: string[]): string {
  return sh('objdump', args);
}

function ours(args: string[]): string {
  const r = ukl('ukl-objdump', args);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout;
}

function firstDifference(a: string, b: string): string {
  const la = a.split('\n');
  const lb = b.split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return `line ${i + 1}:\n  ours: ${JSON.stringify(la[i])}\n  gnu:  ${JSON.stringify(lb[i])}`;
  }
  return 'identical';
}

describe('headers, symbols, relocations and contents equal GNU objdump', () => {
  for (const flag of ['-h', '-t', '-r']) {
    it(`${flag} over every member of libc.a`, () => {
      const a = ours([flag, LIBC_A]);
      const b = gnu([flag, LIBC_A]);
      expect(a.length).toBeGreaterThan(1000);
      expect(firstDifference(a, b)).toBe('identical');
    });
  }

  it('-s over every member of libc.a', () => {
    const a = ours(['-s', LIBC_A]);
    const b = gnu(['-s', LIBC_A]);
    expect(firstDifference(a, b)).toBe('identical');
  });

  for (const flag of ['-x', '-h', '-t', '-f', '-p', '-s']) {
    it(`${flag} on a static executable`, () => {
      const a = ours([flag, exe]);
      const b = gnu([flag, exe]);
      expect(firstDifference(a, b)).toBe('identical');
    });
  }

  it('-x on an object and -a on an archive', () => {
    const member = join(work, 'write.o');
    sh('sh', ['-c', `cd ${work} && ar x ${LIBC_A} write.o`]);
    expect(firstDifference(ours(['-x', member]), gnu(['-x', member]))).toBe('identical');
    expect(firstDifference(ours(['-a', LIBC_A]), gnu(['-a', LIBC_A]))).toBe('identical');
  });

  it('-j limits output to one section', () => {
    const a = ours(['-h', '-j', '.text', exe]);
    expect(firstDifference(a, gnu(['-h', '-j', '.text', exe]))).toBe('identical');
    expect(a).not.toContain('.data');
  });
});

describe('disassembly', () => {
  it('-d over libc.a equals GNU objdump line for line, except the known formatter mismatches (tests/asm-fixtures/objdump-mismatches.json)', () => {
    const a = ours(['-d', LIBC_A]).split('\n');
    const b = gnu(['-d', LIBC_A]).split('\n');
    expect(a.length).toBe(b.length);
    const unexplained: string[] = [];
    const found: string[] = [];
    let member = '';
    let section = '';
    let insnLines = 0;
    b.forEach((theirs, i) => {
      const fm = /^(\S+):\s+file format /.exec(theirs);
      if (fm) member = fm[1]!;
      const sm = /^Disassembly of section (\S+):/.exec(theirs);
      if (sm) section = sm[1]!;
      const t = /^ *([0-9a-f]+):\t([0-9a-f ]+)\t(.*)$/.exec(theirs);
      if (t) insnLines++;
      const mine = a[i]!;
      if (mine === theirs) return;
      const o = /^ *([0-9a-f]+):\t([0-9a-f ]+)\t(.*)$/.exec(mine);
      const k = t && o && o[1] === t[1] && o[2] === t[2] ? knownClass('att', o[3]!, t[3]!) : undefined;
      if (k) found.push(`${member} ${section}+0x${t![1]} ${k}`);
      else unexplained.push(`line ${i + 1}:\n  ours: ${mine}\n  gnu:  ${theirs}`);
    });
    console.log(`objdump -d libc.a: ${insnLines} instruction lines, ${found.length} known mismatches, ${unexplained.length} others`);
    expect(insnLines).toBeGreaterThan(100000);
    expect(unexplained.slice(0, 20)).toEqual([]);
    const recorded = recordedMismatches(LIBC_A, gnu(['--version']).split('\n')[0]!, 'att');
    if (recorded) expect(found).toEqual(recorded);
  });

  it('-dr interleaves relocations exactly like GNU objdump', () => {
    const member = join(work, 'write.o');
    sh('sh', ['-c', `cd ${work} && ar x ${LIBC_A} write.o libc_sigaction.o`]);
    for (const f of [member, join(work, 'libc_sigaction.o')]) {
      expect(firstDifference(ours(['-dr', f]), gnu(['-dr', f]))).toBe('identical');
    }
  });

  it('-d -M intel on an object equals objdump -M intel', () => {
    const member = join(work, 'write.o');
    sh('sh', ['-c', `cd ${work} && ar x ${LIBC_A} write.o`]);
    expect(firstDifference(ours(['-d', '-M', 'intel', member]), gnu(['-d', '-M', 'intel', member]))).toBe('identical');
  });
});

/** Every `syscall` instruction GNU objdump disassembles in an archive, as "member section offset". */
function gnuSyscallSites(archive: string): string[] {
  const out = gnu(['-d', '-w', archive]);
  const sites: string[] = [];
  let member = '';
  let section = '';
  for (const line of out.split('\n')) {
    let m = /^(\S+):\s+file format /.exec(line);
    if (m) {
      member = m[1]!;
      continue;
    }
    m = /^Disassembly of section (\S+):/.exec(line);
    if (m) {
      section = m[1]!;
      continue;
    }
    m = /^ +([0-9a-f]+):\t[0-9a-f ]+\tsyscall\s*$/.exec(line);
    if (m) sites.push(`${member} ${section} ${parseInt(m[1]!, 16)}`);
  }
  return sites;
}

describe('--syscalls', () => {
  it('finds exactly the syscall instructions GNU objdump decodes in libc.a (not the raw 0f 05 byte pairs)', () => {
    const r = ukl('ukl-objdump', ['--syscalls', '--json', LIBC_A]);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as { sites: { file: string; member: string; section: string; offset: number; symbol: string | null; nr: number | null; name: string | null }[] };
    const mine = j.sites.map((s) => `${s.member} ${s.section} ${s.offset}`).sort();
    const theirs = gnuSyscallSites(LIBC_A).sort();
    expect(theirs.length).toBeGreaterThan(100);
    expect(mine).toEqual(theirs);
    // Raw byte matches over-count: there are more 0f 05 pairs than syscall instructions.
    for (const s of j.sites) {
      expect(s.file).toBe(LIBC_A);
      expect(typeof s.section).toBe('string');
      expect(s.symbol === null || typeof s.symbol === 'string').toBe(true);
    }
    console.log(`--syscalls libc.a: ${j.sites.length} sites, ${j.sites.filter((s) => s.nr !== null).length} with a known number`);
  });

  it('the number at every site is the one its basic block shows in GNU objdump\'s listing (walked back to the last writer of %rax), and names follow the kernel table', () => {
    const walked = walkSyscalls(LIBC_A);
    const expected = new Map(walked.map((w) => [`${w.member} ${w.section} ${w.offset}`, w]));
    const j = JSON.parse(ukl('ukl-objdump', ['--syscalls', '--json', LIBC_A]).stdout) as { sites: { member: string; section: string; offset: number; nr: number | null; name: string | null }[] };
    const unistd = readFileSync('/usr/include/x86_64-linux-gnu/asm/unistd_64.h', 'utf8');
    const names = new Map<number, string>();
    for (const m of unistd.matchAll(/#define __NR_(\w+) (\d+)/g)) names.set(Number(m[2]), m[1]!);
    expect(j.sites.length).toBe(walked.length);
    const bad: string[] = [];
    let numbered = 0;
    let notRightAfterMov = 0;
    for (const s of j.sites) {
      const w = expected.get(`${s.member} ${s.section} ${s.offset}`);
      const where = `${s.member} ${s.section} 0x${s.offset.toString(16)}`;
      if (!w) { bad.push(`${where}: not a syscall in objdump's listing`); continue; }
      if (s.nr !== w.nr) bad.push(`${where}: ukl-objdump says ${s.nr}, the listing says ${w.nr} (${w.how})`);
      if (w.nr === null) continue;
      numbered++;
      if (w.back !== 1 || !/^mov +\$0x[0-9a-f]+,%eax$/.test(w.how)) notRightAfterMov++;
      const name = names.get(w.nr) ?? null;
      if (s.name !== name) bad.push(`${where}: name ${s.name}, the kernel's table says ${name}`);
    }
    console.log(`--syscalls libc.a: ${numbered} of ${walked.length} sites numbered, each checked against the listing (${notRightAfterMov} not by a mov $N,%eax right before the site)`);
    expect(bad).toEqual([]);
    expect(numbered).toBeGreaterThan(100);
  });

  // Blocks libc.a may not contain: a label or branch target between the mov and the syscall, a jump-table
  // entry there, a call before it, a writer that is not a constant. The number is the walk's, and the one
  // written here from the source.
  const NO_AS = lacking('as');
  it.skipIf(NO_AS !== '')(`assembled blocks: each number (or none) as the listing shows it, where labels, branch targets, jump tables and calls end the block${NO_AS}`, () => {
    const src = `
  .text
  .globl f1, f2, f3, f4, f5, f6, f7, f8, mid5
f1: mov $1, %eax          # a branch target between the mov and the site: unknown
  test %edi, %edi
  jne 1f
  mov $39, %eax
1: mov %rsi, %rdx
  syscall
  ret
f2: mov $15, %rax         # 48 c7 c0: 15
  syscall
  ret
f3: xor %eax, %eax        # 0
  syscall
  ret
f4: mov $5, %eax          # the last writer is not a constant: unknown
  mov %edx, %eax
  syscall
  ret
f5: mov $7, %eax          # a global label between: unknown
mid5: nop
  syscall
  ret
f6: mov $8, %eax          # a jump-table entry points between: unknown
2: nop
  syscall
  ret
f7: mov $9, %eax          # a call before the site: unknown
  call f3
  syscall
  ret
f8: mov $60, %eax         # the writer three instructions back: 60
  lea 0(%rip), %rsi
  mov %rdi, %rdx
  syscall
  ret
  .section .rodata
  .quad 2b
`;
    const s = join(work, 'blocks.s');
    const o = join(work, 'blocks.o');
    writeFileSync(s, src);
    sh('as', ['-o', o, s]);
    const walked = walkSyscalls(o);
    const j = JSON.parse(ukl('ukl-objdump', ['--syscalls', '--json', o]).stdout) as { sites: { offset: number; nr: number | null }[] };
    const want = [null, 15, 0, null, null, null, null, 60];
    expect(walked.map((w) => w.nr), 'the listing walk').toEqual(want);
    expect(j.sites.map((x) => x.nr), 'ukl-objdump --syscalls').toEqual(want);
  });

  it('text output lists sites with symbol+offset and a summary line', () => {
    const r = ukl('ukl-objdump', ['--syscalls', LIBC_A]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^FILE\s+SECTION\s+OFFSET\s+SYMBOL\s+NR\s+NAME$/m);
    expect(r.stdout).toMatch(/\(write\.o\)\s+\.text\s+0x[0-9a-f]+\s+__libc_write\+0x[0-9a-f]+\s+1\s+write$/m);
    expect(r.stdout).toMatch(/^\d+ syscall sites in \d+ files; number known for \d+$/m);
  });
});

describe('bad input and usage', () => {
  it('a missing file, a non-ELF file and a truncated object each give one line naming the file, and exit 1', () => {
    const junk = join(work, 'junk.o');
    writeFileSync(junk, 'this is not an object\n');
    const obj = readFileSync(exe);
    const trunc = join(work, 'trunc');
    writeFileSync(trunc, obj.subarray(0, 100));
    for (const [f, cause] of [[join(work, 'nope.o'), /No such file/], [junk, /not recognized/], [trunc, /past the end of the file/]] as const) {
      const r = ukl('ukl-objdump', ['-h', f]);
      expect(r.status).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(f);
      expect(lines[0]).toMatch(cause);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('an unknown option is an error, and no dump option is an error', () => {
    const a = ukl('ukl-objdump', ['--frobnicate', exe]);
    expect(a.status).not.toBe(0);
    expect(a.stderr).toMatch(/unknown option '--frobnicate'/);
    const b = ukl('ukl-objdump', [exe]);
    expect(b.status).toBe(1);
    expect(b.stderr).toMatch(/no dump option/);
    const gnuNoOpt = run('objdump', [exe]);
    expect(gnuNoOpt.status).not.toBe(0);
  });
});
