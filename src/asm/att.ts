/**
 * Rewrites of iced's GAS output into binutils 2.40 objdump AT&T text (prefix names are handled in
 * prefixes.ts, per-code classes in format-rules.ts).
 */
import type { Instruction } from './iced.ts';
import type { DecodedInstruction } from './decode.ts';
import { isStringCode, Rule, renamed, ruleOf } from './format-rules.ts';
import { x87Operands } from './x87.ts';

export interface Text {
  mnemonic: string;
  operands: string;
}

export function fixAtt(raw: Instruction, insn: DecodedInstruction, mnemonic: string, operands: string): Text {
  // sal is an alias of shl (/4 and /6); objdump prints shl for both
  if (mnemonic.startsWith('sal')) mnemonic = `shl${mnemonic.slice(3)}`;
  switch (ruleOf(insn.code)) {
    case Rule.NoQSuffix:
      if (mnemonic.endsWith('q')) mnemonic = mnemonic.slice(0, -1);
      break;
    case Rule.ShiftByOne:
      operands = operands.replace(/^\$(0x)?1,/, '');
      break;
    case Rule.Imul3: {
      const m = /^(\$[^,]+),(%\w+)$/.exec(operands);
      if (m) operands = `${operands},${m[2]}`;
      break;
    }
    case Rule.X87Reg:
      operands = x87Operands(raw, insn, false);
      break;
    case Rule.X87Alias:
      return { mnemonic: '(bad)', operands: '' };
    case Rule.Nopq:
      return { mnemonic: 'nop', operands: '' };
    case Rule.PortDx:
      operands = operands.replace(/(?<!\()%dx\b/, '(%dx)');
      break;
    case Rule.Rename:
      mnemonic = renamed(insn.code, false) ?? mnemonic;
      break;
  }
  if (operands.indexOf('(') < 0) return { mnemonic, operands };
  if (isStringCode(insn.code) || insn.mnemonic === 'xlat') {
    // objdump names the default segments of string operands; CS/DS/ES/SS overrides are ignored in 64-bit mode
    operands = operands.replace(/(?:%[cdes]s:)?(?<!%[fg]s:)\((%[er](?:si|bx))\)/g, '%ds:($1)').replace(/(?<!:)\((%[er]di)\)/g, '%es:($1)');
  }
  // objdump always prints the scale of an index register: (%rax,%rbx) -> (%rax,%rbx,1)
  if (operands.indexOf(',%') >= 0) operands = operands.replace(/\(((?:%\w+)?),(%\w+)\)/g, '($1,$2,1)');
  return { mnemonic, operands };
}
