// Sections the linker makes: the GOT (.got), .got.plt with one slot per IFUNC, the IPLT (.plt) that
// jumps through those slots, the IRELATIVE relocations in .rela.plt, the merged .note.gnu.property and
// .note.gnu.build-id. Sizes are fixed before layout; contents are filled in after it.
import { NT_GNU_BUILD_ID, NT_GNU_PROPERTY_TYPE_0, R_X86_64, SHF_ALLOC, SHF_EXECINSTR, SHF_INFO_LINK, SHF_WRITE, SHT_NOTE, SHT_PROGBITS, SHT_RELA } from '../elf/constants.ts';
import type { Context } from './context.ts';
import { OutputSection, knownRank } from './output-section.ts';
import type { ObjectFile } from './input-files.ts';
import { addCommandLineProperties, FEATURE_IBT, GNU_PROPERTY_STACK_SIZE, reportCet, X86_FEATURE_1_AND } from './gnu-property.ts';

const IPLT_ENTRY = 16;

function synthetic(name: string, type: number, flags: number, align: number, size: number): OutputSection {
  const os = new OutputSection(name, type, flags, knownRank(name) ?? 0);
  os.align = align;
  os.synthetic = new Uint8Array(size);
  os.size = size;
  return os;
}

/** Create the GOT/PLT family sized for what the relocation scan asked for. */
export function createGotPlt(ctx: Context, gotPltNeeded: boolean): OutputSection[] {
  const out: OutputSection[] = [];
  let gotSize = 0;
  for (const s of ctx.gotSymbols) {
    s.gotOffset = gotSize;
    gotSize += 8;
  }
  for (const s of ctx.tpGotSymbols) {
    s.tpGotOffset = gotSize;
    gotSize += 8;
  }
  if (gotSize > 0) {
    ctx.got = synthetic('.got', SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, 8, gotSize);
    out.push(ctx.got);
  }
  ctx.ifuncs.forEach((s, i) => (s.ipltIndex = i));
  if (gotPltNeeded || ctx.ifuncs.length > 0) {
    ctx.gotPlt = synthetic('.got.plt', SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, 8, 24 + 8 * ctx.ifuncs.length);
    out.push(ctx.gotPlt);
  }
  if (ctx.ifuncs.length > 0) {
    ctx.iplt = synthetic('.plt', SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, 16, IPLT_ENTRY * ctx.ifuncs.length);
    ctx.relaIplt = synthetic('.rela.plt', SHT_RELA, SHF_ALLOC | SHF_INFO_LINK, 8, 24 * ctx.ifuncs.length);
    ctx.relaIplt.entsize = 24;
    out.push(ctx.iplt, ctx.relaIplt);
  }
  return out;
}

/** Fill GOT slots, IPLT code and IRELATIVE records now that addresses are known. */
export function fillGotPlt(ctx: Context): void {
  if (ctx.got) {
    const dv = new DataView(ctx.got.synthetic!.buffer);
    for (const s of ctx.gotSymbols) dv.setBigInt64(s.gotOffset, BigInt(ctx.addressOf(s)), true);
    const tp = ctx.tls?.tp ?? 0;
    for (const s of ctx.tpGotSymbols) dv.setBigInt64(s.tpGotOffset, BigInt(ctx.addressOf(s) - tp), true);
  }
  if (ctx.iplt && ctx.gotPlt && ctx.relaIplt) {
    const code = ctx.iplt.synthetic!;
    const cv = new DataView(code.buffer);
    const rela = new DataView(ctx.relaIplt.synthetic!.buffer);
    const gotPlt = ctx.gotPlt.addr;
    const iplt = ctx.iplt.addr;
    ctx.ifuncs.forEach((s, i) => {
      const slot = gotPlt + 24 + 8 * i;
      const at = i * IPLT_ENTRY;
      if (ctx.ibtPlt) {
        // endbr64; jmp *slot(%rip); 6-byte nop (GNU ld's entry when the output is marked IBT)
        code.set([0xf3, 0x0f, 0x1e, 0xfa, 0xff, 0x25, 0, 0, 0, 0, 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00], at);
        cv.setInt32(at + 6, slot - (iplt + at + 10), true);
      } else {
        // jmp *slot(%rip), then padding nops to 16 bytes
        code.set([0xff, 0x25, 0, 0, 0, 0, 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00, 0x0f, 0x1f, 0x40, 0x00], at);
        cv.setInt32(at + 2, slot - (iplt + at + 6), true);
      }
      rela.setBigUint64(i * 24, BigInt(slot), true);
      rela.setBigUint64(i * 24 + 8, BigInt(R_X86_64.IRELATIVE), true);
      rela.setBigInt64(i * 24 + 16, BigInt(ctx.valueOf(s)), true);
    });
  }
}

// .note.gnu.property: X86 property ranges (psABI): AND (kept only if every input has it), OR, OR-AND.
const AND_LO = 0xc0000002, AND_HI = 0xc0007fff, OR_LO = 0xc0008000, OR_HI = 0xc000ffff, ORAND_LO = 0xc0010000, ORAND_HI = 0xc0017fff;

/** The X86 properties (4-byte values) in a NT_GNU_PROPERTY_TYPE_0 descriptor at dv[at, at + size). */
function readProperties(dv: DataView, at: number, size: number, props: Map<number, number>): void {
  for (let p = 0; p + 8 <= size;) {
    const type = dv.getUint32(at + p, true);
    const psize = dv.getUint32(at + p + 4, true);
    if (psize === 4 && p + 12 <= size) props.set(type, dv.getUint32(at + p + 8, true));
    p += 8 + Math.ceil(psize / 8) * 8;
  }
}

/** Merge every input's .note.gnu.property into one note, or null when nothing survives. */
export function mergeProperties(ctx: Context): OutputSection | null {
  const perFile: Map<number, number>[] = [];
  const inputs: [ObjectFile, Map<number, number>][] = [];
  let inputNote = false;
  for (const f of ctx.files) {
    const props = new Map<number, number>();
    const sh = f.elf.shdrs;
    for (let i = 1; i < sh.count; i++) {
      // Allocated notes are input sections, named already.
      if (sh.type(i) !== SHT_NOTE || f.sections[i]?.name !== '.note.gnu.property') continue;
      inputNote = true;
      const data = f.elf.sectionData(i);
      const base = sh.offset(i);
      f.elf.forEachNote(data, base, sh.addralign(i), (nameStart, nameEnd, type, descStart, descsz) => {
        const gnu = nameEnd - nameStart === 3 && data[nameStart] === 0x47 && data[nameStart + 1] === 0x4e && data[nameStart + 2] === 0x55;
        if (gnu && type === NT_GNU_PROPERTY_TYPE_0) readProperties(f.elf.view, base + descStart, descsz, props);
      });
    }
    if (sh.count > 1) {
      perFile.push(props);
      inputs.push([f, props]);
    }
  }
  reportCet(ctx, inputs);
  const types = new Set<number>();
  for (const p of perFile) for (const t of p.keys()) types.add(t);
  const merged: [number, number][] = [];
  for (const t of [...types].sort((a, b) => a - b)) {
    const have = perFile.filter((p) => p.has(t));
    if (t >= AND_LO && t <= AND_HI) {
      if (have.length !== perFile.length) continue;
      const v = have.reduce((a, p) => a & p.get(t)!, 0xffffffff) >>> 0;
      if (v !== 0) merged.push([t, v]);
    } else if (t >= OR_LO && t <= OR_HI) {
      const v = have.reduce((a, p) => a | p.get(t)!, 0) >>> 0;
      if (v !== 0) merged.push([t, v]);
    } else if (t >= ORAND_LO && t <= ORAND_HI) {
      if (have.length !== perFile.length) continue;
      const v = have.reduce((a, p) => a | p.get(t)!, 0) >>> 0;
      if (v !== 0) merged.push([t, v]);
    }
  }
  addCommandLineProperties(merged, ctx.options.z);
  const ibt = merged.find(([t]) => t === X86_FEATURE_1_AND);
  ctx.ibtPlt = ctx.options.z.ibtPlt || (ibt !== undefined && (ibt[1] & FEATURE_IBT) !== 0);
  // GNU ld adds the stack size to a note that exists anyway (an input's, or one the command line forces).
  const stackSize = merged.length > 0 || inputNote ? ctx.options.z.stackSize : undefined;
  if (merged.length === 0 && stackSize === undefined) return null;
  // GNU_PROPERTY_STACK_SIZE (type 1, an 8-byte value) sorts first.
  const first = stackSize === undefined ? 0 : 16;
  const descSize = first + merged.length * 16;
  const os = synthetic('.note.gnu.property', SHT_NOTE, SHF_ALLOC, 8, 16 + descSize);
  const dv = new DataView(os.synthetic!.buffer);
  dv.setUint32(0, 4, true);
  dv.setUint32(4, descSize, true);
  dv.setUint32(8, NT_GNU_PROPERTY_TYPE_0, true);
  os.synthetic!.set([0x47, 0x4e, 0x55, 0], 12);
  if (stackSize !== undefined) {
    dv.setUint32(16, GNU_PROPERTY_STACK_SIZE, true);
    dv.setUint32(20, 8, true);
    dv.setBigUint64(24, BigInt.asUintN(64, stackSize), true);
  }
  merged.forEach(([t, v], i) => {
    dv.setUint32(16 + first + i * 16, t, true);
    dv.setUint32(20 + first + i * 16, 4, true);
    dv.setUint32(24 + first + i * 16, v, true);
  });
  return os;
}

/** An empty .note.gnu.build-id of the right size; the hash is written once the file is complete. */
export function createBuildId(style: string): OutputSection | null {
  let size: number;
  let fixed: Uint8Array | undefined;
  if (style === 'none') return null;
  if (style === 'md5' || style === 'uuid') size = 16;
  else if (style === 'sha1' || style === 'tree' || style === 'fast') size = 20;
  else if (/^0x[0-9a-fA-F]+$/.test(style) && style.length % 2 === 0) {
    fixed = Uint8Array.from(style.slice(2).match(/../g)!.map((h) => parseInt(h, 16)));
    size = fixed.length;
  } else throw new Error(`--build-id: unknown style '${style}'`);
  const os = synthetic('.note.gnu.build-id', SHT_NOTE, SHF_ALLOC, 4, 16 + size);
  const dv = new DataView(os.synthetic!.buffer);
  dv.setUint32(0, 4, true);
  dv.setUint32(4, size, true);
  dv.setUint32(8, NT_GNU_BUILD_ID, true);
  os.synthetic!.set([0x47, 0x4e, 0x55, 0], 12);
  if (fixed) os.synthetic!.set(fixed, 16);
  return os;
}
