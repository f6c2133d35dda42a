// .gcc_except_table rewriting for grown code (src/relink-syscalls/lsda.ts):
//  - identity: every LSDA of the test objects, libc.a and libstdc++.a comes back byte for byte;
//  - growth: with insertion maps (small and huge, so LEB128 values widen to 2 and 3 bytes) an independent
//    decoder reads each rewritten LSDA through the rewritten .eh_frame's LSDA pointer and finds the old
//    call-site table with every offset mapped, the same action table, the same type table (bytes and
//    relocations at the same distance from the TType base, which keeps its alignment) and the same
//    exception-specification bytes;
//  - hand-built tables: udata4/sdata4/uleb128 call sites, LEB128 padding, refusals;
//  - malformed input raises RewriteRefused, never anything else.
// Run-time behaviour (exceptions caught through moved landing pads) is in relink-eh-frame.test.ts, and here
// for libstdc++ members with large LSDAs linked into the cxx test program.
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { SHF_EXECINSTR } from '../src/elf/constants.ts';
import { RewriteRefused } from '../src/relink-syscalls/errors.ts';
import { lsdaRefsFromEhFrame, rewriteEhFrame, type LsdaRef, type OffsetMap, type Reloc } from '../src/relink-syscalls/eh-frame.ts';
import { parseLsdaHeader, rewriteLsda, type LsdaFunction } from '../src/relink-syscalls/lsda.ts';
import { LIBC_A, LIBSTDCXX_A, archiveObjects, ehInput, identity, insertionMap, relaFor, relocsOf, rng, testObjects, type Obj } from './helpers/unwind-objects.ts';

// ---------------------------------------------------------------------------------------------------
// An independent LSDA decoder (libstdc++'s parse_lsda_header + the call-site loop of the personality).

interface Decoded {
  ttypeEnc: number;
  callSiteEnc: number;
  callSites: { start: number; len: number; lp: number; action: number }[];
  /** Offset of the action table (= end of the call-site table) and of the TType base (undefined without one). */
  actionTable: number;
  ttBase: number | undefined;
  /** Width of the TType offset and call-site length fields. */
  widths: { tt: number; cs: number };
}

function decodeLsda(d: Uint8Array, at: number): Decoded {
  let p = at;
  const u8 = (): number => {
    if (p >= d.length) throw new Error('truncated');
    return d[p++]!;
  };
  const uleb = (): number => {
    let r = 0;
    let m = 1;
    for (;;) {
      const b = u8();
      r += (b & 0x7f) * m;
      m *= 128;
      if (!(b & 0x80)) return r;
    }
  };
  const sleb = (): number => {
    let r = 0;
    let m = 1;
    let b: number;
    do {
      b = u8();
      r += (b & 0x7f) * m;
      m *= 128;
    } while (b & 0x80);
    return b & 0x40 ? r - m : r;
  };
  const val = (enc: number): number => {
    switch (enc & 0x0f) {
      case 0x01: return uleb();
      case 0x09: return sleb();
      case 0x03: return u8() | (u8() << 8) | (u8() << 16) | (u8() * 2 ** 24);
      case 0x0b: return (u8() | (u8() << 8) | (u8() << 16) | (u8() << 24));
      case 0x02: return u8() | (u8() << 8);
      default: throw new Error(`encoding ${enc}`);
    }
  };
  const lp = u8();
  if (lp !== 0xff) throw new Error('LPStart');
  const ttypeEnc = u8();
  let ttBase: number | undefined;
  let tt = 0;
  if (ttypeEnc !== 0xff) {
    const q = p;
    const off = uleb();
    tt = p - q;
    ttBase = p + off;
  }
  const callSiteEnc = u8();
  const q = p;
  const len = uleb();
  const cs = p - q;
  const end = p + len;
  const callSites: Decoded['callSites'] = [];
  while (p < end) callSites.push({ start: val(callSiteEnc), len: val(callSiteEnc), lp: val(callSiteEnc), action: uleb() });
  if (p !== end) throw new Error('call-site table overrun');
  return { ttypeEnc, callSiteEnc, callSites, actionTable: end, ttBase, widths: { tt, cs } };
}

function ttEntrySize(enc: number): number {
  switch (enc & 0x0f) {
    case 0x00: case 0x04: case 0x0c: return 8;
    case 0x02: case 0x0a: return 2;
    case 0x03: case 0x0b: return 4;
    default: return 1;
  }
}

// ---------------------------------------------------------------------------------------------------
// Rewriting every LSDA of an object for per-code-section maps, and checking the result.

interface LsdaRun {
  refs: LsdaRef[];
  maps: Map<number, OffsetMap>;
  /** Per LSDA section: input, output. */
  tables: Map<number, { input: { data: Uint8Array; relocs: Reloc[] }; output: ReturnType<typeof rewriteLsda> }>;
  eh: ReturnType<typeof rewriteEhFrame>;
}

function rewriteAll(o: Obj, maps: Map<number, OffsetMap>): LsdaRun | undefined {
  const input = ehInput(o.elf);
  if (!input) return undefined;
  const refs = lsdaRefsFromEhFrame(input);
  const bySection = new Map<number, LsdaFunction[]>();
  for (const r of refs) {
    const map = maps.get(r.codeSection);
    if (!map) continue;
    bySection.set(r.lsdaSection, [...(bySection.get(r.lsdaSection) ?? []), { lsdaOffset: r.lsdaOffset, functionStart: r.functionStart, map }]);
  }
  const tables: LsdaRun['tables'] = new Map();
  for (const [sec, fns] of bySection) {
    const rela = relaFor(o.elf, sec);
    const tin = { data: o.elf.sections[sec]!.data, relocs: rela === undefined ? [] : relocsOf(o.elf, rela) };
    tables.set(sec, { input: tin, output: rewriteLsda(tin, fns) });
  }
  const eh = rewriteEhFrame(input, [...maps].map(([sectionIndex, map]) => ({ sectionIndex, map, adjustments: [] })), [...tables].map(([sectionIndex, t]) => ({ sectionIndex, map: t.output.map })));
  return { refs, maps, tables, eh };
}

/** Check every LSDA of a run against the original, through the new .eh_frame's LSDA pointers. */
function checkRun(o: Obj, run: LsdaRun): number {
  const newRefs = lsdaRefsFromEhFrame({ data: run.eh.data, relocs: run.eh.relocs, symbols: ehInput(o.elf)!.symbols });
  expect(newRefs.length, o.name).toBe(run.refs.length);
  let checked = 0;
  run.refs.forEach((old, k) => {
    const nu = newRefs[k]!;
    expect(nu.lsdaSection).toBe(old.lsdaSection);
    const t = run.tables.get(old.lsdaSection);
    const oldData = o.elf.sections[old.lsdaSection]!.data;
    if (!t) {
      expect(nu.lsdaOffset).toBe(old.lsdaOffset);
      return;
    }
    const map = run.maps.get(old.codeSection);
    const a = decodeLsda(oldData, old.lsdaOffset);
    const b = decodeLsda(t.output.data, nu.lsdaOffset);
    const what = `${o.name} LSDA at ${old.lsdaOffset}`;
    expect(b.ttypeEnc, what).toBe(a.ttypeEnc);
    expect(b.callSiteEnc, what).toBe(a.callSiteEnc);
    const fs = old.functionStart;
    const m = map ?? identity;
    const base = m(fs);
    const want = a.callSites.map((c) => ({
      start: m(fs + c.start) - base,
      len: m(fs + c.start + c.len) - m(fs + c.start),
      lp: c.lp === 0 ? 0 : m(fs + c.lp) - base,
      action: c.action,
    }));
    expect(b.callSites, what).toEqual(want);
    // Everything from the action table on is the same, at the same distance from the TType base.
    const next = (x: number, data: Uint8Array, refsIn: LsdaRef[]): number => Math.min(data.length, ...refsIn.filter((r) => r.lsdaSection === old.lsdaSection && r.lsdaOffset > x).map((r) => r.lsdaOffset));
    const tailA = oldData.subarray(a.actionTable, next(old.lsdaOffset, oldData, run.refs));
    const tailB = t.output.data.subarray(b.actionTable, next(nu.lsdaOffset, t.output.data, newRefs));
    expect(Buffer.from(tailB.subarray(0, tailA.length)).equals(Buffer.from(tailA)), `${what}: tail`).toBe(true);
    expect(tailB.subarray(tailA.length).every((x) => x === 0), `${what}: padding`).toBe(true);
    if (a.ttBase !== undefined) {
      expect(b.ttBase! - b.actionTable, what).toBe(a.ttBase - a.actionTable);
      expect((b.ttBase! - a.ttBase) % ttEntrySize(a.ttypeEnc), `${what}: type table alignment`).toBe(0);
    }
    checked++;
  });
  // Relocations of the tables: same order, same symbols, each at the same distance from its LSDA's tail.
  for (const [, t] of run.tables) {
    expect(t.output.relocs.length).toBe(t.input.relocs.length);
    t.output.relocs.forEach((r, i) => {
      const old = t.input.relocs[i]!;
      expect({ type: r.type, sym: r.sym, addend: r.addend }).toEqual({ type: old.type, sym: old.sym, addend: old.addend });
      expect(Array.from(t.output.data.subarray(r.offset, r.offset + 4))).toEqual(Array.from(t.input.data.subarray(old.offset, old.offset + 4)));
      expect(r.offset).toBe(t.output.map(old.offset));
    });
  }
  return checked;
}

/** Insertions at every call-site boundary and landing pad, and at random places, in every code section with LSDAs. */
function growthMaps(o: Obj, seed: number, sizes: number[]): Map<number, OffsetMap> {
  const input = ehInput(o.elf)!;
  const rand = rng(seed);
  const points = new Map<number, Map<number, number>>();
  for (const r of lsdaRefsFromEhFrame(input)) {
    const sec = o.elf.sections[r.codeSection];
    if (!sec || (sec.flags & SHF_EXECINSTR) === 0) continue;
    const pts = points.get(r.codeSection) ?? new Map<number, number>();
    points.set(r.codeSection, pts);
    const d = decodeLsda(o.elf.sections[r.lsdaSection]!.data, r.lsdaOffset);
    const cands = [r.functionStart];
    for (const c of d.callSites) cands.push(r.functionStart + c.start, r.functionStart + c.start + c.len, ...(c.lp ? [r.functionStart + c.lp] : []));
    for (let k = 0; k < 3; k++) cands.push(Math.floor(rand() * sec.data.length));
    for (const p of cands) if (p < sec.data.length && rand() < 0.7) pts.set(p, sizes[Math.floor(rand() * sizes.length)]!);
  }
  return new Map([...points].map(([s, pts]) => [s, insertionMap(pts)]));
}

function objectsWithLsdas(objs: Obj[]): Obj[] {
  return objs.filter((o) => {
    const i = ehInput(o.elf);
    return i !== undefined && lsdaRefsFromEhFrame(i).length > 0;
  });
}

describe('identity map: every LSDA comes back byte for byte', () => {
  for (const [what, objs] of [['test objects', () => testObjects()], ['libc.a', () => archiveObjects(LIBC_A)], ['libstdc++.a', () => archiveObjects(LIBSTDCXX_A)]] as const) {
    it(what, () => {
      let n = 0;
      for (const o of objectsWithLsdas(objs())) {
        const maps = new Map(o.elf.sections.filter((s) => (s.flags & SHF_EXECINSTR) !== 0).map((s) => [s.index, identity] as const));
        const run = rewriteAll(o, maps)!;
        for (const [, t] of run.tables) {
          expect(Buffer.from(t.output.data).equals(Buffer.from(t.input.data)), o.name).toBe(true);
          expect(t.output.relocs).toEqual(t.input.relocs);
        }
        expect(Buffer.from(run.eh.data).equals(Buffer.from(ehInput(o.elf)!.data))).toBe(true);
        n += run.refs.length;
      }
      if (what !== 'libc.a' || existsSync(LIBC_A)) expect(n).toBeGreaterThan(5);
    });
  }
});

describe('growth: call-site tables follow the map, everything else stays', () => {
  const cases: [string, () => Obj[], number[]][] = [
    ['test objects, small insertions', () => testObjects(), [1, 5, 16, 23]],
    ['test objects, LEB128 values widen to 2 and 3 bytes', () => testObjects(), [100, 200, 5000, 20000]],
    ['libc.a', () => archiveObjects(LIBC_A), [1, 23, 130, 20000]],
    ['libstdc++.a', () => archiveObjects(LIBSTDCXX_A), [1, 23, 130, 20000]],
  ];
  for (const [what, objs, sizes] of cases) {
    it(what, () => {
      let checked = 0;
      let grew = 0;
      for (const [k, o] of objectsWithLsdas(objs()).entries()) {
        const run = rewriteAll(o, growthMaps(o, 1000 + k, sizes))!;
        checked += checkRun(o, run);
        for (const [, t] of run.tables) if (t.output.data.length > t.input.data.length) grew++;
      }
      expect(checked).toBeGreaterThan(what.startsWith('libc') ? 10 : 5);
      if (sizes[sizes.length - 1]! > 1000) expect(grew).toBeGreaterThan(0);
    }, 120_000);
  }
});

// ---------------------------------------------------------------------------------------------------
// Hand-built tables.

const u32 = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];

describe('hand-built LSDAs', () => {
  // Function at 0x100 of its code section; 200 bytes inserted at 0x110 (inside the first call site).
  const map = insertionMap(new Map([[0x110, 200]]));
  const fn = (lsdaOffset: number): LsdaFunction => ({ lsdaOffset, functionStart: 0x100, map });

  it('udata4 and sdata4 call sites keep their width', () => {
    for (const enc of [0x03, 0x0b]) {
      const cs = [...u32(0x08), ...u32(0x20), ...u32(0x40), 1, ...u32(0x50), ...u32(0x04), ...u32(0), 0];
      const data = Uint8Array.from([0xff, 0xff, enc, cs.length, ...cs, 0x01, 0x00]);
      const out = rewriteLsda({ data, relocs: [] }, [fn(0)]);
      const d = decodeLsda(out.data, 0);
      expect(d.callSites).toEqual([{ start: 8, len: 0x20 + 200, lp: 0x40 + 200, action: 1 }, { start: 0x50 + 200, len: 4, lp: 0, action: 0 }]);
      expect(out.data.length).toBe(data.length);
    }
  });

  it('uleb128 call sites widen, the table length follows, LEB128 padding keeps the type table aligned', () => {
    // ttype 0x9b, call sites (uleb): [8, 0x20, 0x40, a=1]; action table: (1, 0); pad to 4; type table: 1 entry (reloc).
    const cs = [0x08, 0x20, 0x40, 0x01];
    const actions = [0x01, 0x00];
    // Header: ff 9b <tt> 01 <len> = 5 bytes, cs 4 -> actions at 9, 2 bytes -> 11, pad 1 -> type entry at 12..16.
    const ttOffset = 1 + 1 + cs.length + actions.length + 1 + 4; // from after the tt field (offset 3) to 16
    const data = Uint8Array.from([0xff, 0x9b, ttOffset, 0x01, cs.length, ...cs, ...actions, 0, 0xaa, 0xbb, 0xcc, 0xdd]);
    expect(decodeLsda(data, 0).ttBase).toBe(16);
    const relocs: Reloc[] = [{ offset: 12, type: 2, sym: 5, addend: 0 }];
    const out = rewriteLsda({ data, relocs }, [fn(0)]);
    const d = decodeLsda(out.data, 0);
    expect(d.callSites).toEqual([{ start: 8, len: 0x20 + 200, lp: 0x40 + 200, action: 1 }]);
    // len 232 and lp 264 take 2 bytes each: +2; padded to +4 by a 3-byte TType offset.
    expect(out.data.length).toBe(data.length + 4);
    expect(d.widths.tt).toBe(3);
    expect(d.ttBase).toBe(20);
    expect(out.relocs).toEqual([{ offset: 16, type: 2, sym: 5, addend: 0 }]);
    expect(Array.from(out.data.subarray(16, 20))).toEqual([0xaa, 0xbb, 0xcc, 0xdd]);
    expect(out.map(0)).toBe(0);
    expect(out.map(data.length)).toBe(out.data.length);
  });

  it('non-minimal LEB128 in the input is kept (identity), and never narrowed', () => {
    // Table length 6 in 2 bytes; start 8 in 3 bytes, length 16, no landing pad, no action.
    const data = Uint8Array.from([0xff, 0xff, 0x01, 0x86, 0x00, 0x88, 0x80, 0x00, 0x10, 0x00, 0x00]);
    const same = rewriteLsda({ data, relocs: [] }, [{ lsdaOffset: 0, functionStart: 0 }], identity);
    expect(Array.from(same.data)).toEqual(Array.from(data));
    // 200 bytes before the call site: start 208 still fits the 3 bytes it had.
    const moved = rewriteLsda({ data, relocs: [] }, [{ lsdaOffset: 0, functionStart: 0 }], insertionMap(new Map([[4, 200]])));
    expect(Array.from(moved.data)).toEqual([0xff, 0xff, 0x01, 0x86, 0x00, 0xd0, 0x81, 0x00, 0x10, 0x00, 0x00]);
  });

  it('two LSDAs in one section: the second moves, the returned map says where, relocations follow', () => {
    const a = [0xff, 0xff, 0x01, 4, 0x08, 0x20, 0x40, 0x00];
    const b = [0xff, 0x9b, 9, 0x01, 4, 0x01, 0x02, 0x03, 0x01, 0x01, 0x00, 0, 0, 0, 0, 0];
    const data = Uint8Array.from([...a, ...b]);
    const relocs: Reloc[] = [{ offset: a.length + 12, type: 2, sym: 9, addend: -4 }];
    const out = rewriteLsda({ data, relocs }, [fn(0), { lsdaOffset: a.length, functionStart: 0x400, map }]);
    const grown = out.map(a.length) - a.length;
    expect(grown).toBe(4); // 2 bytes of LEB128 growth, padded to the second LSDA's 4-byte type entries
    expect(decodeLsda(out.data, 0).callSites).toEqual([{ start: 8, len: 0x20 + 200, lp: 0x40 + 200, action: 0 }]);
    expect(decodeLsda(out.data, out.map(a.length)).callSites).toEqual([{ start: 1, len: 2, lp: 3, action: 1 }]);
    expect(out.relocs[0]!.offset).toBe(a.length + 12 + grown);
  });

  const refusals: [string, number[], RegExp, Partial<LsdaFunction>?][] = [
    ['an LPStart', [0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0x01, 0], /LPStart/],
    ['pc-relative call sites', [0xff, 0xff, 0x1b, 0], /call-site encoding 0x1b/],
    ['a call-site table past the end', [0xff, 0xff, 0x01, 0x20, 1, 2], /runs past the end/],
    ['a TType base inside the call-site table', [0xff, 0x9b, 0x01, 0x01, 4, 1, 2, 3, 0], /inside the call-site table/],
    ['udata2 call sites that overflow', [0xff, 0xff, 0x02, 7, 0x10, 0x00, 0xf0, 0xff, 0, 0, 0], /does not fit/],
    ['a truncated record', [0xff, 0xff, 0x03, 6, 1, 0, 0, 0, 2, 0], /truncated/],
    ['an offset outside the section', [0xff, 0xff, 0x01, 0], /outside the section/, { lsdaOffset: 10 }],
  ];
  for (const [what, bytes, why, f] of refusals) {
    it(`refused: ${what}`, () => {
      const call = (): unknown => rewriteLsda({ data: Uint8Array.from(bytes), relocs: [] }, [{ ...fn(0), ...f }]);
      expect(call).toThrow(RewriteRefused);
      expect(call).toThrow(why);
    });
  }

  it('refused: a relocation inside the call-site table; one LSDA for two functions', () => {
    const data = Uint8Array.from([0xff, 0xff, 0x03, 13, ...u32(1), ...u32(2), ...u32(0), 0]);
    expect(() => rewriteLsda({ data, relocs: [{ offset: 4, type: 10, sym: 1, addend: 0 }] }, [fn(0)])).toThrow(/relocation inside the header/);
    expect(() => rewriteLsda({ data, relocs: [] }, [fn(0), { ...fn(0), functionStart: 0x200 }])).toThrow(/shared by two functions/);
    expect(() => rewriteLsda({ data, relocs: [] }, [{ lsdaOffset: 0, functionStart: 0 }])).toThrow(/no offset map/);
    const bad: OffsetMap = (x) => {
      if (x > 0x100) throw new RangeError('beyond the section');
      return x;
    };
    expect(() => rewriteLsda({ data, relocs: [] }, [{ ...fn(0), map: bad }])).toThrow(RewriteRefused);
  });
});

describe('fuzzed .gcc_except_table sections: only RewriteRefused', () => {
  it('byte flips, truncations and insertions on real tables', () => {
    const rand = rng(5);
    let ok = 0;
    let refused = 0;
    const objs = objectsWithLsdas([...testObjects(), ...archiveObjects(LIBSTDCXX_A).filter((_, k) => k % 10 === 0)]);
    for (const o of objs) {
      const refs = lsdaRefsFromEhFrame(ehInput(o.elf)!);
      const bySection = new Map<number, LsdaRef[]>();
      for (const r of refs) bySection.set(r.lsdaSection, [...(bySection.get(r.lsdaSection) ?? []), r]);
      for (const [sec, list] of bySection) {
        const rela = relaFor(o.elf, sec);
        const relocs = rela === undefined ? [] : relocsOf(o.elf, rela);
        for (let trial = 0; trial < 30; trial++) {
          const data = Array.from(o.elf.sections[sec]!.data);
          const kind = Math.floor(rand() * 3);
          if (kind === 0) for (let k = 0; k < 1 + rand() * 3; k++) data[Math.floor(rand() * data.length)] = Math.floor(rand() * 256);
          else if (kind === 1) data.length = Math.floor(rand() * data.length);
          else data.splice(Math.floor(rand() * data.length), 0, ...Array.from({ length: 1 + Math.floor(rand() * 4) }, () => Math.floor(rand() * 256)));
          const map = insertionMap(new Map([[Math.floor(rand() * 256), 1 + Math.floor(rand() * 20000)]]));
          try {
            rewriteLsda({ data: Uint8Array.from(data), relocs: relocs.filter((r) => r.offset < data.length) }, list.map((r) => ({ lsdaOffset: r.lsdaOffset, functionStart: r.functionStart, map })));
            parseLsdaHeader(Uint8Array.from(data), list[0]!.lsdaOffset);
            ok++;
          } catch (e) {
            if (!(e instanceof RewriteRefused)) throw new Error(`${o.name} section ${sec} trial ${trial}: ${String(e)}`, { cause: e });
            refused++;
          }
        }
      }
    }
    expect(ok).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(50);
  });
});
