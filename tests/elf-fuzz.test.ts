// Fuzzing the reader: thousands of deterministic mutations (tests/helpers/mutate.ts) of real objects,
// an executable and archives go through every entry point of ElfFile and Archive. Each must either
// parse or throw FormatError naming the file (and member); any other exception, a hang, or output
// larger than the input could hold (a count not checked against the bytes before allocating) fails.
// And every file the reader accepts must come back byte for byte from writeElf(elfToModel(...)).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Archive, ElfFile, ET_REL, FormatError, GRP_COMDAT, PT_NOTE, R_X86_64, SHF_ALLOC, SHF_EXECINSTR, SHF_GROUP, SHF_INFO_LINK,
  SHN_XINDEX, SHT_DYNSYM, SHT_GROUP, SHT_NOTE, SHT_PROGBITS, SHT_RELA, SHT_STRTAB, SHT_SYMTAB, SHT_SYMTAB_SHNDX, STB_GLOBAL,
  STB_LOCAL, STT_FUNC, STT_NOTYPE, STT_SECTION, elfToModel, encodeGroup, encodeNotes, encodeRela, encodeSymbols, stInfo, writeArchive, writeElf,
  elfMembers, parseInput, type ArchiveMemberInput,
} from '../src/elf/index.ts';
import { fuzzCases, type FuzzCase, type FuzzInput } from './helpers/mutate.ts';
import { LIBDIR, elfFilesUnder, libstdcxxArchive, realArchive, run } from './helpers/elf-tools.ts';
import { lacking } from './helpers/tools.ts';

const SEED = 20261126;
const FILE = '/nonexistent-ukl-fuzz/input';
const TEST_OBJECTS = join(import.meta.dirname, '..', 'test-objects');
const LIBC = realArchive(join(LIBDIR, 'libc.a'));
const LIBSTDCXX = libstdcxxArchive();
/** The corpus takes members of libc.a and libstdc++.a and a static executable gcc builds: said in the test name when one is missing. */
const PARTIAL = lacking('gcc', LIBC ?? 'libc.a', LIBSTDCXX ?? 'libstdc++.a').replace('skipped', 'part of the corpus skipped');

interface Outcome {
  parsed: number;
  roundTrips: number;
  formatErrors: number;
  withoutOffset: number;
  failures: string[];
}

/** One accessor: a FormatError is an answer, anything else a failure. */
function guard(o: Outcome, label: string, file: string, member: string | undefined, fn: () => void): boolean {
  try {
    fn();
    return true;
  } catch (e) {
    if (e instanceof FormatError) {
      o.formatErrors++;
      if (e.file !== file) o.failures.push(`${label}: FormatError names file ${JSON.stringify(e.file)}, not ${JSON.stringify(file)}`);
      if (member !== undefined && e.member !== member) o.failures.push(`${label}: FormatError names member ${JSON.stringify(e.member)}, not ${JSON.stringify(member)}: ${e.message}`);
      if (!e.cause_) o.failures.push(`${label}: FormatError without a cause`);
      if (e.offset === undefined) o.withoutOffset++;
      else if (!Number.isSafeInteger(e.offset) || e.offset < 0) o.failures.push(`${label}: FormatError with offset ${e.offset}`);
      return false;
    }
    o.failures.push(`${label}: ${e instanceof Error ? `${e.name}: ${e.message}\n${e.stack?.split('\n').slice(1, 4).join('\n')}` : String(e)}`);
    return false;
  }
}

/** Outputs may never outgrow the input: that is how unchecked counts would show. */
function bounded(o: Outcome, label: string, what: string, items: number, unit: number, size: number): void {
  if (items * unit > size) o.failures.push(`${label}: ${items} ${what} cannot come from ${size} bytes`);
}

/** Every entry point of ElfFile on some bytes. */
function exerciseElf(o: Outcome, label: string, bytes: Uint8Array, file: string, member?: string): void {
  let elf: ElfFile | undefined;
  if (!guard(o, label, file, member, () => (elf = new ElfFile(bytes, { file, member })))) return;
  const e = elf!;
  const n = bytes.length;
  bounded(o, label, 'sections', e.sections.length, 64, n);
  bounded(o, label, 'program headers', e.programHeaders.length, 56, n);
  for (const s of e.sections) {
    if (s.type === SHT_SYMTAB || s.type === SHT_DYNSYM) guard(o, label, file, member, () => bounded(o, label, 'symbols', e.symbols(s.index).length, 24, n));
    if (s.type === SHT_RELA) guard(o, label, file, member, () => bounded(o, label, 'relocations', e.relocations(s.index).length, 24, n));
    if (s.type === SHT_NOTE) guard(o, label, file, member, () => bounded(o, label, 'notes', e.sectionNotes(s).length, 12, n));
  }
  guard(o, label, file, member, () => e.symbols());
  guard(o, label, file, member, () => bounded(o, label, 'group members', e.groups().reduce((t, g) => t + g.members.length + 1, 0), 4, n));
  for (const p of e.programHeaders) if (p.type === PT_NOTE) guard(o, label, file, member, () => bounded(o, label, 'notes', e.segmentNotes(p).length, 12, n));
  guard(o, label, file, member, () => e.sectionByName('.text'));
  // Whatever the reader accepts, the writer gives back byte for byte.
  try {
    const w = writeElf(elfToModel(e));
    if (Buffer.compare(Buffer.from(w), Buffer.from(bytes)) !== 0) o.failures.push(`${label}: writeElf(elfToModel()) differs from the input`);
    else o.roundTrips++;
  } catch (err) {
    o.failures.push(`${label}: writeElf(elfToModel()) threw ${String(err)}`);
  }
  o.parsed++;
}

/** Every entry point of Archive, and of ElfFile on each member; then the same through src/elf/input.ts. */
function exerciseArchive(o: Outcome, label: string, bytes: Uint8Array, file: string): void {
  exerciseArchiveDirect(o, label, bytes, file);
  guard(o, label, file, undefined, () => {
    const input = parseInput(bytes, file);
    try {
      for (const e of elfMembers(input)) e.symbols();
    } catch (e) {
      // elfMembers names the member in its own errors; any other must still be a FormatError.
      if (!(e instanceof FormatError)) throw e;
      o.formatErrors++;
    }
  });
}

function exerciseArchiveDirect(o: Outcome, label: string, bytes: Uint8Array, file: string): void {
  let ar: Archive | undefined;
  if (!guard(o, label, file, undefined, () => (ar = new Archive(bytes, file)))) return;
  const a = ar!;
  bounded(o, label, 'members', a.members.length, 60, bytes.length);
  bounded(o, label, 'index entries', a.symbols?.length ?? 0, 4, bytes.length);
  for (const s of a.symbols ?? []) if (!a.memberAt(s.memberOffset)) o.failures.push(`${label}: index entry ${s.name} points at no member`);
  for (const m of a.members) {
    let d: Uint8Array | undefined;
    if (!guard(o, label, file, undefined, () => (d = a.data(m)))) continue;
    if (!a.thin && d!.length !== m.size) o.failures.push(`${label}: member ${m.name} data is ${d!.length} bytes, header says ${m.size}`);
    exerciseElf(o, `${label} member ${m.name}`, d!, file, m.name);
  }
  o.parsed++;
}

// ---------------------------------------------------------------------------------------------------
// The corpus.

function sym(name: string, bind: number, type: number, shndx: number, extra: Partial<{ rawShndx: number; value: bigint; size: bigint }> = {}) {
  return { name, info: stInfo(bind, type), other: 0, shndx, value: extra.value ?? 0n, size: extra.size ?? 0n, rawShndx: extra.rawShndx };
}

/** A small object with everything the reader walks: a COMDAT group, relocations, an 8-byte note and an SHN_XINDEX symbol. */
function syntheticObject(): Uint8Array {
  const syms = [
    sym('', STB_LOCAL, STT_NOTYPE, 0),
    sym('', STB_LOCAL, STT_SECTION, 3),
    sym('f', STB_GLOBAL, STT_FUNC, 2, { size: 4n }),
    sym('x', STB_GLOBAL, STT_FUNC, 3, { rawShndx: SHN_XINDEX }),
  ];
  const enc = encodeSymbols(syms);
  const note = encodeNotes([{ name: 'GNU', type: 5, desc: new Uint8Array([2, 0, 0, 0xc0, 4, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0]) }], 8);
  return writeElf({
    header: { type: ET_REL },
    sections: [
      { name: '', type: 0 },
      { name: '.group', type: SHT_GROUP, link: 6, info: 2, addralign: 4, entsize: 4, data: encodeGroup({ flags: GRP_COMDAT, members: [3, 4] }) },
      { name: '.text', type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR, addralign: 16, data: new Uint8Array([0xe8, 0, 0, 0, 0, 0xc3]) },
      { name: '.text.f', type: SHT_PROGBITS, flags: SHF_ALLOC | SHF_EXECINSTR | SHF_GROUP, addralign: 16, data: new Uint8Array([0xc3, 0x90, 0x90, 0x90]) },
      { name: '.rela.text.f', type: SHT_RELA, flags: SHF_INFO_LINK | SHF_GROUP, link: 6, info: 3, addralign: 8, entsize: 24, data: encodeRela([{ offset: 0n, type: R_X86_64.PC32, sym: 1, addend: -4n }]) },
      { name: '.rela.text', type: SHT_RELA, flags: SHF_INFO_LINK, link: 6, info: 2, addralign: 8, entsize: 24, data: encodeRela([{ offset: 1n, type: R_X86_64.PLT32, sym: 2, addend: -4n }, { offset: 1n, type: R_X86_64.PLT32, sym: 3, addend: -4n }]) },
      { name: '.symtab', type: SHT_SYMTAB, link: 7, info: enc.info, addralign: 8, entsize: 24, data: enc.symtab },
      { name: '.strtab', type: SHT_STRTAB, addralign: 1, data: enc.strtab },
      { name: '.symtab_shndx', type: SHT_SYMTAB_SHNDX, link: 6, addralign: 4, entsize: 4, data: enc.shndx },
      { name: '.note.gnu.property', type: SHT_NOTE, flags: SHF_ALLOC, addralign: 8, data: note },
    ],
  });
}

let work = '';
const corpus: FuzzInput[] = [];
const perInput = new Map<string, number>();

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ukl-elf-fuzz-'));
  const synthetic = syntheticObject();
  corpus.push({ name: 'synthetic.o', bytes: synthetic });
  const members: ArchiveMemberInput[] = [{ name: 'synthetic_with_a_long_name.o', data: synthetic }];

  const libc = LIBC;
  if (libc) {
    const ar = new Archive(new Uint8Array(readFileSync(libc)), libc);
    // A spread of members, and every one with a group or a note section.
    ar.members.forEach((m, i) => {
      const d = ar.data(m);
      const elf = new ElfFile(d, { file: libc, member: m.name });
      const special = elf.sections.some((s) => s.type === SHT_GROUP || s.type === SHT_NOTE);
      if ((i % 60 === 0 || special) && d.length < 64 * 1024) corpus.push({ name: `libc.a(${m.name})`, bytes: d.slice() });
      if (i % 300 === 0 && members.length < 8) members.push({ name: m.name, data: d.slice() });
    });
  }
  const cxx = LIBSTDCXX;
  if (cxx) {
    const ar = new Archive(new Uint8Array(readFileSync(cxx)), cxx);
    for (const name of ['eh_catch.o', 'eh_throw.o', 'functexcept.o']) {
      const m = ar.members.find((x) => x.name === name);
      if (m) corpus.push({ name: `libstdc++.a(${name})`, bytes: ar.data(m).slice() });
    }
  }
  for (const f of elfFilesUnder(TEST_OBJECTS).filter((f) => f.endsWith('.o'))) corpus.push({ name: `test-objects/${f.slice(TEST_OBJECTS.length + 1)}`, bytes: new Uint8Array(readFileSync(f)) });
  if (lacking('gcc') === '') {
    writeFileSync(join(work, 'hello.c'), '#include <stdio.h>\nint main(void) { puts("hi"); return 0; }\n');
    run('gcc', ['-static', '-O2', '-o', join(work, 'hello'), join(work, 'hello.c')]);
    corpus.push({ name: 'static hello', bytes: new Uint8Array(readFileSync(join(work, 'hello'))) });
    perInput.set('static hello', 300);
  }

  // Archives: GNU with index and long names, /SYM64/, a BSD long name, an empty one.
  corpus.push({ name: 'gnu.a', bytes: writeArchive(members, { symbolIndex: true }) });
  corpus.push({ name: 'sym64.a', bytes: writeArchive(members.slice(0, 3), { symbolIndex: true, sym64: true }) });
  corpus.push({ name: 'noindex.a', bytes: writeArchive(members.slice(0, 3), { symbolIndex: false }) });
  corpus.push({ name: 'bsd.a', bytes: bsdArchive('a_bsd_style_long_member_name.o', synthetic) });
  corpus.push({ name: 'empty.a', bytes: new TextEncoder().encode('!<arch>\n') });
  for (const a of ['gnu.a', 'sym64.a', 'noindex.a', 'bsd.a', 'empty.a']) perInput.set(a, a === 'empty.a' ? 20 : 1500);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

function bsdArchive(name: string, data: Uint8Array): Uint8Array {
  const n = new TextEncoder().encode(name);
  const size = n.length + data.length;
  const hdr = `${`#1/${n.length}`.padEnd(16)}${'0'.padEnd(12)}${'0'.padEnd(6)}${'0'.padEnd(6)}${'644'.padEnd(8)}${String(size).padEnd(10)}\`\n`;
  const out = new Uint8Array(8 + 60 + size + (size & 1));
  out.set(new TextEncoder().encode('!<arch>\n' + hdr), 0);
  out.set(n, 68);
  out.set(data, 68 + n.length);
  return out;
}

describe('reader fuzzing', () => {
  it(`every mutated object and archive parses or throws FormatError (deterministic, seeded)${PARTIAL}`, () => {
    const o: Outcome = { parsed: 0, roundTrips: 0, formatErrors: 0, withoutOffset: 0, failures: [] };
    const byFamily = new Map<string, number>();
    let cases = 0;
    for (const input of corpus) {
      const count = perInput.get(input.name) ?? 150;
      for (const c of fuzzCases([input], { seed: SEED, perInput: count }) as Generator<FuzzCase>) {
        cases++;
        const family = c.name.replace(/^.*?: /, '').replace(/[0-9]+|0x[0-9a-f]+|"[^"]*"/g, 'N').replace(/\[N\]/g, '').slice(0, 40);
        byFamily.set(family, (byFamily.get(family) ?? 0) + 1);
        const before = o.failures.length;
        if (c.kind === 'archive') exerciseArchive(o, c.name, c.bytes, FILE);
        else exerciseElf(o, c.name, c.bytes, FILE);
        if (o.failures.length > before && o.failures.length > 50) break;
      }
    }
    // time per case and memory growth are measured by bench/elf-fuzz.mjs, not asserted here
    console.log(
      `fuzz: ${cases} cases from ${corpus.length} inputs; ` +
        `${o.parsed} parsed, ${o.roundTrips} of them (members included) written back byte-identically, ${o.formatErrors} FormatErrors (${o.withoutOffset} without an offset)`,
    );
    expect(o.failures.slice(0, 20)).toEqual([]);
    expect(o.withoutOffset).toBe(0);
    expect(cases).toBeGreaterThan(3000);
    expect(o.formatErrors).toBeGreaterThan(cases / 4);
  });

  it('huge counts are refused before anything is allocated', () => {
    const base = syntheticObject();
    const cases: [string, (dv: DataView) => void][] = [
      ['e_shnum 0 with sh_size 2^40 in section 0', (dv) => { dv.setUint16(60, 0, true); dv.setBigUint64(Number(dv.getBigUint64(40, true)) + 32, 1n << 40n, true); }],
      ['e_phnum 0xffff with sh_info 0xffffffff', (dv) => { dv.setUint16(56, 0xffff, true); dv.setUint16(54, 56, true); dv.setBigUint64(32, 64n, true); dv.setUint32(Number(dv.getBigUint64(40, true)) + 44, 0xffffffff, true); }],
      ['e_phoff 2^53 - 1', (dv) => { dv.setUint16(56, 1, true); dv.setUint16(54, 56, true); dv.setBigUint64(32, (1n << 53n) - 1n, true); }],
      ['e_shoff 2^63', (dv) => dv.setBigUint64(40, 1n << 63n, true)],
    ];
    for (const [what, poke] of cases) {
      const b = base.slice();
      poke(new DataView(b.buffer));
      expect(() => new ElfFile(b, { file: FILE }), what).toThrow(FormatError);
    }
    // A symbol table whose size claims 2^40 bytes, and an archive index claiming 2^32 - 1 entries.
    const elf = new ElfFile(base, { file: FILE });
    const st = elf.symtab!;
    const b = base.slice();
    new DataView(b.buffer).setBigUint64(elf.header.shoff + st.index * 64 + 32, 1n << 40n, true);
    expect(() => new ElfFile(b, { file: FILE }).symbols()).toThrow(/past the end of the file/);
    const ar = writeArchive([{ name: 'a.o', data: base }], { symbolIndex: true });
    new DataView(ar.buffer).setUint32(68, 0xffffffff, false);
    expect(() => new Archive(ar, FILE)).toThrow(/claims 4294967295 entries/);
  });

  const NO_AR = lacking('ar');
  it.skipIf(NO_AR !== '')(`thin archives: members are read only when they are regular files of the size the archive gives${NO_AR}`, () => {
    const dir = join(work, 'thin');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'one.o'), syntheticObject());
    writeFileSync(join(dir, 'a_long_member_name_two.o'), syntheticObject());
    run('ar', ['rcsT', join(dir, 'thin.a'), 'one.o', 'a_long_member_name_two.o'], { cwd: dir });
    const file = join(dir, 'thin.a');
    const bytes = new Uint8Array(readFileSync(file));
    const a = new Archive(bytes, file);
    expect(a.thin).toBe(true);
    expect(a.members.map((m) => m.name)).toEqual(['one.o', 'a_long_member_name_two.o']);
    for (const m of a.members) expect(new ElfFile(a.data(m), { file, member: m.name }).symbols().length).toBe(4);
    // Mutations: names that point elsewhere (a directory, a device, a missing file), sizes that lie.
    const o: Outcome = { parsed: 0, roundTrips: 0, formatErrors: 0, withoutOffset: 0, failures: [] };
    let n = 0;
    for (const c of fuzzCases([{ name: 'thin.a', bytes }], { seed: SEED, perInput: 600 })) {
      n++;
      exerciseArchive(o, c.name, c.bytes, file);
    }
    // A member path that is a device (reading /dev/zero would never end), a directory, or missing.
    for (const [target, why] of [['/dev/zero', /not a regular file/], ['/', /not a regular file/], ['/nonexistent/x.o', /ENOENT/]] as const) {
      const t = new Archive(bytes, file);
      t.members[0]!.path = target;
      expect(() => t.data(t.members[0]!), target).toThrow(why);
    }
    console.log(`thin archive fuzz: ${n} cases, ${o.formatErrors} FormatErrors`);
    expect(o.failures.slice(0, 20)).toEqual([]);
  });
});
