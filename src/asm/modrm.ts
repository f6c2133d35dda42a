/**
 * Locating prefixes, the ModRM and the SIB byte in an instruction's bytes, for the few objdump behaviours
 * that depend on the encoding rather than on the decoded operands: prefix names, a SIB byte without an
 * index register (objdump writes `%riz`), whether REX.X was consumed, where objdump cuts junk bytes.
 */

export interface Sib {
  /** offset of the SIB byte in the instruction */
  at: number;
  mod: number;
  scale: number;
  /** 3-bit index field (4 = no index unless REX.X/EVEX.V' extend it) */
  index: number;
  /** 3-bit base field */
  base: number;
}

/** 66 67 f0 f2 f3 and the six segment overrides. */
export function isLegacyPrefix(b: number): boolean {
  return b === 0x66 || b === 0x67 || b === 0xf0 || b === 0xf2 || b === 0xf3 || b === 0x2e || b === 0x36 || b === 0x3e || b === 0x26 || b === 0x64 || b === 0x65;
}

/** Number of legacy prefix bytes at `at` (not past `end`). */
export function legacyPrefixes(code: Uint8Array, at: number, end: number): number {
  let p = at;
  while (p < end && isLegacyPrefix(code[p]!)) p++;
  return p - at;
}


/**
 * Offset of the ModRM byte of an instruction known to have one, and whether the index is extended by
 * REX.X / VEX.X / EVEX.X (the encoding bit, inverted in VEX/EVEX). Skips a leading fwait.
 */
export function modrmOffset(bytes: Uint8Array, length: number): { at: number; x: boolean } | undefined {
  let p = bytes[0] === 0x9b && length > 1 ? 1 : 0;
  while (p < length && isLegacyPrefix(bytes[p]!)) p++;
  let x = false;
  if (p < length && (bytes[p]! & 0xf0) === 0x40) {
    x = (bytes[p]! & 2) !== 0;
    p++;
  }
  const b = bytes[p];
  if (b === undefined) return undefined;
  if (b === 0xc5) return { at: p + 3, x: false };
  if (b === 0xc4 || (b === 0x8f && ((bytes[p + 1] ?? 0) & 0x38) !== 0)) return { at: p + 4, x: ((bytes[p + 1] ?? 0) & 0x40) === 0 };
  if (b === 0x62) return { at: p + 5, x: ((bytes[p + 1] ?? 0) & 0x40) === 0 };
  if (b === 0x0f) return { at: bytes[p + 1] === 0x38 || bytes[p + 1] === 0x3a ? p + 3 : p + 2, x };
  return { at: p + 1, x };
}

/** The SIB byte of an instruction with a ModRM memory operand, if it has one. */
export function sibOf(bytes: Uint8Array, length: number): (Sib & { x: boolean }) | undefined {
  const m = modrmOffset(bytes, length);
  if (!m || m.at + 1 >= length) return undefined;
  const modrm = bytes[m.at]!;
  const mod = modrm >> 6;
  if (mod === 3 || (modrm & 7) !== 4) return undefined;
  const sib = bytes[m.at + 1]!;
  return { at: m.at + 1, mod, scale: 1 << (sib >> 6), index: (sib >> 3) & 7, base: sib & 7, x: m.x };
}

/** Bytes taken by a ModRM byte at `at` with its SIB and displacement (64-bit or 32-bit addressing). */
export function modrmLength(bytes: Uint8Array, at: number): number {
  const modrm = bytes[at] ?? 0;
  const mod = modrm >> 6;
  const rm = modrm & 7;
  if (mod === 3) return 1;
  let n = 1;
  if (rm === 4) {
    n++;
    if (mod === 0 && ((bytes[at + 1] ?? 0) & 7) === 5) n += 4;
  } else if (mod === 0 && rm === 5) n += 4;
  if (mod === 1) n += 1;
  else if (mod === 2) n += 4;
  return n;
}
