// Symbols the linker defines, as GNU ld's default script does: __ehdr_start, the init/fini array
// brackets, _GLOBAL_OFFSET_TABLE_, _etext/_edata/_end, __bss_start, __rela_iplt_start/end,
// __start_SEC/__stop_SEC for C-identifier sections, and --defsym. Most are PROVIDEd: defined only when
// referenced and not defined by an input.
import { STB_GLOBAL, STT_NOTYPE, STT_TLS, STV_HIDDEN, STV_PROTECTED } from '../elf/constants.ts';
import type { Context } from './context.ts';
import { LinkError } from './errors.ts';
import { alignUp } from '../elf/reader.ts';
import type { Layout } from './layout.ts';
import { SymKind, type Sym } from './symbol.ts';
import { symbolName } from './demangle.ts';

type Rule = (ctx: Context, l: Layout) => number;

interface Definition {
  name: string;
  /** Defined even when nothing refers to it (the script assigns it without PROVIDE). */
  always: boolean;
  visibility: number;
  value: Rule;
}

const find = (l: Layout, name: string) => l.sections.find((s) => s.name === name);
const start = (name: string, fallback: Rule): Rule => (ctx, l) => {
  const s = find(l, name);
  return s ? s.addr : fallback(ctx, l);
};
const end = (name: string, fallback: Rule): Rule => (ctx, l) => {
  const s = find(l, name);
  return s ? s.addr + s.size : fallback(ctx, l);
};

/** Where the RW part begins: the home of empty array brackets. */
const dataStart: Rule = (ctx, l) => {
  const s = l.sections.find((x) => x.isAlloc && x.rank >= 40);
  if (s) return s.addr;
  // No RW part: where the default script's dot is when the data would begin (the page after the rest;
  // DATA_SEGMENT_ALIGN keeps the offset within the page without -z separate-code).
  let e = ctx.imageBase;
  for (const x of l.sections) if (x.isAlloc && !(x.isTls && x.isNobits)) e = Math.max(e, x.addr + x.size);
  const page = ctx.options.z.maxPageSize;
  return alignUp(e, page) + (ctx.options.z.separateCode ? 0 : e & (page - 1));
};
const textEnd: Rule = (ctx, l) => {
  let e = ctx.imageBase;
  for (const s of l.sections) if (s.isAlloc && (s.flags & 4) !== 0) e = Math.max(e, s.addr + s.size);
  return e;
};
const dataEnd: Rule = (ctx, l) => {
  let e = dataStart(ctx, l);
  for (const s of l.sections) if (s.isAlloc && s.rank >= 40 && !s.isNobits) e = Math.max(e, s.addr + s.size);
  return e;
};
const imageEnd: Rule = (ctx, l) => {
  let e = dataStart(ctx, l);
  for (const s of l.sections) if (s.isAlloc && !(s.isTls && s.isNobits)) e = Math.max(e, s.addr + s.size);
  return alignUp(e, 8); // the default script: `. = ALIGN(. != 0 ? 64 / 8 : 1); _end = .;`
};
const bssStart: Rule = (ctx, l) => {
  const s = find(l, '.bss');
  return s ? s.addr : dataEnd(ctx, l);
};
const irelStart: Rule = (ctx, l) => start('.rela.plt', () => ctx.imageBase)(ctx, l);
const irelEnd: Rule = (ctx, l) => end('.rela.plt', () => ctx.imageBase)(ctx, l);

const DEFINITIONS: Definition[] = [
  { name: '__ehdr_start', always: false, visibility: STV_HIDDEN, value: (c) => c.imageBase },
  { name: '__executable_start', always: false, visibility: 0, value: (c) => c.imageBase }, // PROVIDE in GNU's script
  { name: '__preinit_array_start', always: false, visibility: STV_HIDDEN, value: start('.preinit_array', dataStart) },
  { name: '__preinit_array_end', always: false, visibility: STV_HIDDEN, value: end('.preinit_array', start('.preinit_array', dataStart)) },
  { name: '__init_array_start', always: false, visibility: STV_HIDDEN, value: start('.init_array', dataStart) },
  { name: '__init_array_end', always: false, visibility: STV_HIDDEN, value: end('.init_array', start('.init_array', dataStart)) },
  { name: '__fini_array_start', always: false, visibility: STV_HIDDEN, value: start('.fini_array', dataStart) },
  { name: '__fini_array_end', always: false, visibility: STV_HIDDEN, value: end('.fini_array', start('.fini_array', dataStart)) },
  { name: '__rela_iplt_start', always: false, visibility: STV_HIDDEN, value: irelStart },
  { name: '__rela_iplt_end', always: false, visibility: STV_HIDDEN, value: irelEnd },
  { name: '_GLOBAL_OFFSET_TABLE_', always: false, visibility: STV_HIDDEN, value: (c) => (c.gotPlt?.addr ?? 0) },
  { name: '__etext', always: false, visibility: 0, value: textEnd },
  { name: '_etext', always: false, visibility: 0, value: textEnd },
  { name: 'etext', always: false, visibility: 0, value: textEnd },
  { name: '_edata', always: true, visibility: 0, value: dataEnd },
  { name: 'edata', always: false, visibility: 0, value: dataEnd },
  { name: '__bss_start', always: true, visibility: 0, value: bssStart },
  { name: '_end', always: true, visibility: 0, value: imageEnd },
  { name: 'end', always: false, visibility: 0, value: imageEnd },
  { name: '__dso_handle', always: false, visibility: STV_HIDDEN, value: (c) => c.imageBase },
  { name: '__tdata_start', always: false, visibility: STV_HIDDEN, value: start('.tdata', dataStart) },
  { name: '__GNU_EH_FRAME_HDR', always: false, visibility: 0, value: start('.eh_frame_hdr', () => 0) },
];

function claim(ctx: Context, name: string, always: boolean, visibility: number): Sym | undefined {
  const s = always ? ctx.symtab.get(name) : ctx.symtab.find(name);
  if (!s) return undefined;
  if (s.kind === SymKind.Defined || s.kind === SymKind.Common) return undefined;
  if (!always && !s.referenced) return undefined;
  s.kind = SymKind.Defined;
  s.synthetic = true;
  s.section = null;
  s.file = null;
  s.bind = STB_GLOBAL;
  s.type = STT_NOTYPE;
  if (visibility && (s.visibility === 0 || visibility < s.visibility)) s.visibility = visibility;
  return s;
}

const C_IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** __start_/__stop_ visibility: protected (GNU ld's default) or -z start-stop-visibility=V. */
function startStopVisibility(ctx: Context): number {
  const v = ctx.options.z.startStopVisibility;
  return v === undefined || v === 'protected' ? STV_PROTECTED : v === 'hidden' ? STV_HIDDEN : v === 'internal' ? 1 : 0;
}

/** Mark the linker-defined symbols defined (values come after layout), so the scan sees them. */
export function defineLinkerSymbols(ctx: Context, outputNames: Set<string>): void {
    for (const d of DEFINITIONS) {
    const s = claim(ctx, d.name, d.always, d.visibility);
    if (s) ctx.linkerSymbols.push({ sym: s, value: d.value });
  }
  for (const name of outputNames) {
    if (!C_IDENT.test(name)) continue;
    for (const [prefix, rule] of [['__start_', start], ['__stop_', end]] as const) {
      const s = claim(ctx, prefix + name, false, startStopVisibility(ctx));
      if (s) ctx.linkerSymbols.push({ sym: s, value: rule(name, () => 0) });
    }
  }
  if (ctx.tls || [...ctx.symtab.map.values()].some((s) => s.name === '_TLS_MODULE_BASE_' && s.referenced)) {
    const s = claim(ctx, '_TLS_MODULE_BASE_', false, STV_HIDDEN);
    if (s) {
      s.type = STT_TLS;
      // In an executable, local-dynamic offsets (DTPOFF32) are relaxed to TP-relative ones, so the
      // module base TLS descriptors add them to must be the thread pointer itself (as GNU ld does).
      ctx.linkerSymbols.push({ sym: s, value: (c) => c.tls?.tp ?? 0 });
    }
  }
}

/**
 * --defsym NAME=EXPR: numbers (decimal, 0x hex, NNh), symbols, unary minus, + and -, parentheses. Returns
 * the symbols the expressions use, which checkDefsymReferences() wants defined once the inputs are loaded.
 */
export function defineDefsyms(ctx: Context): Sym[] {
  const used: Sym[] = [];
  for (const { name, expr } of ctx.options.defsyms) {
    const s = ctx.symtab.get(name);
    ctx.symtab.defsyms.add(name);
    const value = parseExpression(expr, (sym) => {
      const t = ctx.symtab.get(sym);
      ctx.symtab.strongRef(t);
      used.push(t);
      return t;
    });
    s.kind = SymKind.Defined;
    s.synthetic = true;
    s.section = null;
    s.bind = STB_GLOBAL;
    s.type = STT_NOTYPE;
    if (typeof value === 'bigint') s.value = Number(value);
    else ctx.linkerSymbols.push({ sym: s, value: (c) => value(c) });
  }
  return used;
}

/** GNU ld: a --defsym expression naming a symbol nothing defines is an error, not the value 0. */
export function checkDefsymReferences(ctx: Context, used: readonly Sym[]): void {
  for (const t of new Set(used)) {
    if (t.kind === SymKind.Undefined || t.kind === SymKind.Lazy) ctx.diags.error(`--defsym:1: undefined symbol \`${symbolName(t.name)}' referenced in expression`);
  }
}

type Value = bigint | ((c: Context) => number);

function parseExpression(expr: string, symbol: (name: string) => Sym): Value {
  const toks = expr.match(/0x[0-9a-fA-F]+|[0-9][0-9a-fA-F]*[hH]?|[A-Za-z_.$][\w.$@]*|[-+()]|\S/g) ?? [];
  let i = 0;
  const fail = (why: string): never => {
    throw new LinkError(`--defsym: ${why} in '${expr}' (supported: numbers, symbols, unary -, + and -, parentheses)`);
  };
  const combine = (a: Value, b: Value, sign: 1n | -1n): Value => {
    if (typeof a === 'bigint' && typeof b === 'bigint') return BigInt.asIntN(64, a + sign * b);
    const fa = typeof a === 'bigint' ? () => Number(a) : a;
    const fb = typeof b === 'bigint' ? () => Number(b) : b;
    return (c: Context) => fa(c) + Number(sign) * fb(c);
  };
  const term = (): Value => {
    const t = toks[i++];
    if (t === undefined) return fail('unexpected end of expression');
    if (t === '-') return combine(0n, term(), -1n);
    if (t === '+') return term();
    if (t === '(') {
      const v = sum();
      if (toks[i++] !== ')') fail('missing )');
      return v;
    }
    if (/^0x[0-9a-f]+$/i.test(t)) return BigInt.asIntN(64, BigInt(t));
    if (/^[0-9]+$/.test(t)) return BigInt.asIntN(64, BigInt(t));
    if (/^[0-9][0-9a-f]*h$/i.test(t)) return BigInt.asIntN(64, BigInt('0x' + t.slice(0, -1)));
    if (/^[A-Za-z_.$]/.test(t)) {
      const target = symbol(t);
      return (c: Context) => c.addressOf(target);
    }
    return fail(`unexpected '${t}'`);
  };
  const sum = (): Value => {
    let v = term();
    while (toks[i] === '+' || toks[i] === '-') {
      const op = toks[i++];
      v = combine(v, term(), op === '-' ? -1n : 1n);
    }
    return v;
  };
  const v = sum();
  if (i !== toks.length) fail(`unexpected '${toks[i]}'`);
  return v;
}

/** After layout: give each linker-defined symbol its address. */
export function assignLinkerSymbols(ctx: Context, l: Layout): void {
  // Twice: a --defsym naming a linker-defined symbol (foo=_GLOBAL_OFFSET_TABLE_) comes first in the list.
  for (let pass = 0; pass < 2; pass++) for (const { sym, value } of ctx.linkerSymbols) sym.value = value(ctx, l);
}

