// Reading files as byte views.
import { readFileSync } from 'node:fs';

/** A view of a Buffer's bytes (new Uint8Array(buffer) would copy them). */
export function asBytes(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
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
