// The last steps of a UKL image link: program headers as PVH loaders want them, and the image's name
// written into the kernel (argv[0]).
//
// QEMU finds the PVH entry through the PT_NOTE that holds the Xen note (and uses that PT_NOTE's p_align
// to find the note's desc); rust-vmm's loader (Firecracker, Cloud Hypervisor) reads every PT_NOTE and
// keeps the last answer, so a later PT_NOTE without the Xen note would switch PVH off. The image keeps
// exactly one PT_NOTE, the one with the Xen note; any other becomes PT_NULL (.note.gnu.property stays
// described by PT_GNU_PROPERTY).
import { basename } from 'node:path';
import { PT_LOAD, PT_NOTE, PT_NULL } from '../elf/constants.ts';
import type { Context } from '../link/context.ts';
import { LinkError } from '../link/errors.ts';
import type { Layout } from '../link/layout.ts';
import { SymKind } from '../link/symbol.ts';
import { KSYMS_SECTION } from './ksyms.ts';
export { createKsyms } from './ksyms.ts';

const XEN_NOTE_SECTION = '.note.Xen';
const IMAGE_NAME_SYMBOL = 'ukl_image_name';
const KSYMS_SYMBOL = 'ukl_ksyms';
const IMAGE_NAME_SIZE = 256;
const IMAGE_ALIGN = 0x200000;

/** Keep one PT_NOTE (the Xen note's); check what loaders check. Before the image is written. */
export function shapeImageHeaders(layout: Layout): void {
  const xen = layout.sections.find((s) => s.name === XEN_NOTE_SECTION);
  if (!xen) throw new LinkError(`UKL image: no ${XEN_NOTE_SECTION} section (the kernel object's PVH note) in the output`);
  if (xen.align !== 4) throw new LinkError(`UKL image: ${XEN_NOTE_SECTION} is ${xen.align}-aligned; the PVH note needs a 4-aligned PT_NOTE`);
  let kept = 0;
  for (const p of layout.phdrs) {
    if (p.type === PT_LOAD) {
      if (p.vaddr < 0x100000n) throw new LinkError(`UKL image: a PT_LOAD at 0x${p.vaddr.toString(16)} is below 1 MiB`);
      // rust-vmm's linux-loader wants p_align to be a multiple of 2 MiB (offset and address agree modulo
      // 2 MiB because the image base is 2 MiB-aligned: see ukl-inputs.ts).
      p.align = IMAGE_ALIGN;
    }
    if (p.type !== PT_NOTE) continue;
    if (xen.offset >= p.offset && xen.offset < p.offset + p.filesz) {
      kept++;
      continue;
    }
    Object.assign(p, { type: PT_NULL, flags: 0, offset: 0, vaddr: 0n, paddr: 0n, filesz: 0, memsz: 0, align: 0 });
  }
  if (kept !== 1) throw new LinkError(`UKL image: ${kept} PT_NOTE segments hold the Xen note, expected 1`);
}

/**
 * Fill in the kernel's variables the link knows: ukl_image_name (the output's file name: argv[0] and
 * AT_EXECFN) and ukl_ksyms (the address of .ukl.ksyms, for fault reports).
 */
export function finishImage(ctx: Context, layout: Layout, chunks: Uint8Array[]): void {
  const name = Buffer.from(basename(ctx.options.output), 'utf8').subarray(0, IMAGE_NAME_SIZE - 1);
  const field = new Uint8Array(IMAGE_NAME_SIZE);
  field.set(name);
  setVariable(ctx, layout, chunks, IMAGE_NAME_SYMBOL, field);
  const ksyms = layout.sections.find((s) => s.name === KSYMS_SECTION);
  if (ksyms) {
    const v = new Uint8Array(8);
    new DataView(v.buffer).setBigUint64(0, BigInt(ksyms.addr), true);
    setVariable(ctx, layout, chunks, KSYMS_SYMBOL, v);
  }
}

/** Overwrite a kernel variable's initial value (a symbol in a section with file contents). */
function setVariable(ctx: Context, layout: Layout, chunks: Uint8Array[], symbol: string, value: Uint8Array): void {
  const s = ctx.symtab.find(symbol);
  if (!s || s.kind !== SymKind.Defined) return;
  const addr = ctx.addressOf(s);
  const os = layout.sections.find((x) => !x.isNobits && x.addr <= addr && addr + value.length <= x.addr + x.size);
  if (!os) return;
  writeAt(chunks, os.offset + (addr - os.addr), value);
}

/** Write `data` at file offset `at` of an output held as consecutive chunks. */
function writeAt(chunks: Uint8Array[], at: number, data: Uint8Array): void {
  let base = 0;
  for (const c of chunks) {
    for (let i = 0; i < data.length; i++) {
      const off = at + i - base;
      if (off >= 0 && off < c.length) c[off] = data[i]!;
    }
    base += c.length;
  }
}
