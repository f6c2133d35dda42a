/**
 * Facts about iced-x86 `Code` values that the decoder, the formatter and the branch rewriter share:
 * mnemonic strings, the control-flow class, and the size of a branch's relative field together with the
 * short/near counterpart of a branch code. Tables are built once from iced's enums (pure JS, no wasm calls).
 */
import { Code, FlowControl, Mnemonic } from './iced.ts';

/** What an instruction does to control flow (iced's FlowControl, as strings). */
export type Flow =
  | 'next'
  | 'jump'
  | 'indirect-jump'
  | 'cond-jump'
  | 'return'
  | 'call'
  | 'indirect-call'
  | 'interrupt'
  | 'xbegin-xabort-xend'
  | 'exception';

/** Size in bytes of a near branch's relative field; 0 when the code is not a relative branch. */
export type RelSize = 0 | 1 | 2 | 4;

const FLOWS: Flow[] = [];
FLOWS[FlowControl.Next] = 'next';
FLOWS[FlowControl.UnconditionalBranch] = 'jump';
FLOWS[FlowControl.IndirectBranch] = 'indirect-jump';
FLOWS[FlowControl.ConditionalBranch] = 'cond-jump';
FLOWS[FlowControl.Return] = 'return';
FLOWS[FlowControl.Call] = 'call';
FLOWS[FlowControl.IndirectCall] = 'indirect-call';
FLOWS[FlowControl.Interrupt] = 'interrupt';
FLOWS[FlowControl.XbeginXabortXend] = 'xbegin-xabort-xend';
FLOWS[FlowControl.Exception] = 'exception';

export function flowName(flow: FlowControl): Flow {
  const f = FLOWS[flow];
  if (f === undefined) throw new Error(`unknown iced FlowControl ${flow}`);
  return f;
}

// wasm-bindgen enums carry the reverse (number → name) mapping, as TypeScript enums do.
const codeNames = Code as unknown as Record<number, string | undefined>;
const mnemonicNames = Mnemonic as unknown as Record<number, string | undefined>;

/** iced's name of a Code, e.g. 'Jmp_rel8_64' (for diagnostics). */
export function codeName(code: number): string {
  return codeNames[code] ?? `Code#${code}`;
}

const mnemonicCache: string[] = [];
/** Lower-case name of an iced Mnemonic ('mov', 'movzx', 'syscall'); '(bad)' for INVALID. */
export function mnemonicName(m: number): string {
  let s = mnemonicCache[m];
  if (s === undefined) {
    const n = mnemonicNames[m];
    if (n === undefined) throw new Error(`unknown iced Mnemonic ${m}`);
    s = m === Mnemonic.INVALID ? '(bad)' : n.toLowerCase();
    mnemonicCache[m] = s;
  }
  return s;
}

// Branch codes are named '<Mnem>_rel8_64', '<Mnem>_rel32_64', 'Xbegin_rel16', ...: the name is the only
// place the field width is stated without decoding an instance, so derive the tables from it.
const REL = /_rel(8|16|32)(?=_|$)/;
interface RelTables {
  size: RelSize[];
  near: number[];
  short: number[];
}
// Built on first use: a command that only decodes for execution (ukl-run) never asks.
let rel: RelTables | undefined;
function buildRel(): RelTables {
  const t: RelTables = { size: [], near: [], short: [] };
  const byName = new Map<string, number>();
  for (const key of Object.keys(Code)) {
    const v = (Code as unknown as Record<string, number | string>)[key];
    if (typeof v === 'number') byName.set(key, v);
  }
  for (const [name, code] of byName) {
    const m = REL.exec(name);
    if (!m) continue;
    t.size[code] = (Number(m[1]) / 8) as RelSize;
    // rel8_64 <-> rel32_64, rel8_32 <-> rel32_32, rel8_16 <-> rel16
    const near = name.replace('_rel8_64', '_rel32_64').replace('_rel8_32', '_rel32_32').replace('_rel8_16', '_rel16');
    const short = name.replace('_rel32_64', '_rel8_64').replace('_rel32_32', '_rel8_32').replace('_rel16', '_rel8_16');
    const n = byName.get(near);
    const s = byName.get(short);
    if (n !== undefined && n !== code) t.near[code] = n;
    if (s !== undefined && s !== code) t.short[code] = s;
  }
  return t;
}

/** Size of the relative field of a near branch code (jmp/jcc/call/loop/jrcxz/xbegin), else 0. */
export function relSize(code: number): RelSize {
  return (rel ??= buildRel()).size[code] ?? 0;
}

/** The rel32 (or rel16) form of a rel8 branch code, e.g. Je_rel8_64 → Je_rel32_64; undefined if none (loop, jrcxz). */
export function nearBranchCode(code: number): number | undefined {
  return (rel ??= buildRel()).near[code];
}

/** The rel8 form of a rel32 branch code, e.g. Call_rel32_64 has none → undefined; Jmp_rel32_64 → Jmp_rel8_64. */
export function shortBranchCode(code: number): number | undefined {
  return (rel ??= buildRel()).short[code];
}

// Where objdump's Intel mnemonic differs from iced's Mnemonic name, by iced Code name.
const GNU_NAMES: [RegExp, string][] = [
  [/^Wait$/, 'fwait'],
  [/^Xlat_m8$/, 'xlat'],
  [/^(Movs|Cmps|Stos|Lods|Scas|Ins|Outs)[bwdq]_/, '$1'],
  [/^Mov_r64_imm64$|^Mov_(AL|AX|EAX|RAX)_moffs|^Mov_moffs/, 'movabs'],
  [/^Sal_/, 'shl'],
  [/^Nopw$/, 'xchg'],
  [/^Iretd$/, 'iret'],
  [/^Retf[dq]?(_imm16)?$/, 'retf'],
  [/^Pushf[dq]$/, 'pushf'],
  [/^Popf[dq]$/, 'popf'],
  [/^Pushfw$/, 'pushfw'],
  [/^Popfw$/, 'popfw'],
];

const gnuCache: string[] = [];
/**
 * The mnemonic `objdump -M intel` prints for a code (without prefixes), e.g. 'movs' for Movsb_m8_m8,
 * 'fwait' for Wait, 'movabs' for Mov_r64_imm64; iced's lower-case Mnemonic name otherwise.
 */
export function gnuMnemonic(code: number, icedMnemonic: number): string {
  let s = gnuCache[code];
  if (s === undefined) {
    const n = codeName(code);
    s = mnemonicName(icedMnemonic);
    for (const [re, to] of GNU_NAMES) {
      const m = re.exec(n);
      if (m) {
        s = to.replace('$1', (m[1] ?? '').toLowerCase());
        break;
      }
    }
    gnuCache[code] = s;
  }
  return s;
}
