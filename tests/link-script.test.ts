// Implicit linker scripts (src/link/script.ts): Debian's real libm.a and libc.so, every supported command, and
// errors. Where GNU ld is on the machine, `ld -t` (which lists each file it opens) says what the real scripts
// pull in.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parseScript, looksLikeScript, type ScriptCommand, type ScriptInput } from '../src/link/script.ts';
import { LinkError } from '../src/link/errors.ts';
import { lacking } from './helpers/tools.ts';

const MULTIARCH = '/usr/lib/x86_64-linux-gnu';
const LIBM_A = `${MULTIARCH}/libm.a`;
const LIBC_SO = `${MULTIARCH}/libc.so`;
const LIBC_A = `${MULTIARCH}/libc.a`;
const CRT1 = `${MULTIARCH}/crt1.o`;

function err(text: string, file = 'libfoo.a'): string {
  try {
    parseScript(text, file);
  } catch (e) {
    expect(e).toBeInstanceOf(LinkError);
    return (e as Error).message;
  }
  throw new Error(`parseScript(${JSON.stringify(text)}) did not throw`);
}

function items(cmds: ScriptCommand[]): ScriptInput[] {
  return cmds.flatMap((c) => (c.kind === 'input' || c.kind === 'group' ? c.items : []));
}

/** The files GNU ld opens for a script, in order, without repeats (groups are rescanned), and without the script. */
function gnuTrace(args: string[], script: string): string[] {
  const r = spawnSync('ld', ['-t', '-o', '/dev/null', ...args, script], { encoding: 'utf8', cwd: tmpdir() });
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('/'));
  return [...new Set(lines)].filter((l) => l !== script);
}

const NO_LD = lacking('ld');
const NO_LIBM = lacking(LIBM_A);
const NO_LIBC_SO = lacking(LIBC_SO);

describe.skipIf(NO_LIBM !== '')(`Debian's libm.a${NO_LIBM}`, () => {
  const bytes = new Uint8Array(readFileSync(LIBM_A));

  it('is a script, and a GROUP of existing archives in elf64-x86-64', () => {
    expect(looksLikeScript(bytes)).toBe(true);
    const cmds = parseScript(new TextDecoder().decode(bytes), LIBM_A);
    const groups = cmds.filter((c) => c.kind === 'group');
    expect(groups.length).toBeGreaterThan(0);
    for (const c of cmds) if (c.kind === 'output-format') expect(c.format).toBe('elf64-x86-64');
    const all = items(cmds);
    expect(all.length).toBeGreaterThan(0);
    for (const it of all) {
      expect(it.library).toBe(false);
      expect(existsSync(it.path), it.path).toBe(true);
      expect(Buffer.from(readFileSync(it.path).subarray(0, 8)).toString('latin1'), it.path).toBe('!<arch>\n');
    }
  });

  it.skipIf(NO_LD !== '')(`names the files GNU ld opens for it${NO_LD}`, () => {
    const cmds = parseScript(readFileSync(LIBM_A, 'utf8'), LIBM_A);
    expect(items(cmds).map((i) => i.path)).toEqual(gnuTrace(['-static'], LIBM_A));
  });
});

describe.skipIf(NO_LIBC_SO !== '')(`Debian's libc.so${NO_LIBC_SO}`, () => {
  it('is a GROUP with an AS_NEEDED part', () => {
    const bytes = new Uint8Array(readFileSync(LIBC_SO));
    expect(looksLikeScript(bytes)).toBe(true);
    const all = items(parseScript(new TextDecoder().decode(bytes), LIBC_SO));
    const needed = all.filter((i) => i.asNeeded);
    expect(needed.length).toBeGreaterThan(0);
    expect(all.filter((i) => !i.asNeeded).length).toBeGreaterThan(0);
    for (const i of all) expect(existsSync(i.path), i.path).toBe(true);
    expect(needed.some((i) => /ld-linux-x86-64\.so\.2$/.test(i.path))).toBe(true);
  });

  it.skipIf(NO_LD !== '')(`names the files GNU ld opens for it${NO_LD}`, () => {
    const all = items(parseScript(readFileSync(LIBC_SO, 'utf8'), LIBC_SO));
    expect(all.map((i) => i.path)).toEqual(gnuTrace(['-shared'], LIBC_SO));
  });
});

describe('commands', () => {
  it('INPUT and GROUP: blanks or commas, quotes, -l, AS_NEEDED, sysroot prefixes, comments', () => {
    const text = `/* GNU ld script
   over two lines */
INPUT(a.o, b.o c.o)
GROUP ( "/dir with space/libx.a" , -lfoo AS_NEEDED ( -lbar /lib/baz.so ) =/usr/lib/libq.a $SYSROOT/lib/libr.a )
INPUT("-lnot-a-library")`;
    expect(parseScript(text, 'x.ld')).toEqual([
      { kind: 'input', items: [
        { path: 'a.o', library: false, asNeeded: false },
        { path: 'b.o', library: false, asNeeded: false },
        { path: 'c.o', library: false, asNeeded: false },
      ] },
      { kind: 'group', items: [
        { path: '/dir with space/libx.a', library: false, asNeeded: false },
        { path: 'foo', library: true, asNeeded: false },
        { path: 'bar', library: true, asNeeded: true },
        { path: '/lib/baz.so', library: false, asNeeded: true },
        { path: '=/usr/lib/libq.a', library: false, asNeeded: false },
        { path: '=/lib/libr.a', library: false, asNeeded: false },
      ] },
      { kind: 'input', items: [{ path: '-lnot-a-library', library: false, asNeeded: false }] },
    ]);
  });

  it('the other commands, with optional semicolons', () => {
    const text = 'OUTPUT_FORMAT("elf64-x86-64", "elf64-x86-64", "elf64-x86-64");\nOUTPUT_ARCH(i386:x86-64)\nENTRY(_start) ;\n'
      + 'SEARCH_DIR("=/usr/local/lib64"); SEARCH_DIR(/opt/lib)\nOUTPUT(a.out)\nTARGET(elf64-x86-64)\n';
    expect(parseScript(text, 'x.ld')).toEqual([
      { kind: 'output-format', format: 'elf64-x86-64' },
      { kind: 'output-arch', arch: 'i386:x86-64' },
      { kind: 'entry', symbol: '_start' },
      { kind: 'search-dir', path: '=/usr/local/lib64' },
      { kind: 'search-dir', path: '/opt/lib' },
      { kind: 'output', path: 'a.out' },
      { kind: 'target', name: 'elf64-x86-64' },
    ]);
  });

  it('an empty script, and one of only comments', () => {
    expect(parseScript('', 'e')).toEqual([]);
    expect(parseScript('/* nothing */\n\n/**/', 'e')).toEqual([]);
    expect(parseScript('INPUT()', 'e')).toEqual([{ kind: 'input', items: [] }]);
  });
});

describe('errors name file, line and what is wrong', () => {
  it('unsupported commands', () => {
    expect(err('OUTPUT_FORMAT(elf64-x86-64)\n\nSECTIONS\n{\n  .text : { *(.text) }\n}\n')).toBe('libfoo.a:3: SECTIONS is not supported in ukl-ld scripts');
    expect(err('MEMORY { ram : ORIGIN = 0, LENGTH = 1M }')).toBe('libfoo.a:1: MEMORY is not supported in ukl-ld scripts');
    expect(err('/* a\nb */ PHDRS { text PT_LOAD; }')).toBe('libfoo.a:2: PHDRS is not supported in ukl-ld scripts');
    expect(err('INPUT(a.o)\nPROVIDE(x = 1);')).toBe('libfoo.a:2: PROVIDE is not supported in ukl-ld scripts');
    expect(err('VERSION { V1 { global: *; }; }')).toBe('libfoo.a:1: VERSION is not supported in ukl-ld scripts');
    expect(err('INCLUDE other.ld')).toBe('libfoo.a:1: INCLUDE is not supported in ukl-ld scripts');
  });

  it('assignments', () => {
    expect(err('\nfoo = 1;')).toBe("libfoo.a:2: assignment to 'foo' is not supported in ukl-ld scripts");
    expect(err('foo=1;')).toBe("libfoo.a:1: assignment to 'foo' is not supported in ukl-ld scripts");
    expect(err('bar += 4;')).toBe("libfoo.a:1: assignment to 'bar' is not supported in ukl-ld scripts");
    expect(err('. = 0x1000;')).toBe("libfoo.a:1: assignment to '.' is not supported in ukl-ld scripts");
  });

  it('formats and architectures other than x86-64', () => {
    expect(err('OUTPUT_FORMAT(elf32-i386)')).toBe('libfoo.a:1: OUTPUT_FORMAT(elf32-i386) is not supported: ukl-ld writes elf64-x86-64 only');
    expect(err('\nOUTPUT_FORMAT("elf32-x86-64", "elf64-x86-64", "elf64-x86-64")')).toBe('libfoo.a:2: OUTPUT_FORMAT(elf32-x86-64) is not supported: ukl-ld writes elf64-x86-64 only');
    expect(err('OUTPUT_FORMAT(elf64-x86-64, elf64-x86-64)')).toBe('libfoo.a:1: OUTPUT_FORMAT takes one or three names, not 2');
    expect(err('OUTPUT_ARCH(i386)')).toBe('libfoo.a:1: OUTPUT_ARCH(i386) is not supported: ukl-ld links i386:x86-64 only');
  });

  it('syntax errors', () => {
    expect(err('GROUP ( a.a b.a')).toBe("libfoo.a:1: unexpected end of file: expected ')' to close GROUP (opened on line 1)");
    expect(err('\n\nINPUT ( a.o\n\n')).toBe("libfoo.a:3: unexpected end of file: expected ')' to close INPUT (opened on line 3)");
    expect(err('INPUT a.o')).toBe("libfoo.a:1: expected '(' after INPUT, found 'a.o'");
    expect(err('GROUP(a.a AS_NEEDED b.a)')).toBe("libfoo.a:1: expected '(' after AS_NEEDED, found 'b.a'");
    expect(err('GROUP(a.a { b.a })')).toBe("libfoo.a:1: expected a file name or ')' in GROUP, found '{'");
    expect(err('INPUT(-l)')).toBe("libfoo.a:1: expected a library name after '-l' in INPUT");
    expect(err('ENTRY()')).toBe("libfoo.a:1: expected a name in ENTRY, found ')'");
    expect(err('ENTRY(a b)')).toBe("libfoo.a:1: expected ')' to close ENTRY, found 'b'");
    expect(err('ENTRY(main')).toBe("libfoo.a:1: expected ')' to close ENTRY, found end of file");
    expect(err('INPUT(a.o))')).toBe("libfoo.a:1: expected a command, found ')'");
    expect(err('"quoted"')).toBe('libfoo.a:1: expected a command, found "quoted"');
    expect(err('FROB(x)')).toBe('libfoo.a:1: unknown script command FROB');
    expect(err('hello world')).toBe("libfoo.a:1: expected a command, found 'hello'");
    expect(err('INPUT(a.o)\n/* never closed\n\nINPUT(b.o)')).toBe("libfoo.a:2: unterminated comment (no '*/')");
    expect(err('INPUT("a.o)\n')).toBe(`libfoo.a:1: unterminated string (no closing '"')`);
    expect(err('INPUT("")')).toBe('libfoo.a:1: empty file name in INPUT');
  });

  it('uses the file name it is given', () => {
    expect(err('SECTIONS {}', '/usr/lib/x86_64-linux-gnu/libweird.so')).toBe('/usr/lib/x86_64-linux-gnu/libweird.so:1: SECTIONS is not supported in ukl-ld scripts');
  });
});

describe('looksLikeScript', () => {
  const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

  it.skipIf(lacking(CRT1) !== '')(`an ELF object is not a script${lacking(CRT1)}`, () => {
    expect(looksLikeScript(new Uint8Array(readFileSync(CRT1)))).toBe(false);
  });

  it.skipIf(lacking(LIBC_A) !== '')(`an ar archive is not a script${lacking(LIBC_A)}`, () => {
    expect(looksLikeScript(new Uint8Array(readFileSync(LIBC_A)).subarray(0, 8192))).toBe(false);
  });

  it('magic numbers, text and binary', () => {
    expect(looksLikeScript(enc('!<thin>\nfoo/ 0 0 0 644 1 `\n'))).toBe(false);
    expect(looksLikeScript(enc('\x7fELF'))).toBe(false);
    expect(looksLikeScript(enc('GROUP ( libc.so.6 )\n'))).toBe(true);
    expect(looksLikeScript(enc('/* ünïcode comment */\r\nINPUT(a)\t\f\v'))).toBe(true);
    expect(looksLikeScript(new Uint8Array([0x47, 0x52, 0x00, 0x50]))).toBe(false);
    expect(looksLikeScript(new Uint8Array([0xca, 0xfe, 0xba, 0xbe, 0x01]))).toBe(false);
    expect(looksLikeScript(enc('INPUT(a)\x1b[0m'))).toBe(false);
    // GNU ld takes an empty input file as an empty script.
    expect(looksLikeScript(new Uint8Array(0))).toBe(true);
  });
});
