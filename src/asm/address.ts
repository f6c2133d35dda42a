/**
 * Numeric addresses for the decoder.
 *
 * Decoded addresses are plain JS numbers holding the address as a *signed* 64-bit value, the way x86-64
 * canonical addresses sign-extend: 0x401000 stays 0x401000, kernel text at 0xffffffff81000000 becomes
 * -0x7f000000. Every user-space address (< 2^47) and all kernel text (top 2 GiB) is then exact, and the
 * hot decode loop needs no BigInt. A branch that wraps below 0 (jmp -0x20 at address 0) also comes out
 * right: -0x20 is 0xffffffffffffffe0, which is what objdump prints.
 */

/** Largest |address| a decoded buffer may reach; rel32 targets stay within ±2^32 of it and remain exact. */
export const MAX_NUMERIC_ADDRESS = Number.MAX_SAFE_INTEGER - 2 ** 32;

/** A 64-bit address (any bigint, taken modulo 2^64) as the signed number used in decoded instructions. */
export function toNumericAddress(address: bigint | number): number {
  if (typeof address === 'number') {
    if (!Number.isSafeInteger(address)) throw new RangeError(`address ${address} is not a safe integer`);
    return address;
  }
  const n = Number(BigInt.asIntN(64, address));
  if (Math.abs(n) > MAX_NUMERIC_ADDRESS) throw new RangeError(`address 0x${BigInt.asUintN(64, address).toString(16)} is outside the ±2^53 range decoded addresses use`);
  return n;
}

/** A decoded (signed) numeric address back to the unsigned 64-bit value objdump prints. */
export function toBigAddress(address: number): bigint {
  return BigInt.asUintN(64, BigInt(address));
}
