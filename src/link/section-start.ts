// Addresses given on the command line, as GNU ld applies them to its default script:
//   --section-start=SECTION=ADDR, -Ttext=ADDR (.text), -Tdata=ADDR (.data), -Tbss=ADDR (.bss):
//   - a section the default script names (.text, .data, .bss, ...) starts at ADDR and the sections after it
//     follow it (the script's dot moves there), in a new PT_LOAD;
//   - a section the script does not name (an orphan such as .fn1) is taken out of the flow and placed at ADDR
//     in a PT_LOAD of its own, after the rest of the file; the other sections are laid out as without it.
//   Each such PT_LOAD's file offset is congruent to its address modulo the page size, and the PT_LOADs are
//   sorted by address.
// -N (--omagic) and -n (--nmagic): one RWX PT_LOAD for everything, the ELF headers outside it, no RELRO, no
// page alignment between text and read-only data; -n still starts the data on a new page (DATA_SEGMENT_ALIGN),
// -N does not. GNU ld warns that the output has a LOAD segment with RWX permissions (--no-warn-rwx-segments).
import { PF_R, PF_W, PF_X, SHF_EXECINSTR, SHF_WRITE } from '../elf/constants.ts';
import type { LinkOptions } from './options.ts';
import { knownRank, type OutputSection } from './output-section.ts';

export function sectionStarts(o: LinkOptions): Map<string, number> {
  return new Map(Object.entries(o.sectionStart).map(([name, a]) => [name, Number(BigInt.asUintN(64, a))]));
}

/** Pinned sections the default script does not name go out of the flow. */
export function splitPinned(alloc: OutputSection[], starts: Map<string, number>): { flow: OutputSection[]; outOfFlow: OutputSection[] } {
  const outOfFlow = alloc.filter((s) => starts.has(s.name) && knownRank(s.name) === undefined).sort((a, b) => starts.get(a.name)! - starts.get(b.name)!);
  return { flow: alloc.filter((s) => !outOfFlow.includes(s)), outOfFlow };
}

/**
 * PT_LOADs that pinned sections in the flow add to one per segment class: each starts a run of its own,
 * unless it begins its class anyway (or, with -N/-n, is the very first section).
 */
export function extraRuns(flow: OutputSection[], starts: Map<string, number>, classOf: (os: OutputSection) => number, magic: boolean): number {
  const seen = new Set<number>();
  let n = 0;
  flow.forEach((os, i) => {
    const cls = classOf(os);
    const first = !seen.has(cls);
    seen.add(cls);
    if (!starts.has(os.name)) return;
    if (first && cls !== 0) return;
    if (magic && i === 0) return;
    n++;
  });
  return n;
}

/** The first file offset at or after `cursor` that is congruent to `addr` modulo `align`. */
export function congruentOffset(cursor: number, addr: number, align: number): number {
  return cursor + ((((addr - cursor) % align) + align) % align);
}

/** PT_LOAD flags for a section in a segment of its own. */
export function sectionFlags(os: OutputSection): number {
  return PF_R | ((os.flags & SHF_WRITE) !== 0 ? PF_W : 0) | ((os.flags & SHF_EXECINSTR) !== 0 ? PF_X : 0);
}

/** --check-sections (GNU ld's default): allocated sections whose addresses overlap are an error. */
export function overlappingSections(sections: readonly OutputSection[]): string | undefined {
  const secs = sections.filter((s) => s.isAlloc && s.size > 0 && !(s.isTls && s.isNobits)).sort((a, b) => a.addr - b.addr);
  const h = (v: number) => v.toString(16).padStart(16, '0');
  for (let i = 1; i < secs.length; i++) {
    const a = secs[i - 1]!;
    const b = secs[i]!;
    if (b.addr < a.addr + a.size) return `section ${b.name} LMA [${h(b.addr)},${h(b.addr + b.size - 1)}] overlaps section ${a.name} LMA [${h(a.addr)},${h(a.addr + a.size - 1)}]`;
  }
  return undefined;
}
