// Allocated output sections that end up empty (every input section of that name has size 0) are not
// written, but GNU ld keeps the symbols defined in them: such a symbol gets the address the section
// would have had (the end of the kept section before it, on a new page when the segment changes) and
// names that kept section (or the next one, when none comes before).
import { alignUp } from '../elf/reader.ts';
import type { Layout } from './layout.ts';
import { RANK_FIRST_DATA, RANK_FIRST_RODATA, RANK_FIRST_TEXT, type OutputSection } from './output-section.ts';

function segmentClass(rank: number): number {
  return rank < RANK_FIRST_TEXT ? 0 : rank < RANK_FIRST_RODATA ? 1 : rank < RANK_FIRST_DATA ? 2 : 3;
}

export function placeEmptySections(all: readonly OutputSection[], layout: Layout, pageSize: number): void {
  const kept = layout.sections.filter((s) => s.isAlloc);
  for (const os of all) {
    if (!os.isAlloc || os.size !== 0 || os.synthetic !== null || kept.includes(os)) continue;
    let prev: OutputSection | undefined;
    for (const k of kept) if (k.rank <= os.rank) prev = k;
    if (prev) {
      const end = prev.addr + (prev.isTls && prev.isNobits ? 0 : prev.size);
      os.addr = segmentClass(prev.rank) === segmentClass(os.rank) ? alignUp(end, os.align) : alignUp(end, pageSize);
      os.standIn = prev;
    } else if (kept.length > 0) {
      os.addr = kept[0]!.addr;
      os.standIn = kept[0]!;
    }
  }
}
