// Rewriting GCC's language-specific data areas (.gcc_except_table) for grown code: the call-site table
// of each LSDA holds offsets from the function's start (call-site start, length, landing pad) that move
// with the code. The layout of an LSDA (GCC except.cc output_function_exception_table, libstdc++'s
// eh_personality.cc parse_lsda_header):
//
//   u8 LPStart encoding [, LPStart]              GCC: always DW_EH_PE_omit
//   u8 TType encoding  [, uleb128 TType offset]  offset from after this field to the end of the type table
//   u8 call-site encoding, uleb128 call-site table length
//   call-site records: start, length, landing pad (call-site encoding), action (uleb128)
//   action table (sleb128 pairs, self-relative), alignment padding, type table (indexed backwards from
//   the TType base, relocated entries), exception-specification table
//
// Only the header and the call-site table change. Everything from the end of the call-site table on is
// kept byte for byte and keeps its distance to the TType base, so action offsets (relative to the table's
// start) and type indices stay right. When LEB128 values grow, the call-site table grows: the table length
// and the TType offset are recomputed, and the growth of each LSDA is rounded up to a multiple of 4 (or of a
// larger type-table entry size) by padding the TType offset (or, without a type table, the call-site table length)
// with non-minimal LEB128 bytes, as GCC did for assemblers without .uleb128, so the type tables stay as
// aligned as they were. Later LSDAs move; the returned map tells where (rewriteEhFrame's `moved` argument
// takes it, so the FDEs' LSDA pointers follow).
//
// Refused: an LSDA with an LPStart (landing pads relative to something other than the function), a
// call-site encoding with an application part (pcrel, ...), a relocation inside a header or call-site
// table, a value that no longer fits a fixed-size call-site encoding, and malformed tables.
import { RewriteRefused } from './errors.ts';
import {
  ByteReader, DW_EH_PE, encodeEncoded, encodeUleb, encodedSize, fitsEncoded, hex, mapOffset, slebSize, ulebSize,
  type OffsetMap, type Reloc,
} from './dwarf.ts';

export type { OffsetMap, Reloc } from './dwarf.ts';

export interface LsdaFunction {
  /** Offset of the LSDA in the section (from the FDE's LSDA pointer). */
  lsdaOffset: number;
  /** Old offset of the function (the FDE's pc_begin) in its code section. */
  functionStart: number;
  /** The map of the function's code section; defaults to rewriteLsda's `map` argument. */
  map?: OffsetMap;
}

export interface LsdaInput {
  data: Uint8Array;
  relocs: Reloc[];
}

export interface LsdaOutput {
  data: Uint8Array;
  /** Same order as the input; offsets moved. */
  relocs: Reloc[];
  /** Old offset in the section -> new offset (exact at each LSDA's start and inside the kept parts). */
  map: OffsetMap;
}

/** One parsed LSDA header and call-site table. */
export interface LsdaHeader {
  start: number;
  lpStartEnc: number;
  ttypeEnc: number;
  /** The TType offset field: offset of the field, its width, and its value; undefined without a type table. */
  ttype: { at: number; width: number; value: number } | undefined;
  callSiteEnc: number;
  callSiteLengthAt: number;
  callSiteLengthWidth: number;
  /** Offsets of the call-site table's first record and of the byte after the table. */
  callSiteStart: number;
  callSiteEnd: number;
  callSites: CallSite[];
}

export interface CallSite {
  start: number;
  length: number;
  landingPad: number;
  action: number;
  /** Encoded widths of the four fields (as found). */
  widths: [number, number, number, number];
}

const WHAT = '.gcc_except_table';

/** Parse the header and call-site table of the LSDA at `offset`. */
export function parseLsdaHeader(data: Uint8Array, offset: number, end: number = data.length): LsdaHeader {
  const what = `${WHAT} LSDA at ${hex(offset)}`;
  const r: ByteReader = new ByteReader(data, offset, end, what);
  const lpStartEnc = r.u8();
  if (lpStartEnc !== DW_EH_PE.omit) r.fail(`LPStart (encoding ${hex(lpStartEnc)}) is not supported`, offset);
  const ttypeEnc = r.u8();
  let ttype: LsdaHeader['ttype'];
  if (ttypeEnc !== DW_EH_PE.omit) {
    const at = r.pos;
    const value = r.uleb();
    ttype = { at, width: r.pos - at, value };
  }
  const callSiteEnc = r.u8();
  const fmt = callSiteEnc & 0x0f;
  if ((callSiteEnc & 0xf0) !== 0 || encodedSize(callSiteEnc) === undefined || fmt === DW_EH_PE.absptr) {
    r.fail(`call-site encoding ${hex(callSiteEnc)} is not supported`, r.pos - 1);
  }
  const callSiteLengthAt = r.pos;
  const len = r.uleb();
  const callSiteLengthWidth = r.pos - callSiteLengthAt;
  const callSiteStart = r.pos;
  const callSiteEnd = callSiteStart + len;
  if (callSiteEnd > end) r.fail(`call-site table (${hex(len)} bytes) runs past the end of the section`, callSiteLengthAt);
  const t: ByteReader = new ByteReader(data, callSiteStart, callSiteEnd, what);
  const callSites: CallSite[] = [];
  while (t.pos < callSiteEnd) {
    const p0 = t.pos;
    const start = t.encoded(callSiteEnc);
    const p1 = t.pos;
    const length = t.encoded(callSiteEnc);
    const p2 = t.pos;
    const landingPad = t.encoded(callSiteEnc);
    const p3 = t.pos;
    const action = t.uleb();
    callSites.push({ start, length, landingPad, action, widths: [p1 - p0, p2 - p1, p3 - p2, t.pos - p3] });
  }
  if (ttype && ttype.at + ttype.width + ttype.value < callSiteEnd) r.fail(`TType base ${hex(ttype.at + ttype.width + ttype.value)} lies inside the call-site table`, ttype.at);
  if (ttype && ttype.at + ttype.width + ttype.value > end) r.fail(`TType base ${hex(ttype.at + ttype.width + ttype.value)} is past the end of the section`, ttype.at);
  return { start: offset, lpStartEnc, ttypeEnc, ttype, callSiteEnc, callSiteLengthAt, callSiteLengthWidth, callSiteStart, callSiteEnd, callSites };
}

/** Encoded width of a call-site value: the old width when it still fits (LEB128 never shrinks). */
function widthFor(enc: number, v: number, old: number): number {
  const fmt = enc & 0x0f;
  if (fmt === DW_EH_PE.uleb128) return Math.max(old, ulebSize(v));
  if (fmt === DW_EH_PE.sleb128) return Math.max(old, slebSize(v));
  return encodedSize(enc)!;
}

/**
 * Rewrite the call-site tables of the LSDAs of `functions` in one .gcc_except_table section.
 * `map` is the default code-section map for functions that do not carry their own.
 */
export function rewriteLsda(input: LsdaInput, functions: LsdaFunction[], map?: OffsetMap): LsdaOutput {
  const { data } = input;
  // One entry per LSDA; two functions sharing an LSDA must agree.
  const byOffset = new Map<number, LsdaFunction>();
  for (const f of functions) {
    if (!Number.isSafeInteger(f.lsdaOffset) || f.lsdaOffset < 0 || f.lsdaOffset >= data.length) {
      throw new RewriteRefused(`${WHAT}: LSDA offset ${String(f.lsdaOffset)} is outside the section (${hex(data.length)} bytes)`);
    }
    const fmap = f.map ?? map;
    if (!fmap) throw new RewriteRefused(`${WHAT}: no offset map for the function of the LSDA at ${hex(f.lsdaOffset)}`);
    const prev = byOffset.get(f.lsdaOffset);
    if (prev && (prev.functionStart !== f.functionStart || (prev.map ?? map) !== fmap)) {
      throw new RewriteRefused(`${WHAT}: the LSDA at ${hex(f.lsdaOffset)} is shared by two functions`);
    }
    byOffset.set(f.lsdaOffset, { ...f, map: fmap });
  }
  const starts = [...byOffset.keys()].sort((a, b) => a - b);
  const headers = starts.map((s, k) => parseLsdaHeader(data, s, starts[k + 1] ?? data.length));
  // Growth granularity: at least 4 (GCC aligns type tables to their 4-byte entries; LSDAs not listed here may
  // follow and have one), more if a listed LSDA has larger entries.
  let granule = 4;
  for (const h of headers) {
    if (!h.ttype) continue;
    const size = encodedSize(h.ttypeEnc);
    if (size === undefined) throw new RewriteRefused(`${WHAT} LSDA at ${hex(h.start)}: TType encoding ${hex(h.ttypeEnc)} is not supported`);
    granule = Math.max(granule, size);
  }
  const relocAt = new Set<number>();
  for (const r of input.relocs) {
    if (!Number.isSafeInteger(r.offset) || r.offset < 0 || r.offset >= data.length) throw new RewriteRefused(`${WHAT}: relocation offset ${String(r.offset)} is outside the section`);
    relocAt.add(r.offset);
  }

  // Rebuild each header; the rest of its region is copied. Regions: [lsda start, next lsda start).
  interface Region { oldStart: number; oldHeaderEnd: number; oldEnd: number; header: number[]; newStart: number }
  const regions: Region[] = [];
  let pos = starts[0] ?? data.length; // bytes before the first LSDA stay where they are
  for (let k = 0; k < headers.length; k++) {
    const h = headers[k]!;
    const f = byOffset.get(h.start)!;
    const what = `${WHAT} LSDA at ${hex(h.start)}`;
    for (let o = h.start; o < h.callSiteEnd; o++) if (relocAt.has(o)) throw new RewriteRefused(`${what}: relocation inside the header or call-site table (at ${hex(o)})`);
    const fmap = f.map!;
    const fs = f.functionStart;
    const base = mapOffset(fmap, fs, what);
    const cs: number[] = [];
    for (const c of h.callSites) {
      const ns = mapOffset(fmap, fs + c.start, what) - base;
      const ne = mapOffset(fmap, fs + c.start + c.length, what) - base;
      const nl = ne - ns;
      const nlp = c.landingPad === 0 ? 0 : mapOffset(fmap, fs + c.landingPad, what) - base;
      if (ns < 0 || nl < 0 || nlp < 0) throw new RewriteRefused(`${what}: the offset map is not monotonic`);
      const vals = [ns, nl, nlp];
      vals.forEach((v, j) => {
        if (!fitsEncoded(h.callSiteEnc, v)) throw new RewriteRefused(`${what}: call-site value ${hex(v)} does not fit encoding ${hex(h.callSiteEnc)}`);
        cs.push(...encodeEncoded(h.callSiteEnc, v, widthFor(h.callSiteEnc, v, c.widths[j]!)));
      });
      cs.push(...encodeUleb(c.action, c.widths[3]));
    }
    const oldHeaderLen = h.callSiteEnd - h.start;
    let csLenWidth = Math.max(h.callSiteLengthWidth, ulebSize(cs.length));
    // Distance from the end of the call-site table to the TType base: kept.
    const ttTail = h.ttype ? h.ttype.at + h.ttype.width + h.ttype.value - h.callSiteEnd : 0;
    const ttValue = (): number => 1 + csLenWidth + cs.length + ttTail;
    let ttWidth = h.ttype ? Math.max(h.ttype.width, ulebSize(ttValue())) : 0;
    const headerLen = (): number => 2 + ttWidth + 1 + csLenWidth + cs.length;
    const growth = headerLen() - oldHeaderLen;
    if (growth < 0) throw new Error(`internal: ${what} shrank`);
    const pad = (granule - (growth % granule)) % granule;
    if (h.ttype) ttWidth += pad;
    else csLenWidth += pad;
    if (h.ttype && ulebSize(ttValue()) > ttWidth) throw new Error(`internal: ${what}: TType offset does not fit`);
    const header: number[] = [h.lpStartEnc, h.ttypeEnc];
    if (h.ttype) header.push(...encodeUleb(ttValue(), ttWidth));
    header.push(h.callSiteEnc, ...encodeUleb(cs.length, csLenWidth), ...cs);
    if ((header.length - oldHeaderLen) % granule !== 0) throw new Error(`internal: ${what}: growth not a multiple of ${granule}`);
    regions.push({ oldStart: h.start, oldHeaderEnd: h.callSiteEnd, oldEnd: starts[k + 1] ?? data.length, header, newStart: pos });
    pos += header.length + ((starts[k + 1] ?? data.length) - h.callSiteEnd);
  }

  const out = new Uint8Array(pos);
  const first = starts[0] ?? data.length;
  out.set(data.subarray(0, first), 0);
  for (const g of regions) {
    out.set(g.header, g.newStart);
    out.set(data.subarray(g.oldHeaderEnd, g.oldEnd), g.newStart + g.header.length);
  }
  const newMap: OffsetMap = (x) => {
    if (x < first || regions.length === 0) return x;
    let lo = 0;
    let hi = regions.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (regions[mid]!.oldStart <= x) lo = mid;
      else hi = mid - 1;
    }
    const g = regions[lo]!;
    if (x >= g.oldHeaderEnd) return g.newStart + g.header.length + (x - g.oldHeaderEnd);
    return g.newStart + Math.min(x - g.oldStart, g.header.length);
  };
  const relocs = input.relocs.map((r) => ({ offset: newMap(r.offset), type: r.type, sym: r.sym, addend: r.addend }));
  return { data: out, relocs, map: newMap };
}
