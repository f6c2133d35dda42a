// The committed test objects (test-objects/*.o): they are x86-64 relocatable objects, they are
// exactly what test-objects/build.sh produces with this machine's compiler (when it is the
// version recorded in BUILT-WITH), they still contain the features README.md promises, and
// every program in programs.json, linked by GNU ld through gcc/g++ -static, runs with the
// recorded exit status and stdout.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROGRAMS, TEST_OBJECTS_DIR } from './helpers/test-objects.ts';

const DIR = TEST_OBJECTS_DIR;
const BUILD = join(DIR, 'build.sh');

const objects = readdirSync(DIR).filter((f) => f.endsWith('.o')).sort();
const programs = PROGRAMS;

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): { stdout: string; stderr: string; status: number } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: env ?? process.env, maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return { stdout: r.stdout, stderr: r.stderr, status: r.status ?? -1 };
}

function ok(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string {
  const r = run(cmd, args, env);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return r.stdout;
}

const obj = (name: string) => join(DIR, name);

/** Relocation type names (without R_X86_64_) in an object, from readelf. */
function relocTypes(name: string): Set<string> {
  const out = ok('readelf', ['-rW', obj(name)]);
  return new Set([...out.matchAll(/\bR_X86_64_(\w+)/g)].map((m) => m[1]!));
}

/** Section names of an object, from readelf. */
function sections(name: string): string[] {
  const out = ok('readelf', ['-SW', obj(name)]);
  return [...out.matchAll(/^\s*\[\s*\d+\]\s+(\S+)/gm)].map((m) => m[1]!);
}

/** COMDAT group signatures, from readelf -g. */
function groups(name: string): Set<string> {
  const out = ok('readelf', ['-gW', obj(name)]);
  return new Set([...out.matchAll(/COMDAT group section \[\s*\d+\] `\.group' \[([^\]]+)\]/g)].map((m) => m[1]!));
}

/** Instruction bytes as "75 7f" etc. for every instruction objdump decodes. */
function instructionBytes(name: string): string[] {
  const out = ok('objdump', ['-d', '-w', obj(name)]);
  return [...out.matchAll(/^\s*[0-9a-f]+:\t((?:[0-9a-f]{2} )+)\s*\t/gm)].map((m) => m[1]!.trim());
}

// --- (a) every object is an x86-64 ELF64 relocatable object --------------------------------

describe('committed objects are x86-64 relocatable objects', () => {
  it('there are objects and every one is used by a program in programs.json', () => {
    expect(objects.length).toBeGreaterThan(30);
    const used = new Set(programs.flatMap((p) => p.objects));
    expect(objects.filter((o) => !used.has(o))).toEqual([]);
    expect([...used].filter((o) => !objects.includes(o))).toEqual([]);
  });

  it.each(objects)('%s: readelf -h says ELF64 REL x86-64', (name) => {
    const h = ok('readelf', ['-h', obj(name)]);
    expect(h).toMatch(/Class:\s+ELF64/);
    expect(h).toMatch(/Data:\s+2's complement, little endian/);
    expect(h).toMatch(/Type:\s+REL \(Relocatable file\)/);
    expect(h).toMatch(/Machine:\s+Advanced Micro Devices X86-64/);
  });
});

// --- (b) reproducible from build.sh with the recorded compiler --------------------------------

const recordedStamp = readFileSync(join(DIR, 'BUILT-WITH'), 'utf8');
const localStamp = run('bash', [BUILD, '--print-stamp']).stdout;
const sameCompiler = recordedStamp === localStamp;
const skipReason = sameCompiler
  ? ''
  : ` [SKIPPED: local toolchain differs from test-objects/BUILT-WITH: recorded ${JSON.stringify(recordedStamp)}, local ${JSON.stringify(localStamp)}]`;

describe('committed objects equal a fresh build.sh run', () => {
  let rebuilt: string | undefined;
  const rebuild = (): string => {
    if (rebuilt === undefined) {
      const out = mkdtempSync(join(tmpdir(), 'ukl-test-objects-'));
      ok('bash', [BUILD], { ...process.env, OUT: out });
      rebuilt = out;
    }
    return rebuilt;
  };

  it.skipIf(!sameCompiler)(`build.sh produces exactly the committed set of objects${skipReason}`, () => {
    const out = rebuild();
    expect(readdirSync(out).filter((f) => f.endsWith('.o')).sort()).toEqual(objects);
    expect(readFileSync(join(out, 'BUILT-WITH'), 'utf8')).toBe(recordedStamp);
  });

  it.skipIf(!sameCompiler).each(objects)(`%s is byte-identical to the rebuilt one${skipReason}`, (name) => {
    const fresh = readFileSync(join(rebuild(), name));
    const committed = readFileSync(obj(name));
    expect(fresh.equals(committed), `${name} differs from the output of build.sh`).toBe(true);
  });

  it.skipIf(!sameCompiler)('cleanup', () => {
    if (rebuilt) rmSync(rebuilt, { recursive: true, force: true });
  });
});

// --- (d) the features README.md promises are really in the objects ----------------------------

describe('objects contain the features they are for', () => {
  const relocs: Record<string, string[]> = {
    'tls-main.o': ['TPOFF32', 'GOTTPOFF'],
    'tls-lib.o': ['TLSGD', 'TLSLD', 'DTPOFF32', 'PLT32'],
    'tls-desc.o': ['GOTPC32_TLSDESC', 'TLSDESC_CALL'],
    'ifunc.o': ['PLT32', 'PC32', '64'],
    'weak-common-main.o': ['GOTPCREL', 'REX_GOTPCRELX'],
    'switch-pie.o': ['PC32', '64'],
    'switch-nopie.o': ['32', '32S', '64'],
    'abs-reloc-nopie.o': ['32', '32S', '64'],
    'abs-reloc-large.o': ['64'],
    'abs-reloc-kernel.o': ['32S', '64'],
    'sigreturn-main.o': ['REX_GOTPCRELX'],
  };
  it.each(Object.entries(relocs))('%s has relocation types %j', (name, types) => {
    const have = relocTypes(name);
    for (const t of types) expect(have, `${name} lacks R_X86_64_${t}`).toContain(t);
  });

  it('every object except hello.o has .eh_frame; hello.o has none', () => {
    for (const name of objects) expect(sections(name).includes('.eh_frame'), name).toBe(name !== 'hello.o');
  });

  it('tls objects have .tdata/.tbss', () => {
    expect(sections('tls-main.o')).toEqual(expect.arrayContaining(['.tdata', '.tbss']));
    expect(sections('tls-lib.o')).toEqual(expect.arrayContaining(['.tdata', '.tbss']));
  });

  it('ifunc.o defines IFUNC symbols', () => {
    expect(ok('readelf', ['-sW', obj('ifunc.o')])).toMatch(/IFUNC\s+GLOBAL\s+DEFAULT\s+\d+\s+scale\b/);
  });

  it('comdat-main.o and comdat-lib.o share COMDAT groups', () => {
    const a = groups('comdat-main.o');
    const b = groups('comdat-lib.o');
    const shared = [...a].filter((g) => b.has(g));
    expect(shared).toEqual(
      expect.arrayContaining([
        '_Z14shared_counterv', '_Z5twiceIiET_S0_', '_ZTV3Dog', '_ZTI3Dog', 'inline_var', '_ZZ14shared_countervE1n', '_ZGVZ14guarded_staticvE4seed',
      ]),
    );
  });

  it('weak-common objects have COMMON symbols of different sizes and weak symbols', () => {
    const m = ok('readelf', ['-sW', obj('weak-common-main.o')]);
    const l = ok('readelf', ['-sW', obj('weak-common-lib.o')]);
    expect(m).toMatch(/\s16 OBJECT\s+GLOBAL\s+DEFAULT\s+COM common_buf/);
    expect(l).toMatch(/\s64 OBJECT\s+GLOBAL\s+DEFAULT\s+COM common_buf/);
    expect(m).toMatch(/NOTYPE\s+WEAK\s+DEFAULT\s+UND missing_fn/);
    expect(m).toMatch(/FUNC\s+WEAK\s+DEFAULT\s+\d+ weak_fn/);
  });

  it('ctor-order objects have prioritised and plain init/fini arrays and a preinit array', () => {
    const s = sections('ctor-order-main.o');
    expect(s).toEqual(
      expect.arrayContaining(['.init_array.00101', '.init_array.00102', '.init_array', '.fini_array.00300', '.preinit_array']),
    );
    expect(sections('ctor-order-lib.o')).toEqual(expect.arrayContaining(['.init_array.00200', '.fini_array.00400']));
  });

  it('C++ objects have .gcc_except_table', () => {
    for (const name of ['cxx-main.o', 'cxx-lib.o', 'cxx-syscall-eh.o']) expect(sections(name), name).toContain('.gcc_except_table');
  });

  it('switch-pie.o has a PC32 jump table into .text in .rela.rodata; switch-cet.o has endbr64, notrack and .note.gnu.property', () => {
    expect(ok('readelf', ['-rW', obj('switch-pie.o')])).toMatch(/'\.rela\.rodata'[\s\S]*R_X86_64_PC32\s+0+\s+\.text \+/);
    const cet = instructionBytes('switch-cet.o');
    expect(cet).toContain('f3 0f 1e fa');
    expect(cet.some((b) => b.startsWith('3e ff'))).toBe(true);
    expect(sections('switch-cet.o')).toContain('.note.gnu.property');
  });

  it('label-diff.o has a label-difference table without relocations', () => {
    expect(sections('label-diff.o')).toContain('.rodata');
    expect(sections('label-diff.o')).not.toContain('.rela.rodata');
  });

  it('rel8.o has rel8 branches at +127 and -128 and a syscall in their range', () => {
    const bytes = instructionBytes('rel8.o');
    expect(bytes).toEqual(expect.arrayContaining(['75 7f', '75 80', '74 7f', '75 7d', 'eb 80']));
    expect(bytes.filter((b) => b === '0f 05').length).toBeGreaterThanOrEqual(7);
  });

  it('sigreturn.o has the glibc __restore_rt byte pattern', () => {
    const bytes = instructionBytes('sigreturn.o');
    const i = bytes.indexOf('48 c7 c0 0f 00 00 00');
    expect(i).toBeGreaterThan(0);
    expect(bytes[i - 1]).toBe('90');
    expect(bytes[i + 1]).toBe('0f 05');
  });

  it('sysnr.o has the number forms and the 0f 05 false positives', () => {
    const bytes = instructionBytes('sysnr.o');
    expect(bytes).toEqual(expect.arrayContaining(['b8 27 00 00 00', '48 c7 c0 27 00 00 00', '31 c0', 'b0 27', '38 44 0f 05', 'b8 0f 05 00 00', '0f 84 0f 05 00 00']));
    expect(sections('sysnr.o')).toContain('.text.unlikely');
  });

  it('data-in-text.o has an object symbol inside .text', () => {
    expect(ok('readelf', ['-sW', obj('data-in-text.o')])).toMatch(/\s8 OBJECT\s+LOCAL\s+DEFAULT\s+1 dit_table/);
  });

  it('redzone-main.o keeps compiled-code data below %rsp across a syscall', () => {
    const d = ok('objdump', ['-d', obj('redzone-main.o')]);
    const leaf = d.slice(d.indexOf('<red_zone_leaf_top>:'), d.indexOf('<red_zone_leaf_wide>:'));
    expect(leaf).toMatch(/,-0x8\(%rsp\)/);
    expect(leaf).toMatch(/syscall/);
    expect(leaf).not.toMatch(/sub\s+\$0x[0-9a-f]+,%rsp/);
  });
});

// --- (c) every program links with GNU ld and behaves as recorded ------------------------------

describe('programs linked by gcc/g++ -static (GNU ld) run as recorded', () => {
  const work = mkdtempSync(join(tmpdir(), 'ukl-test-programs-'));
  it.each(programs.map((p) => [p.name, p] as const))('%s', (_name, p) => {
    const exe = join(work, p.name);
    ok(p.driver, ['-static', ...p.ldflags, ...p.objects.map(obj), '-o', exe]);
    const r = run(exe, []);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(p.stdout);
    expect(r.status).toBe(p.exitStatus);
  });
  it('cleanup', () => {
    rmSync(work, { recursive: true, force: true });
  });
});
