// objdump -d / -D: disassembly laid out as GNU objdump prints it (address column, 7 raw bytes a line,
// symbol labels, `...` for runs of zeroes, relocations interleaved with -r).
import type { Instruction } from '../asm/iced.ts';
import { forEachInstruction, type DecodedInstruction } from '../asm/decode.ts';
import { formatInstruction, type Syntax } from '../asm/format.ts';
import { relocTypeName, SHF_EXECINSTR, SHT_NOBITS } from '../elf/constants.ts';
import { SymbolLookup } from './symbolize.ts';
import { syscallRecords } from './syscalls.ts';
import { syscallName } from '../relink-syscalls/syscall-table.ts';
import type { ElfFile } from '../elf/reader.ts';
import type { Rela, Section } from '../elf/types.ts';
import { bfdSections, hex, HEX_BYTE } from './bfd-view.ts';
import type { Sink } from './output.ts';
import { relocationsFor, relocValue } from './relocs.ts';

export interface DisassembleOptions {
  syntax: Syntax;
  relocs: boolean;
  rawInsn: boolean;
  all: boolean;
  zeroes: boolean;
  start: bigint | undefined;
  stop: bigint | undefined;
  /** Comments to append to the instruction at an address. */
  comments?: Map<bigint, string>;
}

/** Offset of the call inside a rewritten site (after lea -0x80(%rsp),%rsp). */
const CALL_OFFSET = 5;

const BYTES_PER_LINE = 7;

/** Characters of the address column objdump drops: leading zeros of the section's end address, in fours. */
function addressSkip(sec: Section): number {
  const end = hex(sec.addr + BigInt(sec.size), 16);
  let z = 0;
  while (z < 16 && end[z] === '0') z++;
  return Math.max(0, (z - 1) & ~3);
}

function addressColumn(addr: bigint, skip: number): string {
  const s = hex(addr, 16).slice(skip);
  let i = 0;
  while (i < s.length - 1 && s[i] === '0') i++;
  return ' '.repeat(i) + s.slice(i);
}

export function printDisassembly(out: Sink, elf: ElfFile, o: DisassembleOptions, only?: Set<string>): void {
  const all = SymbolLookup.symbolsOf(elf);
  // In an output ukl-ld rewrote, the call of each rewritten site names the syscall it makes.
  const comments = new Map<bigint, string>();
  for (const r of syscallRecords(elf) ?? []) {
    if (r.status !== 'rewritten') continue;
    const name = r.nr === null ? 'syscall (number in %rax)' : `syscall ${syscallName(r.nr) ?? '?'} (${r.nr})`;
    comments.set(r.address + BigInt(CALL_OFFSET), name);
  }
  o = { ...o, comments };
  for (const sec of bfdSections(elf)) {
    if (only) {
      if (!only.has(sec.name)) continue;
    } else if (!o.all && (sec.flags & SHF_EXECINSTR) === 0) continue;
    if (sec.type === SHT_NOBITS || sec.size === 0) continue;
    disassembleSection(out, elf, sec, o, new SymbolLookup(elf, sec, all));
  }
}

function disassembleSection(out: Sink, elf: ElfFile, sec: Section, o: DisassembleOptions, lookup: SymbolLookup): void {
  const symbolize = (a: bigint) => lookup.describe(a, false);
  const relocs = o.relocs ? relocationsFor(elf, sec.index).sort((a, b) => (a.rela.offset < b.rela.offset ? -1 : a.rela.offset > b.rela.offset ? 1 : 0)) : [];
  const skip = addressSkip(sec);
  const data = sec.data;
  const base = sec.addr;
  const end = BigInt(data.length);
  let startOff = 0n;
  let stopOff = end;
  if (o.start !== undefined) startOff = o.start > base ? o.start - base : 0n;
  if (o.stop !== undefined) stopOff = o.stop > base ? (o.stop - base < end ? o.stop - base : end) : 0n;
  if (startOff >= stopOff) return;
  out.write(`\nDisassembly of section ${sec.name}:\n`);

  let ri = 0;
  // Blocks run from one symbol to the next; decoding restarts at every block, as objdump does.
  let from = Number(startOff);
  while (from < Number(stopOff)) {
    const addr = base + BigInt(from);
    const next = lookup.nextStop(addr);
    const to = next === undefined || next - base > stopOff ? Number(stopOff) : Number(next - base);
    out.write(`\n${hex(addr, 16)} <${lookup.describe(addr, true)}>:\n`);
    // A data object in a code section is dumped as bytes, as objdump does.
    const at = lookup.find(addr, true);
    if (at >= 0 && lookup.sorted[at]!.object && lookup.sorted[at]!.value === addr) {
      out.write(dataLines(data, from, to, base, skip));
      while (ri < relocs.length && relocs[ri]!.rela.offset < BigInt(to)) {
        if (o.relocs && relocs[ri]!.rela.offset >= BigInt(from)) out.write(relocLine(elf, relocs[ri]!.rela, relocs[ri]!.symtab, base, skip));
        ri++;
      }
      from = to;
      continue;
    }
    const lines: string[] = [];
    let pos = from;
    while (pos < to) {
      const resume = pos;
      let next = to;
      forEachInstruction(data.subarray(resume, to), base + BigInt(resume), (insn, raw) => {
        const off = resume + insn.offset;
        // Runs of zero bytes print as "..." (objdump's default: 8 or more, or 3 or more at the end).
        if (!o.zeroes && data[off] === 0) {
          let z = off;
          while (z < to && data[z] === 0) z++;
          const run = z - off;
          const hasReloc = relocs.some((r) => r.rela.offset >= BigInt(off) && r.rela.offset < BigInt(z));
          if (!hasReloc && (run >= 8 || (z === to && run >= 3))) {
            lines.push('\t...\n');
            // Mid-block, skip whole words only, so a following instruction is not cut (as objdump does).
            next = z === to ? to : off + (run & ~3);
            return false;
          }
        }
        emitInstruction(lines, sec, o, insn, raw, off, skip, symbolize);
        next = off + insn.length;
        while (ri < relocs.length && relocs[ri]!.rela.offset < BigInt(next)) {
          const r = relocs[ri]!;
          if (r.rela.offset >= BigInt(off)) lines.push(relocLine(elf, r.rela, r.symtab, base, skip));
          ri++;
        }
        return undefined;
      }, { fields: false, objdump: true });
      pos = next;
    }
    while (ri < relocs.length && relocs[ri]!.rela.offset < BigInt(to)) ri++;
    out.write(lines.join(''));
    from = to;
  }
}

function dataLines(data: Uint8Array, from: number, to: number, base: bigint, skip: number): string {
  let out = '';
  for (let o = from; o < to; o += 16) {
    let bytes = '';
    let ascii = '';
    for (let k = o; k < Math.min(to, o + 16); k++) {
      const b = data[k]!;
      bytes += HEX_BYTE[b] + ' ';
      ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
    }
    out += `${addressColumn(base + BigInt(o), skip)}:\t${bytes.padEnd(48)}    ${ascii}\n`;
  }
  return out;
}

function relocLine(elf: ElfFile, r: Rela, symtab: number, base: bigint, skip: number): string {
  const a = hex(base + r.offset, 16).slice(skip).replace(/^0+(?=.)/, '');
  return `\t\t\t${a}: ${relocTypeName(r.type)}\t${relocValue(elf, symtab, r, false)}\n`;
}

function emitInstruction(lines: string[], sec: Section, o: DisassembleOptions, insn: DecodedInstruction, raw: Instruction, off: number, skip: number, symbolize: (a: bigint) => string | undefined): void {
  const addr = sec.addr + BigInt(off);
  let text = formatInstruction(raw, insn, o.syntax, symbolize);
  const note = o.comments?.get(addr);
  if (note) text += `\t# ukl: ${note}`;
  const col = addressColumn(addr, skip);
  const d = sec.data;
  if (!o.rawInsn) {
    lines.push(`${col}:\t${text}\n`);
    return;
  }
  let bytes = '';
  const first = Math.min(insn.length, BYTES_PER_LINE);
  for (let j = 0; j < first; j++) bytes += HEX_BYTE[d[off + j]!] + ' ';
  lines.push(`${col}:\t${bytes.padEnd(BYTES_PER_LINE * 3)}\t${text}\n`);
  for (let j = BYTES_PER_LINE; j < insn.length; j += BYTES_PER_LINE) {
    let more = '';
    for (let k = j; k < Math.min(insn.length, j + BYTES_PER_LINE); k++) more += HEX_BYTE[d[off + k]!] + ' ';
    lines.push(`${addressColumn(addr + BigInt(j), skip)}:\t${more}\n`);
  }
}
