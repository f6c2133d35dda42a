// The site record kept in a linked output, section .ukl.syscalls (not allocated): so that
// `ukl-objdump --syscalls` on an executable or image lists every site with its status, and `-d`
// names the syscall a rewritten call makes. Binary, fixed-size records (the size is known before
// layout; the addresses are filled in after it):
//   "UKLSYS1\0", u32 count, u32 string-table size, count x { u64 address, i32 nr (-1: unknown),
//   u32 status (0 rewritten, 1 left), u32 file, u32 section, u32 symbol, u32 reason } (string offsets),
//   then the NUL-terminated strings.

export const RECORD_SECTION = '.ukl.syscalls';
const MAGIC = 'UKLSYS1\0';
const HEADER = 16;
const RECORD = 32;

export interface StoredSite {
  address: bigint;
  nr: number | null;
  status: 'rewritten' | 'left';
  file: string;
  section: string;
  /** symbol+0xoff, or '' */
  symbol: string;
  reason: string;
}

export function recordSectionSize(sites: Omit<StoredSite, 'address'>[]): number {
  return encode(sites.map((s) => ({ ...s, address: 0n }))).length;
}

export function encode(sites: StoredSite[]): Uint8Array {
  const strings = new Map<string, number>();
  const parts: Buffer[] = [Buffer.from([0])];
  let size = 1;
  const str = (s: string): number => {
    if (s === '') return 0;
    let at = strings.get(s);
    if (at === undefined) {
      at = size;
      const b = Buffer.from(s + '\0', 'utf8');
      parts.push(b);
      size += b.length;
      strings.set(s, at);
    }
    return at;
  };
  const recs = sites.map((s) => [s.address, s.nr ?? -1, s.status === 'rewritten' ? 0 : 1, str(s.file), str(s.section), str(s.symbol), str(s.reason)] as const);
  const out = new Uint8Array(HEADER + RECORD * sites.length + size);
  const dv = new DataView(out.buffer);
  out.set(Buffer.from(MAGIC, 'latin1'), 0);
  dv.setUint32(8, sites.length, true);
  dv.setUint32(12, size, true);
  recs.forEach(([addr, nr, status, file, section, symbol, reason], i) => {
    const at = HEADER + i * RECORD;
    dv.setBigUint64(at, addr, true);
    dv.setInt32(at + 8, nr, true);
    dv.setUint32(at + 12, status, true);
    dv.setUint32(at + 16, file, true);
    dv.setUint32(at + 20, section, true);
    dv.setUint32(at + 24, symbol, true);
    dv.setUint32(at + 28, reason, true);
  });
  let p = HEADER + RECORD * sites.length;
  for (const b of parts) {
    out.set(b, p);
    p += b.length;
  }
  return out;
}

/** Read the records back; undefined when the bytes are not a record section. */
export function decode(data: Uint8Array): StoredSite[] | undefined {
  if (data.length < HEADER || Buffer.from(data.subarray(0, 8)).toString('latin1') !== MAGIC) return undefined;
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const count = dv.getUint32(8, true);
  const size = dv.getUint32(12, true);
  const strBase = HEADER + RECORD * count;
  if (strBase + size > data.length) return undefined;
  const str = (off: number): string => {
    if (off === 0 || off >= size) return '';
    let end = strBase + off;
    while (end < strBase + size && data[end] !== 0) end++;
    return Buffer.from(data.subarray(strBase + off, end)).toString('utf8');
  };
  const out: StoredSite[] = [];
  for (let i = 0; i < count; i++) {
    const at = HEADER + i * RECORD;
    const nr = dv.getInt32(at + 8, true);
    out.push({
      address: dv.getBigUint64(at, true), nr: nr < 0 ? null : nr, status: dv.getUint32(at + 12, true) === 0 ? 'rewritten' : 'left',
      file: str(dv.getUint32(at + 16, true)), section: str(dv.getUint32(at + 20, true)), symbol: str(dv.getUint32(at + 24, true)), reason: str(dv.getUint32(at + 28, true)),
    });
  }
  return out;
}
