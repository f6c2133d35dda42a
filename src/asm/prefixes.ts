/**
 * Which prefixes objdump prints by name in front of the mnemonic.
 *
 * binutils' i386-dis marks every prefix an instruction consumes (operand size, address size, a mandatory
 * SSE prefix, an active segment, REX bits) and prints the rest by name in byte order: `data16`, `addr32`,
 * `cs`, `rex.W`, `repz`, `bnd`, `notrack`, ... iced keeps only some of that, so the names are rebuilt here
 * from the instruction bytes and iced's per-code facts (operand size, mandatory prefix, operand kinds).
 * In 64-bit mode CS/DS/ES/SS overrides do nothing, so objdump shows them as names, not as `%cs:` in the
 * operand; on string instructions they vanish entirely.
 */
import { Code, MandatoryPrefix, OpCodeOperandKind, OpKind, Register, type Instruction } from './iced.ts';
import type { DecodedInstruction } from './decode.ts';
import { isStringCode } from './format-rules.ts';
import { isLegacyPrefix, sibOf } from './modrm.ts';

export interface PrefixNames {
  /** Names objdump prints before the mnemonic, in byte order (e.g. ['data16', 'cs']). */
  names: string[];
  /** A CS/DS/ES/SS override that iced shows in the memory operand but objdump shows as a name. */
  dropSegment: string | undefined;
  /** AT&T branch hint suffix for jcc (`je,pt` for 3e, `je,pn` for 2e); '' if none. */
  hint: string;
  /**
   * A SIB byte without an index register that objdump spells out as `%riz` (iced drops it):
   * the scale, and whether there is no base either.
   */
  riz: { scale: number; noBase: boolean } | undefined;
}

interface CodeFacts {
  /** operand size consumes the last 66 prefix */
  uses66: boolean;
  mandatory: MandatoryPrefix;
  /** REX.W selects a 64-bit operand (not the default 64 of push/call/...) */
  usesW: boolean;
  /** an operand is encoded in ModRM.reg (REX.R extends it) */
  usesR: boolean;
  /** operand indices encoded in ModRM.rm (register or memory) */
  rmOperands: number[];
  /** an operand may be a ModRM memory operand (so the bytes may hold a SIB) */
  modrmMemory: boolean;
  /** an operand is encoded in the opcode's low bits (REX.B extends it) */
  usesOpcodeReg: boolean;
  /** jrcxz/loop with ECX: the 67 prefix is what selects ECX */
  usesEcx: boolean;
}

// Enum values copied once (see decode.ts on namespace lookups in hot paths).
const OPK_REGISTER: number = OpKind.Register;
const OPK_MEMORY_FIRST: number = OpKind.MemorySegSI;
const OPK_MEMORY_LAST: number = OpKind.Memory;
const REG_SPL: number = Register.SPL;
const REG_DIL: number = Register.DIL;
const MP_P66: number = MandatoryPrefix.P66;
const MP_PF3: number = MandatoryPrefix.PF3;
const MP_PF2: number = MandatoryPrefix.PF2;

const kindNames = OpCodeOperandKind as unknown as Record<number, string | undefined>;
const codeNames = Code as unknown as Record<number, string | undefined>;
const factsCache: CodeFacts[] = [];

function codeFacts(raw: Instruction, code: number): CodeFacts {
  const cached = factsCache[code];
  if (cached) return cached;
  const ci = raw.opCode;
  try {
    const rmOperands: number[] = [];
    let usesR = false;
    let usesOpcodeReg = false;
    let modrmMemory = false;
    for (let i = 0; i < ci.opCount; i++) {
      const k = kindNames[ci.opKind(i)] ?? '';
      if (/_reg$|_reg_mem$/.test(k) && !/^(seg|k|kp1|bnd|mm|tmm)_/.test(k)) usesR = true;
      else if (/_rm$|_or_mem|^mem|^sibmem$/.test(k)) rmOperands.push(i);
      else if (/_opcode$/.test(k) && k !== 'sti_opcode') usesOpcodeReg = true;
      if (/_or_mem|^mem|^sibmem$/.test(k)) modrmMemory = true;
    }
    const f: CodeFacts = {
      uses66: ci.operandSize === 16 || ci.mandatoryPrefix === MP_P66,
      // objdump prints the F3 of VIA PadLock instructions as repz
      mandatory: /^(Xcrypt|Xsha|Montmul|Xstore)/.test(codeNames[code] ?? '') ? MandatoryPrefix.None : ci.mandatoryPrefix,
      // 48 90 is 'rex.W nop' to objdump, though iced gives it a 64-bit operand size
      usesW: ci.operandSize === 64 && !ci.defaultOpSize64 && !ci.forceOpSize64 && code !== Code.Nopq && code !== Code.Call_m1664 && code !== Code.Jmp_m1664,
      usesR,
      rmOperands,
      modrmMemory,
      usesOpcodeReg,
      usesEcx: /ECX|Jecxz/.test(codeNames[code] ?? ''),
    };
    factsCache[code] = f;
    return f;
  } finally {
    ci.free();
  }
}

function hasMemoryOperand(raw: Instruction): boolean {
  for (let i = 0; i < raw.opCount; i++) {
    const k = raw.opKind(i);
    if (k >= OPK_MEMORY_FIRST && k <= OPK_MEMORY_LAST) return true;
  }
  return false;
}

const SEG_NAMES: Record<number, string> = { 0x26: 'es', 0x2e: 'cs', 0x36: 'ss', 0x3e: 'ds', 0x64: 'fs', 0x65: 'gs' };

/**
 * Does objdump consider the REX prefix (with its bits) fully used by this instruction? It counts a bit
 * as used when it reads it: W for a 64-bit operand size that is not the default, R for a ModRM.reg
 * register, X when there is a SIB byte, B for a ModRM.rm operand or an opcode register.
 */
function rexUsed(raw: Instruction, f: CodeFacts, rex: number, hasSib: boolean): boolean {
  if ((rex & 8) !== 0 && !f.usesW) return false;
  if ((rex & 4) !== 0 && !f.usesR) return false;
  if ((rex & 2) !== 0 && !hasSib) return false;
  if ((rex & 1) !== 0 && f.rmOperands.length === 0 && !f.usesOpcodeReg) return false;
  if ((rex & 0xf) === 0) {
    // A bare REX only changes which byte registers ah..bh/spl..dil mean.
    for (let i = 0; i < raw.opCount; i++) {
      if (raw.opKind(i) !== OPK_REGISTER) continue;
      const r = raw.opRegister(i);
      if (r >= REG_SPL && r <= REG_DIL) return true;
    }
    return false;
  }
  return true;
}

const PREFIX_BYTE_NAMES: Record<number, string> = { 0xf0: 'lock', 0xf2: 'repnz', 0xf3: 'repz', 0x66: 'data16', 0x67: 'addr32', ...SEG_NAMES };

/** objdump's name for a lone prefix byte (legacy or REX), or undefined if `b` is not a prefix. */
export function prefixByteName(b: number): string | undefined {
  if ((b & 0xf0) === 0x40) return rexName(b);
  return PREFIX_BYTE_NAMES[b];
}

function rexName(rex: number): string {
  if ((rex & 0xf) === 0) return 'rex';
  return `rex.${rex & 8 ? 'W' : ''}${rex & 4 ? 'R' : ''}${rex & 2 ? 'X' : ''}${rex & 1 ? 'B' : ''}`;
}

function isBndBranch(insn: DecodedInstruction): boolean {
  const m = insn.mnemonic;
  if (m === 'jmp' || m === 'call' || m === 'ret') return true;
  return insn.flow === 'cond-jump' && insn.relSize !== 0 && !m.startsWith('loop') && !m.endsWith('cxz');
}

/**
 * The prefix names objdump prints for one instruction. `bytes` are the instruction's bytes.
 * Returns undefined for instructions without prefixes (the common case, so callers can skip work).
 */
export function prefixNames(raw: Instruction, insn: DecodedInstruction, bytes: Uint8Array, intel: boolean): PrefixNames | undefined {
  const n = insn.length;
  // an fwait merged into the x87 instruction that follows it (decode's objdump mode) is not a prefix name
  const start = bytes[0] === 0x9b && n > 1 ? 1 : 0;
  let p = start;
  while (p < n && isLegacyPrefix(bytes[p]!)) p++;
  const rex = p < n && (bytes[p]! & 0xf0) === 0x40 ? bytes[p]! : 0;
  const f = codeFacts(raw, insn.code);
  const sib = f.modrmMemory ? sibOf(bytes, n) : undefined;
  let riz: PrefixNames['riz'];
  if (sib && sib.index === 4 && !sib.x && !raw.isVsib) {
    const noBase = sib.mod === 0 && sib.base === 5;
    if (sib.scale !== 1 || (!noBase && sib.base !== 4)) riz = { scale: sib.scale, noBase };
  }
  if (p === start && rex === 0) return riz ? { names: [], dropSegment: undefined, hint: '', riz } : undefined;
  let last66 = -1;
  let lastRep = -1;
  let lastSeg = -1;
  for (let i = start; i < p; i++) {
    const b = bytes[i]!;
    if (b === 0x66) last66 = i;
    else if (b === 0xf2 || b === 0xf3) lastRep = i;
    else if (SEG_NAMES[b] !== undefined) lastSeg = i;
  }
  const names: string[] = [];
  let dropSegment: string | undefined;
  let hint = '';
  let memo: boolean | undefined;
  const mem = () => (memo ??= hasMemoryOperand(raw));
  const isString = isStringCode(insn.code);
  for (let i = start; i < p; i++) {
    const b = bytes[i]!;
    if (b === 0xf0) names.push('lock');
    else if (b === 0x66) {
      if (i !== last66 || !f.uses66) names.push('data16');
    } else if (b === 0x67) {
      // AT&T spells loop-with-ECX as loopl; Intel keeps the addr32
      if (!(mem() || (f.usesEcx && !(intel && insn.mnemonic.startsWith('loop'))))) names.push('addr32');
    } else if (b === 0xf2 || b === 0xf3) {
      const rep = b === 0xf3 ? 'repz' : 'repnz';
      if (i !== lastRep) names.push(rep);
      else if ((b === 0xf3 && f.mandatory === MP_PF3) || (b === 0xf2 && f.mandatory === MP_PF2)) continue;
      else if (raw.hasXacquirePrefix) names.push('xacquire');
      else if (raw.hasXreleasePrefix) names.push('xrelease');
      else if (b === 0xf2 && isBndBranch(insn)) names.push('bnd');
      else if (b === 0xf3 && isString && !/^(cmps|scas)/.test(insn.mnemonic)) names.push('rep');
      else names.push(rep);
    } else {
      const seg = SEG_NAMES[b]!;
      if (i !== lastSeg) names.push(seg);
      else if (b === 0x64 || b === 0x65) {
        // ins/stos/scas only address es:(%rdi), which no prefix overrides
        if (!mem() || (isString && !/^(movs|lods|outs|cmps)/.test(insn.mnemonic))) names.push(seg);
      } else if (isString && /^(movs|lods|outs|cmps)/.test(insn.mnemonic)) {
        // applies to the %rsi operand, whose default segment the operands show; not printed
      } else if (b === 0x3e && (insn.flow === 'indirect-jump' || insn.flow === 'indirect-call')) names.push('notrack');
      else if ((b === 0x2e || b === 0x3e) && insn.flow === 'cond-jump' && insn.relSize !== 0 && !intel) hint = b === 0x2e ? ',pn' : ',pt';
      else {
        names.push(seg);
        if (mem()) dropSegment = seg;
      }
    }
  }
  if (rex !== 0 && !rexUsed(raw, f, rex, sib !== undefined)) names.push(rexName(rex));
  return { names, dropSegment, hint, riz };
}
