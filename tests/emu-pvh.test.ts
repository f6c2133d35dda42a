// PVH loading (src/emu/pvh-boot.ts) against GNU readelf's view of real PVH images: the committed test
// images (test-objects/pvh-images, built by gcc/ld; they boot in QEMU, see tests/emu-system.test.ts)
// and, when present, the kernel's images. The entry must be the Xen note's descriptor as readelf
// prints it, every PT_LOAD must land at its p_paddr with its file bytes and a zeroed tail, and the
// start_info must follow the hvm_start_info v1 layout (xen start_info.h).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HVM_START_MAGIC, loadPvh, parsePvhImage, PvhError } from '../src/emu/pvh-boot.ts';
import { have, run } from './helpers/elf-tools.ts';

const IMAGES = join(import.meta.dirname, '..', 'test-objects', 'pvh-images');
const images = ['hello32.elf', 'long64.elf'].map((f) => join(IMAGES, f));
const haveReadelf = have('readelf');
if (!haveReadelf && process.env.CI === 'true') throw new Error('readelf is required in CI');

interface ReadelfView {
  loads: { offset: number; paddr: number; filesz: number; memsz: number }[];
  pvhEntry: number | undefined;
}

function readelfView(path: string): ReadelfView {
  const out = run('readelf', ['-lnW', path]).stdout;
  const loads = [...out.matchAll(/^\s+LOAD\s+(0x[0-9a-f]+)\s+0x[0-9a-f]+\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)/gm)].map((m) => ({
    offset: Number(m[1]),
    paddr: Number(m[2]),
    filesz: Number(m[3]),
    memsz: Number(m[4]),
  }));
  // "Xen  0x00000008  Unknown note type: (0x00000012)  description data: 00 00 10 00 ..."
  const note = /Xen\s+0x[0-9a-f]+\s+[^\n]*\(0x00000012\)\s+description data: ([0-9a-f ]+)/.exec(out);
  let pvhEntry: number | undefined;
  if (note) {
    const bytes = note[1]!.trim().split(/\s+/).map((h) => parseInt(h, 16));
    pvhEntry = bytes.slice(0, 8).reduce((v, b, i) => v + b * 2 ** (8 * i), 0);
  }
  return { loads, pvhEntry };
}

const RAM = 64 << 20;

describe.skipIf(!haveReadelf)('PVH images against readelf (skipped when readelf is missing)', () => {
  for (const path of images) {
    it(`${path.split('/').pop()}: entry from the Xen note, segments at p_paddr with their bytes, bss zeroed`, () => {
      const bytes = new Uint8Array(readFileSync(path));
      const view = readelfView(path);
      const img = parsePvhImage(bytes, path);
      expect(view.pvhEntry).toBeDefined();
      expect(img.entry).toBe(view.pvhEntry);
      expect(img.segments.map((s) => ({ paddr: s.paddr, filesz: s.data.length, memsz: s.memsz }))).toEqual(
        view.loads.map((l) => ({ paddr: l.paddr, filesz: l.filesz, memsz: l.memsz })),
      );
      const ram = new Uint8Array(RAM);
      ram.fill(0xcc, 0x100000, 0x400000); // dirty RAM: the loader must zero the bss itself
      const { cpu } = loadPvh(img, ram, '');
      for (const l of view.loads) {
        expect(Buffer.from(ram.subarray(l.paddr, l.paddr + l.filesz)).equals(Buffer.from(bytes.subarray(l.offset, l.offset + l.filesz)))).toBe(true);
        expect(ram.subarray(l.paddr + l.filesz, l.paddr + l.memsz).every((b) => b === 0)).toBe(true);
      }
      expect(cpu.eip).toBe(view.pvhEntry);
    });
  }
});

describe('hvm_start_info and the entry state', () => {
  const img = parsePvhImage(new Uint8Array(readFileSync(images[1]!)), images[1]!);
  const ram = new Uint8Array(RAM);
  const { cpu, layout } = loadPvh(img, ram, 'console=ttyS0 quiet');
  const dv = new DataView(ram.buffer);
  const u64 = (a: number) => Number(dv.getBigUint64(a, true));

  it('EBX points at a version-1 start_info with the command line and the memory map', () => {
    const si = cpu.ebx;
    expect(si).toBe(layout.startInfo);
    expect(dv.getUint32(si, true)).toBe(HVM_START_MAGIC);
    expect(dv.getUint32(si, true)).toBe(0x336ec578);
    expect(dv.getUint32(si + 4, true)).toBe(1);
    expect(dv.getUint32(si + 12, true)).toBe(0); // no modules
    const cmd = u64(si + 24);
    expect(Buffer.from(ram.subarray(cmd, cmd + 20)).toString('latin1')).toBe('console=ttyS0 quiet\0');
    const mm = u64(si + 40);
    const n = dv.getUint32(si + 48, true);
    const entries = Array.from({ length: n }, (_, i) => [u64(mm + 24 * i), u64(mm + 24 * i + 8), dv.getUint32(mm + 24 * i + 16, true)]);
    // QEMU's map (tests/emu-system.test.ts compares hello32.elf's printout of it with QEMU's).
    expect(entries).toEqual([
      [0, 0x9fc00, 1],
      [0x9fc00, 0x400, 2],
      [0xf0000, 0x10000, 2],
      [0x100000, RAM - 0x100000 - 0x20000, 1],
      [RAM - 0x20000, 0x20000, 2],
      [0xfffc0000, 0x40000, 2],
      [0xfd00000000, 0x300000000, 2],
    ]);
  });

  it('the boot data does not overlap the image', () => {
    const [s] = img.segments;
    for (const a of [layout.startInfo, layout.memmap, layout.cmdline]) expect(a >= s!.paddr && a < s!.paddr + s!.memsz).toBe(false);
  });

  it('32-bit protected mode, flat segments, paging off: CR0 = PE|ET, CR4 = 0, EFLAGS = 2', () => {
    expect(cpu.cr0).toBe(0x11);
    expect(cpu.cr4).toBe(0);
    expect(cpu.eflags).toBe(2);
    expect(cpu.efer).toBe(0);
    expect(cpu.cs).toMatchObject({ base: 0, limit: 0xffffffff, access: 0x9b, flags: 0xc });
    for (const s of [cpu.ds, cpu.es, cpu.ss]) expect(s).toMatchObject({ base: 0, limit: 0xffffffff, access: 0x93, flags: 0xc });
    // The boot GDT the selectors name holds the same descriptors.
    expect(dv.getBigUint64(cpu.gdtr.base + cpu.cs.selector, true)).toBe(0x00cf9b000000ffffn);
    expect(dv.getBigUint64(cpu.gdtr.base + cpu.ds.selector, true)).toBe(0x00cf93000000ffffn);
  });

  it('moves the boot data when the image occupies the usual places', () => {
    // An image whose segment covers 0x1000-0x30000 pushes start_info, memmap and cmdline elsewhere.
    const low = { ...img, segments: [{ index: 0, paddr: 0x1000, data: new Uint8Array(16), memsz: 0x2f000 }] };
    const r = new Uint8Array(RAM);
    const { layout: l } = loadPvh(low, r, 'x');
    for (const a of [l.startInfo, l.memmap, l.cmdline]) expect(a < 0x1000 || a >= 0x30000).toBe(true);
    expect(new DataView(r.buffer).getUint32(l.startInfo, true)).toBe(HVM_START_MAGIC);
  });
});

describe('bad images get one-line errors naming the file', () => {
  const good = new Uint8Array(readFileSync(images[0]!));
  const patched = (f: (b: Uint8Array, dv: DataView) => void) => {
    const b = good.slice();
    f(b, new DataView(b.buffer));
    return b;
  };
  const err = (b: Uint8Array, ram = RAM) => {
    try {
      loadPvh(parsePvhImage(b, 'img.elf'), new Uint8Array(ram), '');
    } catch (e) {
      expect(e).toBeInstanceOf(PvhError);
      const m = (e as Error).message;
      expect(m.includes('\n')).toBe(false);
      return m;
    }
    return 'no error';
  };
  // Offsets from readelf's view of the image.
  const noteOffset = () => {
    const out = run('readelf', ['-lW', images[0]!]).stdout;
    return Number(/^\s+NOTE\s+(0x[0-9a-f]+)/m.exec(out)![1]);
  };

  it('not ELF, ELF32, not x86-64', () => {
    expect(err(new TextEncoder().encode('#!/bin/sh\n'.repeat(10)))).toMatch(/^img\.elf: not an ELF file/);
    expect(err(patched((b) => (b[4] = 1)))).toMatch(/^img\.elf: not an ELF64 x86-64 image \(class 1/);
    expect(err(patched((_, dv) => dv.setUint16(18, 3, true)))).toMatch(/^img\.elf: not an ELF64 x86-64 image \(class 2, machine 3\)/);
  });

  it.skipIf(!haveReadelf)('no PVH note (type 18 changed to 19)', () => {
    const o = noteOffset();
    expect(err(patched((_, dv) => dv.setUint32(o + 8, 19, true)))).toMatch(/^img\.elf: no PVH entry note/);
  });

  it.skipIf(!haveReadelf)('a 4-byte descriptor is read as 4 bytes; a 2-byte one is refused', () => {
    const o = noteOffset();
    const four = patched((_, dv) => dv.setUint32(o + 4, 4, true));
    expect(parsePvhImage(four, 'img.elf').entry).toBe(0x100000);
    expect(err(patched((_, dv) => dv.setUint32(o + 4, 2, true)))).toMatch(/2-byte descriptor/);
  });

  it('segments outside guest RAM or in the legacy hole', () => {
    // p_paddr of program header 0 (e_phoff 64, p_paddr at +24).
    expect(err(patched((_, dv) => dv.setBigUint64(64 + 24, 0x7ff00000n, true)))).toMatch(/^img\.elf: segment 0 \[0x7ff00000, 0x7ff0[0-9a-f]+\) lies outside guest RAM/);
    expect(err(patched((_, dv) => dv.setBigUint64(64 + 24, 0xa0000n, true)))).toMatch(/overlaps the reserved legacy area/);
    expect(err(good, 0x100000)).toMatch(/too small/);
  });
});
