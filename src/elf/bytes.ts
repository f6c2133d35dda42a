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
