// One-line descriptions of guest code for diagnoses: address, nearest symbol, bytes and disassembly.
import { formatSection } from '../asm/format.ts';
import type { Cpu } from './cpu.ts';

/** Nearest symbol for an address (`name+0xoff`), see symbols.ts. */
export type AddressNamer = (address: bigint) => string | undefined;

/** The bytes and AT&T disassembly of the instruction at linear `la` ("48 89 e5  mov %rsp,%rbp"). */
export function describeInsnAt(c: Cpu, la: number, namer?: AddressNamer): string {
  const bytes = c.code.bytesAt(la, 15);
  if (bytes.length === 0) return '(code not readable)';
  const base = BigInt.asUintN(64, BigInt(la));
  let text = '(bad)';
  let len = Math.min(bytes.length, 8);
  try {
    const f = formatSection(bytes, base, 'att', namer)[0];
    if (f) {
      text = f.text;
      len = f.insn.length;
    }
  } catch {
    // fall through with (bad)
  }
  const hex = Array.from(bytes.subarray(0, len), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return `${hex}  ${text}`;
}

/** `0xADDR <sym+off>: bytes  insn`. */
export function describeLocation(c: Cpu, la: number, namer?: AddressNamer): string {
  const a = BigInt.asUintN(64, BigInt(la));
  const sym = namer?.(a);
  return `0x${a.toString(16)}${sym ? ` <${sym}>` : ''}: ${describeInsnAt(c, la, namer)}`;
}
