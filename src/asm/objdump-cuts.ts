/**
 * Where GNU objdump cuts instructions differently from the CPU (and iced): fwait merged into the next
 * x87 instruction, the length of a `(bad)`, and whether a failure at the end of the buffer is a
 * truncated instruction (`.byte`) or invalid bytes. decode.ts uses the first two in `objdump` mode and
 * the truncation test always.
 */
import { Code, Decoder, DecoderOptions, Instruction } from './iced.ts';
import { legacyPrefixes, modrmLength } from './modrm.ts';

const CODE_INVALID: number = Code.INVALID;

/** x87 control instructions whose fwait-prefixed form objdump prints under its own mnemonic. */
export const WAIT_FORMS = new Map<number, number>([
  [Code.Fnstenv_m14byte, Code.Fstenv_m14byte], [Code.Fnstenv_m28byte, Code.Fstenv_m28byte],
  [Code.Fnstcw_m2byte, Code.Fstcw_m2byte], [Code.Fneni, Code.Feni], [Code.Fndisi, Code.Fdisi],
  [Code.Fnclex, Code.Fclex], [Code.Fninit, Code.Finit], [Code.Fnsetpm, Code.Fsetpm],
  [Code.Fnsave_m94byte, Code.Fsave_m94byte], [Code.Fnsave_m108byte, Code.Fsave_m108byte],
  [Code.Fnstsw_m2byte, Code.Fstsw_m2byte], [Code.Fnstsw_AX, Code.Fstsw_AX],
  [Code.Fnstdw_AX, Code.Fstdw_AX], [Code.Fnstsg_AX, Code.Fstsg_AX],
]);

/**
 * iced reports "no more bytes" for any failure near the end of the buffer, even for an opcode that is
 * invalid whatever follows (a lone 06). Decode the tail again with padding to tell the two apart.
 */
export function invalidAnyway(code: Uint8Array, at: number): boolean {
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
export function objdumpBadLength(code: Uint8Array, at: number): number {
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

