/**
 * Rewrites of iced's Intel output into binutils 2.40 `objdump -M intel` text (prefix names are handled in
 * prefixes.ts, per-code classes in format-rules.ts).
 */
import type { Instruction } from './iced.ts';
import type { Text } from './att.ts';
import type { DecodedInstruction } from './decode.ts';
import { isStringCode, Rule, renamed, ruleOf } from './format-rules.ts';
import { x87Operands } from './x87.ts';

/** A 16-bit general register's 32- or 64-bit name (bp -> ebp/rbp, r8w -> r8d/r8); others unchanged. */
function widen16(r: string, to64: boolean): string {
  if (/^r\d+w$/.test(r)) return to64 ? r.slice(0, -1) : `${r.slice(0, -1)}d`;
  if (/^([abcd]x|[sd]i|[sb]p)$/.test(r)) return (to64 ? 'r' : 'e') + r;
  return r;
}

const ACCUMULATOR: Record<string, string> = { b: 'al', w: 'ax', d: 'eax', q: 'rax' };

/** objdump's Intel string instructions: no size letter, explicit segments, explicit al/ax/eax/rax or dx. */
function stringOp(mnemonic: string, operands: string): Text | undefined {
  const m = /^(movs|cmps|stos|lods|scas|ins|outs)([bwdq])$/.exec(mnemonic);
  if (!m) return undefined;
  const base = m[1]!;
  const acc = ACCUMULATOR[m[2]!]!;
  operands = operands.replace(/(?:[cdes]s:)?(?<![fg]s:)\[([er]si)\]/g, 'ds:[$1]').replace(/(?<!:)\[([er]di)\]/g, 'es:[$1]');
  if (base === 'lods' || base === 'scas') operands = `${acc},${operands}`;
  else if (base === 'stos') operands = `${operands},${acc}`;
  else if (base === 'ins') operands = `${operands.replace(/,dx$/, '')},dx`;
  else if (base === 'outs') operands = `dx,${operands.replace(/^dx,/, '')}`;
  return { mnemonic: base, operands };
}

/**
 * EVEX embedded rounding / suppress-all-exceptions: iced writes it after the first operand
 * (`zmm2{rne-sae},zmm0,zmm1`), objdump after the last register (`zmm2,zmm0,zmm1{rn-sae}`), before an imm.
 */
function moveRounding(operands: string): string {
  const m = /\{(rne-sae|rd-sae|ru-sae|rz-sae|sae)\}/.exec(operands);
  if (!m) return operands;
  const rc = m[1] === 'rne-sae' ? 'rn-sae' : m[1]!;
  const parts = operands.replace(m[0], '').split(',');
  let at = parts.length - 1;
  if (/^-?0x[0-9a-f]+$/.test(parts[at]!)) at--; // an immediate stays last
  parts[at] += `{${rc}}`;
  return parts.join(',');
}

export function fixIntel(raw: Instruction, insn: DecodedInstruction, mnemonic: string, operands: string): Text {
  // sal is an alias of shl (/4 and /6); objdump prints shl for both
  if (mnemonic.startsWith('sal')) mnemonic = `shl${mnemonic.slice(3)}`;
  switch (ruleOf(insn.code)) {
    case Rule.ShiftByOne:
      operands = operands.replace(/,0x1$/, ',1');
      break;
    case Rule.Imul3: {
      const m = /^(\w+),(0x[0-9a-f]+|-0x[0-9a-f]+)$/.exec(operands);
      if (m) operands = `${m[1]},${operands}`;
      break;
    }
    case Rule.X87Reg:
      operands = x87Operands(raw, insn, true);
      break;
    case Rule.X87Mem:
      operands = operands.replace(/^st,/, '').replace(/,st$/, '');
      break;
    case Rule.X87Alias:
      return { mnemonic: '(bad)', operands: '' };
    case Rule.Nopq:
      return { mnemonic: 'nop', operands: '' };
    case Rule.Movabs:
      mnemonic = 'movabs';
      break;
    case Rule.Moffs:
      mnemonic = 'movabs';
      operands = operands.replace(/\b[A-Z]+ PTR /, '');
      break;
    case Rule.Rename:
      mnemonic = renamed(insn.code, true) ?? mnemonic;
      break;
    case Rule.MovToSreg32:
    case Rule.MovToSreg64:
      operands = operands.replace(/,(\w+)$/, (all, r: string) => `,${widen16(r, ruleOf(insn.code) === Rule.MovToSreg64)}`);
      break;
    case Rule.GatherScatter:
      operands = operands.replace(/^(\w+),(k[1-7]),/, '$1{$2},').replace(/\],(k[1-7]),/, ']{$1},');
      break;
    case Rule.ImplicitXmm0:
      if (!operands.endsWith(',xmm0')) operands += ',xmm0';
      break;
  }
  if (operands.includes('{')) {
    operands = moveRounding(operands);
    // embedded broadcast: objdump says `QWORD BCST [mem]` where iced says `QWORD PTR [mem]{1to8}`
    operands = operands.replace(/(\w+) PTR ([^,]*\])\{1to\d+\}/, '$1 BCST $2');
  }
  if (isStringCode(insn.code)) {
    const s = stringOp(mnemonic, operands);
    if (s) return s;
  }
  if (insn.mnemonic === 'xlat') return { mnemonic: 'xlat', operands: operands.replace(/(?:[cdes]s:)?(?<![fg]s:)\[([er]bx)\]/, 'ds:[$1]') };
  if (operands.indexOf('[') < 0) return { mnemonic, operands };
  // objdump prints a RIP-relative displacement as an unsigned 64-bit number in Intel syntax
  operands = operands.replace(/\[rip-0x([0-9a-f]+)\]/, (_, h: string) => `[rip+0x${(2n ** 64n - BigInt(`0x${h}`)).toString(16)}]`);
  // an absolute address (no base, no index) prints as seg:addr without brackets, ds: by default
  operands = operands.replace(/(\b[c-gs]s:)?\[(-?0x[0-9a-f]+)\]/g, (_, seg: string | undefined, a: string) => {
    const v = a.startsWith('-') ? (2n ** 64n - BigInt(a.slice(1))).toString(16) : a.slice(2);
    return `${seg ?? 'ds:'}0x${v}`;
  });
  return { mnemonic, operands };
}
