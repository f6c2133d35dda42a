// Symbol names in diagnostics, demangled as GNU ld prints them by default (C++ Itanium and Rust, legacy and
// v0); --no-demangle or COLLECT_NO_DEMANGLE in the environment (GNU ld's rule) keeps them mangled.
//
// The link marks each symbol name it puts into a message (symbolName); the names are demangled only when the
// messages are printed, and the demangler (gecko-profiler-demangle: cpp_demangle and rustc-demangle built to
// WebAssembly, ~520 KB, ~40 ms to compile) is loaded only then, when some message names a mangled symbol.
// A link without such a message never loads it.
//
// Where its output differs from GNU ld's (libiberty), the forms GNU ld prints are rebuilt here: special
// names (`vtable for X`, `typeinfo for X`, `VTT for X`, `guard variable for X`, thunks, construction
// vtables), and GCC's unified constructor/destructor variants (C5/D5), which cpp_demangle does not parse.
// Known remaining difference: a function template's return type is not printed (cpp_demangle is built
// without it); GNU ld prints `void f<int>(int)` where ukl-ld prints `f<int>(int)`.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const OPEN = '\u0001';
const CLOSE = '\u0002';
const MARKED = /\u0001([^\u0001\u0002]*)\u0002/g;

/** A symbol name as it goes into a message: marked when it may be mangled, so that printing can demangle it. */
export function symbolName(name: string): string {
  return name.startsWith('_Z') || name.startsWith('_R') ? OPEN + name + CLOSE : name;
}

/** A message with the names as they are (mangled), for reports and --no-demangle. */
export function plainText(text: string): string {
  return text.includes(OPEN) ? text.replace(MARKED, '$1') : text;
}

type Demangler = (name: string) => string;
let loaded: Promise<Demangler> | null = null;

interface Glue {
  __wbg_set_wasm(exports: Record<string, unknown>): void;
  demangle_any(name: string): string;
}

/** The part of the WebAssembly JS API used here (the project's TypeScript lib has no WebAssembly types). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, object>) => { exports: Record<string, unknown> };
}

/** gecko-profiler-demangle's wasm-bindgen glue and module, instantiated by hand (Node 20 cannot import .wasm). */
async function load(): Promise<Demangler> {
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('gecko-profiler-demangle/package.json'));
  const glue = (await import(join(dir, 'index_bg.js'))) as Glue;
  const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const module = new wasm.Module(readFileSync(join(dir, 'index_bg.wasm')));
  const instance = new wasm.Instance(module, { './index_bg.js': glue });
  glue.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as (() => void) | undefined)?.();
  return (name) => glue.demangle_any(name);
}

/** The demangled name, or undefined when the demangler does not take it. */
function tryDemangle(d: Demangler, name: string): string | undefined {
  const out = d(name);
  if (out === name || out === name.slice(1) || out === '') return undefined;
  return out;
}

/** `name` demangled in GNU ld's forms. */
export function gnuForm(d: Demangler, name: string): string {
  // GCC's clone suffixes (.constprop.0, .isra.0, .cold, ...): GNU ld prints ` [clone .constprop.0]` for each.
  const clone = /^(_Z[^.]+)((?:\.[A-Za-z_][A-Za-z0-9_]*(?:\.\d+)*)+)$/.exec(name);
  if (clone) {
    const base = gnuForm(d, clone[1]!);
    if (base === clone[1]) return name;
    return base + clone[2]!.match(/\.[A-Za-z_][A-Za-z0-9_]*(?:\.\d+)*/g)!.map((c) => ` [clone ${c}]`).join('');
  }
  const special: [RegExp, string][] = [
    [/^_ZTV(.+)$/, 'vtable for '], [/^_ZTI(.+)$/, 'typeinfo for '], [/^_ZTS(.+)$/, 'typeinfo name for '], [/^_ZTT(.+)$/, 'VTT for '],
    [/^_ZGV(.+)$/, 'guard variable for '], [/^_ZTW(.+)$/, 'TLS wrapper function for '], [/^_ZTH(.+)$/, 'TLS init function for '],
    [/^_ZThn?\d+_(.+)$/, 'non-virtual thunk to '], [/^_ZTvn?\d+_n?\d+_(.+)$/, 'virtual thunk to '],
  ];
  for (const [re, words] of special) {
    const m = re.exec(name);
    if (!m) continue;
    const inner = gnuForm(d, `_Z${m[1]}`);
    if (inner !== `_Z${m[1]}`) return words + inner;
  }
  let out = tryDemangle(d, name);
  // GCC's unified ("maybe in-charge") constructor and destructor, C5/D5, print as the complete ones.
  if (out === undefined && /[CD]5[EI]/.test(name)) out = tryDemangle(d, name.replace(/([CD])5([EI])/, '$11$2'));
  if (out === undefined) return name;
  // cpp_demangle names the construction vtable's two classes the other way round.
  const c = /^construction vtable for (.*)-in-(.*)$/.exec(out);
  return libibertyStyle(name, c ? `construction vtable for ${c[2]}-in-${c[1]}` : out);
}

/** The standard substitutions (Ss, Si, So, Sd) in full and as libiberty prints them without DMGL_VERBOSE. */
const STD_SUBS: [full: string, short: string, cls: string, code: string][] = [
  ['std::basic_string<char, std::char_traits<char>, std::allocator<char> >', 'std::string', 'basic_string', 'Ss'],
  ['std::basic_istream<char, std::char_traits<char> >', 'std::istream', 'basic_istream', 'Si'],
  ['std::basic_ostream<char, std::char_traits<char> >', 'std::ostream', 'basic_ostream', 'So'],
  ['std::basic_iostream<char, std::char_traits<char> >', 'std::iostream', 'basic_iostream', 'Sd'],
];
const SUB_LETTER: Record<string, number> = { s: 0, i: 1, o: 2, d: 3 };
const INT_SUFFIX: Record<string, string> = { 'unsigned long long': 'ull', 'long long': 'll', 'unsigned long': 'ul', long: 'l', 'unsigned int': 'u' };

/**
 * libiberty's spelling where cpp_demangle's differs: the standard substitutions short (`std::string`), except
 * as the class of a constructor or destructor (`std::basic_string<char, ...>::basic_string()`, GNU's rule);
 * `decltype(nullptr)` for Dn; `(anonymous namespace)` for GCC's _GLOBAL__N_1.
 */
function libibertyStyle(name: string, out: string): string {
  let t = out;
  // (only where the mangled name used the substitution: a spelled-out basic_ostream<char, T> stays long)
  for (const [full, short, , code] of STD_SUBS) if (name.includes(code)) t = t.split(full).join(short);
  const ctor = /^_ZNK?S([siod])[CD]\d/.exec(name);
  if (ctor) {
    const [full, short, cls] = STD_SUBS[SUB_LETTER[ctor[1]!]!]!;
    const m = new RegExp(`^${short.replace(/:/g, '\\:')}::(~?)[A-Za-z_]+\\(`).exec(t);
    if (m) t = `${full}::${m[1]}${cls}(${t.slice(m[0].length)}`;
  }
  // Integer template arguments: 15ul, not (unsigned long)15.
  t = t.replace(/\((unsigned long long|long long|unsigned long|long|unsigned int)\)(-?\d+)/g, (_, type: string, n: string) => n + INT_SUFFIX[type]!);
  if (name.includes('Dn')) t = t.split('std::nullptr_t').join('decltype(nullptr)');
  return t.split('_GLOBAL__N_1').join('(anonymous namespace)');
}

/** Should diagnostics be demangled? GNU ld: yes, unless COLLECT_NO_DEMANGLE is set; --[no-]demangle decides last. */
export function demanglingWanted(option: boolean | undefined): boolean {
  return option ?? process.env.COLLECT_NO_DEMANGLE === undefined;
}

/** The message as printed: marked names demangled (loading the demangler if one is there), or left mangled. */
export async function renderText(text: string, demangle: boolean): Promise<string> {
  if (!text.includes(OPEN)) return text;
  if (!demangle) return plainText(text);
  let d: Demangler;
  try {
    d = await (loaded ??= load());
  } catch {
    // The demangler cannot be loaded (a broken install): names stay mangled rather than lose the message.
    return plainText(text);
  }
  return text.replace(MARKED, (_, name: string) => gnuForm(d, name));
}

/** Has a message needed the demangler yet? (It is loaded only then.) */
export function demanglerLoaded(): boolean {
  return loaded !== null;
}

/** For tests: the demangler itself. */
export function loadDemangler(): Promise<Demangler> {
  return (loaded ??= load());
}
