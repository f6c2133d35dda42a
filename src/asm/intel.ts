/**
 * Rewrites of iced's Intel output into binutils 2.40 `objdump -M intel` text (prefix names are handled in
 * prefixes.ts, per-code classes in format-rules.ts).
 */
import type { Instruction } from 'iced-x86';
import type { Text } from './att.ts';
import type { DecodedInstruction } from './decode.ts';
import { Rule, ruleOf } from './format-rules.ts';
import { x87Operands } from './x87.ts';

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

export function fixIntel(raw: Instruction, insn: DecodedInstruction, mnemonic: string, operands: string): Text {
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
  }
  if (raw.isStringInstruction) {
    const s = stringOp(mnemonic, operands);
    if (s) return s;
  }
  if (insn.mnemonic === 'xlatb') return { mnemonic: 'xlat', operands: operands.replace(/(?:[cdes]s:)?(?<![fg]s:)\[([er]bx)\]/, 'ds:[$1]') };
  // objdump prints a RIP-relative displacement as an unsigned 64-bit number in Intel syntax
  operands = operands.replace(/\[rip-0x([0-9a-f]+)\]/, (_, h: string) => `[rip+0x${(2n ** 64n - BigInt(`0x${h}`)).toString(16)}]`);
  // an absolute address (no base, no index) prints as seg:addr without brackets, ds: by default
  operands = operands.replace(/(\b[c-gs]s:)?\[(-?0x[0-9a-f]+)\]/g, (_, seg: string | undefined, a: string) => {
    const v = a.startsWith('-') ? (2n ** 64n - BigInt(a.slice(1))).toString(16) : a.slice(2);
    return `${seg ?? 'ds:'}0x${v}`;
  });
  return { mnemonic, operands };
}
