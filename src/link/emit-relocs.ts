// -q / --emit-relocs: the relocations of the inputs kept in the executable, as GNU ld keeps them (for tools
// that move code after the link: Linux's arch/x86/tools/relocs, BOLT): for each output section with any, a
// non-allocated SHT_RELA section `.rela<name>` (SHF_INFO_LINK, sh_link the .symtab, sh_info the section)
// whose r_offset is the output address (the section offset for non-allocated ones). A relocation names the
// symbol it named in its object when that symbol is in the output's .symtab (a global, or a named local);
// otherwise (section symbols, unnamed locals) it names the output section's STT_SECTION symbol, which
// --emit-relocs adds at the start of .symtab, with the addend made relative to that section.
// Relaxations are reflected as GNU ld and mold do: a GOTPCRELX/REX_GOTPCRELX turned into a direct reference
// becomes R_X86_64_PC32 (R_X86_64_32S for `mov $sym`), a GOTTPOFF turned into `mov $tpoff` R_X86_64_TPOFF32.
// The TLS GD/LD/TLSDESC sequences rewritten to local-exec keep their input relocation types (a known gap).
// Done on the finished file (elf-tail.ts), once every address and symbol is final.
import { R_X86_64, RELA_SIZE, STB_LOCAL, STT_SECTION } from '../elf/constants.ts';
import { stBind, stInfo, stType } from '../elf/types.ts';
import type { Context } from './context.ts';
import { readSections, writeSections, type TailSection } from './elf-tail.ts';
import { isReversedCtors, reversedOffset } from './ctors-order.ts';
import type { Layout } from './layout.ts';
import { SymKind } from './symbol.ts';

const SHF_INFO_LINK = 0x40n;
const SHT_RELA = 4;
const SHT_SYMTAB = 2;

export function emitRelocations(ctx: Context, layout: Layout, file: Uint8Array): Uint8Array {
  const e = readSections(file);
  const symtabIndex = e.shdrs.findIndex((s) => s.type === SHT_SYMTAB);
  if (symtabIndex < 0) return file; // -s: no symbol table to refer to (GNU ld keeps none either)
  const symtab = e.shdrs[symtabIndex]!;
  const strtab = e.shdrs[symtab.link]!.data;
  const nameAt = (off: number): string => {
    let end = off;
    while (strtab[end] !== 0) end++;
    return Buffer.from(strtab.subarray(off, end)).toString('utf8');
  };
  // The output symbols, and the STT_SECTION symbols to add in front of them.
  const sections = layout.sections.filter((s) => s.shndx > 0);
  const added = sections.length;
  const old = symtab.data;
  const ov = new DataView(old.buffer, old.byteOffset, old.byteLength);
  const globals = new Map<string, number>();
  const locals = new Map<string, number>();
  for (let i = 1; i < old.length / 24; i++) {
    const name = nameAt(ov.getUint32(i * 24, true));
    if (name === '') continue;
    const info = ov.getUint8(i * 24 + 4);
    const idx = i + added;
    if (stBind(info) !== STB_LOCAL) {
      if (!globals.has(name)) globals.set(name, idx);
    } else {
      locals.set(`${name}\0${ov.getBigUint64(i * 24 + 8, true)}\0${ov.getUint16(i * 24 + 6, true)}`, idx);
    }
  }
  const sym = new Uint8Array(old.length + added * 24);
  sym.set(old.subarray(0, 24), 0);
  const sv = new DataView(sym.buffer);
  sections.forEach((os, k) => {
    const at = (k + 1) * 24;
    sv.setUint8(at + 4, stInfo(STB_LOCAL, STT_SECTION));
    sv.setUint16(at + 6, os.shndx, true);
    sv.setBigUint64(at + 8, BigInt(os.addr), true);
  });
  sym.set(old.subarray(24), (added + 1) * 24);
  symtab.data = sym;
  symtab.size = sym.length;
  symtab.info += added;
  const sectionSym = new Map(sections.map((os, k) => [os, k + 1]));

  const out = e.file;
  for (const os of sections) {
    if (os.synthetic) continue;
    const entries: number[][] = [];
    for (const m of os.members) {
      const rt = m.rela;
      if (!m.live || !rt) continue;
      const f = m.file;
      const reversed = isReversedCtors(m, os);
      for (let i = 0; i < rt.count; i++) {
        let type = rt.type(i);
        const s = f.sym(rt.sym(i));
        let off = rt.offset(i);
        let addend = rt.addend(i);
        if (reversed) off = reversedOffset(m, off);
        const place = os.offset + m.offset + (m.mergeMap ? m.mergeMap(off) : off);
        // Relaxed forms, read back from the output bytes.
        if ((type === R_X86_64.GOTPCRELX || type === R_X86_64.REX_GOTPCRELX) && os.isAlloc) {
          const op = out[place - 2];
          if (op === 0x8d || (op === 0x67 && out[place - 1] === 0xe8)) type = R_X86_64.PC32;
          else if (op === 0xe9) {
            type = R_X86_64.PC32;
            off -= 1;
          } else if (op === 0xc7) {
            type = R_X86_64['32S'];
            addend = 0;
          }
        } else if (type === R_X86_64.GOTTPOFF && os.isAlloc && (out[place - 2] === 0xc7 || out[place - 2] === 0x81)) {
          type = R_X86_64.TPOFF32;
          addend = 0;
        }
        let index = 0;
        if (s && !s.isLocal && s.name !== '') {
          index = globals.get(s.name) ?? locals.get(`${s.name}\0${BigInt.asUintN(64, BigInt(ctx.valueOf(s)))}\0${s.section?.output?.symbolShndx ?? 0xfff1}`) ?? 0;
        } else if (s && s.name !== '' && stType(s.type) !== STT_SECTION && s.section?.output) {
          index = locals.get(`${s.name}\0${BigInt(ctx.valueOf(s))}\0${s.section.output.symbolShndx}`) ?? 0;
        }
        if (index === 0 && s && s.kind === SymKind.Defined && s.section?.live && s.section.output) {
          // Against the output section: the addend becomes the target's offset in it.
          const target = s.section;
          const addr = s.type === STT_SECTION ? ctx.sectionAddress(target, addend) : ctx.valueOf(s) + addend;
          const osym = sectionSym.get(target.output!.standIn ?? target.output!);
          if (osym !== undefined) {
            index = osym;
            addend = addr - (target.output!.standIn ?? target.output!).addr;
          }
        }
        const where = (os.isAlloc ? os.addr : 0) + m.offset + (m.mergeMap ? m.mergeMap(off) : off);
        entries.push([where, type, index, addend]);
      }
    }
    if (entries.length === 0) continue;
    const data = new Uint8Array(entries.length * RELA_SIZE);
    const dv = new DataView(data.buffer);
    entries.forEach(([where, type, index, addend], k) => {
      dv.setBigUint64(k * RELA_SIZE, BigInt.asUintN(64, BigInt(where!)), true);
      dv.setUint32(k * RELA_SIZE + 8, type!, true);
      dv.setUint32(k * RELA_SIZE + 12, index!, true);
      dv.setBigInt64(k * RELA_SIZE + 16, BigInt(addend!), true);
    });
    const rela: TailSection = {
      name: `.rela${os.name}`, type: SHT_RELA, flags: SHF_INFO_LINK, addr: 0n, offset: 0, size: data.length,
      link: symtabIndex, info: os.shndx, align: 8n, entsize: BigInt(RELA_SIZE), data,
    };
    e.shdrs.push(rela);
  }
  return writeSections(e, ctx.options.buildId);
}
