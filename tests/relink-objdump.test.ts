// ukl-objdump on a linked executable whose syscalls ukl-ld rewrote (`gcc -static -B gcc-ld/
// -Wl,--rewrite-syscalls`): `--syscalls --json` lists every site with the status and reason from the record
// ukl-ld keeps in the output (.ukl.syscalls), and `-d` names the syscall on each rewritten call. The oracle
// for where the sites are is GNU objdump -d of the same executable: rewritten sites are the
// `lea -0x80(%rsp),%rsp` that precede a `call <__ukl_syscall>` (and a `lea 0x80(%rsp),%rsp`), left sites are
// the `syscall` instructions that remain.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, ukl } from './helpers/tools.ts';
import { exec, tool } from './relink-fixtures/oracle.ts';

const ENTRY = '__ukl_syscall';
const GCC_LD = join(ROOT, 'gcc-ld') + '/';

interface JsonSite {
  file: string;
  section: string;
  address: string;
  symbol: string | null;
  nr: number | null;
  name: string | null;
  status: 'rewritten' | 'left';
  reason: string | null;
}

interface Linked {
  exe: string;
  report: { sites: { address?: string; status: string; reason: string | null; nr: number | null; name: string | null; symbol: string | null }[] };
  json: { sites: JsonSite[]; summary: Record<string, number> };
  /** GNU objdump -d: addresses of rewritten sequences and of remaining syscalls, the entry's address */
  gnu: { rewritten: Set<number>; syscalls: Set<number>; entry: number; calls: Map<number, number> };
}

let W = '';
beforeAll(() => {
  W = mkdtempSync(join(tmpdir(), 'ukl-relink-objdump-'));
});
afterAll(() => {
  if (W) rmSync(W, { recursive: true, force: true });
});

/** GNU objdump -d of a linked executable: the call sequences and the remaining syscalls. */
function gnuSites(exe: string): Linked['gnu'] {
  const lines = tool('objdump', ['-d', '-w', exe]).split('\n');
  const insns: { addr: number; text: string }[] = [];
  let entry = -1;
  for (const l of lines) {
    const f = /^([0-9a-f]+) <(.*)>:$/.exec(l);
    if (f && f[2] === ENTRY) entry = parseInt(f[1]!, 16);
    const m = /^ *([0-9a-f]+):\t[0-9a-f ]+\t(.*)$/.exec(l);
    if (m) insns.push({ addr: parseInt(m[1]!, 16), text: m[2]!.trim() });
  }
  const rewritten = new Set<number>();
  const syscalls = new Set<number>();
  const calls = new Map<number, number>();
  insns.forEach((i, k) => {
    if (i.text === 'syscall') syscalls.add(i.addr);
    const c = insns[k + 1];
    const up = insns[k + 2];
    if (/^lea\s+-0x80\(%rsp\),%rsp$/.test(i.text) && c && new RegExp(`^call\\s+[0-9a-f]+ <${ENTRY}>$`).test(c.text) && up && /^lea\s+0x80\(%rsp\),%rsp$/.test(up.text)) {
      rewritten.add(i.addr);
      calls.set(i.addr, c.addr);
    }
  });
  return { rewritten, syscalls, entry, calls };
}

function link(name: string, sources: string[], extra: string[] = []): Linked {
  const exe = join(W, name);
  const reportFile = join(W, `${name}.report.json`);
  const l = exec('gcc', ['-static', '-B', GCC_LD, '-Wl,--rewrite-syscalls', `-Wl,--rewrite-report=${reportFile}`, ...extra, ...sources, '-o', exe]);
  if (l.status !== 0) throw new Error(`link ${name}: ${l.stderr}`);
  const j = ukl('ukl-objdump', ['--syscalls', '--json', exe]);
  if (j.status !== 0) throw new Error(`ukl-objdump --syscalls --json: ${j.stderr}`);
  return { exe, report: JSON.parse(readFileSync(reportFile, 'utf8')), json: JSON.parse(j.stdout), gnu: gnuSites(exe) };
}

const addr = (s: { address?: string }) => parseInt(s.address!, 16);
const sorted = (xs: Iterable<number>) => [...xs].sort((a, b) => a - b).map((x) => '0x' + x.toString(16));

const cache = new Map<string, Linked>();
function hello(): Linked {
  let h = cache.get('hello');
  if (!h) cache.set('hello', (h = link('hello', [join(ROOT, 'test-objects', 'src', 'hello.c')])));
  return h;
}
function sigreturn(): Linked {
  let h = cache.get('sigreturn');
  if (!h) cache.set('sigreturn', (h = link('sigreturn', [join(ROOT, 'test-objects', 'sigreturn-main.o'), join(ROOT, 'test-objects', 'sigreturn.o')])));
  return h;
}

describe('ukl-objdump --syscalls --json on a rewritten linked executable', () => {
  it('hello runs, and keeps the record in a .ukl.syscalls section', () => {
    const h = hello();
    const r = exec(h.exe, []);
    expect(r.stdout).toBe('hello, world 42\nbye\n');
    expect(tool('readelf', ['-S', '-W', h.exe])).toMatch(/\.ukl\.syscalls/);
  });

  it('every site has status rewritten|left and a reason exactly when left', () => {
    const { json } = hello();
    expect(json.sites.length).toBeGreaterThan(50);
    for (const s of json.sites) {
      expect(['rewritten', 'left']).toContain(s.status);
      if (s.status === 'rewritten') expect(s.reason, s.address).toBeNull();
      else expect(typeof s.reason === 'string' && s.reason.length > 0, s.address).toBe(true);
    }
  });

  it('rewritten addresses = the lea -0x80(%rsp),%rsp before each call to __ukl_syscall in GNU objdump -d', () => {
    const { json, gnu } = hello();
    expect(gnu.rewritten.size).toBeGreaterThan(50);
    expect(sorted(json.sites.filter((s) => s.status === 'rewritten').map(addr))).toEqual(sorted(gnu.rewritten));
  });

  it('left addresses = the syscall instructions that remain in GNU objdump -d', () => {
    const { json, gnu } = hello();
    expect(gnu.syscalls.size).toBeGreaterThan(0);
    expect(sorted(json.sites.filter((s) => s.status === 'left').map(addr))).toEqual(sorted(gnu.syscalls));
    // rt_sigreturn in __restore_rt is one of them, with its reason
    const rt = json.sites.find((s) => s.nr === 15);
    expect(rt?.status).toBe('left');
    expect(rt?.reason).toMatch(/rt_sigreturn/);
  });

  it('status and reason agree with ukl-ld --rewrite-report for every address', () => {
    const { json, report } = hello();
    const fromReport = new Map(report.sites.filter((s) => s.address).map((s) => [addr(s), s]));
    for (const s of json.sites) {
      const r = fromReport.get(addr(s));
      if (!r) continue; // the hosted entry's own syscall is not an input site
      expect({ status: s.status, reason: s.reason, nr: s.nr }, s.address).toEqual({ status: r.status, reason: r.reason, nr: r.nr });
    }
    const inputSites = report.sites.filter((s) => s.address).map(addr);
    expect(sorted(inputSites.filter((a) => !json.sites.some((s) => addr(s) === a)))).toEqual([]);
  });

  it('sigreturn (user objects): the raw rt_sigreturn is left with its reason, the other sites rewritten; runs as recorded', () => {
    const h = sigreturn();
    const want = JSON.parse(readFileSync(join(ROOT, 'test-objects', 'programs.json'), 'utf8')).programs.find((p: { name: string }) => p.name === 'sigreturn');
    const r = exec(h.exe, []);
    expect(r.stdout).toBe(want.stdout);
    expect(r.status).toBe(want.exitStatus);
    const mine = h.json.sites.filter((s) => /my_restore_rt|raw_rt_sigaction|raw_kill/.test(s.symbol ?? ''));
    expect(mine.map((s) => `${s.symbol!.replace(/\+.*/, '')} ${s.status}`).sort()).toEqual(['my_restore_rt left', 'raw_kill rewritten', 'raw_rt_sigaction rewritten']);
    expect(mine.find((s) => s.status === 'left')!.reason).toMatch(/rt_sigreturn/);
    expect(sorted(h.json.sites.filter((s) => s.status === 'rewritten').map(addr))).toEqual(sorted(h.gnu.rewritten));
    expect(sorted(h.json.sites.filter((s) => s.status === 'left').map(addr))).toEqual(sorted(h.gnu.syscalls));
  });
});

describe('ukl-objdump -d on a rewritten linked executable', () => {
  it('each rewritten call with a known number carries a comment naming the syscall from the record', () => {
    const { exe, json, gnu } = hello();
    const d = ukl('ukl-objdump', ['-d', exe]);
    expect(d.status).toBe(0);
    const lineAt = new Map<number, string>();
    for (const l of d.stdout.split('\n')) {
      const m = /^ *([0-9a-f]+):\t/.exec(l);
      if (m) lineAt.set(parseInt(m[1]!, 16), l);
    }
    const known = json.sites.filter((s) => s.status === 'rewritten' && s.nr !== null && s.name);
    expect(known.length).toBeGreaterThan(30);
    const bad: string[] = [];
    for (const s of known) {
      const call = gnu.calls.get(addr(s));
      const line = call === undefined ? undefined : lineAt.get(call);
      if (!line || !new RegExp(`call\\s+[0-9a-f]+ <${ENTRY}>.*#.*\\b${s.name}\\b`).test(line)) bad.push(`${s.address} ${s.name}: ${line}`);
    }
    expect(bad).toEqual([]);
    // a known one: write (1), as the brief's example
    const w = known.find((s) => s.name === 'write');
    expect(w).toBeDefined();
    expect(lineAt.get(gnu.calls.get(addr(w!))!)).toMatch(/#.*syscall write\b/);
    // no comment names a syscall on a call that is not a rewritten site
    const named = [...lineAt.entries()].filter(([, l]) => /#.*\bsyscall ([a-z_][a-z0-9_]*)/.test(l)).map(([a]) => a);
    expect(sorted(named)).toEqual(sorted(known.map((s) => gnu.calls.get(addr(s))!)));
  });
});
