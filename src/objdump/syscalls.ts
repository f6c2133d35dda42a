// ukl-objdump --syscalls: every syscall site with its place, enclosing symbol, number and name.
import type { ElfFile } from '../elf/reader.ts';
import { findSyscallSites, type SyscallSite } from '../relink-syscalls/sites.ts';
import type { Sink } from './output.ts';

export type { SyscallSite };

export function collectSyscallSites(elf: ElfFile): SyscallSite[] {
  return findSyscallSites(elf);
}

function place(s: SyscallSite): string {
  return s.member !== null ? `${s.file}(${s.member})` : s.file;
}

export function printSyscallSites(out: Sink, sites: SyscallSite[], json: boolean): void {
  if (json) {
    const rows = sites.map((s) => ({
      file: s.file, member: s.member, section: s.section, offset: s.offset, address: `0x${s.address.toString(16)}`,
      symbol: s.symbol, symbolOffset: s.symbolOffset, nr: s.nr, name: s.name, nrSource: s.nrSource,
    }));
    const known = sites.filter((s) => s.nr !== null).length;
    out.write(JSON.stringify({ sites: rows, summary: { sites: sites.length, knownNumber: known } }, null, 1) + '\n');
    return;
  }
  const rows = sites.map((s) => [
    place(s), s.section, `0x${s.offset.toString(16)}`,
    s.symbol !== null ? (s.symbolOffset ? `${s.symbol}+0x${s.symbolOffset.toString(16)}` : s.symbol) : '?',
    s.nr !== null ? String(s.nr) : '?', s.name ?? (s.nr !== null ? '(not a Linux syscall)' : `(${s.nrSource})`),
  ]);
  const head = ['FILE', 'SECTION', 'OFFSET', 'SYMBOL', 'NR', 'NAME'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]!))).join('  ') + '\n';
  out.write(line(head));
  for (const r of rows) out.write(line(r));
  const files = new Set(sites.map(place)).size;
  const known = sites.filter((s) => s.nr !== null).length;
  out.write(`${sites.length} syscall site${sites.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}; number known for ${known}\n`);
}
