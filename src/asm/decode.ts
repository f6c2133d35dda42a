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
import { Code, Decoder, DecoderError, DecoderOptions, Instruction, Register } from './iced.ts';
import { toNumericAddress } from './address.ts';
import { flowName, gnuMnemonic, relSize, type Flow, type RelSize } from './codes.ts';
import { legacyPrefixes, isLegacyPrefix } from './modrm.ts';
import { invalidAnyway, objdumpBadLength, WAIT_FORMS } from './objdump-cuts.ts';

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
  private lastResult: DecodedInstruction | undefined;

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
    return (this.lastResult = this.decodeNext());
  }

  /** The last result of next(). */
  get last(): DecodedInstruction | undefined {
    return this.lastResult;
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
