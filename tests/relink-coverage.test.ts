// Coverage of the syscall rewriter over the system's libc.a, checked with GNU binutils:
//   `ukl-objcopy --rewrite-syscalls libc.a out.a --rewrite-report=r.json`
//  - every `syscall` GNU objdump decodes in libc.a is in the report (member, section, offset), and the
//    report has no other site;
//  - at least 99% of them are rewritten, and every site left has a reason;
//  - in out.a (objdump -dr) `syscall` appears exactly at the left sites, and every rewritten site is
//    `lea -0x80(%rsp),%rsp; call; lea 0x80(%rsp),%rsp` whose call carries a relocation naming __ukl_syscall,
//    one per rewritten site and no other;
//  - `readelf -a -W` and `readelf --debug-dump=frames` print no warning for any member of out.a;
//  - GNU ld links programs against out.a plus the hosted entry object, and they run as with the original;
//  - with --syscall-direct, rewritten calls go to __ukl_syscall_<name> where the number is known (numbers
//    checked against the `mov $nr,%eax` GNU objdump shows before the site), the entry object written with
//    --hosted-entry --syscall-direct defines every one of those names, and the programs still run.
// The figures (sites, rewritten share, left sites with reasons, time) are printed for the notes.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARALLEL, Pool, ROOT, describeExec, exec, type ExecResult } from './helpers/link.ts';
import { ENTRY, isRedZoneBack, isRedZoneSkip, isSyscall, objcopy, objdump, parseObjdump, readReport, siteKey, type Insn, type Report } from './helpers/relink.ts';
import { walkSyscalls } from './helpers/syscall-walk.ts';

const LIBC_A = '/usr/lib/x86_64-linux-gnu/libc.a';
const tmp = mkdtempSync(join(tmpdir(), 'ukl-relink-coverage-'));
const pool = new Pool(PARALLEL);

/** Linux x86-64 numbers of a few syscalls, to check the report's names independently. */
const KNOWN: Record<number, string> = { 0: 'read', 1: 'write', 3: 'close', 9: 'mmap', 13: 'rt_sigaction', 14: 'rt_sigprocmask', 39: 'getpid', 60: 'exit', 131: 'sigaltstack', 202: 'futex', 231: 'exit_group', 234: 'tgkill', 257: 'openat', 435: 'clone3' };

interface Rewritten {
  out: string;
  report: Report;
  hosted: string;
  insns: Insn[];
  ms: number;
}

let original: Insn[];
let plain: Rewritten;
let direct: Rewritten;
let readelfA: ExecResult;
let readelfFrames: ExecResult;

async function rewrite(name: string, extra: string[]): Promise<Rewritten> {
  const out = join(tmp, `${name}.a`);
  const rep = join(tmp, `${name}.json`);
  const hosted = join(tmp, `${name}-hosted.o`);
  const [r] = await Promise.all([
    objcopy(['--rewrite-syscalls', ...extra, LIBC_A, out, `--rewrite-report=${rep}`], pool),
    objcopy(['--hosted-entry', ...extra, hosted], pool),
  ]);
  return { out, report: readReport(rep), hosted, insns: parseObjdump(await objdump(out, pool, ['-r']), (t) => isRewriteInsn(t)), ms: r.ms };
}

/** Only the instructions the checks look at are kept (libc.a has 330,000). */
const isRewriteInsn = (t: string) => t === 'syscall' || t === 'lea -0x80(%rsp),%rsp' || t === 'lea 0x80(%rsp),%rsp' || t.startsWith('call ');
const isNrInsn = (t: string) => t === 'syscall' || /^mov \$0x[0-9a-f]+,%(eax|rax)$/.test(t);

/** Instructions by member/section/offset, and by ordinal. */
function indexOf(insns: Insn[]): { at: Map<string, Insn>; ord: Map<number, Insn> } {
  return { at: new Map(insns.map((i) => [siteKey(i.member, i.section, i.addr), i])), ord: new Map(insns.map((i) => [i.ord, i])) };
}

beforeAll(async () => {
  [original, plain, direct] = await Promise.all([
    objdump(LIBC_A, pool).then((t) => parseObjdump(t, isNrInsn)),
    rewrite('plain', []),
    rewrite('direct', ['--syscall-direct']),
  ]);
  [readelfA, readelfFrames] = await Promise.all([
    pool.run(() => exec('readelf', ['-a', '-W', plain.out], { timeoutMs: 300_000 })),
    pool.run(() => exec('readelf', ['--debug-dump=frames', '-W', plain.out], { timeoutMs: 300_000 })),
  ]);
}, 600_000);

afterAll(() => {
  if (process.env.UKL_KEEP_TMP === '1') console.log(`relink-coverage temp dir kept: ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
});

describe(`ukl-objcopy --rewrite-syscalls over ${LIBC_A}`, () => {
  it('the report lists exactly the syscall instructions GNU objdump decodes (member, section, offset)', () => {
    const decoded = original.filter(isSyscall).map((i) => siteKey(i.member, i.section, i.addr));
    const reported = plain.report.sites.map((s) => siteKey(s.member, s.section, s.offset));
    expect(new Set(reported).size, 'no site twice in the report').toBe(reported.length);
    const rep = new Set(reported);
    const dec = new Set(decoded);
    expect(decoded.filter((k) => !rep.has(k)), 'decoded by objdump, missing from the report').toEqual([]);
    expect(reported.filter((k) => !dec.has(k)), 'in the report, not a syscall instruction for objdump').toEqual([]);
    expect(plain.report.summary.sites).toBe(decoded.length);
  });

  it('at least 99% of the sites are rewritten; every left site has a reason; the figures', () => {
    const { summary, sites } = plain.report;
    const left = sites.filter((s) => s.status === 'left');
    const share = summary.rewritten / summary.sites;
    console.log(
      [
        `libc.a: ${summary.sites} syscall sites in ${new Set(sites.map((s) => s.member)).size} members; rewritten ${summary.rewritten} (${(share * 100).toFixed(2)}%), left ${summary.left}; ukl-objcopy took ${(plain.ms / 1000).toFixed(2)} s (with --syscall-direct ${(direct.ms / 1000).toFixed(2)} s)`,
        ...left.map((s) => `  left: ${s.member} ${s.section}+0x${s.offset.toString(16)} <${s.symbol}+0x${s.symbolOffset.toString(16)}> nr ${s.nr ?? '?'} ${s.name ?? ''}: ${s.reason}`),
        `  numbers known for ${sites.filter((s) => s.nr !== null).length} of ${sites.length} sites`,
      ].join('\n'),
    );
    expect(share).toBeGreaterThanOrEqual(0.99);
    expect(summary.rewritten + summary.left).toBe(summary.sites);
    expect(sites.filter((s) => s.status === 'rewritten').length).toBe(summary.rewritten);
    for (const s of left) expect(typeof s.reason === 'string' && s.reason.trim().length > 0, `left without a reason: ${JSON.stringify(s)}`).toBe(true);
    const byReason: Record<string, number> = {};
    for (const s of left) byReason[s.reason!] = (byReason[s.reason!] ?? 0) + 1;
    expect(summary.leftByReason).toEqual(byReason);
    for (const s of sites.filter((x) => x.status === 'rewritten')) expect(s.reason, JSON.stringify(s)).toBeNull();
  });

  it('out.a: syscall exactly at the left sites; each rewritten site is lea/call/lea with one relocation naming __ukl_syscall', () => {
    const insns = plain.insns;
    const index = indexOf(insns);
    const left = plain.report.sites.filter((s) => s.status === 'left');
    const rewritten = plain.report.sites.filter((s) => s.status === 'rewritten');
    const syscalls = insns.filter(isSyscall).map((i) => siteKey(i.member, i.section, i.addr));
    expect(syscalls.sort()).toEqual(left.map((s) => siteKey(s.member, s.section, s.newOffset)).sort());
    const bad: string[] = [];
    for (const s of rewritten) {
      const where = `${s.member} ${s.section}+0x${s.newOffset.toString(16)} <${s.symbol}>`;
      const skip = index.at.get(siteKey(s.member, s.section, s.newOffset));
      if (skip === undefined) {
        bad.push(`${where}: no lea -0x80(%rsp),%rsp there`);
        continue;
      }
      const [call, back] = [index.ord.get(skip.ord + 1), index.ord.get(skip.ord + 2)];
      if (!call) {
        bad.push(`${where}: no call after the lea`);
        continue;
      }
      if (!isRedZoneSkip(skip) || !back || !isRedZoneBack(back) || !call.text.startsWith('call ')) {
        bad.push(`${where}: ${[skip, call, back].map((i) => i?.text).join('; ')}`);
        continue;
      }
      const r = call.relocs;
      if (r.length !== 1 || r[0].offset !== call.addr + 1 || !/^R_X86_64_(PLT32|PC32)$/.test(r[0].type) || r[0].target !== `${ENTRY}-0x4`) {
        bad.push(`${where}: call relocations ${JSON.stringify(r)}`);
      }
      if (s.entry !== ENTRY) bad.push(`${where}: report entry ${s.entry}`);
    }
    expect(bad).toEqual([]);
    const entryRelocs = insns.flatMap((i) => i.relocs).filter((r) => r.target === `${ENTRY}-0x4` || r.target === ENTRY);
    expect(entryRelocs.length, 'relocations naming the entry in out.a').toBe(rewritten.length);
  });

  it('readelf -a -W and readelf --debug-dump=frames print no warning for any member of out.a', () => {
    const warn = (r: ExecResult) => `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => /readelf: (Warning|Error)/.test(l));
    expect(readelfA.status).toBe(0);
    expect(warn(readelfA)).toEqual([]);
    expect((readelfA.stdout.match(/^File: /gm) ?? []).length, 'readelf saw every member').toBeGreaterThan(2000);
    expect(readelfFrames.status).toBe(0);
    expect(warn(readelfFrames)).toEqual([]);
  });

  it('--syscall-direct: calls go to __ukl_syscall_<name> when the number is known; every number is the one its block shows in objdump\'s listing', () => {
    const sites = direct.report.sites;
    expect(sites.map((s) => siteKey(s.member, s.section, s.offset))).toEqual(plain.report.sites.map((s) => siteKey(s.member, s.section, s.offset)));
    const bad: string[] = [];
    for (const s of sites) {
      if (s.status !== 'rewritten') continue;
      const want = s.name !== null ? `${ENTRY}_${s.name}` : ENTRY;
      if (s.entry !== want) bad.push(`${s.member} <${s.symbol}>: entry ${s.entry}, want ${want}`);
      if ((s.nr === null) !== (s.name === null)) bad.push(`${s.member} <${s.symbol}>: nr ${s.nr} name ${s.name}`);
      if (s.nr !== null && KNOWN[s.nr] !== undefined && KNOWN[s.nr] !== s.name) bad.push(`${s.member} <${s.symbol}>: nr ${s.nr} is ${KNOWN[s.nr]}, report says ${s.name}`);
    }
    // the number, independently: the block GNU objdump lists before each syscall in the original (tests/helpers/syscall-walk.ts)
    const walked = new Map(walkSyscalls(LIBC_A).map((w) => [siteKey(w.member, w.section, w.offset), w]));
    let checkedNr = 0;
    for (const s of sites) {
      const w = walked.get(siteKey(s.member, s.section, s.offset));
      if (!w) { bad.push(`${s.member} ${s.section}+0x${s.offset.toString(16)}: no syscall there in objdump's listing`); continue; }
      if (w.nr !== null) checkedNr++;
      if (s.nr !== w.nr) bad.push(`${s.member} <${s.symbol}+0x${s.symbolOffset.toString(16)}>: objdump's listing gives ${w.nr} (${w.how}), the report says nr ${s.nr}`);
    }
    expect(checkedNr, 'numbered sites').toBeGreaterThan(400);
    // the call's relocation in out-direct.a names the same entry
    const index = indexOf(direct.insns);
    let checkedCalls = 0;
    for (const s of sites) {
      if (s.status !== 'rewritten') continue;
      const k = index.at.get(siteKey(s.member, s.section, s.newOffset));
      const call = k === undefined ? undefined : index.ord.get(k.ord + 1);
      const target = call?.relocs[0]?.target;
      checkedCalls++;
      if (target !== `${s.entry}-0x4`) bad.push(`${s.member} <${s.symbol}>: call relocation ${target}, report entry ${s.entry}`);
    }
    expect(checkedCalls).toBe(direct.report.summary.rewritten);
    expect(bad).toEqual([]);
    const named = sites.filter((s) => s.status === 'rewritten' && s.entry !== ENTRY).length;
    console.log(`--syscall-direct: ${named} of ${direct.report.summary.rewritten} rewritten sites call a per-syscall entry (${new Set(sites.map((s) => s.entry).filter(Boolean)).size} distinct entries)`);
    expect(named).toBeGreaterThan(0);
  });

  it('--hosted-entry --syscall-direct defines every entry the direct report uses', async () => {
    const nm = await pool.run(() => exec('nm', ['--defined-only', direct.hosted]));
    expect(nm.status, describeExec(nm)).toBe(0);
    const defined = new Set(nm.stdout.split('\n').map((l) => /^[0-9a-f]+ T (\S+)$/.exec(l)?.[1]).filter(Boolean));
    const used = new Set(direct.report.sites.map((s) => s.entry).filter((e): e is string => e !== null));
    expect([...used].filter((e) => !defined.has(e))).toEqual([]);
    expect(defined.has(ENTRY)).toBe(true);
  });
});

describe('GNU ld links programs against the rewritten libc.a plus the hosted entry', () => {
  const hello = `#include <stdio.h>\n#include <unistd.h>\nint main(int argc, char **argv) {\n  printf("hello, world %d\\n", argc);\n  fprintf(stderr, "to stderr\\n");\n  write(1, "raw write\\n", 10);\n  return 7;\n}\n`;
  const programs: { name: string; source: string; cflags: string[]; ldflags: string[] }[] = [
    { name: 'hello', source: hello, cflags: ['-O2'], ldflags: [] },
    { name: 'threads_clone', source: join(ROOT, 'tests', 'relink-corpus', 'threads_clone.c'), cflags: ['-O2', '-pthread'], ldflags: ['-pthread'] },
    { name: 'signals_alt', source: join(ROOT, 'tests', 'relink-corpus', 'signals_alt.c'), cflags: ['-O2', '-D_FORTIFY_SOURCE=2'], ldflags: [] },
  ];
  for (const p of programs) {
    for (const which of ['plain', 'direct'] as const) {
      it(`${p.name} (${which === 'plain' ? '__ukl_syscall' : '--syscall-direct'}): links, runs as the original, and calls the entry`, { timeout: 300_000 }, async () => {
        const dir = join(tmp, `${p.name}-${which}`);
        mkdirSync(dir, { recursive: true });
        let src = p.source;
        if (!existsSync(src)) writeFileSync((src = join(dir, `${p.name}.c`)), p.source);
        const obj = join(dir, `${p.name}.o`);
        const cc = await pool.run(() => exec('gcc', ['-c', ...p.cflags, src, '-o', obj]));
        expect(cc.status, describeExec(cc)).toBe(0);
        const rw = which === 'plain' ? plain : direct;
        const libdir = join(dir, 'lib');
        mkdirSync(libdir, { recursive: true });
        rmSync(join(libdir, 'libc.a'), { force: true });
        // the rewritten archive as libc.a in a directory searched first
        await pool.run(() => exec('ln', ['-s', rw.out, join(libdir, 'libc.a')]));
        const ref = join(dir, 'ref');
        const out = join(dir, 'out');
        const [l1, l2] = await Promise.all([
          pool.run(() => exec('gcc', ['-static', ...p.ldflags, obj, '-o', ref])),
          pool.run(() => exec('gcc', ['-static', `-L${libdir}`, ...p.ldflags, obj, rw.hosted, '-o', out])),
        ]);
        expect(l1.status, describeExec(l1)).toBe(0);
        expect(l2.status, describeExec(l2)).toBe(0);
        const env = { PATH: '/usr/bin:/bin', LC_ALL: 'C' };
        const [r1, r2] = await Promise.all([
          pool.run(() => exec(ref, ['x'], { env, argv0: p.name, timeoutMs: 30_000 })),
          pool.run(() => exec(out, ['x'], { env, argv0: p.name, timeoutMs: 30_000 })),
        ]);
        const view = (r: ExecResult) => ({ status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr });
        expect(view(r2)).toEqual(view(r1));
        if (p.name === 'hello') expect(r1.status).toBe(7);
        const insns = parseObjdump(await objdump(out, pool));
        const calls = insns.filter((i) => /^call [0-9a-f]+ <__ukl_syscall(_\w+)?>$/.test(i.text));
        expect(calls.length).toBeGreaterThan(0);
        if (which === 'direct') {
          // (the per-syscall entries are aliases at one address, so objdump labels every call with one name)
          const nm = await pool.run(() => exec('nm', [out]));
          expect(nm.stdout, 'per-syscall entries linked').toMatch(/ T __ukl_syscall_write$/m);
        }
      });
    }
  }
});
