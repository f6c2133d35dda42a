// Reading files as byte views.
import { readFileSync, readSync } from 'node:fs';

/** A view of a Buffer's bytes (new Uint8Array(buffer) would copy them). */
export function asBytes(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * `length` bytes at `position` of an open file, in a buffer of their own (so views into them keep no
 * more alive than they need); fewer at the end of the file. Throws Node's error (with .code) on failure.
 */
export function readAt(fd: number, position: number, length: number): Uint8Array {
  const buf = Buffer.allocUnsafeSlow(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return asBytes(buf).subarray(0, got);
}

/** The whole file, without a copy. Throws Node's error (with .code) on failure. */
export function readBytes(path: string): Uint8Array {
  return asBytes(readFileSync(path));
}

/** Store a 64-bit two's-complement value given as a safe-integer number, without making a BigInt. */
export function put64(view: DataView, at: number, v: number): void {
  view.setUint32(at, v >>> 0, true);
  view.setUint32(at + 4, Math.floor(v / 4294967296) >>> 0, true);
}

/**
 * An unsigned 64-bit field as a number (exact below 2^53). A value that fits in 32 bits is returned as
 * read, so that V8 keeps it a small integer: the product would make it, and every field it is stored
 * in, a boxed double.
 */
export function getU64(view: DataView, at: number): number {
  const hi = view.getUint32(at + 4, true);
  const lo = view.getUint32(at, true);
  return hi === 0 ? lo : hi * 4294967296 + lo;
}

/** A signed 64-bit field as a number (exact for magnitudes below 2^53); small values as in getU64. */
export function getI64(view: DataView, at: number): number {
  const hi = view.getInt32(at + 4, true);
  const lo = view.getUint32(at, true);
  if (hi === 0) return lo;
  if (hi === -1 && lo >= 0x80000000) return lo | 0;
  return hi * 4294967296 + lo;
}
