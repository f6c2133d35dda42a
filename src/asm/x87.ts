/**
 * Operands of x87 register-stack forms as objdump prints them: `st`/`st(i)` (Intel) or `%st`/`%st(i)`
 * (AT&T, reversed), with a single st(i) for the one-register instructions (fld, fxch, fcom, ffree, ...).
 * The operand encoded in ModRM always prints as st(i), even st(0); the implicit one as st.
 */
import { OpCodeOperandKind, Register, type Instruction } from './iced.ts';
import type { DecodedInstruction } from './decode.ts';

const ST0: number = Register.ST0;
const STI_OPCODE: number = OpCodeOperandKind.sti_opcode;
const ONE_REGISTER = new Set(['fld', 'fst', 'fstp', 'fxch', 'fcom', 'fcomp', 'fucom', 'fucomp', 'ffree', 'ffreep']);

/** Per code: which operands are the ModRM-encoded st(i). */
const stiMask: number[] = [];
function stiOperands(raw: Instruction, c: number): number {
  let m = stiMask[c];
  if (m === undefined) {
    const ci = raw.opCode;
    m = 0;
    for (let i = 0; i < ci.opCount; i++) if (ci.opKind(i) === STI_OPCODE) m |= 1 << i;
    ci.free();
    stiMask[c] = m;
  }
  return m;
}

export function x87Operands(raw: Instruction, insn: DecodedInstruction, intel: boolean): string {
  const mask = stiOperands(raw, insn.code);
  const pct = intel ? '' : '%';
  const names: string[] = [];
  for (let i = 0; i < raw.opCount; i++) {
    const n = raw.opRegister(i) - ST0;
    const sti = (mask & (1 << i)) !== 0;
    if (ONE_REGISTER.has(insn.mnemonic) && !sti) continue;
    names.push(sti ? `${pct}st(${n})` : `${pct}st`);
  }
  return (intel ? names : names.reverse()).join(',');
}
