// FDEs of functions that are not in the output are dropped from .eh_frame, as GNU ld drops them: the copy
// of a COMDAT function another file's group replaced, and sections --gc-sections removed. Otherwise the
// unwinder's table (and readelf -wf) lists FDEs for code that is not there. Each input .eh_frame that
// loses records gets new contents (the kept records, with every FDE's CIE pointer redone, since it is a
// distance), an offset map for references into it, and its relocations with the kept records' offsets.
import { RELA_SIZE } from '../elf/constants.ts';
import { RelaView } from '../elf/rela-view.ts';
import type { Context } from './context.ts';
import { ehRecords, type EhRecord } from './eh-records.ts';
import type { InputSection } from './input-files.ts';

function isDead(sec: InputSection | null): boolean {
  return sec !== null && (!sec.live || sec.output === null);
}

export function pruneEhFrames(ctx: Context): void {
  for (const f of ctx.files) {
    for (const sec of f.sections) {
      if (!sec || !sec.live || sec.name !== '.eh_frame' || !sec.rela || sec.mergeMap) continue;
      const rt = sec.rela;
      const records = ehRecords(sec);
      const drop = new Set<EhRecord>();
      let ri = 0;
      for (const rec of records) {
        if (rec.cie) continue;
        while (ri < rt.count && rt.offset(ri) < rec.pcBegin) ri++;
        if (ri < rt.count && rt.offset(ri) === rec.pcBegin && isDead(f.sym(rt.sym(ri))?.section ?? null)) drop.add(rec);
      }
      if (drop.size > 0) rewrite(sec, records, drop);
    }
  }
}

function rewrite(sec: InputSection, records: EhRecord[], drop: Set<EhRecord>): void {
  const d = sec.data;
  const tail = records.length ? records[records.length - 1]!.end : 0;
  // Kept byte ranges [from, to) and where each starts in the new contents.
  const ranges: { from: number; to: number; at: number }[] = [];
  let size = 0;
  for (const rec of records) {
    if (drop.has(rec)) continue;
    ranges.push({ from: rec.start, to: rec.end, at: size });
    size += rec.end - rec.start;
  }
  if (tail < d.length) {
    ranges.push({ from: tail, to: d.length, at: size });
    size += d.length - tail;
  }
  /** New offset of old offset `off` (inside a dropped record: where the next kept byte went). */
  const map = (off: number): number => {
    for (const r of ranges) {
      if (off < r.from) return r.at;
      if (off < r.to) return r.at + (off - r.from);
    }
    return size + (off - d.length);
  };
  const out = new Uint8Array(size);
  for (const r of ranges) out.set(d.subarray(r.from, r.to), r.at);
  const dv = new DataView(out.buffer);
  for (const rec of records) {
    if (rec.cie || drop.has(rec)) continue;
    // The CIE pointer (just before pc_begin) is the distance back from itself to its CIE.
    const field = rec.pcBegin - 4;
    const cie = field - new DataView(d.buffer, d.byteOffset, d.byteLength).getUint32(field, true);
    dv.setUint32(map(field), map(field) - map(cie), true);
  }
  const rt = sec.rela!;
  const kept: number[] = [];
  for (let i = 0; i < rt.count; i++) {
    const off = rt.offset(i);
    if (ranges.some((r) => off >= r.from && off < r.to)) kept.push(i);
  }
  const rel = new Uint8Array(kept.length * RELA_SIZE);
  const rv = new DataView(rel.buffer);
  kept.forEach((i, k) => {
    rv.setBigUint64(k * RELA_SIZE, BigInt(map(rt.offset(i))), true);
    rv.setUint32(k * RELA_SIZE + 8, rt.type(i), true);
    rv.setUint32(k * RELA_SIZE + 12, rt.sym(i), true);
    rv.setBigInt64(k * RELA_SIZE + 16, rt.addendBig(i), true);
  });
  sec.rela = RelaView.fromEntries(rel, rt.index);
  sec.mergedData = out;
  sec.mergedSize = size;
  sec.mergeMap = map;
}
