// ukl-ld --rewrite-syscalls: the site record, kept in the output (.ukl.syscalls) and written as JSON
// with --rewrite-report=FILE, with each site's address in the output.
import { writeFileSync } from 'node:fs';
import { SHT_PROGBITS } from '../elf/constants.ts';
import type { Context } from './context.ts';
import { LinkError } from './errors.ts';
import { OutputSection, RANK_NONALLOC } from './output-section.ts';
import { encode, recordSectionSize, RECORD_SECTION, type StoredSite } from '../relink-syscalls/record-section.ts';
import { makeReport, type ReportSite } from '../relink-syscalls/report.ts';
import { plainText } from './demangle.ts';

function where(s: { symbol: string | null; symbolOffset: number }): string {
  if (s.symbol === null) return '';
  return s.symbolOffset ? `${s.symbol}+0x${s.symbolOffset.toString(16)}` : s.symbol;
}

export function createSyscallRecords(ctx: Context): { section: OutputSection; fill: () => void } | null {
  const all = ctx.files.flatMap((f) => f.syscallSites.map((s) => ({ f, s })));
  if (!ctx.options.rewriteSyscalls) return null;
  const os = new OutputSection(RECORD_SECTION, SHT_PROGBITS, 0, RANK_NONALLOC);
  const stored = (address: bigint): StoredSite[] => all.map(({ s }) => ({
    address, nr: s.nr, status: s.status, file: s.member !== null ? `${s.file}(${s.member})` : s.file, section: s.section, symbol: where(s), reason: s.reason ?? '',
  }));
  os.synthetic = new Uint8Array(recordSectionSize(stored(0n)));
  os.size = os.synthetic.length;
  const fill = () => {
    const addrs = all.map(({ f, s }) => {
      const sec = f.sections[s.sectionIndex];
      if (!sec || !sec.output || !sec.live) return 0n;
      return BigInt(sec.output.addr + sec.offset + s.newOffset);
    });
    const recs = stored(0n).map((r, i) => ({ ...r, address: addrs[i]! }));
    os.synthetic!.set(encode(recs));
    const path = ctx.options.rewriteReport;
    if (path !== undefined) {
      const sites: ReportSite[] = all.map(({ s }, i) => ({ ...s, address: addrs[i] ? `0x${addrs[i]!.toString(16)}` : undefined }));
      try {
        writeFileSync(path, JSON.stringify(makeReport(sites, ctx.diags.warnings.map(plainText)), null, 1) + '\n');
      } catch (e) {
        throw new LinkError(`cannot write rewrite report ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      }
    }
  };
  return { section: os, fill };
}
