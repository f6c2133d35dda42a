// The record of every syscall site and what became of it, as ukl-ld --rewrite-report and
// ukl-objcopy --rewrite-report write it, and as ukl-ld keeps it in the output (.ukl.syscalls).
import type { SiteRecord } from './rewrite-object.ts';

export interface ReportSite extends SiteRecord {
  /** Address in the linked output (ukl-ld only). */
  address?: string;
}

export interface Report {
  sites: ReportSite[];
  summary: { sites: number; rewritten: number; left: number; leftByReason: Record<string, number> };
  notes: string[];
}

export const REPORT_SECTION = '.ukl.syscalls';

export function makeReport(sites: ReportSite[], notes: string[]): Report {
  const left = sites.filter((s) => s.status === 'left');
  const byReason: Record<string, number> = {};
  for (const s of left) byReason[s.reason ?? 'unknown'] = (byReason[s.reason ?? 'unknown'] ?? 0) + 1;
  return { sites, summary: { sites: sites.length, rewritten: sites.length - left.length, left: left.length, leftByReason: byReason }, notes };
}
