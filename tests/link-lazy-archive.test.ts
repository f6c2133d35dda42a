// ukl-ld reads indexed archives lazily (src/elf/lazy-archive.ts): the symbol index and the long names up
// front, then only the members a link asks for. These tests hold the lazy reader to the eager one (Archive,
// which walks every member) and to GNU ar/nm over the system archives: the same index, the same members
// (names, offsets, header fields) and the same bytes. Damaged archives must give one-line errors naming the
// archive and the offset, the eager parser's own message where both see the damage, and through ukl-ld an
// exit status of 1 with no output file. A link run in-process must leave no archive file open.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Archive, type ArchiveMember } from '../src/elf/archive.ts';
import { FormatError } from '../src/elf/errors.ts';
import { LazyArchive } from '../src/elf/lazy-archive.ts';
import { ArchiveInput } from '../src/link/input-files.ts';
import { Context } from '../src/link/context.ts';
import { link } from '../src/link/driver.ts';
import { parseArgs } from '../src/link/options.ts';
import { fuzzCases } from './helpers/mutate.ts';
import { LIBC_A, ROOT, lacking, run, sh, ukl } from './helpers/tools.ts';
import { libstdcxxArchive } from './helpers/elf-tools.ts';

const SYSTEM_ARCHIVES = [LIBC_A, libstdcxxArchive() ?? 'libstdc++.a', '/usr/lib/x86_64-linux-gnu/libz.a'];
const tmp = mkdtempSync(join(tmpdir(), 'ukl-lazy-archive-'));
const LIB = join(tmp, 'lib.a');
const HDR = 60;

/** The archive's ordinary members that its index names, by header offset, from the eager reader. */
function indexedMembers(eager: Archive): ArchiveMember[] {
  const offs = [...new Set(eager.symbolIndex!.memberOffsets)];
  return offs.map((o) => eager.memberAt(o)!);
}

/** `nm -s`'s "Archive index:" block: [symbol, member name] in index order. */
function gnuArmap(path: string): [string, string][] {
  // (nm complains on stderr about members with no symbols.)
  const r = run('nm', ['-s', path]);
  expect(r.status).toBe(0);
  const lines = r.stdout.split('\n');
  const start = lines.indexOf('Archive index:');
  expect(start).toBeGreaterThanOrEqual(0);
  const out: [string, string][] = [];
  for (const l of lines.slice(start + 1)) {
    if (l === '') break;
    const at = l.lastIndexOf(' in ');
    out.push([l.slice(0, at), l.slice(at + 4)]);
  }
  return out;
}

function expectOneLineFormatError(f: () => unknown, file: string): FormatError {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(FormatError);
  const e = err as FormatError;
  expect(e.message).not.toContain('\n');
  expect(e.message.startsWith(`${file}: `)).toBe(true);
  expect(e.message).toMatch(/\(at offset 0x[0-9a-f]+\)$/);
  return e;
}

function eagerError(bytes: Uint8Array, file: string): string {
  try {
    new Archive(bytes, file);
  } catch (e) {
    if (e instanceof FormatError) return e.message;
    throw e;
  }
  throw new Error('the eager parser accepted the damaged archive');
}

/** A copy of lib.a with `patch` applied, written next to it. */
function damaged(name: string, patch: (b: Buffer, eager: Archive) => Buffer): string {
  const bytes = readFileSync(LIB);
  const p = join(tmp, name);
  writeFileSync(p, patch(Buffer.from(bytes), new Archive(bytes, LIB)));
  return p;
}

function memberNamed(ar: Archive, name: string): ArchiveMember {
  const m = ar.members.find((x) => x.name === name);
  if (!m) throw new Error(`no member ${name}`);
  return m;
}

/** Where the index stores the member offset of its `i`th symbol ("/" index: 32-bit big-endian). */
function indexSlot(i: number): number {
  return 8 + HDR + 4 + 4 * i;
}

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

beforeAll(() => {
  const NOTE = '\t.section .note.GNU-stack,"",@progbits\n';
  writeFileSync(join(tmp, 'start.s'), `\t.text\n\t.globl _start\n_start:\n\tcall main\n\tmovl %eax, %edi\n\tmovl $60, %eax\n\tsyscall\n${NOTE}`);
  writeFileSync(join(tmp, 'main.c'), 'int from_long_member_name(void);\nint short_one(void);\nint main(void) { return from_long_member_name() + short_one() - 3; }\n');
  writeFileSync(join(tmp, 'a_member_with_a_long_name.c'), 'int from_long_member_name(void) { return 1; }\n');
  writeFileSync(join(tmp, 'unused_member_long_name.c'), 'int unused_thing(void) { return 7; }\n');
  writeFileSync(join(tmp, 'short.c'), 'int short_one(void) { return 2; }\n');
  sh('gcc', ['-c', 'start.s'], { cwd: tmp });
  for (const f of ['main', 'a_member_with_a_long_name', 'unused_member_long_name', 'short']) sh('gcc', ['-O1', '-fno-pie', '-c', `${f}.c`], { cwd: tmp });
  // Long member names give a "//" table; short.o last, so truncating the archive cuts into it.
  sh('ar', ['rcs', 'lib.a', 'a_member_with_a_long_name.o', 'unused_member_long_name.o', 'short.o'], { cwd: tmp });
});

describe('the lazy reader matches the eager one and GNU ar/nm', () => {
  for (const path of [...SYSTEM_ARCHIVES, LIB]) {
    const no = path === LIB ? '' : lacking(path);
    it.skipIf(no !== '')(`${path}: index, members, header fields and bytes${no}`, () => {
      const bytes = readFileSync(path);
      const eager = new Archive(bytes, path);
      const lazy = LazyArchive.open(path);
      expect(lazy).toBeDefined();
      try {
        expect(lazy!.symbolIndex).toEqual(eager.symbolIndex);
        const members = indexedMembers(eager);
        expect(members.length).toBeGreaterThan(0);
        for (const m of members) {
          const l = lazy!.memberAt(m.headerOffset);
          expect(l).toEqual(m);
          const d = lazy!.data(l);
          if (Buffer.compare(d, eager.data(m)) !== 0) throw new Error(`${path}(${m.name}) at 0x${m.headerOffset.toString(16)}: the lazy bytes differ`);
        }
        // GNU nm: the same symbols, in order, each in the member of the same name.
        const names = lazy!.symbolIndex.names;
        const armap = gnuArmap(path);
        expect(names).toEqual(armap.map(([s]) => s));
        const memberOf = names.map((_, i) => lazy!.memberAt(lazy!.symbolIndex.memberOffsets[i]!).name);
        expect(memberOf).toEqual(armap.map(([, m]) => m));
        // GNU ar: every member read lazily is one `ar t` lists, and `ar p` gives its bytes (names ar t lists once).
        const listed = sh('ar', ['t', path]).split('\n').filter((x) => x !== '');
        for (const m of members) expect(listed).toContain(m.name);
        const unique = members.filter((m) => listed.indexOf(m.name) === listed.lastIndexOf(m.name));
        for (const m of unique.filter((_, i) => i % Math.ceil(unique.length / 8) === 0)) {
          const gnu = execFileSync('ar', ['p', path, m.name], { maxBuffer: 1 << 28 });
          expect(Buffer.compare(lazy!.data(lazy!.memberAt(m.headerOffset)), gnu)).toBe(0);
        }
      } finally {
        lazy!.close();
      }
    });
  }

  const noArchives = lacking(...SYSTEM_ARCHIVES);
  it.skipIf(noArchives !== '')(`the linker's name -> member lookup is the same over both readers, and names the members nm -s gives first${noArchives}`, () => {
    for (const path of [...SYSTEM_ARCHIVES, LIB]) {
      const eager = new ArchiveInput(new Archive(readFileSync(path), path), path, false);
      const lazyArchive = LazyArchive.open(path)!;
      const lazy = new ArchiveInput(lazyArchive, path, false);
      try {
        expect(lazy.index).toEqual(eager.index);
        expect(lazy.moreDefiners).toEqual(eager.moreDefiners);
        const first = new Map<string, string>();
        const all = new Map<string, Set<string>>();
        for (const [s, m] of gnuArmap(path)) {
          if (!first.has(s)) first.set(s, m);
          all.set(s, (all.get(s) ?? new Set()).add(m));
        }
        expect(lazy.index.size).toBe(first.size);
        for (const [s, m] of first) expect(lazy.memberName(lazy.index.get(s)!)).toBe(m);
        // Every member that defines a name, the first and the others.
        const definers = (s: string) => new Set([lazy.index.get(s)!, ...(lazy.moreDefiners.get(s) ?? [])].map((o) => lazy.memberName(o)));
        for (const [s, ms] of all) expect(definers(s), s).toEqual(ms);
      } finally {
        lazy.close();
      }
    }
  });

  it('archives it cannot read lazily are left to Archive: thin, no index', () => {
    sh('ar', ['rcS', 'noindex.a', 'short.o'], { cwd: tmp });
    sh('ar', ['rcsT', 'thin.a', 'short.o'], { cwd: tmp });
    expect(new Archive(readFileSync(join(tmp, 'noindex.a')), 'noindex.a').symbolIndex).toBeUndefined();
    expect(LazyArchive.open(join(tmp, 'noindex.a'))).toBeUndefined();
    expect(new Archive(readFileSync(join(tmp, 'thin.a')), 'thin.a').thin).toBe(true);
    expect(LazyArchive.open(join(tmp, 'thin.a'))).toBeUndefined();
  });
});

describe('damaged archives', () => {
  it('an index entry pointing inside a member: Archive rejects the archive, the lazy reader the entry when it is used', () => {
    // short_one is the third symbol; point its entry at short.o's data (its ELF header).
    const p = damaged('inside.a', (b, ar) => {
      b.writeUInt32BE(memberNamed(ar, 'short.o').dataOffset, indexSlot(2));
      return b;
    });
    const at = memberNamed(new Archive(readFileSync(LIB), LIB), 'short.o').dataOffset;
    expect(eagerError(readFileSync(p), p)).toContain(`points at 0x${at.toString(16)}, which is not a member header`);
    const lazy = LazyArchive.open(p)!;
    try {
      expect(lazy.memberAt(lazy.symbolIndex.memberOffsets[0]!).name).toBe('a_member_with_a_long_name.o');
      const e = expectOneLineFormatError(() => lazy.memberAt(at), p);
      expect(e.message).toContain(`symbol index points at 0x${at.toString(16)}, which is not a member header`);
    } finally {
      lazy.close();
    }
  });

  it('index entries pointing past the end, at the index itself, or at an odd offset', () => {
    const size = readFileSync(LIB).length;
    for (const [name, at, why] of [['past.a', size + 100, 'past the end'], ['self.a', 8, 'inside the symbol index'], ['odd.a', 0, 'even offsets']] as const) {
      const p = damaged(name, (b, ar) => {
        b.writeUInt32BE(at || memberNamed(ar, 'short.o').headerOffset + 1, indexSlot(2));
        return b;
      });
      expect(eagerError(readFileSync(p), p)).toContain('which is not a member header');
      const lazy = LazyArchive.open(p)!;
      try {
        const e = expectOneLineFormatError(() => lazy.memberAt(lazy.symbolIndex.memberOffsets[2]!), p);
        expect(e.message).toContain(why);
      } finally {
        lazy.close();
      }
    }
  });

  it('a truncated member and a bad long-name reference give the eager parser\'s message when the member is read', () => {
    const cut = damaged('truncated.a', (b) => b.subarray(0, b.length - 100));
    const eager = new Archive(readFileSync(LIB), LIB);
    const longName = memberNamed(eager, 'a_member_with_a_long_name.o');
    const badName = damaged('longname.a', (b) => {
      b.write('/9999'.padEnd(16, ' '), longName.headerOffset, 'latin1');
      return b;
    });
    const cases: [string, number][] = [[cut, memberNamed(eager, 'short.o').headerOffset], [badName, longName.headerOffset]];
    for (const [p, off] of cases) {
      const expected = eagerError(readFileSync(p), p);
      const lazy = LazyArchive.open(p)!;
      try {
        const e = expectOneLineFormatError(() => lazy.data(lazy.memberAt(off)), p);
        expect(e.message).toBe(expected);
      } finally {
        lazy.close();
      }
    }
  });

  it('through ukl-ld: exit status 1, one line naming the archive and the offset, no output; GNU ld rejects each too', () => {
    const fixtures = ['inside.a', 'past.a', 'truncated.a', 'longname.a'].map((n) => join(tmp, n));
    for (const p of fixtures) {
      expect(existsSync(p)).toBe(true);
      const out = join(tmp, 'out-damaged');
      const gnu = run('ld', ['-static', '-o', out, 'start.o', 'main.o', p], { cwd: tmp });
      expect(gnu.status).toBe(1);
      const r = ukl('ukl-ld', ['-static', '-o', out, 'start.o', 'main.o', p], { cwd: tmp });
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^ukl-ld: error: ${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*\\(at offset 0x[0-9a-f]+\\)$`));
      expect(existsSync(out)).toBe(false);
    }
  });

  it('fuzzed archives: where the eager parser reads one, the lazy reader gives the same members and bytes; otherwise only FormatError', () => {
    let agreed = 0;
    let failed = 0;
    for (const c of fuzzCases([{ name: 'lib.a', bytes: new Uint8Array(readFileSync(LIB)) }], { seed: 11, perInput: 400 })) {
      const p = join(tmp, 'fuzz.a');
      writeFileSync(p, c.bytes);
      let eager: Archive | undefined;
      try {
        eager = new Archive(c.bytes, p);
      } catch (e) {
        if (!(e instanceof FormatError)) throw e;
      }
      let lazy: LazyArchive | undefined;
      try {
        lazy = LazyArchive.open(p);
        if (!lazy) {
          // Only archives Archive would read whole: thin, no (or an empty) index, or too short to hold one.
          if (eager) expect(eager.thin || !eager.symbolIndex?.names.length, c.name).toBe(true);
          continue;
        }
        if (eager) expect(lazy.symbolIndex, c.name).toEqual(eager.symbolIndex);
        for (const off of new Set(lazy.symbolIndex.memberOffsets)) {
          const m = lazy.memberAt(off);
          const d = lazy.data(m);
          if (eager) {
            expect(m, c.name).toEqual(eager.memberAt(off));
            expect(Buffer.compare(d, eager.data(m)), c.name).toBe(0);
          }
        }
        if (eager) agreed++;
      } catch (e) {
        if (!(e instanceof FormatError)) throw new Error(`${c.name}: ${String(e)}`);
        expect(eager, `${c.name}: lazy failed (${e.message}) where the eager parser did not`).toBeUndefined();
        expect(e.message).not.toContain('\n');
        failed++;
      } finally {
        lazy?.close();
      }
    }
    // The corpus exercises both sides.
    expect(agreed).toBeGreaterThan(20);
    expect(failed).toBeGreaterThan(20);
  });
});

describe('in-process links close their archives', () => {
  const linkInProcess = async (args: string[]): Promise<unknown> => {
    const cwd = process.cwd();
    process.chdir(tmp);
    try {
      await link(new Context(parseArgs(args)));
      return undefined;
    } catch (e) {
      return e;
    } finally {
      process.chdir(cwd);
    }
  };

  it('after a link, and after links that fail while loading and after it', async () => {
    const before = openFds();
    expect(await linkInProcess(['-static', '-o', 'ok.out', 'start.o', 'main.o', 'lib.a', LIBC_A])).toBeUndefined();
    expect(openFds()).toBe(before);
    expect(run(join(tmp, 'ok.out'), []).status).toBe(0);
    // Fails while loading (a damaged member is asked for), and after loading (an undefined symbol).
    expect(await linkInProcess(['-static', '-o', 'bad.out', 'start.o', 'main.o', LIBC_A, 'inside.a'])).toBeInstanceOf(FormatError);
    expect(openFds()).toBe(before);
    expect(await linkInProcess(['-static', '-o', 'bad.out', 'start.o', 'main.o', LIBC_A])).toBeInstanceOf(Error);
    expect(openFds()).toBe(before);
    expect(existsSync(join(tmp, 'bad.out'))).toBe(false);
  });

  it('the note naming the member that defines an undefined symbol reads it after the archive was closed', async () => {
    const before = openFds();
    const e = await linkInProcess(['-static', '-o', 'bad.out', 'start.o', 'lib.a', 'main.o']);
    expect(openFds()).toBe(before);
    expect(e).toBeInstanceOf(Error);
    const definer = new Map(gnuArmap(LIB));
    for (const s of ['from_long_member_name', 'short_one']) expect((e as Error).message).toContain(`lib.a(${definer.get(s)}) defines it`);
  });

  it('more archives than file descriptors: the link still works', () => {
    const libs: string[] = [];
    for (let i = 0; i < 80; i++) {
      libs.push(`many${i}.a`);
      writeFileSync(join(tmp, `many${i}.a`), readFileSync(LIB));
    }
    const limit = 'ulimit -n 50 && exec "$0" "$@"';
    // The limit bites: node cannot hold all of them open at once.
    const probe = run('sh', ['-c', limit, process.execPath, '-e', 'const fs = require("fs"); for (const f of process.argv.slice(1)) fs.openSync(f, "r");', ...libs], { cwd: tmp });
    expect(probe.stderr).toContain('EMFILE');
    const r = run('sh', ['-c', limit, process.execPath, join(ROOT, 'bin', 'ukl-ld.js'), '-static', '-o', 'many.out', 'start.o', ...libs, 'main.o', 'many79.a'], { cwd: tmp });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(run(join(tmp, 'many.out'), []).status).toBe(0);
  });
});
