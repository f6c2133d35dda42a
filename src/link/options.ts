// ukl-ld's command line: GNU ld 2.40's syntax, as gcc/collect2, Makefiles and kbuild write it.
//
// GNU ld parses with getopt_long_only() (ld/lexsup.c), and this module reproduces that parser rather than
// approximating it, because build systems depend on its corners:
//   - a long option may be written with one dash or two (`-static`, `--static`, `-entry X`), except the
//     few GNU marks EXACTLY_TWO_DASHES (`--output`, `--omagic`, `--oformat`, ...) and ukl-ld's own
//     extensions, which need `--` so they never change what a single-dash GNU spelling means
//     (`-ukl` is `-u kl` in GNU ld, so it stays that here);
//   - long options may be abbreviated to any unambiguous prefix (`--whole` = `--whole-archive`,
//     `-Bdyn` = `-Bdynamic`); with one dash, any second prefix match is ambiguous (`-en`, `-Bs` fail in
//     GNU ld too), and prefixes are matched against GNU ld's whole option table, not just the options
//     ukl-ld implements, so an abbreviation means here what it means to GNU ld;
//   - a single-dash word that is no long option is a cluster of short options (`-L/dir`, `-lc`, `-zrelro`,
//     `-O1`, `-sx`); like GNU ld 2.40, an argument-taking option after the first letter of a cluster is an
//     error ("unable to disambiguate") and other grouped letters a warning;
//   - `-lNAME` is always `--library=NAME` (GNU rewrites it before parsing, so `-library` is `-l ibrary`);
//   - `@FILE` response files are expanded first, recursively, as libiberty's expandargv/buildargv do; an
//     `@FILE` that cannot be read stays as it is (and is then an input file name).
// Options GNU ld knows but ukl-ld does not implement are rejected by name ("is not supported by ukl-ld");
// unknown ones as GNU rejects them ("unrecognized option '--frobnicate'").
//
// Position-sensitive state (--whole-archive, --as-needed, -Bstatic, --start-lib) is recorded on each input.

import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { VERSION } from '../cli/version.ts';
import { LinkError } from './errors.ts';
import { UNRESOLVED_METHODS, type UnresolvedMethod } from './unresolved.ts';

export interface InputAttrs {
  wholeArchive: boolean;
  asNeeded: boolean;
  /** -Bstatic / -static / -dn / -non_shared in effect (GNU: input_flags.dynamic is false). */
  static: boolean;
  /** Inside --start-lib … --end-lib: objects are archive-like (loaded only to resolve a reference). */
  lazy: boolean;
}

/** A file's bytes as an earlier pass read them (src/image/ukl-inputs.ts), for the link to use instead of
 * reading the file again. */
export interface ReadInput {
  path: string;
  bytes: Uint8Array;
}

export type InputItem =
  /** A path as given: an object, an archive, or an implicit linker script. */
  | { kind: 'file'; path: string; attrs: InputAttrs; read?: ReadInput }
  /** `-lfoo` → 'foo'; `-l:libfoo.a` → ':libfoo.a'. */
  | { kind: 'library'; name: string; attrs: InputAttrs }
  | { kind: 'group-start' }
  | { kind: 'group-end' };

export interface ZOptions {
  /** -z execstack / noexecstack; undefined: neither given (decide from the inputs' .note.GNU-stack). */
  execstack?: boolean;
  relro: boolean;
  now: boolean;
  maxPageSize: number;
  commonPageSize: number;
  separateCode: boolean;
  /** -z notext / textoff: true; -z text: false; undefined: not given. */
  textOff?: boolean;
  muldefs: boolean;
  /** -z stack-size=N (PT_GNU_STACK's p_memsz). */
  stackSize?: bigint;
  /** -z start-stop-gc: __start_/__stop_ references do not keep sections alive under --gc-sections. */
  startStopGc: boolean;
  /** -z start-stop-visibility=V. */
  startStopVisibility?: 'default' | 'internal' | 'hidden' | 'protected';
  /** -z noreloc-overflow (x86-64): GNU ld skips the overflow check only for dynamic relocations in PIE/shared
   *  output, so in a static executable it changes nothing (an overflow stays an error there too). */
  noRelocOverflow: boolean;
  /** -z ibt / -z shstk: mark the output's GNU property note. */
  ibt: boolean;
  shstk: boolean;
  /** -z cet-report=none|warning|error: report inputs without the IBT/SHSTK property (that -z ibt/shstk do not force). */
  cetReport: 'none' | 'warning' | 'error';
  /** -z x86-64-{baseline,v2,v3,v4}: GNU_PROPERTY_X86_ISA_1_NEEDED bits to set in the output (1, 2, 4, 8). */
  isaNeeded: number;
  /** -z lam-u48 / -z lam-u57: mark the output's GNU property note. */
  lamU48: boolean;
  lamU57: boolean;
  /** -z ibtplt: IPLT entries start with endbr64 even when the output is not marked IBT. */
  ibtPlt: boolean;
}

export interface LinkOptions {
  /** -o; default 'a.out'. */
  output: string;
  /** -e / --entry. */
  entry?: string;
  /** -L in order (SEARCH_DIR from scripts is appended by the driver). */
  libraryPaths: string[];
  inputs: InputItem[];
  /** -T / --script files, as given. */
  scripts: string[];
  /** --defsym=name=expr (expr unparsed). */
  defsyms: { name: string; expr: string }[];
  /** -u / --undefined. */
  undefinedSymbols: string[];
  /** --require-defined=SYM: like -u, and an error if SYM is not defined in the end. */
  requireDefined: string[];
  /** --retain-symbols-file=FILE: the output's symbol table keeps only the names FILE lists. */
  retainSymbolsFile?: string;
  /** --dependency-file=FILE: a Makefile rule naming every input file read. */
  dependencyFile?: string;
  /** --package-metadata=JSON: a .note.package (FDO packaging metadata) note; '' or no value: none. */
  packageMetadata?: string;
  /** --wrap=sym. */
  wrap: string[];
  gcSections: boolean;
  printGcSections: boolean;
  /** -s / --strip-all: 'all'; -S / --strip-debug: 'debug'; the last one wins. */
  strip: 'none' | 'debug' | 'all';
  /** -x: 'all'; -X: 'locals'; --discard-none: 'none'; undefined: GNU's default. */
  discard?: 'none' | 'locals' | 'all';
  /** -Map=FILE / -Map FILE / --Map=FILE; -M / --print-map: '-' (standard output). */
  mapFile?: string;
  /** --build-id: 'sha1'; --build-id=STYLE: md5 | sha1 | uuid | fast | 0xHEX; undefined: none. */
  buildId?: string;
  /** --compress-debug-sections=STYLE (undefined: none). */
  compressDebug?: CompressStyle;
  /** --hash-style (sysv | gnu | both): accepted; no effect in static links. */
  hashStyle?: string;
  ehFrameHdr: boolean;
  z: ZOptions;
  /** -m: only 'elf_x86_64' is accepted. */
  emulation?: string;
  /** --allow-multiple-definition / -z muldefs. */
  allowMultipleDefinition: boolean;
  /** --no-undefined / -z defs (-z undefs clears it). */
  noUndefined: boolean;
  fatalWarnings: boolean;
  /** --warn-execstack (true) / --no-warn-execstack (false); undefined: GNU 2.40's default (warn for objects only). */
  warnExecstack?: boolean;
  warnCommon: boolean;
  /** --warn-unresolved-symbols (undefined symbols are warnings; --error-unresolved-symbols clears it). */
  warnUnresolvedSymbols: boolean;
  /** --unresolved-symbols=METHOD; undefined: report-all. */
  unresolvedSymbols?: UnresolvedMethod;
  /** -plugin / --plugin, -plugin-opt / --plugin-opt: recorded, not run. */
  plugin: { path?: string; opts: string[] };
  /** --sysroot=DIR. */
  sysroot?: string;
  /** --verbose[=N]. */
  verbose: boolean;
  /** -v, -V, --version: print the version (and, for -v/-V, go on linking if there are inputs). */
  version: boolean;
  help: boolean;
  /**
   * --help or --version was given: print and exit with status 0 without linking. GNU ld stops parsing at
   * these two options, so nothing after them is checked (`ld --version --frob` succeeds, `ld -v --frob` fails).
   */
  exitAfterInfo: boolean;
  /** -t / --trace: print each input file as it is loaded. */
  trace: boolean;
  /** -q / --emit-relocs. */
  emitRelocs: boolean;
  /** -r / -i / --relocatable. */
  relocatable: boolean;
  /** -shared / -Bshareable. */
  shared: boolean;
  /** -pie / --pic-executable (-no-pie clears it). */
  pie: boolean;
  /** -dynamic-linker / --dynamic-linker / -I (recorded; it marks a dynamic link). */
  dynamicLinker?: string;
  nostdlib: boolean;
  /** --section-start=SECTION=ADDR, -Ttext=ADDR (.text), -Tdata=ADDR (.data), -Tbss=ADDR (.bss); addresses are hex. */
  sectionStart: Record<string, bigint>;
  /** -Ttext-segment=ADDR (hex, as GNU) / --image-base=ADDR (decimal or 0x-hex, as lld and mold). */
  imageBase?: bigint;
  /** --check-sections (default) / --no-check-sections: overlapping section addresses are an error. */
  checkSections?: boolean;
  /** --print-map-discarded (default) / --no-print-map-discarded. */
  printMapDiscarded?: boolean;
  /** --oformat=binary: write the memory image, not an ELF file. */
  binaryOutput: boolean;
  /** --unique[=SECTION] patterns ('' = every orphan section). */
  unique: string[];
  /** -N / --omagic, -n / --nmagic (--no-omagic: neither). */
  magic?: 'omagic' | 'nmagic';
  /** --warn-rwx-segments / --no-warn-rwx-segments; undefined: warn (GNU ld 2.40's default). */
  warnRwxSegments?: boolean;
  /** ukl: --rewrite-syscalls. */
  rewriteSyscalls: boolean;
  /** ukl: --rewrite-report=FILE. */
  rewriteReport?: string;
  /** ukl: --syscall-entry=SYM (default '__ukl_syscall'). */
  syscallEntry: string;
  /** ukl: --syscall-direct. */
  syscallDirect: boolean;
  /** ukl: --ukl (the short UKL mode; the driver fills in the rest). */
  ukl: boolean;
  /** --stats: GNU ld's time and memory lines, then the output's size by part and its syscall sites (src/image/stats.ts). */
  stats: boolean;
  /** --demangle (true) / --no-demangle (false); undefined: demangle unless COLLECT_NO_DEMANGLE is set (GNU ld). */
  demangle?: boolean;
  /** -w / --no-warnings. */
  noWarnings: boolean;
  /** --orphan-handling=place|warn|error|discard (lower-cased). */
  orphanHandling?: string;
  noRelax: boolean;
  /** --sort-common[=descending|ascending]. */
  sortCommon?: 'ascending' | 'descending';
  cref: boolean;
  /** Warnings from parsing, without a "warning: " prefix (GNU ld prints them and goes on): `-z foo ignored`, … */
  warnings: string[];
}

export interface ParseArgsOptions {
  /** Directory against which relative `@FILE` names are read (default: process.cwd()). */
  cwd?: string;
  /** Reads a response file (default: fs.readFileSync as UTF-8). A throw means "cannot be read" (the word stays). */
  readFile?: (path: string) => string;
}

// ---------------------------------------------------------------------------------------------------------
// Response files (libiberty argv.c)

/** libiberty's buildargv: whitespace-separated words, '…' and "…" quoting, backslash escaping any character. */
export function buildArgv(text: string): string[] {
  const out: string[] = [];
  const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f';
  let i = 0;
  const n = text.length;
  const skip = (): void => {
    while (i < n && isSpace(text[i]!)) i++;
  };
  skip();
  if (i === n) return out;
  while (i < n) {
    let arg = '';
    let sq = false;
    let dq = false;
    let bs = false;
    for (; i < n; i++) {
      const c = text[i]!;
      if (isSpace(c) && !sq && !dq && !bs) break;
      if (bs) {
        bs = false;
        arg += c;
      } else if (c === '\\') bs = true;
      else if (sq) {
        if (c === "'") sq = false;
        else arg += c;
      } else if (dq) {
        if (c === '"') dq = false;
        else arg += c;
      } else if (c === "'") sq = true;
      else if (c === '"') dq = true;
      else arg += c;
    }
    out.push(arg);
    skip();
  }
  return out;
}

/**
 * libiberty's expandargv: each word `@FILE` whose FILE can be read is replaced by the words it holds, and those
 * are expanded again (at most 2000 response files in all). An `@FILE` that cannot be read is left alone.
 */
export function expandResponseFiles(argv: readonly string[], opts: ParseArgsOptions = {}): string[] {
  const cwd = opts.cwd ?? process.cwd();
  const args = [...argv];
  let limit = 2000;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('@')) continue;
    if (--limit === 0) throw new LinkError('too many @-files encountered');
    const name = a.slice(1);
    const path = isAbsolute(name) ? name : resolve(cwd, name);
    let text: string;
    if (opts.readFile) {
      try {
        text = opts.readFile(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException | undefined)?.code === 'EISDIR') throw new LinkError('@-file refers to a directory');
        continue;
      }
    } else {
      let st;
      try {
        st = statSync(path);
      } catch {
        continue;
      }
      if (st.isDirectory()) throw new LinkError('@-file refers to a directory');
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        continue;
      }
    }
    args.splice(i, 1, ...buildArgv(text));
    i--; // rescan what was inserted
  }
  return args;
}

// ---------------------------------------------------------------------------------------------------------
// The option table

type ArgKind = 'none' | 'required' | 'optional';

interface PosState {
  wholeArchive: boolean;
  asNeeded: boolean;
  static: boolean;
}

interface State {
  o: LinkOptions;
  pos: PosState;
  stack: PosState[];
  groupDepth: number;
  inLib: boolean;
}

/** What an option does; 'stop' ends parsing (--help, --version). */
type Handler = (s: State, value: string | undefined, shown: string) => void | 'stop';

interface Spec {
  /** Long names (without dashes). */
  long: string[];
  /** Short option letters. */
  short?: string;
  arg: ArgKind;
  /** GNU's EXACTLY_TWO_DASHES, and every ukl-ld extension: only `--name` is recognised. */
  twoDashesOnly?: boolean;
  /** undefined: an option of GNU ld 2.40 (x86-64 ELF) that ukl-ld does not implement. */
  run?: Handler;
  /** --help text: the argument's name and the description ('' = an alias not listed separately). */
  help?: [group: HelpGroup, argName: string, text: string];
}

type HelpGroup = 'output' | 'input' | 'symbols' | 'layout' | 'diagnostics' | 'ukl' | 'compat';

const ignore: Handler = () => {};

function attrs(s: State): InputAttrs {
  return { wholeArchive: s.pos.wholeArchive, asNeeded: s.pos.asNeeded, static: s.pos.static, lazy: s.inLib };
}

/** strtoul(s, &end, 0) that must consume all of s: 0x hex, 0 octal, else decimal. */
function parseCNumber(s: string): bigint | undefined {
  if (/^0[xX][0-9a-fA-F]+$/.test(s)) return BigInt(s);
  if (/^0[0-7]*$/.test(s)) return BigInt('0o' + (s.slice(1) || '0'));
  if (/^[1-9][0-9]*$/.test(s)) return BigInt(s);
  return undefined;
}

/** bfd_scan_vma(s, &end, 16) that must consume all of s: hex digits, an optional 0x prefix. */
function parseHexAddress(s: string): bigint {
  const m = /^(?:0[xX])?([0-9a-fA-F]+)$/.exec(s);
  if (!m) throw new LinkError(`invalid hex number \`${s}'`);
  return BigInt('0x' + m[1]);
}

export type CompressStyle = 'zlib-gabi' | 'zlib-gnu' | 'zstd';

/** --compress-debug-sections=VALUE as GNU ld 2.40 takes it (whether this Node has zstd is checked when linking). */
function compressStyle(value: string): CompressStyle | undefined {
  switch (value) {
    case 'none': return undefined;
    case 'zlib': case 'zlib-gabi': return 'zlib-gabi';
    case 'zlib-gnu': return 'zlib-gnu';
    case 'zstd': return 'zstd';
  }
  throw new LinkError(`invalid --compress-debug-sections option: \`${value}'`);
}

function pushInput(s: State, path: string): void {
  s.o.inputs.push({ kind: 'file', path, attrs: attrs(s) });
}

const BUILD_ID_STYLES = new Set(['md5', 'sha1', 'uuid', 'fast']);

const ORPHAN_MODES = new Set(['place', 'warn', 'error', 'discard']);

/** The value of an option that must have one (the table guarantees it for 'required' options). */
function need(v: string | undefined): string {
  return v ?? '';
}

const SPECS: Spec[] = [
  // ---- output
  { long: ['output'], short: 'o', arg: 'required', twoDashesOnly: true, run: (s, v) => void (s.o.output = need(v)), help: ['output', 'FILE', 'Set output file name (default a.out)'] },
  { long: ['entry'], short: 'e', arg: 'required', run: (s, v) => void (s.o.entry = need(v)), help: ['output', 'ADDRESS', 'Set start address'] },
  { long: ['strip-all'], short: 's', arg: 'none', run: (s) => void (s.o.strip = 'all'), help: ['output', '', 'Strip all symbols'] },
  { long: ['strip-debug'], short: 'S', arg: 'none', run: (s) => void (s.o.strip = 'debug'), help: ['output', '', 'Strip debugging symbols'] },
  { long: ['discard-all'], short: 'x', arg: 'none', run: (s) => void (s.o.discard = 'all'), help: ['output', '', 'Discard all local symbols'] },
  { long: ['discard-locals'], short: 'X', arg: 'none', run: (s) => void (s.o.discard = 'locals'), help: ['output', '', 'Discard temporary local symbols'] },
  { long: ['discard-none'], arg: 'none', run: (s) => void (s.o.discard = 'none'), help: ['output', '', "Don't discard any local symbols"] },
  { long: ['emit-relocs'], short: 'q', arg: 'none', run: (s) => void (s.o.emitRelocs = true), help: ['output', '', 'Generate relocations in final output'] },
  { long: ['relocatable'], short: 'ri', arg: 'none', run: (s) => { s.o.relocatable = true; s.pos.static = true; }, help: ['output', '', 'Generate relocatable output (not supported by the link itself)'] },
  { long: ['shared', 'Bshareable'], arg: 'none', run: (s) => void (s.o.shared = true), help: ['output', '', 'Create a shared library (not supported by the link itself)'] },
  { long: ['pie', 'pic-executable'], arg: 'none', run: (s) => void (s.o.pie = true), help: ['output', '', 'Create a position independent executable (not supported by the link itself)'] },
  { long: ['no-pie'], arg: 'none', run: (s) => void (s.o.pie = false), help: ['output', '', 'Create a position dependent executable (default)'] },
  { long: ['Map'], arg: 'required', run: (s, v) => void (s.o.mapFile = need(v)), help: ['output', 'FILE', "Write a linker map to FILE ('-': standard output)"] },
  { long: ['print-map'], short: 'M', arg: 'none', run: (s) => void (s.o.mapFile = '-'), help: ['output', '', 'Print map file on standard output'] },
  {
    long: ['oformat'], arg: 'required', twoDashesOnly: true,
    run: (s, v) => {
      if (v !== 'binary' && v !== 'elf64-x86-64') throw new LinkError(`--oformat=${need(v)}: ukl-ld writes elf64-x86-64 or binary`);
      s.o.binaryOutput = v === 'binary';
    },
    help: ['output', '=TARGET', 'Output format: elf64-x86-64 (default) or binary (the memory image)'],
  },
  { long: ['dependency-file'], arg: 'required', run: (s, v) => void (s.o.dependencyFile = need(v)), help: ['output', 'FILE', 'Write dependency file'] },
  { long: ['package-metadata'], arg: 'optional', run: (s, v) => void (s.o.packageMetadata = v), help: ['output', '[=JSON]', 'Generate package metadata note (.note.package)'] },
  { long: ['cref'], arg: 'none', run: (s) => void (s.o.cref = true), help: ['output', '', 'Output cross reference table'] },
  {
    long: ['build-id'], arg: 'optional',
    run: (s, v) => {
      const style = v ?? 'sha1';
      if (style === 'none') s.o.buildId = undefined;
      else if (BUILD_ID_STYLES.has(style) || /^0x(?=.*[0-9a-fA-F])[0-9a-fA-F-]+$/.test(style)) s.o.buildId = style;
      else {
        s.o.buildId = undefined;
        s.o.warnings.push('unrecognized --build-id style ignored');
      }
    },
    help: ['output', '[=STYLE]', 'Generate build ID note: md5, sha1 (default), uuid, fast, 0xHEX or none'],
  },
  { long: ['eh-frame-hdr'], arg: 'none', run: (s) => void (s.o.ehFrameHdr = true), help: ['output', '', 'Create .eh_frame_hdr section'] },
  { long: ['no-eh-frame-hdr'], arg: 'none', run: (s) => void (s.o.ehFrameHdr = false), help: ['output', '', 'Do not create .eh_frame_hdr section'] },
  {
    long: ['hash-style'], arg: 'required',
    run: (s, v) => {
      if (v !== 'sysv' && v !== 'gnu' && v !== 'both') throw new LinkError(`invalid hash style \`${need(v)}'`);
      s.o.hashStyle = v;
    },
    help: ['output', '=STYLE', 'Set hash style to sysv, gnu or both (no effect in static links)'],
  },
  {
    long: ['compress-debug-sections'], arg: 'required',
    run: (s, v) => void (s.o.compressDebug = compressStyle(need(v))),
    help: ['output', '=STYLE', 'Compress DWARF debug sections: none, zlib (= zlib-gabi), zlib-gnu, zstd (Node >= 22.15)'],
  },

  // ---- input files and libraries
  { long: ['library'], short: 'l', arg: 'required', run: (s, v) => void s.o.inputs.push({ kind: 'library', name: need(v), attrs: attrs(s) }), help: ['input', 'LIBNAME', 'Search for library LIBNAME (-l:FILE: for FILE itself)'] },
  { long: ['library-path'], short: 'L', arg: 'required', run: (s, v) => void s.o.libraryPaths.push(need(v)), help: ['input', 'DIRECTORY', 'Add DIRECTORY to library search path'] },
  { long: ['script'], short: 'T', arg: 'required', run: (s, v) => void s.o.scripts.push(need(v)), help: ['input', 'FILE', 'Read linker script'] },
  { long: ['sysroot'], arg: 'required', run: (s, v) => void (s.o.sysroot = need(v)), help: ['input', '=DIRECTORY', 'Override the default sysroot location'] },
  { long: ['nostdlib'], arg: 'none', run: (s) => void (s.o.nostdlib = true), help: ['input', '', 'Only use library directories specified on the command line'] },
  {
    long: ['start-group'], short: '(', arg: 'none',
    run: (s) => {
      s.groupDepth++;
      s.o.inputs.push({ kind: 'group-start' });
    },
    help: ['input', '', 'Start a group (archives searched repeatedly; may nest)'],
  },
  {
    long: ['end-group'], short: ')', arg: 'none',
    run: (s) => {
      if (s.groupDepth === 0) throw new LinkError('group ended before it began (--help for usage)');
      s.groupDepth--;
      s.o.inputs.push({ kind: 'group-end' });
    },
    help: ['input', '', 'End a group'],
  },
  { long: ['whole-archive'], arg: 'none', run: (s) => void (s.pos.wholeArchive = true), help: ['input', '', 'Include all objects from following archives'] },
  { long: ['no-whole-archive'], arg: 'none', run: (s) => void (s.pos.wholeArchive = false), help: ['input', '', 'Turn off --whole-archive'] },
  { long: ['as-needed'], arg: 'none', run: (s) => void (s.pos.asNeeded = true), help: ['input', '', 'Only set DT_NEEDED for following dynamic libs if used'] },
  { long: ['no-as-needed'], arg: 'none', run: (s) => void (s.pos.asNeeded = false), help: ['input', '', 'Always set DT_NEEDED for following dynamic libs'] },
  { long: ['Bstatic', 'dn', 'non_shared', 'static'], arg: 'none', run: (s) => void (s.pos.static = true), help: ['input', '', 'Do not link against shared libraries'] },
  { long: ['Bdynamic', 'dy', 'call_shared'], arg: 'none', run: (s) => void (s.pos.static = false), help: ['input', '', 'Link against shared libraries'] },
  { long: ['push-state'], arg: 'none', run: (s) => void s.stack.push({ ...s.pos }), help: ['input', '', 'Push state of flags governing input file handling'] },
  {
    long: ['pop-state'], arg: 'none',
    run: (s) => {
      const p = s.stack.pop();
      if (!p) throw new LinkError('no state pushed before popping');
      s.pos = p;
    },
    help: ['input', '', 'Pop state of flags governing input file handling'],
  },
  {
    long: ['start-lib'], arg: 'none', twoDashesOnly: true,
    run: (s) => {
      if (s.inLib) throw new LinkError('nested --start-lib');
      s.inLib = true;
    },
    help: ['input', '', 'Treat following objects as archive members (as lld and gold)'],
  },
  {
    long: ['end-lib'], arg: 'none', twoDashesOnly: true,
    run: (s) => {
      if (!s.inLib) throw new LinkError('stray --end-lib');
      s.inLib = false;
    },
    help: ['input', '', 'End --start-lib'],
  },
  { long: ['trace'], short: 't', arg: 'none', run: (s) => void (s.o.trace = true), help: ['input', '', 'Trace file opens'] },
  {
    long: ['plugin'], arg: 'required', run: (s, v) => void (s.o.plugin.path = need(v)), help: ['input', 'PLUGIN', 'Load named plugin (recorded, not run)'],
  },
  {
    long: ['plugin-opt'], arg: 'required',
    run: (s, v) => {
      // GNU hands each -plugin-opt to the last -plugin, so one before any -plugin is an error there.
      if (s.o.plugin.path === undefined) throw new LinkError('bad -plugin-opt option (no -plugin before it)');
      s.o.plugin.opts.push(need(v));
    },
    help: ['input', 'ARG', 'Send arg to last-loaded plugin (recorded)'] },

  // ---- symbols
  {
    long: ['defsym'], arg: 'required',
    run: (s, v) => {
      const t = need(v);
      const eq = t.indexOf('=');
      const name = eq < 0 ? '' : t.slice(0, eq).trim();
      const expr = eq < 0 ? '' : t.slice(eq + 1).trim();
      if (!name || !expr) throw new LinkError(`--defsym ${t}: expected SYMBOL=EXPRESSION`);
      s.o.defsyms.push({ name, expr });
    },
    help: ['symbols', 'SYMBOL=EXPRESSION', 'Define a symbol'],
  },
  { long: ['require-defined'], arg: 'required', run: (s, v) => void s.o.requireDefined.push(need(v)), help: ['symbols', 'SYMBOL', 'Require SYMBOL be defined in the final output'] },
  { long: ['retain-symbols-file'], arg: 'required', run: (s, v) => void (s.o.retainSymbolsFile = need(v)), help: ['symbols', 'FILE', 'Keep only symbols listed in FILE'] },
  { long: ['undefined'], short: 'u', arg: 'required', run: (s, v) => void s.o.undefinedSymbols.push(need(v)), help: ['symbols', 'SYMBOL', 'Start with undefined reference to SYMBOL'] },
  { long: ['wrap'], arg: 'required', run: (s, v) => void s.o.wrap.push(need(v)), help: ['symbols', 'SYMBOL', 'Use wrapper functions for SYMBOL'] },
  { long: ['allow-multiple-definition'], arg: 'none', run: (s) => void (s.o.allowMultipleDefinition = true), help: ['symbols', '', 'Allow multiple definitions'] },
  { long: ['no-undefined'], arg: 'none', run: (s) => { s.o.noUndefined = true; s.o.unresolvedSymbols = 'report-all'; }, help: ['symbols', '', 'Do not allow unresolved references in object files'] },
  { long: ['warn-unresolved-symbols'], arg: 'none', run: (s) => void (s.o.warnUnresolvedSymbols = true), help: ['symbols', '', 'Report unresolved symbols as warnings'] },
  { long: ['error-unresolved-symbols'], arg: 'none', run: (s) => void (s.o.warnUnresolvedSymbols = false), help: ['symbols', '', 'Report unresolved symbols as errors'] },
  {
    long: ['unresolved-symbols'], arg: 'required',
    run: (s, v) => {
      const m = UNRESOLVED_METHODS.find((x) => x === v);
      if (!m) throw new LinkError(`bad --unresolved-symbols option: ${need(v)}`);
      s.o.unresolvedSymbols = m;
    },
    help: ['symbols', '=METHOD', 'How to handle unresolved symbols: ignore-all, report-all, ignore-in-object-files, ignore-in-shared-libs'],
  },
  { long: ['warn-common'], arg: 'none', run: (s) => void (s.o.warnCommon = true), help: ['symbols', '', 'Warn about duplicate common symbols'] },
  {
    long: ['sort-common'], arg: 'optional',
    run: (s, v) => {
      if (v !== undefined && v !== 'ascending' && v !== 'descending') throw new LinkError(`invalid common section sorting option: ${v}`);
      s.o.sortCommon = v ?? 'descending';
    },
    help: ['symbols', '[=ascending|descending]', 'Sort common symbols by alignment'],
  },
  { long: ['sort_common'], arg: 'none', run: (s) => void (s.o.sortCommon = 'descending') },

  // ---- layout
  { long: ['nmagic'], short: 'n', arg: 'none', run: (s) => { s.o.magic = 'nmagic'; s.pos.static = true; }, help: ['layout', '', 'Do not page align data (one RWX segment)'] },
  { long: ['omagic'], short: 'N', arg: 'none', twoDashesOnly: true, run: (s) => { s.o.magic = 'omagic'; s.pos.static = true; }, help: ['layout', '', 'Do not page align data, do not make text readonly (one RWX segment)'] },
  { long: ['no-omagic'], arg: 'none', twoDashesOnly: true, run: (s) => void (s.o.magic = undefined), help: ['layout', '', 'Page align data, make text readonly'] },
  { long: ['unique'], arg: 'optional', run: (s, v) => void s.o.unique.push(v ?? ''), help: ['layout', '[=SECTION]', "Don't merge input [SECTION | orphan] sections"] },
  { long: ['gc-sections'], arg: 'none', run: (s) => void (s.o.gcSections = true), help: ['layout', '', 'Remove unused sections'] },
  { long: ['no-gc-sections'], arg: 'none', run: (s) => void (s.o.gcSections = false), help: ['layout', '', "Don't remove unused sections (default)"] },
  { long: ['print-gc-sections'], arg: 'none', run: (s) => void (s.o.printGcSections = true), help: ['layout', '', 'List removed unused sections on stderr'] },
  { long: ['no-print-gc-sections'], arg: 'none', run: (s) => void (s.o.printGcSections = false), help: ['layout', '', 'Do not list removed unused sections'] },
  {
    long: ['section-start'], arg: 'required',
    run: (s, v) => {
      const t = need(v);
      const eq = t.indexOf('=');
      if (eq < 0) throw new LinkError('invalid argument to option "--section-start"');
      if (eq === 0 || eq === t.length - 1) throw new LinkError('missing argument(s) to option "--section-start"');
      s.o.sectionStart[t.slice(0, eq)] = parseHexAddress(t.slice(eq + 1));
    },
    help: ['layout', 'SECTION=ADDRESS', 'Set address of named section (hex)'],
  },
  { long: ['Ttext'], arg: 'required', run: (s, v) => void (s.o.sectionStart['.text'] = parseHexAddress(need(v))), help: ['layout', 'ADDRESS', 'Set address of .text section (hex)'] },
  { long: ['Tdata'], arg: 'required', run: (s, v) => void (s.o.sectionStart['.data'] = parseHexAddress(need(v))), help: ['layout', 'ADDRESS', 'Set address of .data section (hex)'] },
  { long: ['Tbss'], arg: 'required', run: (s, v) => void (s.o.sectionStart['.bss'] = parseHexAddress(need(v))), help: ['layout', 'ADDRESS', 'Set address of .bss section (hex)'] },
  { long: ['Ttext-segment'], arg: 'required', run: (s, v) => void (s.o.imageBase = parseHexAddress(need(v))), help: ['layout', 'ADDRESS', 'Set address of text segment (hex)'] },
  {
    long: ['image-base'], arg: 'required', twoDashesOnly: true,
    run: (s, v) => {
      const n = parseCNumber(need(v));
      if (n === undefined) throw new LinkError(`invalid --image-base value \`${need(v)}'`);
      s.o.imageBase = n;
    },
    help: ['layout', 'ADDRESS', 'Set the base address (as lld and mold; decimal or 0x-hex)'],
  },
  {
    long: ['orphan-handling'], arg: 'required',
    run: (s, v) => {
      const m = need(v).toLowerCase();
      if (!ORPHAN_MODES.has(m)) throw new LinkError('invalid argument to option "--orphan-handling"');
      s.o.orphanHandling = m;
    },
    help: ['layout', '=MODE', 'Control how orphan sections are handled: place, warn, error, discard'],
  },
  { long: ['relax'], arg: 'none', run: (s) => void (s.o.noRelax = false), help: ['layout', '', 'Relax (the mandatory x86-64 relaxations are always done)'] },
  { long: ['no-relax'], arg: 'none', run: (s) => void (s.o.noRelax = true), help: ['layout', '', 'Do not use optional relaxations'] },
  {
    long: [], short: 'm', arg: 'required',
    run: (s, v) => {
      if (v !== 'elf_x86_64') throw new LinkError(`unrecognised emulation mode: ${need(v)}; supported emulations: elf_x86_64`);
      s.o.emulation = v;
    },
    help: ['layout', 'EMULATION', 'Set emulation (only elf_x86_64)'],
  },
  { long: [], short: 'z', arg: 'required', run: (s, v) => zKeyword(s, need(v)), help: ['layout', 'KEYWORD', 'ELF keywords, see below'] },

  // ---- diagnostics and information
  {
    long: ['demangle'], arg: 'optional',
    run: (s, v) => {
      // GNU ld takes a style name; C++ (gnu-v3) and Rust are what ukl-ld demangles, whatever is named.
      if (v !== undefined && !['auto', 'gnu-v3', 'rust', 'dlang', 'gnat', 'java', 'none'].includes(v)) throw new LinkError(`unknown demangling style \`${v}'`);
      s.o.demangle = v !== 'none';
    },
    help: ['diagnostics', '[=STYLE]', 'Demangle C++ and Rust symbol names in messages (default; COLLECT_NO_DEMANGLE turns it off)'],
  },
  { long: ['no-demangle'], arg: 'none', run: (s) => void (s.o.demangle = false), help: ['diagnostics', '', 'Do not demangle symbol names'] },
  { long: ['fatal-warnings'], arg: 'none', run: (s) => void (s.o.fatalWarnings = true), help: ['diagnostics', '', 'Treat warnings as errors'] },
  { long: ['no-fatal-warnings'], arg: 'none', run: (s) => void (s.o.fatalWarnings = false), help: ['diagnostics', '', 'Do not treat warnings as errors (default)'] },
  { long: ['no-warnings'], short: 'w', arg: 'none', run: (s) => void (s.o.noWarnings = true), help: ['diagnostics', '', 'Do not display any warning messages'] },
  {
    long: ['verbose'], arg: 'optional',
    run: (s, v) => {
      if (v !== undefined && parseCNumber(v) === undefined) throw new LinkError(`invalid number \`${v}'`);
      s.o.verbose = true;
      s.o.version = true;
    },
    help: ['diagnostics', '[=NUMBER]', 'Output lots of information during link'],
  },
  { long: ['dll-verbose'], arg: 'none', run: (s) => { s.o.verbose = true; s.o.version = true; } },
  { long: [], short: 'vV', arg: 'none', run: (s) => void (s.o.version = true), help: ['diagnostics', '', 'Print version information (and go on linking)'] },
  {
    long: ['version'], arg: 'none',
    run: (s) => {
      s.o.version = true;
      s.o.exitAfterInfo = true;
      return 'stop';
    },
    help: ['diagnostics', '', 'Print version information and exit'],
  },
  {
    long: ['help'], arg: 'none',
    run: (s) => {
      s.o.help = true;
      s.o.exitAfterInfo = true;
      return 'stop';
    },
    help: ['diagnostics', '', 'Print option help and exit'],
  },

  // ---- ukl extensions (`--` only)
  { long: ['rewrite-syscalls'], arg: 'none', twoDashesOnly: true, run: (s) => void (s.o.rewriteSyscalls = true), help: ['ukl', '', 'Turn every syscall instruction into a call to the syscall entry'] },
  { long: ['rewrite-report'], arg: 'required', twoDashesOnly: true, run: (s, v) => void (s.o.rewriteReport = need(v)), help: ['ukl', '=FILE', 'Write the rewritten syscall sites to FILE'] },
  { long: ['syscall-entry'], arg: 'required', twoDashesOnly: true, run: (s, v) => void (s.o.syscallEntry = need(v)), help: ['ukl', '=SYMBOL', 'The function syscall sites call (default __ukl_syscall)'] },
  { long: ['syscall-direct'], arg: 'none', twoDashesOnly: true, run: (s) => void (s.o.syscallDirect = true), help: ['ukl', '', 'Call the kernel handler of a known syscall number directly'] },
  { long: ['ukl'], arg: 'none', twoDashesOnly: true, run: (s) => void (s.o.ukl = true), help: ['ukl', '', 'Link a UKL image (the short UKL mode)'] },

  // ---- accepted for compatibility, no effect on a static link
  { long: [], short: 'O', arg: 'required', run: ignore, help: ['compat', 'LEVEL', 'Optimize output file (ignored)'] },
  { long: [], short: 'g', arg: 'none', run: ignore, help: ['compat', '', 'Ignored'] },
  { long: ['Qy', 'qmagic'], arg: 'none', run: ignore },
  { long: ['flto'], arg: 'optional', run: ignore, help: ['compat', '', 'Ignored for GCC LTO option compatibility'] },
  { long: ['flto-partition'], arg: 'required', run: ignore },
  { long: ['fuse-ld'], arg: 'required', run: ignore },
  { long: ['map-whole-files'], arg: 'optional', run: ignore },
  { long: ['no-map-whole-files'], arg: 'optional', run: ignore },
  { long: ['export-dynamic'], short: 'E', arg: 'none', run: ignore, help: ['compat', '', 'Export all dynamic symbols (no effect in static links)'] },
  { long: ['no-export-dynamic'], arg: 'none', run: ignore },
  { long: ['dynamic-linker'], short: 'I', arg: 'required', run: (s, v) => void (s.o.dynamicLinker = need(v)), help: ['compat', 'PROGRAM', 'Set the program interpreter (recorded)'] },
  { long: ['no-dynamic-linker'], arg: 'none', run: (s) => void (s.o.dynamicLinker = undefined), help: ['compat', '', 'No program interpreter'] },
  { long: ['rpath'], arg: 'required', run: ignore, help: ['compat', 'PATH', 'Runtime library search path (no effect in static links)'] },
  { long: ['rpath-link'], arg: 'required', run: ignore, help: ['compat', 'PATH', 'Link-time shared library search path (no effect)'] },
  { long: ['soname'], short: 'h', arg: 'required', run: ignore },
  { long: ['enable-new-dtags'], arg: 'none', run: ignore, help: ['compat', '', 'Enable new dynamic tags (no effect)'] },
  { long: ['disable-new-dtags'], arg: 'none', run: ignore, help: ['compat', '', 'Disable new dynamic tags (no effect)'] },
  { long: ['add-needed', 'copy-dt-needed-entries'], arg: 'none', run: ignore },
  { long: ['no-add-needed', 'no-copy-dt-needed-entries'], arg: 'none', run: ignore, help: ['compat', '', 'DT_NEEDED handling (no effect)'] },
  { long: ['undefined-version'], arg: 'none', twoDashesOnly: true, run: ignore },
  { long: ['no-undefined-version'], arg: 'none', run: ignore, help: ['compat', '', 'Symbol-version checks (no effect)'] },
  { long: ['no-warn-mismatch'], arg: 'none', run: ignore, help: ['compat', '', 'Accepted, no effect'] },
  { long: ['no-warn-search-mismatch'], arg: 'none', run: ignore },
  { long: ['warn-textrel', 'warn-shared-textrel'], arg: 'none', run: ignore },
  { long: ['warn-execstack'], arg: 'none', run: (s) => void (s.o.warnExecstack = true), help: ['diagnostics', '', 'Warn when the stack is made executable, also for -z execstack'] },
  { long: ['no-warn-execstack'], arg: 'none', run: (s) => void (s.o.warnExecstack = false), help: ['diagnostics', '', 'Do not warn about an executable stack'] },
  { long: ['warn-rwx-segments'], arg: 'none', run: (s) => void (s.o.warnRwxSegments = true), help: ['diagnostics', '', 'Warn about a LOAD segment with RWX permissions (-N, -n)'] },
  { long: ['no-warn-rwx-segments'], arg: 'none', run: (s) => void (s.o.warnRwxSegments = false), help: ['diagnostics', '', 'Do not warn about RWX LOAD segments'] },
  { long: ['warn-once', 'warn-constructors', 'warn-section-align', 'warn-alternate-em'], arg: 'none', run: ignore },
  // Memory-use hints and a.out-era formatting switches: nothing in ukl-ld depends on them.
  { long: ['no-keep-memory', 'reduce-memory-overheads', 'traditional-format'], arg: 'none', run: ignore },
  { long: ['stats'], arg: 'none', run: (s) => void (s.o.stats = true), help: ['diagnostics', '', 'Print GNU ld\'s time and memory lines, then the output\'s size by part (kernel, glibc, libraries, application) and its syscall sites'] },
  { long: ['hash-size'], arg: 'required', run: ignore },
  { long: ['check-sections'], arg: 'none', run: (s) => void (s.o.checkSections = true), help: ['layout', '', 'Check section addresses for overlaps (default)'] },
  { long: ['no-check-sections'], arg: 'none', run: (s) => void (s.o.checkSections = false), help: ['layout', '', 'Do not check section addresses for overlaps'] },
  { long: ['accept-unknown-input-arch', 'no-accept-unknown-input-arch'], arg: 'none', run: ignore },
  { long: ['print-map-discarded'], arg: 'none', run: (s) => void (s.o.printMapDiscarded = true), help: ['output', '', 'Show discarded sections in map file output (default)'] },
  { long: ['no-print-map-discarded'], arg: 'none', run: (s) => void (s.o.printMapDiscarded = false), help: ['output', '', 'Do not show discarded sections in map file output'] },
  { long: ['ld-generated-unwind-info', 'no-ld-generated-unwind-info'], arg: 'none', run: ignore },
  { long: ['Bsymbolic', 'Bsymbolic-functions', 'Bno-symbolic'], arg: 'none', run: ignore },
  { long: ['exclude-libs'], arg: 'required', run: ignore },
  { long: ['disable-multiple-abs-defs'], arg: 'none', run: ignore },
  { long: ['color-diagnostics'], arg: 'optional', twoDashesOnly: true, run: ignore },
  { long: ['no-color-diagnostics'], arg: 'none', twoDashesOnly: true, run: ignore },
  { long: ['threads'], arg: 'optional', twoDashesOnly: true, run: ignore },
  { long: ['no-threads'], arg: 'none', twoDashesOnly: true, run: ignore },

  // ---- GNU ld 2.40 options (x86-64 ELF) that ukl-ld does not implement
  { long: [], short: 'a', arg: 'required' },
  { long: ['architecture'], short: 'A', arg: 'required' },
  { long: ['format'], short: 'b', arg: 'required' },
  { long: ['mri-script'], short: 'c', arg: 'required' },
  { long: ['dc', 'dp'], short: 'd', arg: 'none' },
  { long: ['force-group-allocation'], arg: 'none' },
  { long: ['enable-non-contiguous-regions'], arg: 'none' },
  { long: ['enable-non-contiguous-regions-warnings'], arg: 'none' },
  { long: ['EB'], arg: 'none' },
  { long: ['EL'], arg: 'none' },
  { long: ['auxiliary'], short: 'f', arg: 'required' },
  { long: ['filter'], short: 'F', arg: 'required' },
  { long: ['gpsize'], short: 'G', arg: 'required' },
  { long: ['out-implib'], arg: 'required' },
  { long: ['just-symbols'], short: 'R', arg: 'required' },
  { long: ['strip-discarded'], arg: 'none' },
  { long: ['no-strip-discarded'], arg: 'none' },
  { long: ['default-script', 'dT'], arg: 'required' },
  { long: ['Ur'], arg: 'none' },
  { long: ['trace-symbol'], short: 'y', arg: 'required' },
  { long: [], short: 'Y', arg: 'required' },
  { long: ['assert'], arg: 'required' },
  { long: ['embedded-relocs'], arg: 'none' },
  { long: ['fini'], arg: 'required' },
  { long: ['init'], arg: 'required' },
  { long: ['force-exe-suffix'], arg: 'none' },
  { long: ['gc-keep-exported'], arg: 'none' },
  { long: ['no-define-common'], arg: 'none' },
  { long: ['allow-shlib-undefined'], arg: 'none' },
  { long: ['no-allow-shlib-undefined'], arg: 'none' },
  { long: ['error-handling-script'], arg: 'required' },
  { long: ['default-symver'], arg: 'none' },
  { long: ['default-imported-symver'], arg: 'none' },
  { long: ['noinhibit-exec', 'noinhibit_exec'], arg: 'none' },
  { long: ['print-output-format'], arg: 'none' },
  { long: ['print-sysroot'], arg: 'none' },
  { long: ['max-cache-size'], arg: 'required' },
  { long: ['sort-section'], arg: 'required' },
  { long: ['spare-dynamic-tags'], arg: 'required' },
  { long: ['split-by-file'], arg: 'optional' },
  { long: ['split-by-reloc'], arg: 'optional' },
  { long: ['target-help'], arg: 'none' },
  { long: ['task-link'], arg: 'required' },
  { long: ['Trodata-segment'], arg: 'required' },
  { long: ['Tldata-segment'], arg: 'required' },
  { long: ['version-script'], arg: 'required' },
  { long: ['version-exports-section'], arg: 'required' },
  { long: ['dynamic-list-data'], arg: 'none' },
  { long: ['dynamic-list-cpp-new'], arg: 'none' },
  { long: ['dynamic-list-cpp-typeinfo'], arg: 'none' },
  { long: ['dynamic-list'], arg: 'required' },
  { long: ['export-dynamic-symbol'], arg: 'required', twoDashesOnly: true },
  { long: ['export-dynamic-symbol-list'], arg: 'required', twoDashesOnly: true },
  { long: ['warn-multiple-gp'], arg: 'none' },
  { long: ['ignore-unresolved-symbol'], arg: 'required' },
  { long: ['print-memory-usage'], arg: 'none' },
  { long: ['ctf-variables'], arg: 'none' },
  { long: ['no-ctf-variables'], arg: 'none' },
  { long: ['ctf-share-types'], arg: 'required' },
  { long: ['audit'], arg: 'required' },
  { long: ['depaudit'], short: 'P', arg: 'required' },
  { long: ['Bgroup'], arg: 'none' },
];

// ---------------------------------------------------------------------------------------------------------
// -z keywords (ld/emultempl/elf.em and elf-x86.em, binutils 2.40)

const Z_IGNORED = new Set([
  'unique-symbol', 'nounique-symbol', 'globalaudit', 'global', 'initfirst', 'interpose', 'loadfltr', 'nodefaultlib',
  'nodelete', 'nodlopen', 'nodump', 'origin', 'unique', 'nounique', 'combreloc', 'nocombreloc', 'nocopyreloc',
  'common', 'nocommon', 'noextern-protected-data', 'indirect-extern-access', 'noindirect-extern-access',
  'dynamic-undefined-weak', 'nodynamic-undefined-weak', 'report-relative-reloc',
  'pack-relative-relocs', 'nopack-relative-relocs',
]);

function pageSize(kw: string, prefix: string, what: string): number {
  const text = kw.slice(prefix.length);
  const n = parseCNumber(text);
  if (n === undefined || n > 0xffffffffn || (n & (n - 1n)) !== 0n) throw new LinkError(`invalid ${what} page size \`${text}'`);
  return Number(n);
}

function zKeyword(s: State, kw: string): void {
  const z = s.o.z;
  switch (kw) {
    case 'execstack': z.execstack = true; return;
    case 'noexecstack': z.execstack = false; return;
    case 'relro': z.relro = true; return;
    case 'norelro': z.relro = false; return;
    case 'now': z.now = true; return;
    case 'lazy': z.now = false; return;
    case 'separate-code': z.separateCode = true; return;
    case 'noseparate-code': z.separateCode = false; return;
    case 'text': z.textOff = false; return;
    case 'notext': case 'textoff': z.textOff = true; return;
    case 'muldefs': z.muldefs = true; s.o.allowMultipleDefinition = true; return;
    // GNU ld: -z defs / --no-undefined report undefined symbols of objects, -z undefs ignores them (last wins,
    // with --unresolved-symbols).
    case 'defs': s.o.noUndefined = true; s.o.unresolvedSymbols = 'report-all'; return;
    case 'undefs': s.o.noUndefined = false; s.o.unresolvedSymbols = 'ignore-in-object-files'; return;
    case 'noreloc-overflow': z.noRelocOverflow = true; return;
    case 'ibt': z.ibt = true; return;
    case 'shstk': z.shstk = true; return;
    case 'lam-u48': z.lamU48 = true; return;
    case 'lam-u57': z.lamU57 = true; return;
    case 'ibtplt': z.ibtPlt = true; return;
  }
  if (Z_IGNORED.has(kw)) return;
  if (kw.startsWith('max-page-size=')) { z.maxPageSize = pageSize(kw, 'max-page-size=', 'maximum'); return; }
  if (kw.startsWith('common-page-size=')) { z.commonPageSize = pageSize(kw, 'common-page-size=', 'common'); return; }
  if (kw.startsWith('stack-size=')) {
    const n = parseCNumber(kw.slice(11));
    if (n === undefined) throw new LinkError(`invalid stack size \`${kw.slice(11)}'`);
    z.stackSize = n;
    return;
  }
  // GNU tests these two with startswith().
  if (kw.startsWith('start-stop-gc')) { z.startStopGc = true; return; }
  if (kw.startsWith('nostart-stop-gc')) { z.startStopGc = false; return; }
  if (kw.startsWith('start-stop-visibility=')) {
    const v = kw.slice(22);
    if (v !== 'default' && v !== 'internal' && v !== 'hidden' && v !== 'protected') {
      throw new LinkError(`invalid visibility in \`-z ${kw}'; must be default, internal, hidden, or protected`);
    }
    z.startStopVisibility = v;
    return;
  }
  for (const p of ['cet-report=', 'lam-u48-report=', 'lam-u57-report=', 'lam-report=']) {
    if (kw.startsWith(p)) {
      const v = kw.slice(p.length);
      if (v !== 'none' && v !== 'warning' && v !== 'error') throw new LinkError(`invalid option for -z ${p}: ${v}`);
      // LAM (Intel's linear address masking) reports concern properties no x86-64 input of a static link has.
      if (p === 'cet-report=') z.cetReport = v;
      return;
    }
  }
  const isa = ['x86-64-baseline', 'x86-64-v2', 'x86-64-v3', 'x86-64-v4'].indexOf(kw);
  if (isa >= 0) {
    z.isaNeeded |= 1 << isa;
    return;
  }
  if (kw.startsWith('call-nop=')) {
    const v = kw.slice(9);
    const m = /^(?:prefix|suffix)-(.*)$/.exec(v);
    if (v === 'prefix-addr' || v === 'suffix-nop') return;
    if (m) {
      const n = parseCNumber(m[1]!);
      if (n === undefined || n > 0xffn) throw new LinkError(`invalid number for -z call-nop=${v.slice(0, 7)}: ${m[1]}`);
      return;
    }
    throw new LinkError(`unsupported option: -z ${kw}`);
  }
  if (kw.startsWith('x86-64-')) throw new LinkError(`invalid x86-64 ISA level: ${kw}`);
  s.o.warnings.push(`-z ${kw} ignored`);
}

// ---------------------------------------------------------------------------------------------------------
// getopt_long_only, as GNU ld runs it

interface LongEntry {
  name: string;
  spec: Spec;
}

/** GNU's longopts (one or two dashes) and really_longopts (two dashes only), in table order. */
const LONGOPTS: LongEntry[] = [];
const REALLY_LONGOPTS: LongEntry[] = [];
const SHORT = new Map<string, Spec>();
for (const spec of SPECS) {
  for (const name of spec.long) (spec.twoDashesOnly ? REALLY_LONGOPTS : LONGOPTS).push({ name, spec });
  for (const c of spec.short ?? '') SHORT.set(c, spec);
}

type LongMatch = { kind: 'found'; entry: LongEntry } | { kind: 'none' } | { kind: 'ambiguous'; names: string[] };

/** glibc process_long_option's lookup: an exact name, else a unique prefix (with longOnly, any second prefix is ambiguous). */
function lookupLong(table: LongEntry[], name: string, longOnly: boolean): LongMatch {
  const exact = table.find((e) => e.name === name);
  if (exact) return { kind: 'found', entry: exact };
  const hits = table.filter((e) => e.name.startsWith(name));
  if (hits.length === 0) return { kind: 'none' };
  const first = hits[0]!;
  const ambiguous = hits.some((e) => e !== first && (longOnly || e.spec !== first.spec));
  if (ambiguous) return { kind: 'ambiguous', names: [...new Set(hits.map((e) => e.name))] };
  return { kind: 'found', entry: first };
}

function unsupported(shown: string): LinkError {
  return new LinkError(`option '${shown}' is not supported by ukl-ld`);
}

function freshOptions(): LinkOptions {
  return {
    output: 'a.out',
    libraryPaths: [],
    inputs: [],
    scripts: [],
    defsyms: [],
    undefinedSymbols: [],
    requireDefined: [],
    unique: [],
    binaryOutput: false,
    wrap: [],
    gcSections: false,
    printGcSections: false,
    strip: 'none',
    ehFrameHdr: false,
    z: {
      relro: true,
      now: false,
      maxPageSize: 0x1000,
      commonPageSize: 0x1000,
      separateCode: true,
      muldefs: false,
      startStopGc: false,
      noRelocOverflow: false,
      ibt: false,
      shstk: false,
      cetReport: 'none',
      isaNeeded: 0,
      lamU48: false,
      lamU57: false,
      ibtPlt: false,
    },
    allowMultipleDefinition: false,
    noUndefined: false,
    fatalWarnings: false,
    warnCommon: false,
    warnUnresolvedSymbols: false,
    plugin: { opts: [] },
    verbose: false,
    version: false,
    help: false,
    exitAfterInfo: false,
    trace: false,
    emitRelocs: false,
    relocatable: false,
    shared: false,
    pie: false,
    nostdlib: false,
    sectionStart: {},
    rewriteSyscalls: false,
    syscallEntry: '__ukl_syscall',
    syscallDirect: false,
    ukl: false,
    stats: false,
    noWarnings: false,
    noRelax: false,
    cref: false,
    warnings: [],
  };
}

/**
 * Parse an ld command line (without the program name). Throws LinkError with GNU ld's wording for a bad
 * command line; warnings GNU ld would print and go on after are in `warnings`.
 */
export function parseArgs(argv: string[], opts: ParseArgsOptions = {}): LinkOptions {
  const args = expandResponseFiles(argv, opts);
  const s: State = {
    o: freshOptions(),
    pos: { wholeArchive: false, asNeeded: false, static: false },
    stack: [],
    groupDepth: 0,
    inLib: false,
  };

  let i = 0;
  /** Run an option; true means stop parsing. */
  const apply = (spec: Spec, value: string | undefined, shown: string): boolean => {
    if (!spec.run) throw unsupported(shown);
    return spec.run(s, value, shown) === 'stop';
  };

  /** A long option found in a table: take its argument and run it. */
  const runLong = (entry: LongEntry, dashes: string, inlineValue: string | undefined): boolean => {
    const { spec, name } = entry;
    const shown = dashes + name;
    if (!spec.run) throw unsupported(shown);
    let value = inlineValue;
    if (spec.arg === 'none' && value !== undefined) throw new LinkError(`option '${shown}' doesn't allow an argument`);
    if (spec.arg === 'required' && value === undefined) {
      if (i >= args.length) throw new LinkError(`option '${shown}' requires an argument`);
      value = args[i++]!;
    }
    return apply(spec, value, shown);
  };

  const unrecognized = (arg: string): LinkError => new LinkError(`unrecognized option '${arg}'`);

  const ambiguous = (arg: string, names: string[], dashes: string): LinkError => {
    let hint = '';
    const first = arg[dashes.length];
    const shortSpec = dashes === '-' && first !== undefined ? SHORT.get(first) : undefined;
    if (shortSpec && shortSpec.arg !== 'none') hint = ` (for the short option write '-${first} ${arg.slice(2)}')`;
    const shown = names.slice(0, 8).map((n) => `'${dashes}${n}'`).join(' ') + (names.length > 8 ? ' …' : '');
    return new LinkError(`option '${arg}' is ambiguous; possibilities: ${shown}${hint}`);
  };

  /** A cluster of short options, as getopt walks it (`-sx`, `-L/dir`, `-zrelro`). */
  const runShortCluster = (arg: string): boolean => {
    const body = arg.slice(1);
    for (let j = 0; j < body.length; j++) {
      const c = body[j]!;
      const spec = SHORT.get(c);
      if (!spec) throw unrecognized(arg);
      const grouped = c !== body[0];
      if (spec.arg === 'none') {
        if (grouped) s.o.warnings.push(`grouped short command line options are deprecated: ${arg}`);
        if (apply(spec, undefined, '-' + c)) return true;
        continue;
      }
      let value: string | undefined = body.slice(j + 1);
      if (value === '') {
        value = undefined;
        if (spec.arg === 'required') {
          if (i >= args.length) throw new LinkError(`option requires an argument -- '${c}'`);
          value = args[i++]!;
        }
      }
      if (grouped && value !== undefined) throw new LinkError(`unable to disambiguate: ${arg} (did you mean -${arg} ?)`);
      return apply(spec, value, '-' + c);
    }
    return false;
  };

  while (i < args.length) {
    const arg = args[i++]!;
    if (arg === '--') {
      // getopt ends option processing here; what follows are file names.
      while (i < args.length) pushInput(s, args[i++]!);
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      pushInput(s, arg);
      continue;
    }
    // GNU rewrites -lNAME into --library=NAME before parsing.
    if (arg.length > 2 && arg[1] === 'l') {
      s.o.inputs.push({ kind: 'library', name: arg.slice(2), attrs: attrs(s) });
      continue;
    }
    const twoDashes = arg.startsWith('--');
    const dashes = twoDashes ? '--' : '-';
    const body = arg.slice(dashes.length);
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const inlineValue = eq < 0 ? undefined : body.slice(eq + 1);
    if (name === '') throw unrecognized(arg); // `--=x`, `-=x`: getopt finds every option ambiguous

    if (twoDashes) {
      const m = lookupLong(LONGOPTS, name, true);
      if (m.kind === 'found') {
        if (runLong(m.entry, dashes, inlineValue)) break;
        continue;
      }
      // GNU retries with getopt_long over the two-dash-only options.
      const m2 = lookupLong(REALLY_LONGOPTS, name, false);
      if (m2.kind === 'found') {
        if (runLong(m2.entry, dashes, inlineValue)) break;
        continue;
      }
      if (m.kind === 'ambiguous') throw ambiguous(arg, m.names, dashes);
      if (m2.kind === 'ambiguous') throw ambiguous(arg, m2.names, dashes);
      throw unrecognized(arg);
    }

    // One dash: a long option unless it is a lone short letter, else a cluster of short options.
    if (body.length >= 2 || !SHORT.has(body[0]!)) {
      const m = lookupLong(LONGOPTS, name, true);
      if (m.kind === 'found') {
        if (runLong(m.entry, dashes, inlineValue)) break;
        continue;
      }
      if (m.kind === 'ambiguous') throw ambiguous(arg, m.names, dashes);
      if (!SHORT.has(body[0]!)) throw unrecognized(arg);
    }
    if (runShortCluster(arg)) break;
  }

  if (!s.o.exitAfterInfo) {
    if (s.groupDepth > 0) {
      s.o.warnings.push('missing --end-group; added as last command line option');
      while (s.groupDepth-- > 0) s.o.inputs.push({ kind: 'group-end' });
    }
  }
  return s.o;
}

// ---------------------------------------------------------------------------------------------------------
// --help and --version

const HELP_GROUPS: [HelpGroup, string][] = [
  ['output', 'Output'],
  ['input', 'Input files and libraries (position-sensitive)'],
  ['symbols', 'Symbols'],
  ['layout', 'Layout and target'],
  ['diagnostics', 'Diagnostics and information'],
  ['ukl', 'ukl extensions (two dashes only)'],
  ['compat', 'Accepted for compatibility (no effect on a static link)'],
];

/** GNU's --help shows its ONE_DASH options with one dash; the same here. */
const ONE_DASH = new Set(['static', 'dn', 'dy', 'non_shared', 'call_shared', 'shared', 'pie', 'no-pie', 'nostdlib', 'plugin', 'plugin-opt', 'rpath', 'rpath-link', 'flto', 'soname', 'qmagic', 'flto-partition', 'fuse-ld']);

function spelled(spec: Spec, name: string): string {
  const one = !spec.twoDashesOnly && (/^[A-Z]/.test(name) || ONE_DASH.has(name));
  return (one ? '-' : '--') + name + (name === 'flto-partition' || name === 'fuse-ld' ? '=' : '');
}

function optionColumn(spec: Spec, argName: string): string {
  const parts: string[] = [];
  const withArg = (flag: string, long: boolean): string => {
    if (!argName) return flag;
    if (argName.startsWith('=') || argName.startsWith('[')) return flag + argName;
    return `${flag}${long ? ' ' : ' '}${argName}`;
  };
  for (const c of spec.short ?? '') parts.push(withArg('-' + c, false));
  for (const n of spec.long) {
    parts.push(withArg(spelled(spec, n), true));
  }
  return parts.join(', ');
}

/** A GNU-ld-style --help listing of the options ukl-ld supports, grouped. */
export function helpText(): string {
  const lines: string[] = ['Usage: ukl-ld [options] file...', 'Options:'];
  for (const [group, title] of HELP_GROUPS) {
    lines.push(`${title}:`);
    for (const spec of SPECS) {
      if (!spec.run || !spec.help || spec.help[0] !== group) continue;
      const col = optionColumn(spec, spec.help[1]);
      const text = spec.help[2];
      if (col.length < 28) lines.push(`  ${col.padEnd(28)}${text}`);
      else lines.push(`  ${col}`, `  ${''.padEnd(28)}${text}`);
    }
  }
  const quiet = SPECS.filter((sp) => sp.run === ignore && !sp.help).flatMap((sp) => [
    ...[...(sp.short ?? '')].map((c) => '-' + c),
    ...sp.long.map((n) => spelled(sp, n)),
  ]);
  lines.push('  @FILE                       Read options from FILE', '', 'Also accepted, with no effect on a static executable (dynamic linking, a.out, memory hints, or',
    'behaviour ukl-ld always has: --warn-once, the GNU ld LTO/gold spellings):');
  let row = ' ';
  for (const f of quiet) {
    if (row.length + f.length + 1 > 100) {
      lines.push(row);
      row = ' ';
    }
    row += ' ' + f;
  }
  lines.push(
    row,
    '',
    '-z keywords: execstack, noexecstack, relro, norelro, now, lazy, max-page-size=SIZE,',
    '  common-page-size=SIZE, separate-code, noseparate-code, text, notext, textoff, muldefs, defs, undefs,',
    '  stack-size=SIZE, start-stop-gc, nostart-stop-gc, start-stop-visibility=V, ibt, shstk, ibtplt, lam-u48,',
    '  lam-u57, cet-report=none|warning|error, x86-64-{baseline,v2,v3,v4}; noreloc-overflow and the',
    '  dynamic-linking keywords are accepted and change nothing in a static executable, as in GNU ld.',
    '  Others are ignored with a warning, as GNU ld does.',
    '',
    'ukl-ld: supported targets: elf64-x86-64',
    'ukl-ld: supported emulations: elf_x86_64',
    '',
    'Long options may be given with one dash or two (except those marked two dashes only) and abbreviated',
    'to any unambiguous prefix, as in GNU ld.',
  );
  return lines.join('\n') + '\n';
}

/**
 * --version text. The first line says "compatible with GNU ld" the way mold and lld do, because configure
 * scripts and build systems probe `ld --version` and grep for "GNU ld" / "compatible with GNU". Note that
 * Linux's scripts/ld-version.sh needs the first line to *start* with "GNU ld" (or to name LLD), so it will
 * reject this line ("Sorry, this linker is not supported") when we get to linking kernels.
 */
export function versionText(): string {
  return [
    `ukl-ld ${VERSION} (compatible with GNU ld 2.40)`,
    'A static linker for x86-64 ELF, part of ukl. MIT License.',
    '',
  ].join('\n');
}
