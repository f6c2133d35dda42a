// Issue 10 item 5: diagnostics name C++ and Rust symbols demangled, as GNU ld prints them by default
// (--no-demangle and COLLECT_NO_DEMANGLE keep them mangled, --demangle wins over the environment). GNU ld on
// the same inputs is the oracle: the names in its "undefined reference to `NAME'" lines against the names in
// ukl-ld's "undefined symbol: NAME" blocks.
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { GNU_LD, HAVE_GNU, TOOL_ENV, cc, describeExec, exec, gccBoth, ldBoth, messages, scratch, writeAll } from './helpers/gnu-compat.ts';
import { runUnderTestLd } from './helpers/link.ts';
import { demanglerLoaded, renderText, symbolName } from '../src/link/demangle.ts';

const dir = scratch('ukl-demangle-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Real mangled names of the kinds GNU ld's messages show (C++ from GCC and libstdc++, Rust legacy and v0). */
const NAMES = [
  '_ZN3foo3barEi', '_ZNK3foo3Baz1qEPKc', '_ZN3foo3BazC1Ev', '_ZN3foo3BazC2Ev', '_ZN3foo3BazD1Ev', '_ZN3foo3BazD0Ev',
  '_ZNSt15basic_streambufIwSt11char_traitsIwEEC5Ev', '_ZN9__gnu_cxx13__scoped_lockD5Ev',
  '_ZTVN3foo3BazE', '_ZTIN3foo3BazE', '_ZTSN3foo3BazE', '_ZTTSt13basic_istreamIwSt11char_traitsIwEE', '_ZGVZ4mainE1x',
  '_ZThn8_N3foo3Baz1fEv', '_ZTv0_n24_N3foo3Baz1fEv', '_ZTCSt18basic_stringstreamIcSt11char_traitsIcESaIcEE0_Si',
  '_ZNSs6appendERKSs', '_ZNSsC1Ev', '_ZNSsD2Ev', '_ZNSi4peekEv', '_ZNSi6sentryC2ERSib', '_ZNSolsEDn', '_ZNSdC1Ev', '_ZNSt6vectorIiSaIiEE9push_backERKi',
  '_ZN12_GLOBAL__N_13fooEv', '_ZN3foo3barEi.constprop.0', '_ZN3foo3barEi.part.0.cold', '_ZNSt5arrayIiLm15EE4sizeEv',
  '_ZNKSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEE4sizeEv', '_ZNSo5writeEPKcl', '_ZTISo',
  '_ZN4core3fmt5write17h0123456789abcdefE', '_ZN3std2io5stdio6_print17h1234567890abcdefE', '_RNvCs1234_7mycrate3foo',
  '_RNvNtCs1234_7mycrate3bar3baz', '_RINvCs1234_7mycrate4funcmEB2_',
];

/** An object whose .data refers to each name (undefined), and a _start. */
async function referencing(name: string, names: string[]): Promise<string> {
  writeAll(dir, { [`${name}.s`]: `.data\n${names.map((n) => `.quad ${n}\n`).join('')}.text\n.globl _start\n_start: ret\n.section .note.GNU-stack,"",@progbits\n` });
  return cc(dir, `${name}.s`, `${name}.o`);
}

const gnuNames = (stderr: string) => [...stderr.matchAll(/undefined reference to `(.*)'$/gm)].map((m) => m[1]!);
const uklNames = (stderr: string) => [...stderr.matchAll(/^ukl-ld: (?:error|warning): undefined symbol: (.*)$/gm)].map((m) => m[1]!);

describe.skipIf(!HAVE_GNU)('demangled names in diagnostics (against GNU ld)', () => {
  // ukl-ld stops listing errors after 20 (as lld does), so the names go in links of at most 15.
  const chunks = Array.from({ length: Math.ceil(NAMES.length / 15) }, (_, i) => NAMES.slice(i * 15, i * 15 + 15));

  it('undefined C++ and Rust symbols: every name as GNU ld prints it', async () => {
    for (const [i, names] of chunks.entries()) {
      const o = await referencing(`names${i}`, names);
      const r = await ldBoth(['-o', '@OUT@', o], join(dir, 'n'));
      expect(r.ukl.status).toBe(1);
      const g = gnuNames(r.gnu.stderr);
      expect(g).toHaveLength(names.length);
      expect(g).not.toEqual(names); // GNU ld did demangle
      expect(uklNames(r.ukl.stderr)).toEqual(g);
    }
  });

  it('--no-demangle, COLLECT_NO_DEMANGLE (honoured like GNU ld), and --demangle over it', async () => {
    for (const [i, names] of chunks.entries()) {
      const o = join(dir, `names${i}.o`);
      const none = await ldBoth(['--no-demangle', '-o', '@OUT@', o], join(dir, 'n'));
      expect(gnuNames(none.gnu.stderr)).toEqual(names);
      expect(uklNames(none.ukl.stderr)).toEqual(names);
      const env = { ...TOOL_ENV, COLLECT_NO_DEMANGLE: '1' };
      const g = await exec(GNU_LD, ['-o', join(dir, 'e.gnu'), o], { env });
      const u = await runUnderTestLd(['-o', join(dir, 'e.ukl'), o], { env });
      expect(gnuNames(g.stderr)).toEqual(names);
      expect(uklNames(u.stderr)).toEqual(names);
      const g2 = await exec(GNU_LD, ['--demangle', '-o', join(dir, 'e.gnu'), o], { env });
      const u2 = await runUnderTestLd(['--demangle', '-o', join(dir, 'e.ukl'), o], { env });
      expect(gnuNames(g2.stderr)).not.toEqual(names);
      expect(uklNames(u2.stderr)).toEqual(gnuNames(g2.stderr));
    }
  });

  it('behind g++: undefined references of a real C++ program, and a .gnu.warning "in function" line, as GNU ld names them', async () => {
    writeAll(dir, {
      'dm.cc': '#include <cstdio>\n#include <string>\nnamespace foo { int bar(int); struct Baz { virtual ~Baz(); int q(const char *) const; }; }\n'
        + 'int use(const std::string &s) { char b[L_tmpnam]; if (s.size() > 99) std::tmpnam(b); foo::Baz z; return foo::bar(3) + z.q(s.c_str()); }\nint main() { return use("x"); }\n',
    });
    const o = await cc(dir, 'dm.cc', 'dm.o', ['-O1']);
    const r = await gccBoth('g++', [o], join(dir, 'cxx'));
    expect(r.gnu.status).toBe(1);
    expect(r.ukl.status, describeExec(r.ukl)).toBe(1);
    const g = [...new Set(gnuNames(r.gnu.stderr))];
    expect(g).toContain('foo::bar(int)');
    expect(uklNames(r.ukl.stderr)).toEqual(g);
    // The tmpnam warning's function, demangled the same way: link with the missing symbols defined weakly.
    writeAll(dir, { 'stub.s': '.weak _ZN3foo3barEi, _ZNK3foo3Baz1qEPKc, _ZN3foo3BazD1Ev, _ZTVN3foo3BazE\n.set _ZN3foo3barEi, 0\n.set _ZNK3foo3Baz1qEPKc, 0\n.set _ZN3foo3BazD1Ev, 0\n.set _ZTVN3foo3BazE, 0\n.section .note.GNU-stack,"",@progbits\n' });
    const stub = await cc(dir, 'stub.s', 'stub.o');
    const w = await gccBoth('g++', [o, stub], join(dir, 'cxxw'));
    expect(w.ukl.status, describeExec(w.ukl)).toBe(0);
    const gw = messages(w.gnu.stderr);
    expect(gw.join('\n')).toContain("in function `use(std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> > const&)'");
    expect(messages(w.ukl.stderr)).toEqual(gw);
  });

  it('the known difference: a function template\'s return type is not printed (GNU ld: `void foo<int>(int)`, ukl-ld: `foo<int>(int)`)', async () => {
    const names = ['_Z3fooIiEvT_', '_ZN9__gnu_cxx19__function_requiresINS_21_InputIteratorConceptIPcEEEEvv', '_ZStlsISt11char_traitsIcEERSt13basic_ostreamIcT_ES5_PKc'];
    const o = await referencing('tmpl', names);
    const r = await ldBoth(['-o', '@OUT@', o], join(dir, 't'));
    const g = gnuNames(r.gnu.stderr);
    const u = uklNames(r.ukl.stderr);
    expect(u).toHaveLength(names.length);
    u.forEach((name, i) => {
      expect(name).not.toBe(names[i]);
      // GNU ld's is ours with the return type in front (`void `, `std::basic_ostream<...>& `)
      expect(g[i]!.endsWith(` ${name}`), `${g[i]} vs ${name}`).toBe(true);
    });
  });
});

describe('the demangler is loaded only for a message that names a mangled symbol', () => {
  it('renderText: plain text leaves it unloaded; a marked name loads it and is demangled; --no-demangle leaves it mangled', async () => {
    const before = demanglerLoaded();
    expect(await renderText('ukl-ld: error: undefined symbol: main\n', true)).toBe('ukl-ld: error: undefined symbol: main\n');
    expect(await renderText(`x ${symbolName('_ZN3foo3barEi')} y`, false)).toBe('x _ZN3foo3barEi y');
    expect(demanglerLoaded()).toBe(before);
    expect(before).toBe(false);
    expect(await renderText(`x ${symbolName('_ZN3foo3barEi')} y`, true)).toBe('x foo::bar(int) y');
    expect(demanglerLoaded()).toBe(true);
  });
});
