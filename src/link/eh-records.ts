// The CIE and FDE records of an input .eh_frame, by their length words (--gc-sections and
// --eh-frame-hdr both walk them).
import type { InputSection } from './input-files.ts';

export interface EhRecord {
  start: number;
  end: number;
  cie: boolean;
  /** Offset of an FDE's pc_begin field (after the length and the CIE pointer). */
  pcBegin: number;
}

/** The records up to the zero terminator or the first malformed length. */
export function ehRecords(sec: InputSection): EhRecord[] {
  // After eh-frame-prune.ts dropped FDEs: the records as they will be written.
  const d = sec.mergedData ?? sec.data;
  const dv = new DataView(d.buffer, d.byteOffset, d.byteLength);
  const out: EhRecord[] = [];
  let o = 0;
  while (o + 4 <= d.length) {
    let len = dv.getUint32(o, true);
    let hdr = 4;
    if (len === 0) break;
    if (len === 0xffffffff) {
      if (o + 12 > d.length) break;
      len = Number(dv.getBigUint64(o + 4, true));
      hdr = 12;
    }
    const end = o + hdr + len;
    if (end > d.length || o + hdr + 4 > d.length) break;
    out.push({ start: o, end, cie: dv.getUint32(o + hdr, true) === 0, pcBegin: o + hdr + 4 });
    o = end;
  }
  return out;
}
