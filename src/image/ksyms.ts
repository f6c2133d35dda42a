// .ukl.ksyms: the image's function symbols, sorted by address, for the kernel's fault reports
// (`at rip 0x... <function+0x12>`). An allocated read-only section, so it is loaded with the image;
// finishImage writes its address into the kernel's ukl_ksyms pointer.
//
// Layout (little-endian): u64 count; u64 offset of the names; count × { u64 address; u32 name offset (from
// the names); u32 size }; then the names, NUL-terminated. Sizes are fixed before layout (the symbols and names are known), contents after.
import { SHF_ALLOC, SHT_PROGBITS, STT_FUNC } from '../elf/constants.ts';
import type { Context } from '../link/context.ts';
import { OutputSection } from '../link/output-section.ts';

export const KSYMS_SECTION = '.ukl.ksyms';
/** After .rodata and .rodata1, before .eh_frame (read-only data). */
const RANK = 33;

interface Candidate {
  name: string;
  section: { output: OutputSection | null; offset: number; live: boolean };
  value: number;
  size: number;
}

export function createKsyms(ctx: Context): { section: OutputSection; fill: () => void } {
  const cands: Candidate[] = [];
  for (const f of ctx.files) {
    const raw = f.raw;
    if (!raw || !f.loaded && f.lazy) continue;
    for (let i = 1; i < raw.count; i++) {
      if ((raw.info(i) & 0xf) !== STT_FUNC) continue;
      const sec = f.sections[raw.shndx(i)];
      if (!sec || !sec.live) continue;
      const name = raw.name(i);
      if (name) cands.push({ name, section: sec, value: raw.value(i), size: raw.size(i) });
    }
  }
  const names = cands.reduce((n, c) => n + Buffer.byteLength(c.name) + 1, 0);
  const os = new OutputSection(KSYMS_SECTION, SHT_PROGBITS, SHF_ALLOC, RANK);
  os.align = 8;
  os.synthetic = new Uint8Array(16 + 16 * cands.length + names);
  os.size = os.synthetic.length;
  const fill = () => {
    const placed = cands
      .filter((c) => c.section.output !== null)
      .map((c) => ({ ...c, addr: c.section.output!.addr + c.section.offset + c.value }))
      .sort((a, b) => a.addr - b.addr || a.name.localeCompare(b.name));
    const buf = os.synthetic!;
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let str = 16 + 16 * cands.length;
    const strBase = str;
    dv.setBigUint64(0, BigInt(placed.length), true);
    dv.setBigUint64(8, BigInt(strBase), true);
    placed.forEach((c, i) => {
      dv.setBigUint64(16 + 16 * i, BigInt(c.addr), true);
      dv.setUint32(16 + 16 * i + 8, str - strBase, true);
      dv.setUint32(16 + 16 * i + 12, c.size, true);
      str += Buffer.from(buf.buffer, buf.byteOffset + str, Buffer.byteLength(c.name)).write(c.name, 'utf8') + 1;
    });
  };
  return { section: os, fill };
}
