/**
 * x86-64 instruction decoding on top of iced-x86.
 *
 * One iced `Decoder` per buffer and one reused `Instruction` (`decodeOut`), both freed when done; the
 * results are plain JS objects that hold no wasm handles. Addresses are signed numbers (see address.ts):
 * the loop needs no BigInt except for RIP-relative operands. Direct branch targets are computed from the
 * instruction bytes (the rel field is always the last 1 or 4 bytes), which is cheaper than asking iced.
 *
 * Undecodable bytes become a 1-byte `invalid` instruction and decoding resumes at the next byte (as
 * capstone-based tools do). With `objdump: true` the decoder instead cuts instructions where GNU objdump
 * does (see DecodeOptions), so a disassembly listing stays in step with objdump's.
 */
import { Code, Decoder, DecoderError, DecoderOptions, Instruction, Register } from 'iced-x86';
import { toNumericAddress } from './address.ts';
import { flowName, gnuMnemonic, relSize, type Flow, type RelSize } from './codes.ts';
import { modrmLength } from './modrm.ts';

/** A field inside an instruction: byte offset from the instruction's first byte, and size in bytes. */
export interface Field {
  readonly offset: number;
  readonly size: number;
}

export interface DecodedInstruction {
  /** Byte offset of the instruction in the decoded buffer (section offset). */
  readonly offset: number;
  /** Address as a signed 64-bit number (address.ts): base + offset. */
  readonly address: number;
  readonly length: number;
  /** iced `Code` value (e.g. Code.Call_rel32_64); see codeName() for its name. */
  readonly code: number;
  /**
   * Lower-case mnemonic as `objdump -M intel` prints it, without prefixes ('mov', 'movzx', 'syscall',
   * 'movs', 'fwait', 'movabs'); '(bad)' if invalid. AT&T spellings (movzbl, cltq) come from the formatter.
   */
  readonly mnemonic: string;
  readonly flow: Flow;
  /** Absolute target (signed numeric address) of a direct jmp/jcc/call/loop/jrcxz/xbegin. */
  readonly branchTarget: number | undefined;
  /** Size of the direct branch's rel field (1 = rel8, 4 = rel32, 2 = rel16); 0 when not a direct branch. */
  readonly relSize: RelSize;
  /** Absolute address (signed numeric) a RIP-relative memory operand refers to. */
  readonly ripTarget: number | undefined;
  /** The displacement field (RIP-relative disp32 included); filled when decoding with `fields`. */
  readonly disp: Field | undefined;
  /** The (first) immediate field; for direct branches the rel8/rel32 field (always filled for those). */
  readonly imm: Field | undefined;
  /** A second immediate field (`enter $a,$b`, `extrq`, ...); filled when decoding with `fields`. */
  readonly imm2: Field | undefined;
  readonly isSyscall: boolean;
  /** iced could not decode the bytes (Code.INVALID); objdump prints `(bad)`. */
  readonly invalid: boolean;
  /** Invalid because the buffer ends inside the instruction (objdump prints `.byte 0x..`). */
  readonly truncated: boolean;
}

export interface DecodeOptions {
  /**
   * Locate displacement and immediate fields with iced's getConstantOffsets (costs one wasm object per
   * instruction). Default true. When false, only direct branches get `imm` (their rel field).
   */
  readonly fields?: boolean;
  /**
   * Cut instructions where GNU objdump does rather than where the CPU would (default false): an `fwait`
   * followed by an x87 instruction is one instruction (`9b d9 7d fe` is `fstcw`), a REX prefix followed
   * by another prefix stands alone (`rex.W`), and undecodable bytes take objdump's `(bad)` length
   * (prefixes + opcode bytes) instead of one byte. Only differs on junk bytes and fwait pairs.
   */
  readonly objdump?: boolean;
}

const INVALID_FLOW: Flow = 'exception';
// Enum members copied to locals once: under some loaders (vitest's CJS interop) every `Code.X` in the
// hot loop would be a proxied property lookup, 5x slower overall.
// Imported functions copied to locals too: a call through the module namespace costs as much as decoding.
const relSizeOfCode = relSize;
const CODE_INVALID: number = Code.INVALID;
const CODE_SYSCALL: number = Code.Syscall;
const REG_RIP: number = Register.RIP;
const REG_EIP: number = Register.EIP;
const CODE_WAIT: number = Code.Wait;
// objdump decodes MPX (bnd*) in 0f 1a/1b and does not reject misplaced lock prefixes
const OBJDUMP_DECODER_OPTIONS: number = DecoderOptions.NoInvalidCheck | DecoderOptions.MPX;
const NO_MORE_BYTES: number = DecoderError.NoMoreBytes;

/** x87 control instructions whose fwait-prefixed form objdump prints under its own mnemonic. */
const WAIT_FORMS = new Map<number, number>([
  [Code.Fnstenv_m14byte, Code.Fstenv_m14byte], [Code.Fnstenv_m28byte, Code.Fstenv_m28byte],
  [Code.Fnstcw_m2byte, Code.Fstcw_m2byte], [Code.Fneni, Code.Feni], [Code.Fndisi, Code.Fdisi],
  [Code.Fnclex, Code.Fclex], [Code.Fninit, Code.Finit], [Code.Fnsetpm, Code.Fsetpm],
  [Code.Fnsave_m94byte, Code.Fsave_m94byte], [Code.Fnsave_m108byte, Code.Fsave_m108byte],
  [Code.Fnstsw_m2byte, Code.Fstsw_m2byte], [Code.Fnstsw_AX, Code.Fstsw_AX],
  [Code.Fnstdw_AX, Code.Fstdw_AX], [Code.Fnstsg_AX, Code.Fstsg_AX],
]);

function isLegacyPrefix(b: number): boolean {
  return b === 0x66 || b === 0x67 || b === 0xf0 || b === 0xf2 || b === 0xf3 || b === 0x2e || b === 0x36 || b === 0x3e || b === 0x26 || b === 0x64 || b === 0x65;
}

/** Number of legacy prefix bytes at `at` (not past `end`). */
function legacyPrefixes(code: Uint8Array, at: number, end: number): number {
  let p = at;
  while (p < end && isLegacyPrefix(code[p]!)) p++;
  return p - at;
}

/**
 * iced reports "no more bytes" for any failure near the end of the buffer, even for an opcode that is
 * invalid whatever follows (a lone 06). Decode the tail again with padding to tell the two apart.
 */
function invalidAnyway(code: Uint8Array, at: number): boolean {
  let p = at + legacyPrefixes(code, at, code.length);
  if (p < code.length && (code[p]! & 0xf0) === 0x40) p++;
  const b = code[p];
  // nothing but prefixes, or a VEX/EVEX/XOP escape whose payload is cut: truncated
  if (b === undefined || b === 0xc4 || b === 0xc5 || b === 0x62 || b === 0x8f) return false;
  const padded = new Uint8Array(code.length - at + 15);
  padded.set(code.subarray(at));
  const i = new Instruction();
  try {
    // pad with ModRM bytes of every /reg value: some group opcodes are valid for one of them only
    for (let reg = 0; reg < 8; reg++) {
      padded.fill(reg << 3, code.length - at);
      const d = new Decoder(64, padded, DecoderOptions.NoInvalidCheck);
      d.decodeOut(i);
      d.free();
      if (i.code !== CODE_INVALID) return false;
    }
    return true;
  } finally {
    i.free();
  }
}

/**
 * How many bytes objdump's `(bad)` covers at `at`: the prefixes plus the opcode bytes it read before
 * giving up (VEX/XOP payload included; x87 register forms also take the ModRM byte). Measured against
 * objdump 2.40 on random bytes; right for most, not all, undecodable sequences.
 */
function objdumpBadLength(code: Uint8Array, at: number): number {
  const end = code.length;
  let p = at + legacyPrefixes(code, at, end);
  const rex = p < end && (code[p]! & 0xf0) === 0x40;
  if (rex) p++;
  if (p >= end) return Math.max(1, p - at);
  const b = code[p]!;
  const map = (code[p + 1] ?? 0) & 0x1f;
  let n = 1;
  if (b >= 0xd8 && b <= 0xdf) n = 1 + modrmLength(code, p + 1); // reserved x87 forms keep their operand
  else if (b === 0x8c || b === 0x8e) n = 1 + modrmLength(code, p + 1); // mov to/from a segment register that does not exist
  else if (b === 0x0f) n = code[p + 1] === 0x38 || code[p + 1] === 0x3a ? 3 : code[p + 1] === 0x0f ? 1 : 2; // 0f 0f: 3DNow!
  else if (b === 0xc4) n = map >= 1 && map <= 3 ? 4 : 1; // an unknown map fails at once
  else if (b === 0xc5) n = 3;
  else if (b === 0x8f && ((code[p + 1] ?? 0) & 0x38) !== 0) n = map >= 8 && map <= 10 ? 4 : 1; // XOP
  return Math.min(p - at + n, end - at);
}

// Which decoder an iced Instruction belongs to, so instructionBytes() can find the bytes behind a
// (raw, insn) pair handed to a callback; one entry per decoder, not per instruction.
const owners = new WeakMap<Instruction, SectionDecoder>();

/**
 * The bytes of `insn` if `raw` is the live Instruction of the decoder that produced it (e.g. inside a
 * forEachInstruction callback), else undefined.
 */
export function instructionBytes(raw: Instruction, insn: DecodedInstruction): Uint8Array | undefined {
  const d = owners.get(raw);
  return d && d.last === insn ? d.code.subarray(insn.offset, insn.offset + insn.length) : undefined;
}

// Per-Code caches: mnemonic and flow depend on the code only, so ask iced once per distinct code.
const mnemonicOfCode: string[] = [];
const flowOfCode: Flow[] = [];

/**
 * Decodes one buffer instruction by instruction. `raw` is the live iced Instruction of the last
 * `next()` result for callers that need more than the plain facts, such as the formatter.
 * Call free() when done (the iterating helpers below do).
 */
export class SectionDecoder {
  readonly code: Uint8Array;
  readonly base: number;
  private readonly primary: Instruction;
  private readonly decoder: Decoder;
  private readonly fields: boolean;
  private readonly objdump: boolean;
  /** second Instruction for objdump mode's fwait look-ahead */
  private spare: Instruction | undefined;
  private pos = 0;
  private freed = false;
  /** the last result of next() */
  last: DecodedInstruction | undefined;

  constructor(code: Uint8Array, baseAddress: bigint | number = 0, options: DecodeOptions = {}) {
    this.code = code;
    this.base = toNumericAddress(baseAddress);
    toNumericAddress(this.base + code.length); // the end must be representable too
    this.fields = options.fields ?? true;
    this.objdump = options.objdump ?? false;
    // ip = section offset: iced's RIP-relative addresses then come out section-relative.
    this.decoder = new Decoder(64, code, this.objdump ? OBJDUMP_DECODER_OPTIONS : DecoderOptions.None);
    this.decoder.ip = 0n;
    this.primary = new Instruction();
    owners.set(this.primary, this);
  }

  /** The next instruction, or undefined at the end of the buffer. */
  next(): DecodedInstruction | undefined {
    return (this.last = this.decodeNext());
  }

  private decodeNext(): DecodedInstruction | undefined {
    const code = this.code;
    const offset = this.pos;
    if (offset >= code.length) return undefined;
    if (this.objdump) {
      // objdump ends an instruction at a REX prefix that is followed by another prefix (fwait included),
      // and rejects a REX prefix in front of a VEX one
      const p = offset + legacyPrefixes(code, offset, code.length);
      const next = code[p + 1];
      if ((code[p]! & 0xf0) === 0x40 && next !== undefined) {
        if (isLegacyPrefix(next) || (next & 0xf0) === 0x40 || next === 0x9b) return this.invalidAt(offset, p + 1 - offset, false);
        if (next === 0xc5 || next === 0xc4) return this.invalidAt(offset, objdumpBadLength(code, offset), false);
      }
    }
    let raw = this.primary;
    this.lastMerged = undefined;
    this.decoder.decodeOut(raw);
    let c = raw.code;
    if (c === CODE_INVALID) {
      const truncated = this.decoder.lastError === NO_MORE_BYTES && !invalidAnyway(code, offset);
      return this.invalidAt(offset, this.objdump && !truncated ? objdumpBadLength(code, offset) : 1, truncated);
    }
    let length = raw.length;
    let shift = 0; // bytes in front of iced's instruction (a merged fwait)
    if (c === CODE_WAIT && this.objdump) {
      const merged = this.mergeWait(offset);
      if (merged) {
        raw = merged;
        c = raw.code;
        length = raw.length + 1;
        shift = 1;
      }
    }
    this.pos = offset + length;
    let mnemonic = mnemonicOfCode[c];
    let flow = flowOfCode[c];
    if (mnemonic === undefined || flow === undefined) {
      mnemonic = mnemonicOfCode[c] = gnuMnemonic(c, raw.mnemonic);
      flow = flowOfCode[c] = flowName(raw.flowControl);
    }
    const rs = relSizeOfCode(c);
    let branchTarget: number | undefined;
    let imm: Field | undefined;
    let imm2: Field | undefined;
    let disp: Field | undefined;
    let ripTarget: number | undefined;
    if (rs !== 0) {
      const end = offset + length;
      if (rs === 1) branchTarget = this.base + end + ((code[end - 1]! << 24) >> 24);
      else if (rs === 4) branchTarget = this.base + end + (code[end - 4]! | (code[end - 3]! << 8) | (code[end - 2]! << 16) | (code[end - 1]! << 24));
      else branchTarget = this.base + Number(BigInt.asIntN(64, raw.nearBranchTarget)); // rel16 truncates the target: let iced do it
      imm = { offset: length - rs, size: rs };
    } else {
      const mb = raw.memoryBase;
      if (mb === REG_RIP || mb === REG_EIP) {
        ripTarget = this.base + Number(BigInt.asIntN(64, raw.ipRelMemoryAddress));
      }
      if (this.fields) {
        const co = this.decoder.getConstantOffsets(raw);
        if (co.hasDisplacement) disp = { offset: co.displacementOffset + shift, size: co.displacementSize };
        if (co.hasImmediate) imm = { offset: co.immediateOffset + shift, size: co.immediateSize };
        if (co.hasImmediate2) imm2 = { offset: co.immediateOffset2 + shift, size: co.immediateSize2 };
        co.free();
      }
    }
    return {
      offset, address: this.base + offset, length, code: c, mnemonic, flow,
      branchTarget, relSize: rs, ripTarget, disp, imm, imm2,
      isSyscall: c === CODE_SYSCALL, invalid: false, truncated: false,
    };
  }

  /**
   * The live iced Instruction of the last `next()` result (for a merged fwait, the x87 instruction),
   * valid until the following call.
   */
  get raw(): Instruction {
    return this.lastMerged ?? this.primary;
  }

  private lastMerged: Instruction | undefined;

  private invalidAt(offset: number, length: number, truncated: boolean): DecodedInstruction {
    // Resynchronise after the bad bytes.
    this.pos = offset + length;
    this.decoder.position = this.pos;
    this.decoder.ip = BigInt(this.pos);
    this.lastMerged = undefined;
    return {
      offset, address: this.base + offset, length, code: CODE_INVALID, mnemonic: '(bad)', flow: INVALID_FLOW,
      branchTarget: undefined, relSize: 0, ripTarget: undefined, disp: undefined, imm: undefined, imm2: undefined,
      isSyscall: false, invalid: true, truncated,
    };
  }

  /**
   * objdump treats fwait (9b) as a prefix of a following x87 instruction (opcode d8-df after any
   * prefixes) and prints fn* control instructions under their waiting name. Returns the x87 instruction,
   * with its code switched to the waiting form, or undefined (the decoder is then left after the 9b).
   */
  private mergeWait(offset: number): Instruction | undefined {
    const code = this.code;
    let p = offset + 1 + legacyPrefixes(code, offset + 1, code.length);
    if (p < code.length && (code[p]! & 0xf0) === 0x40) p++;
    const op = code[p];
    this.lastMerged = undefined;
    if (op === undefined || op < 0xd8 || op > 0xdf) return undefined;
    if (!this.spare) {
      this.spare = new Instruction();
      owners.set(this.spare, this);
    }
    const spare = this.spare;
    this.decoder.decodeOut(spare);
    if (spare.code === CODE_INVALID) {
      this.decoder.position = offset + 1;
      this.decoder.ip = BigInt(offset + 1);
      return undefined;
    }
    const waitForm = WAIT_FORMS.get(spare.code);
    if (waitForm !== undefined) spare.code = waitForm;
    this.lastMerged = spare;
    return spare;
  }

  free(): void {
    if (this.freed) return;
    this.freed = true;
    this.primary.free();
    this.spare?.free();
    this.decoder.free();
  }
}

/**
 * Calls `visit` for every instruction of `code`. `raw` is iced's Instruction for it, valid only during
 * the call. Returning `false` from `visit` stops early.
 */
export function forEachInstruction(
  code: Uint8Array,
  baseAddress: bigint | number,
  visit: (insn: DecodedInstruction, raw: Instruction) => void | boolean,
  options?: DecodeOptions,
): void {
  const d = new SectionDecoder(code, baseAddress, options);
  try {
    for (let insn = d.next(); insn !== undefined; insn = d.next()) {
      if (visit(insn, d.raw) === false) break;
    }
  } finally {
    d.free();
  }
}

/** Lazily decodes `code`; stopping the iteration early frees the decoder. */
export function* instructions(code: Uint8Array, baseAddress: bigint | number = 0, options?: DecodeOptions): Generator<DecodedInstruction> {
  const d = new SectionDecoder(code, baseAddress, options);
  try {
    for (let insn = d.next(); insn !== undefined; insn = d.next()) yield insn;
  } finally {
    d.free();
  }
}

/** Decodes a whole buffer (typically an executable section) into plain instruction records. */
export function decodeSection(code: Uint8Array, baseAddress: bigint | number = 0, options?: DecodeOptions): DecodedInstruction[] {
  const out: DecodedInstruction[] = [];
  const d = new SectionDecoder(code, baseAddress, options);
  try {
    for (let insn = d.next(); insn !== undefined; insn = d.next()) out.push(insn);
  } finally {
    d.free();
  }
  return out;
}
