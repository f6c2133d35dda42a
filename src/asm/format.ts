/**
 * Instruction text as GNU objdump -d prints it after the raw bytes, in AT&T (default) or Intel (-M intel)
 * syntax: prefixes and mnemonic padded to 6 columns plus a space, the operands, and for RIP-relative
 * operands objdump's trailing `        # <target> <sym+off>` comment.
 *
 * Built on iced-x86's GAS and Intel formatters (two shared instances, created on first use and kept for
 * the process), objdump's prefix naming (prefixes.ts) and syntax-specific rewrites towards binutils 2.40
 * (att.ts, intel.ts). Direct branch targets and RIP comments are printed from the decoder's absolute
 * addresses through a symbolizer.
 */
import { FormatMnemonicOptions, Formatter, FormatterSyntax, MemorySizeOptions, type Instruction } from './iced.ts';
import { toBigAddress } from './address.ts';
import { fixAtt } from './att.ts';
import { forEachInstruction, instructionBytes, SectionDecoder, type DecodedInstruction } from './decode.ts';
import { fixIntel } from './intel.ts';
import { prefixByteName, prefixNames } from './prefixes.ts';

export type Syntax = 'att' | 'intel';

/** Symbolic name objdump would print for an address, e.g. `__libc_write+0x7`, or undefined. */
export type Symbolizer = (address: bigint) => string | undefined;

let gas: Formatter | undefined;
let intel: Formatter | undefined;
const NO_PREFIXES: number = FormatMnemonicOptions.NoPrefixes;

function gasFormatter(): Formatter {
  if (gas) return gas;
  const f = new Formatter(FormatterSyntax.Gas);
  f.uppercaseHex = false;
  f.branchLeadingZeros = false;
  f.smallHexNumbersInDecimal = false;
  f.showZeroDisplacements = true;
  f.ripRelativeAddresses = true; // print disp(%rip); the absolute target goes in the comment
  f.showUselessPrefixes = true;
  return (gas = f);
}

function intelFormatter(): Formatter {
  if (intel) return intel;
  const f = new Formatter(FormatterSyntax.Intel);
  f.uppercaseHex = false;
  f.hexPrefix = '0x';
  f.hexSuffix = '';
  f.branchLeadingZeros = false;
  f.smallHexNumbersInDecimal = false;
  f.addLeadingZeroToHexNumbers = false;
  f.showZeroDisplacements = true;
  f.ripRelativeAddresses = true;
  f.showUselessPrefixes = true;
  f.memorySizeOptions = MemorySizeOptions.Always;
  f.uppercaseKeywords = true;
  f.alwaysShowScale = true;
  return (intel = f);
}

/** `hex <sym>` as objdump prints an address it can name, `0xhex` when it cannot. */
export function symbolicAddress(address: number, symbolize?: Symbolizer): string {
  const a = toBigAddress(address);
  const name = symbolize?.(a);
  return name === undefined ? `0x${a.toString(16)}` : `${a.toString(16)} <${name}>`;
}

/** objdump's column layout: prefixes+mnemonic padded to 6, a space, the operands. */
export function layout(mnemonic: string, operands: string): string {
  return operands === '' ? mnemonic : `${mnemonic.padEnd(6)} ${operands}`;
}

/** Spell out an index-less SIB byte as objdump does: `(%rax,%riz,2)`, `0x0(,%riz,2)`, `[rax+riz*2]`. */
function withRiz(operands: string, scale: number, noBase: boolean, intel: boolean): string {
  if (intel) {
    if (noBase) return operands.replace(/\[(-?)(0x[0-9a-f]+)\]/, (_, sign: string, d: string) => `[riz*${scale}${sign || '+'}${d}]`);
    return operands.replace(/\[(\w+)((?:[+-]0x[0-9a-f]+)?)\]/, `[$1+riz*${scale}$2]`);
  }
  if (noBase) return operands.replace(/(^|,|%[c-gs]s:)(-?0x[0-9a-f]+)(?=,|$)/, `$1$2(,%riz,${scale})`);
  return operands.replace(/\((%\w+),?\)/, `($1,%riz,${scale})`);
}

/**
 * What objdump prints for bytes it cannot decode: the names of leading prefixes, then `(bad)`; a lone
 * run of prefixes prints as just their names; an instruction cut off by the end of the section prints
 * its first byte as `.byte 0x..`.
 */
function invalidText(insn: DecodedInstruction, bytes: Uint8Array | undefined, syntax: Syntax): string {
  if (!bytes) return insn.truncated ? '.byte' : '(bad)';
  const names: string[] = [];
  let i = 0;
  for (; i < insn.length; i++) {
    const n = prefixByteName(bytes[i]!);
    if (n === undefined) break;
    names.push(n);
  }
  if (i === insn.length) return names.join(' ');
  if (insn.truncated) return `.byte 0x${bytes[0]!.toString(16)}`;
  const op = bytes[i]!;
  // REX before a valid-looking VEX prefix: objdump prints a bare (bad)
  if (i > 0 && (bytes[i - 1]! & 0xf0) === 0x40 && (op === 0xc5 || (op === 0xc4 && insn.length > i + 1))) return '(bad)';
  if (op >= 0xd8 && op <= 0xdf && i + 1 < insn.length && bytes[i + 1]! < 0xc0) return substituted(bytes.subarray(0, insn.length), i, 0xd9, syntax, 'x87');
  if ((op === 0x8c || op === 0x8e) && i + 1 < insn.length) return substituted(bytes.subarray(0, insn.length), i, op, syntax, 'sreg');
  names.push('(bad)');
  return names.join(' ');
}

/**
 * Undecodable forms objdump still prints operands for: a reserved x87 memory form (d9 /1, dd /5, ...)
 * is `(bad)` with its memory operand; a mov to/from segment register 6 or 7 names it `%?`. Format the
 * same bytes with a valid ModRM.reg (fld m32 / %es) and patch the text.
 */
function substituted(bytes: Uint8Array, opAt: number, opcode: number, syntax: Syntax, kind: 'x87' | 'sreg'): string {
  const sub = Uint8Array.from(bytes); // a copy (Buffer.slice would alias)
  sub[opAt] = opcode;
  sub[opAt + 1] = sub[opAt + 1]! & 0xc7;
  const d = new SectionDecoder(sub, 0, { fields: false });
  try {
    const insn = d.next();
    if (!insn || insn.invalid) return '(bad)';
    const text = formatInstruction(d.raw, insn, syntax, undefined, sub);
    if (kind === 'sreg') return syntax === 'intel' ? text.replace(/\bes\b(?!.*\bes\b)/, '?') : text.replace('%es', '%?');
    const bad = syntax === 'intel' ? text.replace(/\bfld +(\S+ PTR )?/, '(bad) ') : text.replace(/\bflds +/, '(bad) ');
    return bad.replace(/^\(bad\) /, '(bad)  ');
  } finally {
    d.free();
  }
}

/**
 * The text objdump prints for one instruction (the part after the raw bytes).
 *
 * `raw` is iced's Instruction for `insn` (from forEachInstruction / SectionDecoder); `symbolize` names
 * branch targets and RIP-relative addresses; `bytes` are the instruction's own bytes (at least
 * insn.length of them, starting at its first byte). They are found automatically while `raw` is still
 * the decoder's live Instruction for `insn` (inside a forEachInstruction callback); otherwise, without
 * them, prefixes are named as iced sees them, which differs from objdump for redundant prefixes
 * (`data16 cs nopw`, `rex.W`, `addr32`).
 */
export function formatInstruction(raw: Instruction, insn: DecodedInstruction, syntax: Syntax = 'att', symbolize?: Symbolizer, bytes?: Uint8Array): string {
  bytes ??= instructionBytes(raw, insn);
  if (insn.invalid) return invalidText(insn, bytes, syntax);
  const isIntel = syntax === 'intel';
  const f = isIntel ? intelFormatter() : gasFormatter();
  const pre = bytes ? prefixNames(raw, insn, bytes, isIntel) : undefined;
  let mnemonic = bytes ? f.formatMnemonicOptions(raw, NO_PREFIXES) : f.formatMnemonic(raw);
  let operands = insn.branchTarget !== undefined ? symbolicAddress(insn.branchTarget, symbolize) : f.formatAllOperands(raw);
  if (pre?.dropSegment) operands = operands.replace(isIntel ? `${pre.dropSegment}:` : `%${pre.dropSegment}:`, '');
  if (pre?.riz) operands = withRiz(operands, pre.riz.scale, pre.riz.noBase, isIntel);
  const fixed = isIntel ? fixIntel(raw, insn, mnemonic, operands) : fixAtt(raw, insn, mnemonic, operands);
  mnemonic = fixed.mnemonic;
  operands = fixed.operands;
  if (pre) {
    mnemonic += pre.hint;
    if (pre.names.length > 0) mnemonic = mnemonic === '' ? pre.names.join(' ') : `${pre.names.join(' ')} ${mnemonic}`;
  }
  let text = layout(mnemonic, operands);
  if (insn.ripTarget !== undefined) text += `        # ${symbolicAddress(insn.ripTarget, symbolize)}`;
  return text;
}

export interface FormattedInstruction {
  insn: DecodedInstruction;
  text: string;
}

/** Decodes (cutting instructions as objdump does) and formats a whole buffer, e.g. a section, at `baseAddress`. */
export function formatSection(code: Uint8Array, baseAddress: bigint | number, syntax: Syntax = 'att', symbolize?: Symbolizer): FormattedInstruction[] {
  const out: FormattedInstruction[] = [];
  forEachInstruction(code, baseAddress, (insn, raw) => {
    out.push({ insn, text: formatInstruction(raw, insn, syntax, symbolize) });
  }, { fields: false, objdump: true });
  return out;
}
