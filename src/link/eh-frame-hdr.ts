// --eh-frame-hdr: the binary-search table the unwinder uses through PT_GNU_EH_FRAME: a header, then
// (initial location, FDE address) pairs sorted by location, both relative to the table (datarel sdata4).
import { SHF_ALLOC, SHT_PROGBITS } from '../elf/constants.ts';
import type { Context } from './context.ts';
import type { InputSection } from './input-files.ts';
import { OutputSection, knownRank } from './output-section.ts';
import type { Sym } from './symbol.ts';
import { ehRecords } from './eh-records.ts';

interface Fde {
  sec: InputSection;
  /** Offset of the FDE in its input section. */
  at: number;
  target: Sym;
  addend: number;
}

/** Find the FDEs of live functions in the live .eh_frame inputs. */
function collectFdes(ctx: Context): Fde[] {
  const out: Fde[] = [];
  for (const f of ctx.files) {
    for (const sec of f.sections) {
      if (!sec || !sec.live || sec.name !== '.eh_frame') continue;
      const rt = sec.rela;
      if (!rt) continue;
      let ri = 0;
      for (const rec of ehRecords(sec)) {
        if (rec.cie) continue;
        while (ri < rt.count && rt.offset(ri) < rec.pcBegin) ri++;
        if (ri < rt.count && rt.offset(ri) === rec.pcBegin) {
          const s = f.sym(rt.sym(ri));
          if (s && s.section && s.section.live) out.push({ sec, at: rec.start, target: s, addend: rt.addend(ri) });
        }
      }
    }
  }
  return out;
}

export function createEhFrameHdr(ctx: Context): { section: OutputSection; fill: () => void } | null {
  const fdes = collectFdes(ctx);
  const os = new OutputSection('.eh_frame_hdr', SHT_PROGBITS, SHF_ALLOC, knownRank('.eh_frame_hdr') ?? 34);
  os.align = 4;
  os.synthetic = new Uint8Array(12 + 8 * fdes.length);
  os.size = os.synthetic.length;
  const fill = () => {
    const hdr = os.addr;
    const eh = ctx.outputSections.find((s) => s.name === '.eh_frame');
    const dv = new DataView(os.synthetic!.buffer);
    os.synthetic!.set([1, 0x1b, 0x03, 0x3b], 0);
    dv.setInt32(4, eh ? eh.addr - (hdr + 4) : 0, true);
    // pc_begin is stored PC-relative (S + A - P), so the function's address is S + A.
    const rows = fdes.map((f) => [ctx.addressOf(f.target) + f.addend, f.sec.output!.addr + f.sec.offset + f.at] as const)
      .sort((a, b) => a[0] - b[0]);
    dv.setUint32(8, rows.length, true);
    rows.forEach(([pc, fde], i) => {
      dv.setInt32(12 + i * 8, pc - hdr, true);
      dv.setInt32(16 + i * 8, fde - hdr, true);
    });
  };
  return { section: os, fill };
}
