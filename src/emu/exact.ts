// Exact bigint steps shared by the software floating point (x87-state.ts, x87.ts, sse-float.ts): bit
// length, one shift-and-round under a rounding control, integer square root.

export function bitLength(v: bigint): number {
  return v === 0n ? 0 : v.toString(2).length;
}

/**
 * M >> shift (shift > 0) rounded by the x87/MXCSR rounding control rc (0 nearest-even, 1 down, 2 up,
 * 3 toward 0) for sign s; sets flags.pe when nonzero bits are lost, flags.up when the magnitude was
 * rounded up.
 */
export function shiftRound(M: bigint, shift: number, s: number, rc: number, flags: { pe: boolean; up?: boolean }): bigint {
  const sh = BigInt(shift);
  const q = M >> sh;
  const rem = M & ((1n << sh) - 1n);
  if (rem === 0n) return q;
  flags.pe = true;
  const half = 1n << (sh - 1n);
  const up = rc === 0 ? rem > half || (rem === half && (q & 1n) === 1n) : rc === 1 ? s === 1 : rc === 2 ? s === 0 : false;
  if (up) flags.up = true;
  return up ? q + 1n : q;
}

/** floor(sqrt(n)) by Newton's iteration from above (it decreases monotonically to the root). */
export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((bitLength(n) >> 1) + 1);
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}
