// Implicit linker scripts: the small GNU ld script subset that real inputs use, e.g. Debian's libm.a
//   OUTPUT_FORMAT(elf64-x86-64)
//   GROUP ( /usr/lib/x86_64-linux-gnu/libm-2.36.a /usr/lib/x86_64-linux-gnu/libmvec.a )
// and libc.so's `GROUP ( … AS_NEEDED ( /lib64/ld-linux-x86-64.so.2 ) )` (the set mold implements).
//
// Supported: INPUT(…), GROUP(…), AS_NEEDED(…) inside them, OUTPUT_FORMAT(a[, b, c]) (elf64-x86-64 only),
// OUTPUT_ARCH(i386:x86-64), ENTRY(sym), SEARCH_DIR(path), OUTPUT(file), TARGET(bfdname), /* comments */,
// "quoted names", commas or blanks between names, `-lfoo` entries, and names starting with `=` or
// `$SYSROOT` (sysroot-relative; `$SYSROOT` is given back as `=`, the path otherwise as written).
// Everything else (SECTIONS, MEMORY, PHDRS, assignments, …) is a LinkError naming file, line and command.

import { LinkError } from './errors.ts';

export type ScriptCommand =
  | { kind: 'input'; items: ScriptInput[] }
  | { kind: 'group'; items: ScriptInput[] }
  | { kind: 'output-format'; format: string }
  | { kind: 'output-arch'; arch: string }
  | { kind: 'entry'; symbol: string }
  | { kind: 'search-dir'; path: string }
  | { kind: 'output'; path: string }
  | { kind: 'target'; name: string };

export interface ScriptInput {
  /** The file name as written (a leading '=' means sysroot-relative); for `-lfoo`, 'foo'. */
  path: string;
  /** `-lfoo`: search the library path for foo. */
  library: boolean;
  /** Inside AS_NEEDED(…). */
  asNeeded: boolean;
}

const SUPPORTED_FORMAT = 'elf64-x86-64';
const SUPPORTED_ARCH = 'i386:x86-64';

/** GNU ld script commands ukl-ld recognises but does not implement. */
const UNSUPPORTED_COMMANDS = new Set([
  'SECTIONS', 'MEMORY', 'PHDRS', 'VERSION', 'INCLUDE', 'PROVIDE', 'PROVIDE_HIDDEN', 'HIDDEN', 'ASSERT', 'EXTERN',
  'FORCE_COMMON_ALLOCATION', 'INHIBIT_COMMON_ALLOCATION', 'FORCE_GROUP_ALLOCATION', 'INSERT', 'NOCROSSREFS',
  'NOCROSSREFS_TO', 'STARTUP', 'REGION_ALIAS', 'LD_FEATURE', 'HLL', 'SYSLIB', 'FLOAT', 'NOFLOAT', 'CONSTRUCTORS',
  'CREATE_OBJECT_SYMBOLS', 'MAP', 'SEARCH_PATH', 'OUTPUT_SECTION', 'KEEP', 'SORT',
]);

interface Token {
  /** A name or a punctuation character: ( ) { } , ; */
  text: string;
  kind: 'word' | 'quoted' | 'punct';
  line: number;
}

const PUNCT = '(){},;';

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f';
}

function tokenize(text: string, file: string): Token[] {
  const toks: Token[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      i++;
      continue;
    }
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const start = line;
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw new LinkError(`${file}:${start}: unterminated comment (no '*/')`);
      for (let k = i; k < end; k++) if (text[k] === '\n') line++;
      i = end + 2;
      continue;
    }
    if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) throw new LinkError(`${file}:${line}: unterminated string (no closing '"')`);
      toks.push({ text: text.slice(i + 1, end), kind: 'quoted', line });
      for (let k = i; k < end; k++) if (text[k] === '\n') line++;
      i = end + 1;
      continue;
    }
    if (PUNCT.includes(c)) {
      toks.push({ text: c, kind: 'punct', line });
      i++;
      continue;
    }
    let j = i;
    while (j < n) {
      const d = text[j]!;
      if (isSpace(d) || PUNCT.includes(d) || d === '"' || (d === '/' && text[j + 1] === '*')) break;
      j++;
    }
    toks.push({ text: text.slice(i, j), kind: 'word', line });
    i = j;
  }
  return toks;
}

/** Parse an implicit linker script (an input file that is not ELF or an archive). `file` names it in errors. */
export function parseScript(text: string, file: string): ScriptCommand[] {
  const toks = tokenize(text, file);
  let p = 0;
  const lastLine = toks.length ? toks[toks.length - 1]!.line : 1;
  const out: ScriptCommand[] = [];

  const fail = (line: number, msg: string): LinkError => new LinkError(`${file}:${line}: ${msg}`);
  const describe = (t: Token | undefined): string => (t ? (t.kind === 'quoted' ? `"${t.text}"` : `'${t.text}'`) : 'end of file');
  const peek = (): Token | undefined => toks[p];

  const expectPunct = (ch: string, what: string): void => {
    const t = toks[p];
    if (!t || t.kind !== 'punct' || t.text !== ch) {
      throw fail(t?.line ?? lastLine, `expected '${ch}' ${what}, found ${describe(t)}`);
    }
    p++;
  };

  /** One name argument: a word or a quoted string. */
  const name = (cmd: string): string => {
    const t = toks[p];
    if (!t || t.kind === 'punct') throw fail(t?.line ?? lastLine, `expected a name in ${cmd}, found ${describe(t)}`);
    p++;
    return t.text;
  };

  /** COMMAND ( NAME ) */
  const oneArg = (cmd: string): string => {
    expectPunct('(', `after ${cmd}`);
    const v = name(cmd);
    expectPunct(')', `to close ${cmd}`);
    return v;
  };

  const inputList = (cmd: string, openLine: number, asNeeded: boolean): ScriptInput[] => {
    const items: ScriptInput[] = [];
    for (;;) {
      const t = toks[p];
      if (!t) throw fail(lastLine, `unexpected end of file: expected ')' to close ${cmd} (opened on line ${openLine})`);
      if (t.kind === 'punct') {
        if (t.text === ')') {
          p++;
          return items;
        }
        if (t.text === ',') {
          p++;
          continue;
        }
        throw fail(t.line, `expected a file name or ')' in ${cmd}, found ${describe(t)}`);
      }
      p++;
      if (t.kind === 'word' && t.text === 'AS_NEEDED') {
        expectPunct('(', 'after AS_NEEDED');
        items.push(...inputList('AS_NEEDED', t.line, true));
        continue;
      }
      if (t.kind === 'word' && t.text.startsWith('-l')) {
        if (t.text.length === 2) throw fail(t.line, `expected a library name after '-l' in ${cmd}`);
        items.push({ path: t.text.slice(2), library: true, asNeeded });
        continue;
      }
      const path = t.text.startsWith('$SYSROOT') ? '=' + t.text.slice(8) : t.text;
      if (path === '') throw fail(t.line, `empty file name in ${cmd}`);
      items.push({ path, library: false, asNeeded });
    }
  };

  while (p < toks.length) {
    const t = toks[p++]!;
    if (t.kind === 'punct') {
      if (t.text === ';') continue;
      throw fail(t.line, `expected a command, found ${describe(t)}`);
    }
    if (t.kind === 'quoted') throw fail(t.line, `expected a command, found ${describe(t)}`);
    const cmd = t.text;
    switch (cmd) {
      case 'INPUT':
      case 'GROUP': {
        expectPunct('(', `after ${cmd}`);
        const items = inputList(cmd, t.line, false);
        out.push({ kind: cmd === 'INPUT' ? 'input' : 'group', items });
        continue;
      }
      case 'OUTPUT_FORMAT': {
        expectPunct('(', 'after OUTPUT_FORMAT');
        const formats = [name('OUTPUT_FORMAT')];
        while (peek()?.kind === 'punct' && peek()!.text === ',') {
          p++;
          formats.push(name('OUTPUT_FORMAT'));
        }
        expectPunct(')', 'to close OUTPUT_FORMAT');
        if (formats.length !== 1 && formats.length !== 3) {
          throw fail(t.line, `OUTPUT_FORMAT takes one or three names, not ${formats.length}`);
        }
        // With three names GNU ld picks the first unless -EB/-EL (which ukl-ld does not take).
        if (formats[0] !== SUPPORTED_FORMAT) {
          throw fail(t.line, `OUTPUT_FORMAT(${formats[0]}) is not supported: ukl-ld writes ${SUPPORTED_FORMAT} only`);
        }
        out.push({ kind: 'output-format', format: formats[0] });
        continue;
      }
      case 'OUTPUT_ARCH': {
        const arch = oneArg(cmd);
        if (arch !== SUPPORTED_ARCH) throw fail(t.line, `OUTPUT_ARCH(${arch}) is not supported: ukl-ld links ${SUPPORTED_ARCH} only`);
        out.push({ kind: 'output-arch', arch });
        continue;
      }
      case 'ENTRY':
        out.push({ kind: 'entry', symbol: oneArg(cmd) });
        continue;
      case 'SEARCH_DIR':
        out.push({ kind: 'search-dir', path: oneArg(cmd) });
        continue;
      case 'OUTPUT':
        out.push({ kind: 'output', path: oneArg(cmd) });
        continue;
      case 'TARGET':
        out.push({ kind: 'target', name: oneArg(cmd) });
        continue;
    }
    if (UNSUPPORTED_COMMANDS.has(cmd)) throw fail(t.line, `${cmd} is not supported in ukl-ld scripts`);
    // `sym = expr;`, `sym += expr;`, `sym=expr;`, `. = 0x1000;`
    const next = peek();
    const eq = cmd.search(/(?:<<|>>|[-+*/&|])?=/);
    if (eq > 0 || (next?.kind === 'word' && /^(?:<<|>>|[-+*/&|])?=/.test(next.text))) {
      const target = eq > 0 ? cmd.slice(0, eq) : cmd;
      throw fail(t.line, `assignment to '${target}' is not supported in ukl-ld scripts`);
    }
    if (next?.kind === 'punct' && (next.text === '(' || next.text === '{')) {
      throw fail(t.line, `unknown script command ${cmd}`);
    }
    throw fail(t.line, `expected a command, found ${describe(t)}`);
  }
  return out;
}

/**
 * Whether an input file's bytes should be read as a linker script: not ELF, not an ar archive, and text (no
 * NUL or other control characters other than whitespace in the first 4 KiB; bytes >= 0x80 allowed for UTF-8
 * comments). An empty file counts as an (empty) script, as GNU ld treats it.
 */
export function looksLikeScript(bytes: Uint8Array): boolean {
  const startsWith = (magic: string): boolean => {
    if (bytes.length < magic.length) return false;
    for (let i = 0; i < magic.length; i++) if (bytes[i] !== magic.charCodeAt(i)) return false;
    return true;
  };
  if (startsWith('\x7fELF') || startsWith('!<arch>\n') || startsWith('!<thin>\n')) return false;
  const n = Math.min(bytes.length, 4096);
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if (b >= 0x20 && b !== 0x7f) continue;
    if (b === 0x09 || b === 0x0a || b === 0x0b || b === 0x0c || b === 0x0d) continue;
    return false;
  }
  return true;
}
