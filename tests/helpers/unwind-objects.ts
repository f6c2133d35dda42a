// Inputs for the unwind-table rewriting tests (tests/relink-eh-frame.test.ts, tests/relink-lsda.test.ts):
// the test objects and system archive members as ElfFiles, their .eh_frame as the rewriter's input, and
// the offset maps the tests grow code with.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readArchive } from '../../src/elf/archive.ts';
import { SHT_NOBITS, SHT_RELA } from '../../src/elf/constants.ts';
import { ElfFile } from '../../src/elf/reader.ts';
import { stType } from '../../src/elf/types.ts';
import type { EhFrameInput, OffsetMap, Reloc } from '../../src/relink-syscalls/eh-frame.ts';
import { LIBDIR, libstdcxxArchive } from './elf-tools.ts';
import { Rng } from './mutate.ts';
import { TEST_OBJECTS_DIR } from './test-objects.ts';

export { TEST_OBJECTS_DIR };

export const LIBC_A = join(LIBDIR, 'libc.a');
export const LIBSTDCXX_A = libstdcxxArchive();

export interface Obj {
  name: string;
  elf: ElfFile;
}

/** Every object in test-objects/, by name. */
export function testObjects(): Obj[] {
  return readdirSync(TEST_OBJECTS_DIR).filter((f) => f.endsWith('.o')).sort().map((f) => ({ name: f, elf: new ElfFile(new Uint8Array(readFileSync(join(TEST_OBJECTS_DIR, f))), { file: f }) }));
}

/** Every .o member of an archive (none when it is missing), named archive(member). */
export function archiveObjects(path: string | undefined): Obj[] {
  if (!path || !existsSync(path)) return [];
  const ar = readArchive(new Uint8Array(readFileSync(path)), path);
  return ar.members.filter((m) => m.name.endsWith('.o')).map((m) => ({ name: `${path.split('/').pop()}(${m.name})`, elf: new ElfFile(ar.data(m), { file: path, member: m.name }) }));
}

export function relocsOf(elf: ElfFile, relaIndex: number): Reloc[] {
  return elf.relocations(relaIndex).map((r) => ({ offset: Number(r.offset), type: r.type, sym: r.sym, addend: Number(r.addend) }));
}

/** The SHT_RELA section that applies to section `index`. */
export function relaFor(elf: ElfFile, index: number): number | undefined {
  return elf.sections.find((s) => s.type === SHT_RELA && s.info === index)?.index;
}

export function ehSection(elf: ElfFile): number | undefined {
  return elf.sections.find((s) => s.name === '.eh_frame' && s.type !== SHT_NOBITS)?.index;
}

export function symbolsOf(elf: ElfFile): EhFrameInput['symbols'] {
  return elf.symtab ? elf.symbols().map((s) => ({ name: s.name, type: stType(s.info), shndx: s.shndx, value: Number(s.value) })) : [];
}

/** The object's .eh_frame with its relocations and symbols, or undefined when it has none. */
export function ehInput(elf: ElfFile): EhFrameInput | undefined {
  const eh = ehSection(elf);
  if (eh === undefined) return undefined;
  const rela = relaFor(elf, eh);
  return { data: elf.sections[eh]!.data, relocs: rela === undefined ? [] : relocsOf(elf, rela), symbols: symbolsOf(elf) };
}

export const identity: OffsetMap = (x) => x;

/** map(x) = x + the sizes inserted at points p < x: bytes inserted "at p" belong to the instruction at p. */
export function insertionMap(points: Map<number, number>): OffsetMap {
  const ps = [...points.keys()].sort((a, b) => a - b);
  const prefix: number[] = [0];
  for (const p of ps) prefix.push(prefix[prefix.length - 1]! + points.get(p)!);
  return (x) => {
    let lo = 0;
    let hi = ps.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ps[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return x + prefix[lo]!;
  };
}

/** Deterministic numbers in [0, 1) from a seed (the fuzzers' mulberry32). */
export function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next() / 0x100000000;
}
