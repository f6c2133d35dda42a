/**
 * x86-64 instruction decoding on top of iced-x86.
 *
 * One iced `Decoder` per buffer and one reused `Instruction` (`decodeOut`), both freed when done; the
 * results are plain JS objects that hold no wasm handles. Addresses are signed numbers (see address.ts):
 * the loop needs no BigInt except for RIP-relative operands. Direct branch targets are computed from the
 * instruction bytes (the rel field is always the last 1 or 4 bytes), which is cheaper than asking iced.
 *
 * Undecodable bytes become a 1-byte `invalid` instruction and decoding resumes at the next byte, which is
 * how objdump resynchronises after most `(bad)` bytes (it sometimes swallows more).
 */
import { Code, Decoder, DecoderOptions, Instruction, Register } from 'iced-x86';
import { toNumericAddress } from './address.ts';
import { flowName, mnemonicName, relSize, type Flow, type RelSize } from './codes.ts';

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
  /** Lower-case Intel-style base mnemonic as `objdump -M intel` prints it ('mov', 'movzx', 'syscall'); '(bad)' if invalid. */
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
}

export interface DecodeOptions {
  /**
   * Locate displacement and immediate fields with iced's getConstantOffsets (costs one wasm object per
   * instruction). Default true. When false, only direct branches get `imm` (their rel field).
   */
  readonly fields?: boolean;
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

// Per-Code caches: mnemonic and flow depend on the code only, so ask iced once per distinct code.
const mnemonicOfCode: string[] = [];
const flowOfCode: Flow[] = [];

/**
 * Decodes one buffer instruction by instruction. `raw` is the live iced Instruction of the last
 * `next()` result (valid until the following call) for callers that need more than the plain facts,
 * such as the formatter. Call free() when done (the iterating helpers below do).
 */
export class SectionDecoder {
  readonly code: Uint8Array;
  readonly base: number;
  readonly raw: Instruction;
  private readonly decoder: Decoder;
  private readonly fields: boolean;
  private pos = 0;
  private freed = false;

  constructor(code: Uint8Array, baseAddress: bigint | number = 0, options: DecodeOptions = {}) {
    this.code = code;
    this.base = toNumericAddress(baseAddress);
    toNumericAddress(this.base + code.length); // the end must be representable too
    this.fields = options.fields ?? true;
    // ip = section offset: iced's RIP-relative addresses then come out section-relative.
    this.decoder = new Decoder(64, code, DecoderOptions.None);
    this.decoder.ip = 0n;
    this.raw = new Instruction();
  }

  /** The next instruction, or undefined at the end of the buffer. */
  next(): DecodedInstruction | undefined {
    const code = this.code;
    const offset = this.pos;
    if (offset >= code.length) return undefined;
    const raw = this.raw;
    this.decoder.decodeOut(raw);
    const c = raw.code;
    if (c === CODE_INVALID) {
      // Resynchronise one byte further, as objdump and capstone-based tools do.
      this.pos = offset + 1;
      this.decoder.position = this.pos;
      this.decoder.ip = BigInt(this.pos);
      return {
        offset, address: this.base + offset, length: 1, code: c, mnemonic: '(bad)', flow: INVALID_FLOW,
        branchTarget: undefined, relSize: 0, ripTarget: undefined, disp: undefined, imm: undefined, imm2: undefined,
        isSyscall: false, invalid: true,
      };
    }
    const length = raw.length;
    this.pos = offset + length;
    let mnemonic = mnemonicOfCode[c];
    let flow = flowOfCode[c];
    if (mnemonic === undefined || flow === undefined) {
      mnemonic = mnemonicOfCode[c] = mnemonicName(raw.mnemonic);
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
        if (co.hasDisplacement) disp = { offset: co.displacementOffset, size: co.displacementSize };
        if (co.hasImmediate) imm = { offset: co.immediateOffset, size: co.immediateSize };
        if (co.hasImmediate2) imm2 = { offset: co.immediateOffset2, size: co.immediateSize2 };
        co.free();
      }
    }
    return {
      offset, address: this.base + offset, length, code: c, mnemonic, flow,
      branchTarget, relSize: rs, ripTarget, disp, imm, imm2,
      isSyscall: c === CODE_SYSCALL, invalid: false,
    };
  }

  free(): void {
    if (this.freed) return;
    this.freed = true;
    this.raw.free();
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
