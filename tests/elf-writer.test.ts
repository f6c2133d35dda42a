// The ELF writer: round trips (byte-identical), GNU-compatible fresh layouts and string tables, encoders
// that reproduce what GNU as wrote, archives identical to `ar rcsD`, links through GNU ld that give the
// same executables from original and rewritten inputs, and files built from scratch that readelf, ld and
// the kernel accept.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Archive, ElfFile, EM_X86_64, ET_EXEC, ET_REL, GRP_COMDAT, PF_R, PF_X, PT_LOAD, R_X86_64, SHF_ALLOC, SHF_EXECINSTR, SHF_GROUP,
  SHF_INFO_LINK, SHN_ABS, SHN_XINDEX, SHT_GROUP, SHT_NOBITS, SHT_NOTE, SHT_PROGBITS, SHT_RELA, SHT_STRTAB, SHT_SYMTAB,
  SHT_SYMTAB_SHNDX, STB_GLOBAL, STB_LOCAL, STT_FUNC, STT_NOTYPE, STT_SECTION, StringTableBuilder, archiveSymbols, elfToModel,
  encodeGroup, encodeNotes, encodeRela, encodeSymbols, stInfo, withoutOffsets, writeArchive, writeElf, writeElfWithLayout,
  type ArchiveMemberInput, type ElfModel, type SectionModel, type SymbolInput,
} from '../src/elf/index.ts';
import { lacking } from './helpers/tools.ts';
import { LIBDIR, elfFilesUnder, isArchiveBytes, libmArchive, libstdcxxArchive, realArchive, run } from './helpers/elf-tools.ts';

const TEST_OBJECTS = join(import.meta.dirname, '..', 'test-objects');
const LIBC = realArchive(join(LIBDIR, 'libc.a'));
const NO_GCC = lacking('gcc', 'readelf', LIBC ?? 'libc.a');
const NO_READELF_LIBC = lacking('readelf', LIBC ?? 'libc.a');

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;
const read = (p: string): Uint8Array => new Uint8Array(readFileSync(p));

/**
 * Fresh layout and a .shstrtab built from nothing but the names (no name offsets, so GNU's default
 * order: the writer decides every offset and every section name offset.
 */
function relaidOut(elf: ElfFile): Uint8Array {
  const m = withoutOffsets(elfToModel(elf));
  for (const s of m.sections) delete s.nameOffset;
  return writeElf(m, { layout: 'fresh', shstrtab: 'rebuild' });
}

/**
 * A deeper rewrite: symbols, relocations, groups and notes decoded and encoded again, string tables
 * rebuilt, fresh layout. For files GNU tools wrote this gives the original bytes back.
 */
function reencoded(elf: ElfFile): Uint8Array {
  const m = withoutOffsets(elfToModel(elf));
  const st = elf.symtab;
  if (st && st.link !== elf.header.shstrndx) {
    const e = encodeSymbols(elf.symbols(st.index));
    m.sections[st.index]!.data = e.symtab;
    m.sections[st.index]!.info = e.info;
    m.sections[st.link]!.data = e.strtab;
    for (const s of elf.sections) if (s.type === SHT_SYMTAB_SHNDX && s.link === st.index && e.shndx) m.sections[s.index]!.data = e.shndx;
  }
  for (const s of elf.sections) {
    if (s.type === SHT_RELA) m.sections[s.index]!.data = encodeRela(elf.relocations(s.index));
    if (s.type === SHT_NOTE && (s.addralign === 4 || s.addralign === 8)) {
      const notes = elf.sectionNotes(s);
      const enc = encodeNotes(notes, s.addralign as 4 | 8);
      // (a note whose name has trailing NULs beyond one, or a short last pad, would not re-encode the same)
      if (enc.length === s.size) m.sections[s.index]!.data = enc;
    }
  }
  for (const g of elf.groups()) m.sections[g.section]!.data = encodeGroup(g);
  return writeElf(m, { layout: 'fresh', shstrtab: 'rebuild' });
}

interface ArchiveRoundTrip {
  members: number;
  kept: number;
  fresh: number;
  reencoded: number;
  bytes: { kept: Uint8Array; fresh: Uint8Array; reencoded: Uint8Array };
}

/** Round-trip every member of an archive three ways and rebuild the archive from each with writeArchive. */
function roundTripArchive(path: string): ArchiveRoundTrip {
  const ar = new Archive(read(path), path);
  const r = { members: 0, kept: 0, fresh: 0, reencoded: 0 };
  const kept: ArchiveMemberInput[] = [];
  const fresh: ArchiveMemberInput[] = [];
  const reenc: ArchiveMemberInput[] = [];
  for (const m of ar.members) {
    const d = ar.data(m);
    const meta = { name: m.name, date: m.date, uid: m.uid, gid: m.gid, mode: m.mode };
    const elf = new ElfFile(d, { file: path, member: m.name });
    r.members++;
    const k = writeElf(elfToModel(elf));
    const f = relaidOut(elf);
    const e = reencoded(elf);
    if (same(k, d)) r.kept++;
    if (same(f, d)) r.fresh++;
    if (same(e, d)) r.reencoded++;
    kept.push({ ...meta, data: k });
    fresh.push({ ...meta, data: f });
    reenc.push({ ...meta, data: e });
  }
  const opts = { symbolIndex: ar.symbols !== undefined };
  return { ...r, bytes: { kept: writeArchive(kept, opts), fresh: writeArchive(fresh, opts), reencoded: writeArchive(reenc, opts) } };
}

let work = '';
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ukl-elf-writer-'));
});
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('string tables', () => {
  it('deduplicates, and without tail merging lays strings out in insertion order', () => {
    const b = new StringTableBuilder();
    for (const s of ['.text', '.rela.text', '.data', '.text', '']) b.add(s);
    expect(Buffer.from(b.finalize()).toString('latin1')).toBe('\0.text\0.rela.text\0.data\0');
    expect([b.offsetOf('.text'), b.offsetOf('.rela.text'), b.offsetOf('.data'), b.offsetOf('')]).toEqual([1, 7, 18, 0]);
  });

  it('tail-merges as GNU does: suffixes point into the longest string, survivors keep insertion order', () => {
    const b = new StringTableBuilder({ tailMerge: true });
    for (const s of ['d', '.text', 'bcd', '.rela.text', 'abcd', 'x']) b.add(s);
    expect(Buffer.from(b.finalize()).toString('latin1')).toBe('\0.rela.text\0abcd\0x\0');
    expect(b.offsetOf('.text')).toBe(6);
    expect(b.offsetOf('abcd')).toBe(12);
    expect(b.offsetOf('bcd')).toBe(13);
    expect(b.offsetOf('d')).toBe(15);
    expect(() => b.add('new')).toThrow(/after finalize/);
    expect(() => new StringTableBuilder().add('a\0b')).toThrow(/NUL/);
  });

  it('byte strings and UTF-8 names', () => {
    const b = new StringTableBuilder({ tailMerge: true });
    b.add(new Uint8Array([0xff, 0x41]));
    b.add('é');
    b.add(new Uint8Array([0x41]));
    expect([...b.finalize()]).toEqual([0, 0xff, 0x41, 0, 0xc3, 0xa9, 0]);
    expect(b.offsetOf('A')).toBe(2);
  });
});

describe('round trips', () => {
  const archives: [string, string | undefined][] = [
    ['libc.a', LIBC],
    ['libm', libmArchive()],
    ['libmvec.a', realArchive(join(LIBDIR, 'libmvec.a'))],
    ['libstdc++.a', libstdcxxArchive()],
    ['libz.a', realArchive(join(LIBDIR, 'libz.a'))],
  ];
  for (const [name, path] of archives) {
    const no = lacking(path ?? name, 'readelf');
    it.skipIf(no !== '')(`every member of ${name}: kept layout byte-identical; fresh layout and re-encoding checked; archive rebuilt identically${no}`, () => {
      const orig = read(path!);
      const r = roundTripArchive(path!);
      console.log(
        `${name}: ${r.members} members; byte-identical: kept layout ${r.kept}, fresh layout + rebuilt .shstrtab ${r.fresh}, ` +
          `re-encoded symbols/relocations/groups/notes ${r.reencoded}; writeArchive(kept) ${same(r.bytes.kept, orig) ? 'identical to' : 'DIFFERS from'} the original archive`,
      );
      expect(r.kept).toBe(r.members);
      expect(same(r.bytes.kept, orig)).toBe(true);
      // The fresh layouts must at least be valid files that readelf reads without a word of complaint
      // and shows with the same symbols, relocations and groups.
      for (const [kind, bytes] of [['fresh', r.bytes.fresh], ['reencoded', r.bytes.reencoded]] as const) {
        if (same(bytes, orig)) continue;
        const p = join(work, `${name}.${kind}.a`);
        writeFileSync(p, bytes);
        const a = run('readelf', ['-s', '-r', '-g', '-n', '-W', path!]);
        const b = run('readelf', ['-s', '-r', '-g', '-n', '-W', p]);
        expect(b.stderr).toBe('');
        const norm = (t: string, file: string): string => t.split(file).join('F').replace(/at offset 0x[0-9a-f]+/g, 'at offset X');
        expect(norm(b.stdout, p) === norm(a.stdout, path!), `${kind} readelf -s -r -g -n differs`).toBe(true);
      }
    });
  }

  it.skipIf(NO_READELF_LIBC !== '')(`readelf -a -W shows the rewritten libc.a exactly as the original${NO_READELF_LIBC}`, () => {
    const r = roundTripArchive(LIBC!);
    const p = join(work, 'libc-rewritten.a');
    writeFileSync(p, r.bytes.kept);
    const a = run('readelf', ['-a', '-W', LIBC!]);
    const b = run('readelf', ['-a', '-W', p]);
    expect(b.stderr).toBe(a.stderr);
    expect(b.stdout.split(p).join(LIBC!) === a.stdout).toBe(true);
  });

  const objects = elfFilesUnder(TEST_OBJECTS).filter((f) => !isArchiveBytes(read(f)));
  it.runIf(objects.length > 0)(`every object in test-objects/ (${objects.length})`, () => {
    let fresh = 0;
    let reenc = 0;
    for (const f of objects) {
      const d = read(f);
      const elf = new ElfFile(d, { file: f });
      expect(same(writeElf(elfToModel(elf)), d), f).toBe(true);
      if (same(relaidOut(elf), d)) fresh++;
      if (same(reencoded(elf), d)) reenc++;
    }
    console.log(`test-objects: ${objects.length} objects byte-identical with kept layout; fresh layout identical ${fresh}, re-encoded identical ${reenc}`);
  });
});

/** Link with the driver, returning the executable's bytes. */
function link(driver: string, out: string, args: string[]): Uint8Array {
  run(driver, ['-static', '-o', out, ...args]);
  return read(out);
}

describe.skipIf(NO_GCC !== '')(`GNU ld links rewritten inputs identically${NO_GCC}`, () => {
  let hello = '';
  beforeAll(() => {
    writeFileSync(join(work, 'hello.c'), '#include <stdio.h>\n#include <string.h>\nint main(int c, char **v) { printf("hello %d %zu\\n", c, strlen(v[0]) > 0); puts("bye"); return 0; }\n');
    hello = join(work, 'hello.o');
    run('gcc', ['-c', '-O2', '-o', hello, join(work, 'hello.c')]);
  });

  it('hello.o + libc.a: original vs every member rewritten (kept, fresh layout, re-encoded), archives rebuilt by writeArchive', () => {
    const r = roundTripArchive(LIBC!);
    const ref = link('gcc', join(work, 'ref'), [hello]);
    const helloElf = new ElfFile(read(hello), { file: hello });
    const variants: [string, Uint8Array, Uint8Array][] = [
      ['kept', r.bytes.kept, writeElf(elfToModel(helloElf))],
      ['fresh', r.bytes.fresh, relaidOut(helloElf)],
      ['reencoded', r.bytes.reencoded, reencoded(helloElf)],
    ];
    for (const [kind, lib, obj] of variants) {
      const dir = join(work, `lib-${kind}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'libc.a'), lib);
      writeFileSync(join(dir, 'hello.o'), obj);
      // -Wl,-t prints the archive members ld pulls in: make sure they came from our libc.a.
      const t = run('gcc', ['-static', '-Wl,-t', '-L', dir, '-o', join(dir, 'hello'), join(dir, 'hello.o')]);
      expect(t.stdout + t.stderr).toContain(join(dir, 'libc.a'));
      const exe = read(join(dir, 'hello'));
      expect(same(exe, ref), `${kind}: executable differs`).toBe(true);
      const out = run(join(dir, 'hello'), []);
      expect(out.stdout).toBe('hello 1 1\nbye\n');
    }
  });

  const programsFile = join(TEST_OBJECTS, 'programs.json');
  const programs: { name: string; objects: string[]; driver: string; ldflags: string[]; exitStatus: number; stdout: string }[] = existsSync(programsFile)
    ? JSON.parse(readFileSync(programsFile, 'utf8')).programs
    : [];
  const NO_GXX = lacking('g++');
  it.skipIf(NO_GXX !== '')(`test-objects programs: rewritten objects link to identical executables that run the same (${programs.length} programs)${NO_GXX}`, () => {
    expect(programs.length).toBeGreaterThan(0);
    for (const p of programs) {
      const objs = p.objects.map((o) => join(TEST_OBJECTS, o));
      for (const o of objs) expect(existsSync(o), `${p.name}: ${o} (test-objects/build.sh)`).toBe(true);
      const dir = join(work, `prog-${p.name}`);
      mkdirSync(dir, { recursive: true });
      const ref = link(p.driver, join(dir, 'ref'), [...p.ldflags, ...objs]);
      // (same file names: ld makes up STT_FILE symbols from them for objects that have none)
      mkdirSync(join(dir, 'rewritten'), { recursive: true });
      const rewritten = objs.map((o, i) => {
        const q = join(dir, 'rewritten', p.objects[i]!);
        writeFileSync(q, reencoded(new ElfFile(read(o), { file: o })));
        return q;
      });
      const exe = link(p.driver, join(dir, 'prog'), [...p.ldflags, ...rewritten]);
      expect(same(exe, ref), `${p.name}: executable differs`).toBe(true);
      const r = run(join(dir, 'prog'), [], { allowFail: true });
      expect(r.status, p.name).toBe(p.exitStatus);
      expect(r.stdout, p.name).toBe(p.stdout);
    }
  });

  it('a grown section gets a fresh layout readelf accepts silently and ld links (object and libc member)', () => {
    // Grow hello.o's code and rodata, and add a section: the given offsets now collide, so the writer
    // (layout 'auto') lays the file out afresh.
    const elf = new ElfFile(read(hello), { file: hello });
    const m = elfToModel(elf);
    for (const s of m.sections) {
      if (s.name === '.text.startup' || s.name === '.text') s.data = concat(s.data!, new Uint8Array(13).fill(0xcc));
      if (s.name.startsWith('.rodata.str')) s.data = concat(s.data!, new TextEncoder().encode('grown\0'));
    }
    m.sections.push({ name: '.ukl.extra', type: SHT_PROGBITS, addralign: 1, data: new Uint8Array([1, 2, 3]) });
    const { bytes, layout } = writeElfWithLayout(m);
    expect(layout.kept).toBe(false);
    checkLayout(bytes);
    const dir = join(work, 'grown');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'hello.o'), bytes);
    const re = run('readelf', ['-a', '-W', join(dir, 'hello.o')]);
    expect(re.stderr).toBe('');
    // Same symbols and relocations as before, through our reader.
    const back = new ElfFile(bytes, { file: 'grown' });
    expect(back.symbols().map((s) => [s.name, s.value, s.shndx])).toEqual(elf.symbols().map((s) => [s.name, s.value, s.shndx]));
    for (const s of elf.sections.filter((x) => x.type === SHT_RELA)) expect(back.relocations(s.index)).toEqual(elf.relocations(s.index));

    // And a libc member with a grown .text (puts lives in ioputs.o), in a rebuilt libc.a.
    const ar = new Archive(read(LIBC!), LIBC!);
    const members = ar.members.map((mem) => {
      const d = ar.data(mem);
      if (mem.name !== 'ioputs.o') return { name: mem.name, data: d };
      const mm = elfToModel(new ElfFile(d, { file: LIBC!, member: mem.name }));
      const text = mm.sections.find((s) => s.name === '.text')!;
      text.data = concat(text.data!, new Uint8Array(7).fill(0x90));
      const out = writeElfWithLayout(mm);
      expect(out.layout.kept).toBe(false);
      checkLayout(out.bytes);
      return { name: mem.name, data: out.bytes };
    });
    writeFileSync(join(dir, 'libc.a'), writeArchive(members, { symbolIndex: true }));
    const re2 = run('readelf', ['-a', '-W', join(dir, 'libc.a')]);
    expect(re2.stderr).toBe('');
    run('gcc', ['-static', '-L', dir, '-o', join(dir, 'hello'), join(dir, 'hello.o')]);
    expect(run(join(dir, 'hello'), []).stdout).toBe('hello 1 1\nbye\n');
  });

  it('a static executable: kept layout identical, fresh layout as ld lays it out, and it runs', () => {
    const exe = link('gcc', join(work, 'static-hello'), [hello]);
    const elf = new ElfFile(exe, { file: 'static-hello' });
    expect(same(writeElf(elfToModel(elf)), exe)).toBe(true);
    const fresh = relaidOut(elf);
    console.log(`static hello (${exe.length} bytes): fresh layout ${same(fresh, exe) ? 'byte-identical to' : 'differs from'} ld's`);
    const p = join(work, 'static-hello-fresh');
    writeFileSync(p, fresh);
    chmodSync(p, 0o755);
    expect(run('readelf', ['-a', '-W', p]).stderr).toBe('');
    expect(run(p, []).stdout).toBe('hello 1 1\nbye\n');
    // Growing code inside a segment without moving the addresses after it cannot be laid out.
    const grown = elfToModel(elf);
    const text = grown.sections.find((s) => s.name === '.text')!;
    text.data = concat(text.data!, new Uint8Array(64));
    expect(() => writeElf(grown)).toThrow(/grown without moving addresses/);
  });
});

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const o = new Uint8Array(a.length + b.length);
  o.set(a);
  o.set(b, a.length);
  return o;
}

/** Offsets aligned, contents within the file and disjoint, section header table aligned to 8 at the end. */
function checkLayout(bytes: Uint8Array): void {
  const elf = new ElfFile(bytes, { file: 'layout' });
  const ranges: [number, number][] = [[0, 64]];
  for (const s of elf.sections.slice(1)) {
    if (s.addralign > 1) expect(s.offset % s.addralign, s.name).toBe(0);
    if (s.type !== SHT_NOBITS && s.size > 0) ranges.push([s.offset, s.offset + s.size]);
  }
  ranges.sort((x, y) => x[0] - y[0]);
  for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBeGreaterThanOrEqual(ranges[i - 1]![1]);
  expect(elf.header.shoff % 8).toBe(0);
  expect(elf.header.shoff).toBeGreaterThanOrEqual(ranges[ranges.length - 1]![1]);
  expect(elf.header.shoff + elf.header.shnum * 64).toBe(bytes.length);
}

// ---------------------------------------------------------------------------------------------------
// Files built from nothing but a model.

function sym(name: string, bind: number, type: number, shndx: number, value = 0n, size = 0n): SymbolInput {
  return { name, info: stInfo(bind, type), other: 0, shndx, value, size };
}

/** An object with _start calling `helper` (defined in a COMDAT group) and exiting with its result. */
function startObject(): ElfModel {
  // _start: call helper; mov %eax,%edi; mov $60,%eax; syscall
  const text = new Uint8Array([0xe8, 0, 0, 0, 0, 0x89, 0xc7, 0xb8, 60, 0, 0, 0, 0x0f, 0x05]);
  // helper: mov 0(%rip),%eax (the answer, in .rodata); ret
  const helper = new Uint8Array([0x8b, 0x05, 0, 0, 0, 0, 0xc3]);
  const rodata = new Uint8Array([42, 0, 0, 0]);
  // Sections: 1 .group, 2 .text, 3 .rela.text, 4 .text.helper, 5 .rela.text.helper, 6 .rodata, 7 .symtab, 8 .strtab
  const syms = [
    sym('', STB_LOCAL, STT_NOTYPE, 0),
    sym('', STB_LOCAL, STT_SECTION, 6),
    sym('start.s', STB_LOCAL, 4, SHN_ABS),
    sym('_start', STB_GLOBAL, STT_FUNC, 2, 0n, BigInt(text.length)),
    sym('helper', STB_GLOBAL, STT_FUNC, 4, 0n, BigInt(helper.length)),
  ];
  const enc = encodeSymbols(syms);
  const sections: SectionModel[] = [
    { name: '', type: 0 },
    { name: '.group', type: SHT_GROUP, link: 7, info: 4, addralign: 4, entsize: 4, data: encodeGroup({ flags: GRP_COMDAT, members: [4, 5] }) },
    { name: '.text', type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR, addralign: 16, data: text },
    { name: '.rela.text', type: SHT_RELA, flags: SHF_INFO_LINK, link: 7, info: 2, addralign: 8, entsize: 24, data: encodeRela([{ offset: 1n, type: R_X86_64.PLT32, sym: 4, addend: -4n }]) },
    { name: '.text.helper', type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR | SHF_GROUP, addralign: 1, data: helper },
    { name: '.rela.text.helper', type: SHT_RELA, flags: SHF_INFO_LINK | SHF_GROUP, link: 7, info: 4, addralign: 8, entsize: 24, data: encodeRela([{ offset: 2n, type: R_X86_64.PC32, sym: 1, addend: -4n }]) },
    { name: '.rodata', type: SHT_PROGBITS, flags: SHF_ALLOC, addralign: 4, data: rodata },
    { name: '.symtab', type: SHT_SYMTAB, link: 8, info: enc.info, addralign: 8, entsize: 24, data: enc.symtab },
    { name: '.strtab', type: SHT_STRTAB, addralign: 1, data: enc.strtab },
  ];
  return { header: { type: ET_REL }, sections };
}

describe('files built from a model', () => {
  const NO_LD = lacking('ld', 'readelf');
  it.skipIf(NO_LD !== '')(`an ET_REL with a COMDAT group: readelf accepts it, ld links it, it runs${NO_LD}`, () => {
    const bytes = writeElf(startObject());
    checkLayout(bytes);
    const elf = new ElfFile(bytes, { file: 'start.o' });
    expect(elf.groups()).toEqual([{ section: 1, flags: GRP_COMDAT, signature: 'helper', members: [4, 5] }]);
    expect(elf.sectionByName('.shstrtab')?.index).toBe(9);
    expect(elf.symtab?.info).toBe(3);
    const p = join(work, 'start.o');
    writeFileSync(p, bytes);
    const re = run('readelf', ['-a', '-W', p]);
    expect(re.stderr).toBe('');
    expect(re.stdout).toMatch(/COMDAT group section \[\s*1\] `\.group' \[helper\] contains 2 sections/);
    // The group is deduplicated by ld: linking the object twice (as a second copy) still works.
    const q = join(work, 'start2.o');
    const m2 = startObject();
    m2.sections[2]!.data = new Uint8Array(14).fill(0x90); // no _start in the copy
    const e2 = encodeSymbols([sym('', STB_LOCAL, STT_NOTYPE, 0), sym('', STB_LOCAL, STT_SECTION, 6), sym('helper', STB_GLOBAL, STT_FUNC, 4, 0n, 7n)]);
    m2.sections[7]!.data = e2.symtab;
    m2.sections[7]!.info = e2.info;
    m2.sections[8]!.data = e2.strtab;
    m2.sections[1]!.info = 2;
    m2.sections[3]!.data = new Uint8Array(0);
    writeFileSync(q, writeElf(m2));
    run('ld', ['-static', '-o', join(work, 'start'), p, q]);
    expect(run(join(work, 'start'), [], { allowFail: true }).status).toBe(42);
  });

  const NO_READELF = lacking('readelf');
  it.skipIf(NO_READELF !== '')(`an ET_EXEC laid out by the writer: one PT_LOAD, entry point, runs${NO_READELF}`, () => {
    // _start: mov $60,%eax; mov $7,%edi; syscall
    const code = new Uint8Array([0xb8, 60, 0, 0, 0, 0xbf, 7, 0, 0, 0, 0x0f, 0x05]);
    const model: ElfModel = {
      header: { type: ET_EXEC, entry: 0x401000n },
      sections: [{ name: '', type: 0 }, { name: '.text', type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR, addr: 0x401000n, addralign: 16, data: code }],
      programHeaders: [{ type: PT_LOAD, flags: PF_R | PF_X, vaddr: 0x401000n, filesz: code.length, memsz: code.length, align: 0x1000 }],
    };
    const { bytes, layout } = writeElfWithLayout(model);
    expect(layout.offsets[1]).toBe(0x1000);
    expect(layout.programHeaderOffsets).toEqual([0x1000]);
    const elf = new ElfFile(bytes, { file: 'exe' });
    expect(elf.header.machine).toBe(EM_X86_64);
    expect(elf.programHeaders[0]!.offset).toBe(0x1000);
    const p = join(work, 'tiny');
    writeFileSync(p, bytes);
    chmodSync(p, 0o755);
    expect(run('readelf', ['-a', '-W', p]).stderr).toBe('');
    expect(run(p, [], { allowFail: true }).status).toBe(7);
  });

  it.skipIf(NO_READELF !== '')(`extended numbering: 65,400 sections, e_shstrndx escaped, SHN_XINDEX symbols${NO_READELF}`, () => {
    const n = 65400;
    const sections: SectionModel[] = [{ name: '', type: 0 }];
    for (let i = 1; i < n - 3; i++) sections.push({ name: `.data.${i}`, type: SHT_PROGBITS, flags: SHF_ALLOC, addralign: 1, data: new Uint8Array([i & 0xff]) });
    const last = n - 4; // a section index above SHN_LORESERVE
    const syms = [sym('', STB_LOCAL, STT_NOTYPE, 0), sym('low', STB_GLOBAL, 1, 1), sym('high', STB_GLOBAL, 1, last, 0n, 1n), sym('abs', STB_GLOBAL, STT_NOTYPE, SHN_ABS, 5n)];
    const enc = encodeSymbols(syms);
    expect(enc.shndx).toBeDefined();
    sections.push({ name: '.symtab', type: SHT_SYMTAB, link: n - 2, info: enc.info, addralign: 8, entsize: 24, data: enc.symtab });
    sections.push({ name: '.strtab', type: SHT_STRTAB, addralign: 1, data: enc.strtab });
    sections.push({ name: '.symtab_shndx', type: SHT_SYMTAB_SHNDX, link: n - 3, addralign: 4, entsize: 4, data: enc.shndx });
    const bytes = writeElf({ header: { type: ET_REL }, sections });
    const elf = new ElfFile(bytes, { file: 'many' });
    expect(elf.sections.length).toBe(n + 1); // .shstrtab appended
    expect(elf.header.shstrndx).toBe(n);
    expect(elf.view.getUint16(60, true)).toBe(0);
    expect(elf.view.getUint16(62, true)).toBe(SHN_XINDEX);
    const back = elf.symbols();
    expect(back.map((s) => [s.name, s.shndx, s.rawShndx])).toEqual([['', 0, 0], ['low', 1, 1], ['high', last, SHN_XINDEX], ['abs', SHN_ABS, SHN_ABS]]);
    expect(elf.sections[last]!.name).toBe(`.data.${last}`);
    // Round trip, then readelf.
    expect(same(writeElf(elfToModel(elf)), bytes)).toBe(true);
    const p = join(work, 'many.o');
    writeFileSync(p, bytes);
    const r = run('readelf', ['-h', '-s', '-W', p]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/Number of section headers:\s+0 \(65401\)/);
    expect(r.stdout).toMatch(/Section header string table index:\s+65535 \(65400\)/);
    expect(r.stdout).toMatch(/GLOBAL DEFAULT +\S+ high$/m);
  });

  it('rejects inconsistent models with a clear error', () => {
    const m = startObject();
    m.sections[2]!.size = 99;
    expect(() => writeElf(m)).toThrow(/size 99 differs from its data/);
    const k = elfToModel(new ElfFile(writeElf(startObject()), { file: 'x' }));
    k.sections[2]!.data = new Uint8Array(1000);
    expect(() => writeElf(k, { layout: 'keep' })).toThrow(/cannot keep the given layout/);
    expect(() => writeElf({ header: { type: ET_REL }, sections: [{ name: '.text', type: SHT_PROGBITS, data: new Uint8Array(4) }] })).toThrow(/null section/);
    const huge = startObject();
    huge.sections[2]!.addralign = 2 ** 40;
    expect(() => writeElf(huge)).toThrow(/out of all proportion/);
    expect(() => encodeRela([{ offset: -1n, type: 1, sym: 0, addend: 0n }])).toThrow(/64 unsigned bits/);
  });
});

// ---------------------------------------------------------------------------------------------------

describe('archives', () => {
  const NO_AR = lacking('ar', 'gcc');
  it.skipIf(NO_AR !== '')(`writeArchive equals \`ar rcsD\` byte for byte (long names, odd sizes, a non-ELF member, commons and weak symbols)${NO_AR}`, () => {
    const dir = join(work, 'ar');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 's.c'), 'int common_one; int data = 1; __attribute__((weak)) int weakfn(void) { return 0; } extern int undef; static int local; int fn(void) { return undef + local; }\n');
    run('gcc', ['-c', '-fcommon', '-O2', '-o', join(dir, 'a_member_with_a_long_name.o'), join(dir, 's.c')]);
    run('gcc', ['-c', '-O0', '-o', join(dir, 'short.o'), join(dir, 's.c')]);
    writeFileSync(join(dir, 'odd.txt'), 'odd\n\n\n');
    writeFileSync(join(dir, 'another_long_member_name.txt'), 'x');
    const names = ['odd.txt', 'a_member_with_a_long_name.o', 'short.o', 'another_long_member_name.txt'];
    run('ar', ['rcsD', join(dir, 'gnu.a'), ...names], { cwd: dir });
    const ours = writeArchive(names.map((n) => ({ name: n, data: read(join(dir, n)) })), { symbolIndex: true });
    expect(same(ours, read(join(dir, 'gnu.a')))).toBe(true);
    // Without the index, as `ar rcSD`, and with only non-ELF members the index is left out as GNU does.
    run('ar', ['rcSD', join(dir, 'noindex.a'), ...names], { cwd: dir });
    expect(same(writeArchive(names.map((n) => ({ name: n, data: read(join(dir, n)) })), { symbolIndex: false }), read(join(dir, 'noindex.a')))).toBe(true);
    run('ar', ['rcsD', join(dir, 'text.a'), 'odd.txt'], { cwd: dir });
    expect(same(writeArchive([{ name: 'odd.txt', data: read(join(dir, 'odd.txt')) }], { symbolIndex: true }), read(join(dir, 'text.a')))).toBe(true);
    const back = new Archive(ours, 'ours.a');
    expect(back.members.map((m) => m.name)).toEqual(names);
    expect(back.symbols!.map((s) => `${s.name}@${back.memberAt(s.memberOffset)!.name}`)).toEqual([
      ...archiveSymbols(new ElfFile(read(join(dir, 'a_member_with_a_long_name.o')), { file: 'x' })).map((s) => `${s}@a_member_with_a_long_name.o`),
      ...archiveSymbols(new ElfFile(read(join(dir, 'short.o')), { file: 'y' })).map((s) => `${s}@short.o`),
    ]);
    expect(archiveSymbols(new ElfFile(read(join(dir, 'short.o')), { file: 'y' })).sort()).toEqual(['common_one', 'data', 'fn', 'weakfn']);
  });

  const NO_NM = lacking('nm');
  it.skipIf(NO_NM !== '')(`/SYM64/ index, metadata, empty archives${NO_NM}`, () => {
    const obj = writeElf(startObject());
    const a = writeArchive([{ name: 'start.o', data: obj, date: 1700000000, uid: 1000, gid: 100, mode: 0o600 }], { symbolIndex: true, sym64: true });
    const ar = new Archive(a, 'sym64.a');
    expect(ar.symbols!.map((s) => s.name)).toEqual(['_start', 'helper']);
    expect(ar.members[0]).toMatchObject({ name: 'start.o', date: 1700000000, uid: 1000, gid: 100, mode: 0o600, size: obj.length });
    expect(same(ar.data(ar.members[0]!), obj)).toBe(true);
    expect(Buffer.from(a.subarray(8, 15)).toString('latin1')).toBe('/SYM64/');
    expect(Buffer.from(writeArchive([], { symbolIndex: true })).toString('latin1')).toBe('!<arch>\n');
    expect(() => writeArchive([{ name: 'a/b.o', data: obj }], { symbolIndex: false })).toThrow(/contains "\/"/);
    const p = join(work, 'sym64.a');
    writeFileSync(p, a);
    expect(run('nm', ['-s', p]).stdout).toMatch(/_start in start\.o/);
  });
});
