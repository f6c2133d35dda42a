// ukl-objdump --syscalls: every syscall site with its place, enclosing symbol, number and name; for a
// linked output that ukl-ld rewrote, the record it kept (.ukl.syscalls) adds each site's status.
import type { ElfFile } from '../elf/reader.ts';
import { findSyscallSites, type SyscallSite } from '../relink-syscalls/sites.ts';
import { decode, RECORD_SECTION, type StoredSite } from '../relink-syscalls/record-section.ts';
import { syscallName } from '../relink-syscalls/syscall-table.ts';
import { SymbolLookup } from './symbolize.ts';
import type { Sink } from './output.ts';

export interface ListedSite extends SyscallSite {
  /** 'rewritten' or 'left' in an output ukl-ld rewrote; null for inputs and other files. */
  status: 'rewritten' | 'left' | null;
  reason: string | null;
  /** Where the site came from (object or archive member) in a rewritten output. */
  origin: string | null;
}

/** The record ukl-ld keeps in a rewritten output, or undefined. */
export function syscallRecords(elf: ElfFile): StoredSite[] | undefined {
  const sec = elf.sections.find((s) => s.name === RECORD_SECTION);
  return sec ? decode(sec.data) : undefined;
}

export function collectSyscallSites(elf: ElfFile): ListedSite[] {
  const decoded = findSyscallSites(elf);
  const records = syscallRecords(elf);
  if (!records) return decoded.map((s) => ({ ...s, status: null, reason: null, origin: null }));
  // A rewritten output: rewritten sites come from the record; `syscall` instructions still in the code
  // are the left ones (with the record's reason when it has one).
  const byAddress = new Map(records.map((r) => [r.address, r]));
  const out: ListedSite[] = [];
  for (const s of decoded) {
    const r = byAddress.get(s.address);
    const inEntry = s.symbol !== null && s.symbol.startsWith('__ukl_syscall');
    const reason = r?.reason || (inEntry ? 'the hosted entry itself: it performs the real system call' : 'not in the rewrite record (not rewritten by ukl-ld)');
    out.push({ ...s, status: 'left', reason, origin: r?.file ?? null });
  }
  const lookups = new Map<number, SymbolLookup>();
  for (const r of records) {
    if (r.status !== 'rewritten') continue;
    const sec = elf.sections.find((x) => (x.flags & 2) !== 0 && r.address >= x.addr && r.address < x.addr + BigInt(x.size));
    let symbol: string | null = null;
    let symbolOffset = 0;
    if (sec) {
      let l = lookups.get(sec.index);
      if (!l) lookups.set(sec.index, (l = new SymbolLookup(elf, sec)));
      const i = l.find(r.address, true);
      if (i >= 0) {
        symbol = l.sorted[i]!.name;
        symbolOffset = Number(r.address - l.sorted[i]!.value);
      }
    }
    out.push({
      file: elf.origin.file, member: elf.origin.member ?? null, section: sec?.name ?? '?', offset: sec ? Number(r.address - sec.addr) : 0, address: r.address,
      symbol, symbolOffset, nr: r.nr, name: r.nr === null ? null : syscallName(r.nr) ?? null, nrSource: 'rewrite record',
      status: 'rewritten', reason: null, origin: r.file,
    });
  }
  return out.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

function place(s: ListedSite): string {
  return s.member !== null ? `${s.file}(${s.member})` : s.file;
}

export function printSyscallSites(out: Sink, sites: ListedSite[], json: boolean): void {
  const rewritten = sites.filter((s) => s.status === 'rewritten').length;
  const left = sites.filter((s) => s.status === 'left').length;
  const anyStatus = sites.some((s) => s.status !== null);
  if (json) {
    const rows = sites.map((s) => ({
      file: s.file, member: s.member, section: s.section, offset: s.offset, address: `0x${s.address.toString(16)}`,
      symbol: s.symbol, symbolOffset: s.symbolOffset, nr: s.nr, name: s.name, nrSource: s.nrSource,
      status: s.status, reason: s.reason, origin: s.origin,
    }));
    const known = sites.filter((s) => s.nr !== null).length;
    const summary: Record<string, number> = { sites: sites.length, knownNumber: known };
    if (anyStatus) Object.assign(summary, { rewritten, left });
    out.write(JSON.stringify({ sites: rows, summary }, null, 1) + '\n');
    return;
  }
  const rows = sites.map((s) => {
    const sym = s.symbol !== null ? (s.symbolOffset ? `${s.symbol}+0x${s.symbolOffset.toString(16)}` : s.symbol) : '?';
    const name = s.name ?? (s.nr !== null ? '(not a Linux syscall)' : `(${s.nrSource})`);
    const base = [place(s), s.section, `0x${s.offset.toString(16)}`, sym, s.nr !== null ? String(s.nr) : '?', name];
    return anyStatus ? [...base, s.status ?? '', s.status === 'left' ? s.reason ?? '' : ''] : base;
  });
  const head = ['FILE', 'SECTION', 'OFFSET', 'SYMBOL', 'NR', 'NAME', ...(anyStatus ? ['STATUS', 'REASON'] : [])];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]!))).join('  ') + '\n';
  out.write(line(head));
  for (const r of rows) out.write(line(r));
  const files = new Set(sites.map(place)).size;
  const known = sites.filter((s) => s.nr !== null).length;
  out.write(`${sites.length} syscall site${sites.length === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}; number known for ${known}${anyStatus ? `; ${rewritten} rewritten, ${left} left` : ''}\n`);
}
