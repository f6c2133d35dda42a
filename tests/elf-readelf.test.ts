// Differential tests: src/elf's reader against GNU readelf over whole archives, objects and a static
// executable. readelf runs once per file (it walks archives itself, printing "File: lib.a(member.o)"),
// and every section header, symbol, relocation, group, note and program header it prints is compared
// with what the reader gives. Counts come from readelf, never from this machine's libraries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Archive, ElfFile, isElf } from '../src/elf/index.ts';
import { compareWithReadelf, emptyTotals, parseReadelf, type Totals } from './helpers/elf-readelf.ts';
import { LIBDIR, elfFilesUnder, isArchiveBytes, libmArchive, libstdcxxArchive, realArchive, run } from './helpers/elf-tools.ts';
import { lacking } from './helpers/tools.ts';

const READELF_ARGS = ['-h', '-S', '-s', '-r', '-g', '-n', '-l', '-W'];
const TEST_OBJECTS = join(import.meta.dirname, '..', 'test-objects');

const grand = new Map<string, Totals>();

/** Compare every ELF in `path` (a file or an archive) with readelf; returns the totals compared. */
function check(path: string, label: string): Totals {
  const bytes = new Uint8Array(readFileSync(path));
  const r = run('readelf', [...READELF_ARGS, path], { allowFail: true });
  expect(r.stderr, `readelf complained about ${path}`).toBe('');
  const t = emptyTotals();
  const bad: string[] = [];
  if (isArchiveBytes(bytes)) {
    const ar = new Archive(bytes, path);
    const members = ar.members.filter((m) => isElf(ar.data(m)));
    const files = parseReadelf(r.stdout);
    expect(files.map((f) => f.name)).toEqual(members.map((m) => m.name));
    members.forEach((m, i) => compareWithReadelf(new ElfFile(ar.data(m), { file: path, member: m.name }), files[i]!, t, bad));
  } else {
    const files = parseReadelf(r.stdout, path);
    expect(files).toHaveLength(1);
    compareWithReadelf(new ElfFile(bytes, { file: path }), files[0]!, t, bad);
  }
  expect(bad.slice(0, 30)).toEqual([]);
  grand.set(label, t);
  return t;
}

function line(label: string, t: Totals): string {
  return `${label}: ${t.files} files, ${t.sections} sections, ${t.symbols} symbols, ${t.relocations} relocations, ${t.groups} groups, ${t.notes} notes, ${t.programHeaders} program headers`;
}

const NO_READELF = lacking('readelf');

describe.skipIf(NO_READELF !== '')(`reader agrees with GNU readelf${NO_READELF}`, () => {
  const libs: [string, string | undefined, string][] = [
    ['libc.a', realArchive(join(LIBDIR, 'libc.a')), 'libc6-dev'],
    ['libm (libm.a or the libm-2.NN.a its linker script names)', libmArchive(), 'libc6-dev'],
    ['libmvec.a', realArchive(join(LIBDIR, 'libmvec.a')), 'libc6-dev'],
    ['libpthread.a (an empty archive since glibc 2.34)', realArchive(join(LIBDIR, 'libpthread.a')), 'libc6-dev'],
    ['libstdc++.a', libstdcxxArchive(), 'libstdc++-12-dev (or the newer GCC\'s)'],
    ['libz.a', realArchive(join(LIBDIR, 'libz.a')), 'zlib1g-dev'],
  ];
  for (const [name, path, pkg] of libs) {
    const no = lacking(path ?? `${name} (apt-get install ${pkg})`);
    it.skipIf(no !== '')(`every member of ${name}${no}`, () => {
      const t = check(path!, name);
      if (!name.startsWith('libpthread')) expect(t.files).toBeGreaterThan(0);
    });
  }

  const objects = elfFilesUnder(TEST_OBJECTS);
  if (objects.length > 0) {
    it(`every file in test-objects/ (${objects.length})`, () => {
      const t = emptyTotals();
      for (const f of objects) {
        const x = check(f, `test-objects/${relative(TEST_OBJECTS, f)}`);
        for (const k of Object.keys(t) as (keyof Totals)[]) t[k] += x[k];
      }
      grand.set('test-objects/ (all)', t);
    });
  } else {
    it.skip('test-objects/: no objects built yet', () => {});
  }

  const noGcc = lacking('gcc');
  describe.skipIf(noGcc !== '')(`a static executable built here${noGcc}`, () => {
    let dir = '';
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'ukl-elf-readelf-'));
      writeFileSync(join(dir, 'hello.c'), '#include <stdio.h>\n__thread int tv = 3;\nint main(int c, char **v) { printf("hello %d %s\\n", tv + c, v[0]); return 0; }\n');
      run('gcc', ['-static', '-O2', '-o', join(dir, 'hello'), join(dir, 'hello.c')]);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    it('gcc -static hello world (ET_EXEC)', () => {
      const t = check(join(dir, 'hello'), 'static hello (ET_EXEC)');
      expect(t.programHeaders).toBeGreaterThan(0);
      const elf = new ElfFile(new Uint8Array(readFileSync(join(dir, 'hello'))), { file: 'hello' });
      // readelf -n reads sections; the segment view must give the same notes.
      const fromSegments = elf.programHeaders.flatMap((p) => elf.segmentNotes(p)).map((n) => `${n.name}/${n.type}/${n.desc.length}`);
      const fromSections = elf.sections.flatMap((s) => elf.sectionNotes(s)).map((n) => `${n.name}/${n.type}/${n.desc.length}`);
      expect(new Set(fromSegments)).toEqual(new Set(fromSections));
    });
  });

  afterAll(() => {
    const all = emptyTotals();
    const lines: string[] = [];
    for (const [label, t] of grand) {
      if (label.startsWith('test-objects/') && label !== 'test-objects/ (all)') continue;
      lines.push(line(label, t));
      for (const k of Object.keys(all) as (keyof Totals)[]) all[k] += t[k];
    }
    lines.push(line('TOTAL', all));
    console.log(`readelf comparison totals:\n  ${lines.join('\n  ')}`);
  });
});
