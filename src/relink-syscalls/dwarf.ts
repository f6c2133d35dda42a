// Byte-level helpers shared by the .eh_frame and .gcc_except_table rewriters: a bounds-checked
// little-endian reader, LEB128 of a chosen width, and the DW_EH_PE pointer encodings.
//
// Everything malformed raises RewriteRefused (the rewriter then leaves the object alone), never a
// RangeError or a TypeError.
import { RewriteRefused } from './errors.ts';

/** Old offset in a rewritten section -> new offset. Monotonic; defined on 0..oldSize inclusive (oldSize maps to newSize). */
export type OffsetMap = (oldOffset: number) => number;

/** A relocation as the rewriters see it (numbers, not bigints). */
export interface Reloc {
  offset: number;
  type: number;
  sym: number;
  addend: number;
}

export function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

/** Apply an OffsetMap, checking that the answer is a usable offset (the map is the caller's, the input is not). */
export function mapOffset(map: OffsetMap, old: number, what: string): number {
  let v: number;
  try {
    v = map(old);
  } catch (e) {
    if (e instanceof RewriteRefused) throw e;
    throw new RewriteRefused(`${what}: offset ${hex(old)} is outside the rewritten code (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!Number.isSafeInteger(v) || v < 0) throw new RewriteRefused(`${what}: offset ${hex(old)} maps to ${String(v)}, not an offset`);
  return v;
}

// DW_EH_PE_* pointer encodings (LSB "Exception Frame" / GCC unwind-pe.h).
export const DW_EH_PE = {
  absptr: 0x00, uleb128: 0x01, udata2: 0x02, udata4: 0x03, udata8: 0x04,
  sleb128: 0x09, sdata2: 0x0a, sdata4: 0x0b, sdata8: 0x0c,
  pcrel: 0x10, textrel: 0x20, datarel: 0x30, funcrel: 0x40, aligned: 0x50,
  indirect: 0x80, omit: 0xff,
} as const;

/** Size in bytes of a fixed-size encoded value, or 0 for the LEB128 forms; undefined for an unknown format. */
export function encodedSize(enc: number): number | undefined {
  switch (enc & 0x0f) {
    case DW_EH_PE.absptr: return 8;
    case DW_EH_PE.udata2: case DW_EH_PE.sdata2: return 2;
    case DW_EH_PE.udata4: case DW_EH_PE.sdata4: return 4;
    case DW_EH_PE.udata8: case DW_EH_PE.sdata8: return 8;
    case DW_EH_PE.uleb128: case DW_EH_PE.sleb128: return 0;
    default: return undefined;
  }
}

/** Is the encoding one this code can read (format known, application absptr/pcrel/textrel/datarel/funcrel, not aligned)? */
export function encodingKnown(enc: number): boolean {
  if (enc === DW_EH_PE.omit) return true;
  if (encodedSize(enc) === undefined) return false;
  const app = enc & 0x70;
  return app !== DW_EH_PE.aligned && app <= DW_EH_PE.funcrel;
}

/** Bounds-checked little-endian reader over [start, end) of a buffer; offsets are absolute. */
export class ByteReader {
  pos: number;
  private readonly view: DataView;

  constructor(readonly data: Uint8Array, start: number, readonly end: number, readonly what: string) {
    if (start < 0 || end > data.length || start > end) throw new RewriteRefused(`${what}: range ${hex(start)}..${hex(end)} is outside the section (${hex(data.length)} bytes)`);
    this.pos = start;
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }

  fail(cause: string, at: number = this.pos): never {
    throw new RewriteRefused(`${this.what}: ${cause} (at ${hex(at)})`);
  }

  need(n: number): void {
    if (this.pos + n > this.end) this.fail(`truncated: ${n} byte(s) needed, ${this.end - this.pos} left`);
  }

  u8(): number {
    this.need(1);
    return this.data[this.pos++]!;
  }
  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  u64(): number {
    this.need(8);
    const v = this.view.getBigUint64(this.pos, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail(`64-bit value 0x${v.toString(16)} is too large`);
    this.pos += 8;
    return Number(v);
  }
  i64(): number {
    this.need(8);
    const v = this.view.getBigInt64(this.pos, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) this.fail(`64-bit value ${v} is too large`);
    this.pos += 8;
    return Number(v);
  }
  skip(n: number): void {
    if (n < 0) this.fail(`negative length ${n}`);
    this.need(n);
    this.pos += n;
  }
  /** Read a NUL-terminated string (latin1). */
  cstring(): string {
    const at = this.pos;
    let s = '';
    for (;;) {
      const c = this.u8();
      if (c === 0) return s;
      s += String.fromCharCode(c);
      if (s.length > 64) this.fail('augmentation string is absurdly long', at);
    }
  }
  uleb(): number {
    const at = this.pos;
    let result = 0;
    let mul = 1;
    for (;;) {
      const b = this.u8();
      result += (b & 0x7f) * mul;
      mul *= 128;
      if ((b & 0x80) === 0) break;
      if (mul > 2 ** 63) this.fail('LEB128 value is too long', at);
    }
    if (!Number.isSafeInteger(result)) this.fail('LEB128 value is too large', at);
    return result;
  }
  sleb(): number {
    const at = this.pos;
    let result = 0;
    let mul = 1;
    let b: number;
    for (;;) {
      b = this.u8();
      result += (b & 0x7f) * mul;
      mul *= 128;
      if ((b & 0x80) === 0) break;
      if (mul > 2 ** 63) this.fail('LEB128 value is too long', at);
    }
    if ((b & 0x40) !== 0) result -= mul;
    if (!Number.isSafeInteger(result)) this.fail('LEB128 value is too large', at);
    return result;
  }
  /** Read a value of a DW_EH_PE format (the low four bits; the application bits are the caller's). */
  encoded(enc: number): number {
    switch (enc & 0x0f) {
      case DW_EH_PE.absptr: case DW_EH_PE.udata8: return this.u64();
      case DW_EH_PE.uleb128: return this.uleb();
      case DW_EH_PE.udata2: return this.u16();
      case DW_EH_PE.udata4: return this.u32();
      case DW_EH_PE.sleb128: return this.sleb();
      case DW_EH_PE.sdata2: {
        const v = this.u16();
        return v >= 0x8000 ? v - 0x10000 : v;
      }
      case DW_EH_PE.sdata4: return this.i32();
      case DW_EH_PE.sdata8: return this.i64();
      default: return this.fail(`unknown pointer encoding ${hex(enc)}`);
    }
  }
}

/** Bytes LEB128 needs for `v` (unsigned) at minimum. */
export function ulebSize(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

export function slebSize(v: number): number {
  let n = 1;
  for (;;) {
    const byte = ((v % 128) + 128) % 128;
    v = Math.floor(v / 128);
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) return n;
    n++;
  }
}

/** Encode `v` as unsigned LEB128 in exactly `width` bytes (non-minimal forms carry 0x80 continuation bytes). */
export function encodeUleb(v: number, width = ulebSize(v)): number[] {
  if (!Number.isSafeInteger(v) || v < 0) throw new RewriteRefused(`cannot encode ${v} as unsigned LEB128`);
  if (width < ulebSize(v)) throw new Error(`internal: uleb ${v} does not fit in ${width} bytes`);
  const out: number[] = [];
  for (let i = 0; i < width; i++) {
    const byte = v % 128;
    v = Math.floor(v / 128);
    out.push(i < width - 1 ? byte | 0x80 : byte);
  }
  return out;
}

/** Encode `v` as signed LEB128 in exactly `width` bytes. */
export function encodeSleb(v: number, width = slebSize(v)): number[] {
  if (!Number.isSafeInteger(v)) throw new RewriteRefused(`cannot encode ${v} as signed LEB128`);
  if (width < slebSize(v)) throw new Error(`internal: sleb ${v} does not fit in ${width} bytes`);
  const out: number[] = [];
  for (let i = 0; i < width; i++) {
    const byte = ((v % 128) + 128) % 128;
    v = Math.floor(v / 128);
    out.push(i < width - 1 ? byte | 0x80 : byte);
  }
  return out;
}

/** Does `v` fit a fixed-size DW_EH_PE format? */
export function fitsEncoded(enc: number, v: number): boolean {
  switch (enc & 0x0f) {
    case DW_EH_PE.udata2: return v >= 0 && v <= 0xffff;
    case DW_EH_PE.udata4: return v >= 0 && v <= 0xffffffff;
    case DW_EH_PE.absptr: case DW_EH_PE.udata8: return v >= 0 && Number.isSafeInteger(v);
    case DW_EH_PE.sdata2: return v >= -0x8000 && v <= 0x7fff;
    case DW_EH_PE.sdata4: return v >= -0x80000000 && v <= 0x7fffffff;
    case DW_EH_PE.sdata8: return Number.isSafeInteger(v);
    case DW_EH_PE.uleb128: return v >= 0 && Number.isSafeInteger(v);
    case DW_EH_PE.sleb128: return Number.isSafeInteger(v);
    default: return false;
  }
}

/** Encode `v` in a DW_EH_PE format; LEB128 forms take `width` (at least the minimum). */
export function encodeEncoded(enc: number, v: number, width?: number): number[] {
  const le = (n: number, bytes: number): number[] => {
    const out: number[] = [];
    let big = BigInt.asUintN(bytes * 8, BigInt(n));
    for (let i = 0; i < bytes; i++) {
      out.push(Number(big & 0xffn));
      big >>= 8n;
    }
    return out;
  };
  switch (enc & 0x0f) {
    case DW_EH_PE.uleb128: return encodeUleb(v, Math.max(width ?? 0, ulebSize(v)));
    case DW_EH_PE.sleb128: return encodeSleb(v, Math.max(width ?? 0, slebSize(v)));
    default: {
      const size = encodedSize(enc);
      if (size === undefined || size === 0) throw new RewriteRefused(`unknown pointer encoding ${hex(enc)}`);
      return le(v, size);
    }
  }
}

/** Write a little-endian unsigned value of `bytes` bytes into `out` at `at`. */
export function putLE(out: Uint8Array, at: number, v: number, bytes: number): void {
  let big = BigInt.asUintN(bytes * 8, BigInt(v));
  for (let i = 0; i < bytes; i++) {
    out[at + i] = Number(big & 0xffn);
    big >>= 8n;
  }
}

/** Bytes [oldStart, oldEnd) of a section, now at newStart: relocations whose field lies wholly inside move with them. */
export interface MovedPiece {
  oldStart: number;
  oldEnd: number;
  newStart: number;
}
