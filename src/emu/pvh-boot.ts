// PVH direct boot, as QEMU's `-kernel vmlinux` does it for an ELF with a Xen PHYS32_ENTRY note:
// the PT_LOAD segments go to their physical addresses (p_paddr), an hvm_start_info (version 1, with
// the command line and QEMU's memory map) is built in guest RAM where the image is not, and the CPU starts
// in 32-bit protected mode with flat segments, paging off, CR0 = PE|ET, CR4 = 0, EFLAGS = 2 and EBX
// pointing at the start_info (xen docs/misc/pvh.pandoc; QEMU's pvh.bin gives the same state).
//
// The note is found the way QEMU's loader finds it: in each PT_NOTE segment, notes are walked with
// the segment's p_align; the first note of type 18 wins, and for an ELF64 its descriptor is read as
// 8 bytes (Linux emits the entry as a pointer-sized value; a 4-byte descriptor is read as 4).
// The ELF reader alone (not src/elf/index.ts, which loads the writer, archives and link inputs too).
import { ElfFile } from '../elf/reader.ts';
import { FormatError } from '../elf/errors.ts';
import { PT_LOAD, PT_NOTE } from '../elf/constants.ts';

export const XEN_ELFNOTE_PHYS32_ENTRY = 18;
export const HVM_START_MAGIC = 0x336ec578;

/** The memory map of every PVH machine here: low RAM, the legacy hole, RAM from 1 MiB on. */
export const LOW_RAM_END = 0x9fc00;
export const HIGH_RAM_START = 0x100000;
export const E820_RAM = 1;
export const E820_RESERVED = 2;

/** Where the start_info, its memory map and the command line go if the image leaves them free
 * (Firecracker's layout: start_info 0x6000, memmap 0x7000, cmdline 0x20000). */
const PREFERRED = { startInfo: 0x6000, memmap: 0x7000, cmdline: 0x20000 };
/** A GDT like Firecracker's at 0x500: null, flat 32-bit code (0x08), flat data (0x10), TSS (0x18). */
export const BOOT_GDT_ADDR = 0x500;
const BOOT_GDT = [0n, 0x00cf9b000000ffffn, 0x00cf93000000ffffn, 0x00008b0000000067n];
export const MAX_CMDLINE = 2048;

export class PvhError extends Error {
  override toString(): string {
    return this.message;
  }
}

export interface LoadSegment {
  /** Index of the program header (for messages). */
  index: number;
  paddr: number;
  data: Uint8Array;
  memsz: number;
}

export interface PvhImage {
  file: string;
  /** 32-bit physical entry point from the Xen note. */
  entry: number;
  segments: LoadSegment[];
  /** The parsed image (its .symtab names addresses in diagnoses). */
  elf: ElfFile;
}

/** Parse an ELF64 x86-64 image for PVH boot; every problem is a one-line PvhError naming the file. */
export function parsePvhImage(bytes: Uint8Array, file: string): PvhImage {
  if (bytes.length < 20 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new PvhError(`${file}: not an ELF file (bad magic)`);
  }
  if (bytes[4] !== 2 || (bytes[18]! | (bytes[19]! << 8)) !== 62) {
    throw new PvhError(`${file}: not an ELF64 x86-64 image (class ${bytes[4]}, machine ${bytes[18]! | (bytes[19]! << 8)}); ukl-run boots ELF64 x86-64 images with a PVH note`);
  }
  let elf: ElfFile;
  try {
    elf = new ElfFile(bytes, { file });
  } catch (e) {
    if (e instanceof FormatError) throw new PvhError(e.message);
    throw e;
  }
  const entry = findPvhEntry(elf, file);
  const segments: LoadSegment[] = [];
  elf.programHeaders.forEach((p, index) => {
    if (p.type !== PT_LOAD || p.memsz === 0) return;
    if (p.paddr >= 2n ** 52n) throw new PvhError(`${file}: program header ${index}: p_paddr 0x${p.paddr.toString(16)} is not a physical address this machine has`);
    segments.push({ index, paddr: Number(p.paddr), data: bytes.subarray(p.offset, p.offset + p.filesz), memsz: p.memsz });
  });
  if (segments.length === 0) throw new PvhError(`${file}: no PT_LOAD segment to load`);
  return { file, entry, segments, elf };
}

function findPvhEntry(elf: ElfFile, file: string): number {
  const b = elf.bytes;
  const v = elf.view;
  for (const p of elf.programHeaders) {
    if (p.type !== PT_NOTE) continue;
    const align = Math.max(p.align, 1);
    const end = p.offset + p.filesz;
    let o = p.offset;
    while (o + 12 <= end) {
      const namesz = v.getUint32(o, true);
      const descsz = v.getUint32(o + 4, true);
      const type = v.getUint32(o + 8, true);
      const desc = o + 12 + alignUp(namesz, align);
      if (type === XEN_ELFNOTE_PHYS32_ENTRY) {
        if (descsz < 4 || desc + Math.min(descsz, 8) > b.length) {
          throw new PvhError(`${file}: PVH note at offset 0x${o.toString(16)} has a ${descsz}-byte descriptor (need 4 or 8)`);
        }
        const lo = v.getUint32(desc, true);
        const hi = descsz >= 8 ? v.getUint32(desc + 4, true) : 0;
        if (hi !== 0) throw new PvhError(`${file}: PVH entry 0x${(hi * 2 ** 32 + lo).toString(16)} (note at offset 0x${o.toString(16)}) is not a 32-bit physical address`);
        return lo;
      }
      o = desc + alignUp(descsz, align);
    }
  }
  throw new PvhError(`${file}: no PVH entry note (a PT_NOTE with a "Xen" note of type 18, XEN_ELFNOTE_PHYS32_ENTRY); QEMU says "Error loading uncompressed kernel without PVH ELF Note"`);
}

function alignUp(v: number, a: number): number {
  return Math.ceil(v / a) * a;
}

/** The top of RAM that QEMU's firmware (SeaBIOS) keeps for itself and marks reserved. */
export const FIRMWARE_RESERVED_TOP = 0x20000;
/** Most RAM the flat physical memory can have below the local APIC and the BIOS ROM. */
export const MAX_RAM = 0xc0000000;

/**
 * The hvm_start_info memory map for `ramBytes` of RAM: the one QEMU 7.2's PVH boot gives a guest
 * (measured with test-objects/pvh-images/hello32.elf), so that a kernel sees the same memory in both:
 * low RAM to 0x9fc00, the EBDA and BIOS areas reserved, RAM from 1 MiB to 128 KiB below the end (the
 * firmware keeps the top), the BIOS ROM below 4 GiB and the HyperTransport hole at 1012 GiB reserved.
 */
export function pvhMemoryMap(ramBytes: number): { addr: number; size: number; type: number }[] {
  return [
    { addr: 0, size: LOW_RAM_END, type: E820_RAM },
    { addr: LOW_RAM_END, size: 0xa0000 - LOW_RAM_END, type: E820_RESERVED },
    { addr: 0xf0000, size: 0x10000, type: E820_RESERVED },
    { addr: HIGH_RAM_START, size: ramBytes - HIGH_RAM_START - FIRMWARE_RESERVED_TOP, type: E820_RAM },
    { addr: ramBytes - FIRMWARE_RESERVED_TOP, size: FIRMWARE_RESERVED_TOP, type: E820_RESERVED },
    { addr: 0xfffc0000, size: 0x40000, type: E820_RESERVED },
    { addr: 0xfd00000000, size: 0x300000000, type: E820_RESERVED },
  ];
}

/** Flat segment register state (hidden part as loaded from the boot GDT). */
export interface SegmentState {
  selector: number;
  base: number;
  limit: number;
  /** Descriptor access byte (type, S, DPL, P) and flags nibble (G, D/B, L, AVL), as in the GDT. */
  access: number;
  flags: number;
}

/** The CPU state at the PVH entry, in plain data for the machine to load into its CPU. */
export interface PvhCpuState {
  eip: number;
  ebx: number;
  eflags: number;
  cr0: number;
  cr3: number;
  cr4: number;
  efer: number;
  cs: SegmentState;
  ds: SegmentState;
  es: SegmentState;
  ss: SegmentState;
  fs: SegmentState;
  gs: SegmentState;
  tr: SegmentState;
  gdtr: { base: number; limit: number };
  idtr: { base: number; limit: number };
}

export interface PvhLayout {
  startInfo: number;
  memmap: number;
  cmdline: number;
}

const FLAT_CODE: SegmentState = { selector: 0x08, base: 0, limit: 0xffffffff, access: 0x9b, flags: 0xc };
const FLAT_DATA: SegmentState = { selector: 0x10, base: 0, limit: 0xffffffff, access: 0x93, flags: 0xc };

/**
 * Load `image` into `ram` (guest physical memory from address 0) and build the start_info; returns
 * the entry CPU state and where the boot data went. `ram` must be zero-filled (bss is not cleared).
 */
export function loadPvh(image: PvhImage, ram: Uint8Array, cmdline: string): { cpu: PvhCpuState; layout: PvhLayout } {
  const ramBytes = ram.length;
  if (ramBytes < 2 * HIGH_RAM_START) throw new PvhError(`guest RAM of ${ramBytes} bytes is too small (at least 2 MiB)`);
  if (ramBytes > MAX_RAM) throw new PvhError(`guest RAM of ${ramBytes} bytes is too large (at most 3 GiB)`);
  const usable = ramBytes - FIRMWARE_RESERVED_TOP;
  const cmd = Buffer.from(cmdline, 'utf8');
  if (cmd.length + 1 > MAX_CMDLINE) throw new PvhError(`${image.file}: command line of ${cmd.length} bytes is longer than ${MAX_CMDLINE - 1}`);
  const used: [number, number][] = [];
  for (const s of image.segments) {
    const end = s.paddr + s.memsz;
    if (end > usable) {
      throw new PvhError(`${image.file}: segment ${s.index} [0x${s.paddr.toString(16)}, 0x${end.toString(16)}) lies outside guest RAM [0, 0x${usable.toString(16)}) (give more memory with --memory)`);
    }
    if (s.paddr < HIGH_RAM_START && end > LOW_RAM_END) {
      throw new PvhError(`${image.file}: segment ${s.index} [0x${s.paddr.toString(16)}, 0x${end.toString(16)}) overlaps the reserved legacy area [0x${LOW_RAM_END.toString(16)}, 0x${HIGH_RAM_START.toString(16)})`);
    }
    used.push([s.paddr, end]);
  }
  if (image.entry >= usable) throw new PvhError(`${image.file}: PVH entry 0x${image.entry.toString(16)} is outside guest RAM`);
  const map = pvhMemoryMap(ramBytes);
  const gdtEnd = BOOT_GDT_ADDR + BOOT_GDT.length * 8;
  used.push([BOOT_GDT_ADDR, gdtEnd]);
  if (image.segments.some((s) => overlaps(s.paddr, s.paddr + s.memsz, BOOT_GDT_ADDR, gdtEnd))) {
    throw new PvhError(`${image.file}: the image overlaps the boot GDT at 0x${BOOT_GDT_ADDR.toString(16)}`);
  }
  const place = (preferred: number, size: number, what: string): number => {
    const fits = (a: number) => a + size <= LOW_RAM_END && !used.some(([s, e]) => overlaps(a, a + size, s, e));
    let at = -1;
    if (fits(preferred)) at = preferred;
    else {
      for (let a = 0x1000; a + size <= LOW_RAM_END; a += 0x1000) if (fits(a)) { at = a; break; }
      if (at < 0) {
        // Above everything the image loads, in high RAM.
        const top = Math.max(HIGH_RAM_START, ...used.map(([, e]) => e));
        const a = Math.ceil(top / 0x1000) * 0x1000;
        if (a + size <= usable) at = a;
      }
    }
    if (at < 0) throw new PvhError(`${image.file}: no free guest memory for the ${what}`);
    used.push([at, at + size]);
    return at;
  };
  const startInfo = place(PREFERRED.startInfo, 56, 'hvm_start_info');
  const memmap = place(PREFERRED.memmap, map.length * 24, 'memory map');
  const cmdAddr = place(PREFERRED.cmdline, cmd.length + 1, 'command line');

  for (const s of image.segments) {
    ram.set(s.data, s.paddr);
    ram.fill(0, s.paddr + s.data.length, s.paddr + s.memsz);
  }
  const dv = new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
  BOOT_GDT.forEach((d, i) => dv.setBigUint64(BOOT_GDT_ADDR + i * 8, d, true));
  dv.setUint32(startInfo + 0, HVM_START_MAGIC, true);
  dv.setUint32(startInfo + 4, 1, true); // version
  dv.setUint32(startInfo + 8, 0, true); // flags
  dv.setUint32(startInfo + 12, 0, true); // nr_modules
  dv.setBigUint64(startInfo + 16, 0n, true); // modlist_paddr
  dv.setBigUint64(startInfo + 24, BigInt(cmdAddr), true);
  dv.setBigUint64(startInfo + 32, 0n, true); // rsdp_paddr: no ACPI tables
  dv.setBigUint64(startInfo + 40, BigInt(memmap), true);
  dv.setUint32(startInfo + 48, map.length, true);
  dv.setUint32(startInfo + 52, 0, true);
  map.forEach((e, i) => {
    const o = memmap + i * 24;
    dv.setBigUint64(o, BigInt(e.addr), true);
    dv.setBigUint64(o + 8, BigInt(e.size), true);
    dv.setUint32(o + 16, e.type, true);
    dv.setUint32(o + 20, 0, true);
  });
  ram.set(cmd, cmdAddr);
  ram[cmdAddr + cmd.length] = 0;

  const cpu: PvhCpuState = {
    eip: image.entry,
    ebx: startInfo,
    eflags: 0x2,
    cr0: 0x11, // PE | ET
    cr3: 0,
    cr4: 0,
    efer: 0,
    cs: { ...FLAT_CODE },
    ds: { ...FLAT_DATA },
    es: { ...FLAT_DATA },
    ss: { ...FLAT_DATA },
    fs: { ...FLAT_DATA },
    gs: { ...FLAT_DATA },
    tr: { selector: 0x18, base: 0, limit: 0x67, access: 0x8b, flags: 0 },
    gdtr: { base: BOOT_GDT_ADDR, limit: BOOT_GDT.length * 8 - 1 },
    idtr: { base: 0, limit: 0 },
  };
  return { cpu, layout: { startInfo, memmap, cmdline: cmdAddr } };
}

function overlaps(a0: number, a1: number, b0: number, b1: number): boolean {
  return a0 < b1 && b0 < a1;
}
