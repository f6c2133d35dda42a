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
  return readInto(fd, position, asBytes(Buffer.allocUnsafeSlow(length)), 0, length);
}

/** Read `length` bytes at `position` into `buf` at `at`; the view of what was read. */
function readInto(fd: number, position: number, buf: Uint8Array, at: number, length: number): Uint8Array {
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, at + got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(at, at + got);
}

/** Reads smaller than this share slabs of this size. */
const SLAB = 1 << 20;
let slab: Uint8Array | undefined;
let slabUsed = 0;

/**
 * As readAt, but a small read goes into a slab shared with the reads after it: for archive members a
 * link reads and keeps (a big link reads thousands; one buffer each costs allocations and GC work).
 * A view keeps its whole slab alive, so this is for bytes that are kept anyway.
 */
export function readAtShared(fd: number, position: number, length: number): Uint8Array {
  if (length * 4 > SLAB) return readAt(fd, position, length);
  if (!slab || slabUsed + length > SLAB) {
    slab = asBytes(Buffer.allocUnsafeSlow(SLAB));
    slabUsed = 0;
  }
  const d = readInto(fd, position, slab, slabUsed, length);
  // (8-byte aligned starts, as a buffer of its own would have)
  slabUsed += (d.length + 7) & ~7;
  return d;
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
