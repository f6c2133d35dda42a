// Which instructions end a block: every transfer of control (and what may stop or redirect the CPU).
// Anything else that turns out to move rip (a handler that branches) is caught at run time: the block
// is left when rip is not the next instruction's address.
import { Mnemonic } from '../../asm/iced.ts';
import { K_IMM, type Insn } from '../insn.ts';

const JCC_NAMES = ['Jo', 'Jno', 'Jb', 'Jae', 'Je', 'Jne', 'Jbe', 'Ja', 'Js', 'Jns', 'Jp', 'Jnp', 'Jl', 'Jge', 'Jle', 'Jg'];
const NAMES = [
  'Jmp', ...JCC_NAMES,
  'Call', 'Ret', 'Retf', 'Iret', 'Iretd', 'Iretq', 'Loop', 'Loope', 'Loopne', 'Jrcxz', 'Jecxz', 'Jcxz',
  'Int', 'Int1', 'Int3', 'Into', 'Syscall', 'Sysret', 'Sysretq', 'Sysenter', 'Sysexit', 'Sysexitq', 'Hlt',
  'Ud0', 'Ud1', 'Ud2', 'Jmpe', 'Rsm', 'INVALID',
];

const TERMINATORS = new Uint8Array(4096);
const names = Mnemonic as unknown as Record<string, number>;
for (const n of NAMES) {
  const v = names[n];
  if (typeof v === 'number') TERMINATORS[v] = 1;
}

const CONDITIONAL = new Uint8Array(4096);
for (const n of JCC_NAMES) CONDITIONAL[names[n]] = 1;

/** A near conditional jump (jcc rel): a block may go on past it, leaving at its target when it is taken. */
export function isConditional(d: Insn): boolean {
  return CONDITIONAL[d.mn] === 1 && d.k0 === K_IMM;
}

export function isTerminator(d: Insn): boolean {
  return TERMINATORS[d.mn] === 1 || d.len === 0;
}
