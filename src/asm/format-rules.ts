/**
 * Per-Code rewrite classes shared by the AT&T and Intel fix-ups: which iced Codes print differently from
 * objdump and how. One table, built once from iced's Code names.
 */
import { Code } from './iced.ts';
import { codeName } from './codes.ts';

export const enum Rule {
  None = 0,
  /** 64-bit-default indirect call/jmp and push/pop: objdump prints no 'q' suffix */
  NoQSuffix,
  /** D0-D3 shift/rotate by one: objdump omits the 1 (AT&T) or prints it as a bare `1` (Intel) */
  ShiftByOne,
  /** imul r,r/m,imm: iced shortens it to two operands when both registers are the same */
  Imul3,
  /** x87 register-stack forms: objdump always prints the st(i) operands */
  X87Reg,
  /** x87 memory forms: iced adds the implicit st operand in Intel syntax */
  X87Mem,
  /** reserved x87 encodings iced accepts as aliases (fcom2, fxch4, fstp1, ...): objdump says (bad) */
  X87Alias,
  /** 48 90: objdump calls it nop (prefixes.ts prints the rex.W) */
  Nopq,
  /** mov r64,imm64: objdump's Intel mnemonic is movabs */
  Movabs,
  /** mov to/from moffs: Intel movabs without a size keyword */
  Moffs,
  /** in/out/ins/outs: objdump writes the port register as (%dx) in AT&T */
  PortDx,
  /** iret/lret/retf/pushf/popf: objdump's operand-size spelling differs from iced's */
  Rename,
  /** SSE4.1 blendv and sha256rnds2: objdump's Intel syntax shows the implicit xmm0 */
  ImplicitXmm0,
  /** mov %r,%sreg: objdump's Intel syntax names the full 32/64-bit source register */
  MovToSreg32,
  MovToSreg64,
  /** AVX-512 gather/scatter: iced's Intel syntax lists the opmask as an operand, objdump as {k} */
  GatherScatter,
}

// Built on first use (a dozen regular expressions over every Code name): a command that loads the
// formatter but prints nothing (ukl-run without a diagnosis) does not pay for it.
let tables: { rule: Uint8Array; strings: Uint8Array } | undefined;
function build(): { rule: Uint8Array; strings: Uint8Array } {
  const t = new Uint8Array(Object.keys(Code).length);
  const str = new Uint8Array(t.length);
  for (let c = 0; c < t.length; c++) {
    const n = codeName(c);
    // Not the SSE2 movsd/cmpsd (Movsd_xmm_xmmm64, Cmpsd_xmm_xmmm64_imm8), which share the string ops' names.
    if (/^(Movs|Cmps|Stos|Lods|Scas|Ins|Outs)[bwdq]_/.test(n) && !n.includes('xmm')) str[c] = 1;
    if (/^(Call|Jmp|Push|Pop)_rm64$/.test(n)) t[c] = Rule.NoQSuffix;
    else if (/^(Rol|Ror|Rcl|Rcr|Shl|Shr|Sal|Sar)_rm(8|16|32|64)_1$/.test(n)) t[c] = Rule.ShiftByOne;
    else if (/^Imul_r(16|32|64)_rm(16|32|64)_imm/.test(n)) t[c] = Rule.Imul3;
    else if (/^F\w+_(st0_sti|sti_st0|sti)_D[CDEF][C-F][08]$/.test(n) || n === 'Fstpnce_sti') t[c] = Rule.X87Alias;
    else if (/^F\w+_(st0_sti|sti_st0|sti)$/.test(n)) t[c] = Rule.X87Reg;
    else if (/^F[a-z]+_m(\d+(fp|int|bcd)|2byte|14byte|28byte|94byte|108byte)$/.test(n)) t[c] = Rule.X87Mem;
    else if (n === 'Nopq') t[c] = Rule.Nopq;
    else if (n === 'Mov_r64_imm64') t[c] = Rule.Movabs;
    else if (/^Mov_(AL|AX|EAX|RAX)_moffs|^Mov_moffs/.test(n)) t[c] = Rule.Moffs;
    else if (/^(In|Out|Ins[bwd]|Outs[bwd])_\w*DX/.test(n)) t[c] = Rule.PortDx;
    else if (/^(Iret[dqw]|Retf[dqw](_imm16)?|Pushf[dqw]|Popf[dqw]|(Jmp|Call)_m16(16|32|64)|Xstore_64|Xcrypt[a-z]{3}_64)$/.test(n)) t[c] = Rule.Rename;
    else if (/^EVEX_V(p?gather|p?scatter)/.test(n)) t[c] = Rule.GatherScatter;
    else if (/^(Blendvps|Blendvpd|Pblendvb|Sha256rnds2)_xmm_xmmm128$/.test(n)) t[c] = Rule.ImplicitXmm0;
    else if (n === 'Mov_Sreg_r32m16') t[c] = Rule.MovToSreg32;
    else if (n === 'Mov_Sreg_r64m16') t[c] = Rule.MovToSreg64;
  }
  return { rule: t, strings: str };
}

/** objdump's mnemonics for the Rule.Rename codes, by iced code name without an `_imm16` suffix. */
const RENAMES: Record<string, [att: string, intel: string]> = {
  Iretw: ['iretw', 'iretw'], Iretd: ['iret', 'iret'], Iretq: ['iretq', 'iretq'],
  Retfw: ['lretw', 'retfw'], Retfd: ['lret', 'retf'], Retfq: ['lretq', 'retfq'],
  Pushfw: ['pushfw', 'pushfw'], Pushfd: ['pushf', 'pushf'], Pushfq: ['pushf', 'pushf'],
  Popfw: ['popfw', 'popfw'], Popfd: ['popf', 'popf'], Popfq: ['popf', 'popf'],
  Jmp_m1616: ['ljmpw', 'jmp'], Jmp_m1632: ['ljmp', 'jmp'], Jmp_m1664: ['ljmp', 'jmp'],
  Call_m1616: ['lcallw', 'call'], Call_m1632: ['lcall', 'call'], Call_m1664: ['lcall', 'call'],
  // VIA PadLock
  Xstore_64: ['xstore-rng', 'xstore-rng'], Xcryptecb_64: ['xcrypt-ecb', 'xcrypt-ecb'], Xcryptcbc_64: ['xcrypt-cbc', 'xcrypt-cbc'],
  Xcryptctr_64: ['xcrypt-ctr', 'xcrypt-ctr'], Xcryptcfb_64: ['xcrypt-cfb', 'xcrypt-cfb'], Xcryptofb_64: ['xcrypt-ofb', 'xcrypt-ofb'],
};

export function renamed(code: number, intel: boolean): string | undefined {
  const r = RENAMES[codeName(code).replace(/_imm16$/, '')];
  return r?.[intel ? 1 : 0];
}

/** movs/cmps/stos/lods/scas/ins/outs (iced's isStringInstruction, without a wasm call). */
export function isStringCode(code: number): boolean {
  return (tables ??= build()).strings[code] === 1;
}

export function ruleOf(code: number): Rule {
  return (tables ??= build()).rule[code] ?? Rule.None;
}
