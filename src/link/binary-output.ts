// --oformat=binary: the memory image instead of an ELF file, as GNU ld (BFD's binary target, like
// `objcopy -O binary`) writes it: the contents of every allocated section that has contents, each at its
// address minus the lowest such address, gaps filled with zeros; no headers, no symbols.
import { LinkError } from './errors.ts';

const SHF_ALLOC = 2n;
const SHT_NOBITS = 8;

export function binaryImage(elf: Uint8Array): Uint8Array {
  const v = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const shoff = Number(v.getBigUint64(0x28, true));
  const shnum = v.getUint16(0x3c, true);
  const secs: { addr: bigint; offset: number; size: number }[] = [];
  for (let i = 1; i < shnum; i++) {
    const at = shoff + i * 64;
    const type = v.getUint32(at + 4, true);
    const flags = v.getBigUint64(at + 8, true);
    const size = Number(v.getBigUint64(at + 32, true));
    if ((flags & SHF_ALLOC) === 0n || type === SHT_NOBITS || size === 0) continue;
    secs.push({ addr: v.getBigUint64(at + 16, true), offset: Number(v.getBigUint64(at + 24, true)), size });
  }
  if (secs.length === 0) return new Uint8Array(0);
  const lo = secs.reduce((m, s) => (s.addr < m ? s.addr : m), secs[0]!.addr);
  const hi = secs.reduce((m, s) => (s.addr + BigInt(s.size) > m ? s.addr + BigInt(s.size) : m), 0n);
  const total = hi - lo;
  if (total > 1n << 31n) throw new LinkError(`--oformat=binary: the image would be ${total} bytes (sections from 0x${lo.toString(16)} to 0x${hi.toString(16)}); use -Ttext/--section-start to bring them together`);
  const out = new Uint8Array(Number(total));
  for (const s of secs) out.set(elf.subarray(s.offset, s.offset + s.size), Number(s.addr - lo));
  return out;
}
