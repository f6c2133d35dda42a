// UKL images against native static programs, byte for byte.
//
// Each program is compiled once with the system gcc/g++, then linked two ways: `gcc -static` (the
// reference, run on a pseudo-terminal because the unikernel's console is a serial tty, so stdout is
// line-buffered in both) and `ukl-ld --ukl` (booted under QEMU TCG with the kernel command line carrying
// the same environment and arguments). The console output must equal the reference's stdout+stderr, and
// QEMU's exit status must be the one isa-debug-exit gives for the reference's status:
// ((status << 1) | 1) & 0xff (docs/kernel.md).
//
// Programs: the link corpus (tests/link-corpus/programs.json, O2) except those that need what the
// kernel does not offer: files (stdio_files, cxx_iostream's fstream), threads (tls_threads, cxx_stl),
// stdin read to end of file (argv_env; a serial console has no end of file). Plus C++ iostream with
// exceptions, clocks/sleep/getrandom, sigsuspend, the syscall register contract and mprotect over 2 MiB and 4 KiB pages (tests/kernel-programs). zlib and libm come from the corpus.
// The other two link forms of issue 8 are checked on init_order and a two-object program whose second
// object nobody references: the explicit archive form, and `ukl-ld glibc/*.o app.o ukl.o` with the
// machine's libc.a members extracted by `ar x`.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IN_CI, PARALLEL, Pool, compile, lazyCases, loadCorpus, programCflags, exec, type CorpusProgram } from './helpers/link.ts';
import { HAVE_SCRIPT, KERNEL_O, boot, ensureKernel, kernelCommandLine, qemuMissing, qemuStatusFor, run, runOnPty, uklLd, type RawResult } from './helpers/qemu.ts';

function scriptMissing(): string | false {
  if (HAVE_SCRIPT) return false;
  if (IN_CI) throw new Error('script is missing in CI (apt package bsdutils; .ci/run installs it)');
  return 'script (bsdutils) is not installed';
}
const missing = qemuMissing() || scriptMissing();
const corpus = loadCorpus();
const EXCLUDED: Record<string, string> = {
  stdio_files: 'files',
  cxx_iostream: 'files and stdin to end of file',
  argv_env: 'stdin to end of file',
  tls_threads: 'threads',
  cxx_stl: 'threads',
};
const OWN_DIR = '../kernel-programs'; // relative to the corpus directory, as compile() takes sources
const own: CorpusProgram[] = [
  { name: 'iostream_exc', sources: [join(OWN_DIR, 'iostream_exc.cc')], exit: 21 },
  { name: 'time_sleep', sources: [join(OWN_DIR, 'time_sleep.c')], exit: 0 },
  { name: 'sigsuspend', sources: [join(OWN_DIR, 'sigsuspend.c')], exit: 0 },
  { name: 'regs_preserved', sources: [join(OWN_DIR, 'regs_preserved.c')], exit: 0 },
  { name: 'mprotect_pages', sources: [join(OWN_DIR, 'mprotect_pages.c')], exit: 0 },
];
const programs = [...corpus.programs.filter((p) => !(p.name in EXCLUDED)), ...own];

const tmp = mkdtempSync(join(tmpdir(), 'ukl-image-corpus-'));
const pool = new Pool(PARALLEL);
// Every case is queued at once on the pool, so a test's wait includes the cases ahead of it.
const QUEUED_TIMEOUT = 1_200_000;
afterAll(() => {
  if (process.env.UKL_KEEP_TMP === '1') process.stdout.write(`kept ${tmp}\n`);
  else rmSync(tmp, { recursive: true, force: true });
});

interface Built {
  dir: string;
  objs: string[];
  native: RawResult;
}

const env = corpus.defaults.env;
const args = corpus.defaults.args;
const cmdline = kernelCommandLine(env, args);

function isCxx(p: CorpusProgram): boolean {
  return p.sources.some((s) => /\.cc$/.test(s));
}

const built = lazyCases(
  programs.map((p) => ({ key: p.name, p })),
  async ({ p }): Promise<Built> => {
    const dir = join(tmp, p.name);
    const objs = await compile(p.sources, programCflags(p, 'O2'), dir, pool);
    const native = join(dir, 'native');
    const l = await pool.run(() => exec(isCxx(p) ? 'g++' : 'gcc', ['-static', ...(p.ldflags ?? []), ...objs, ...(p.libs ?? []), '-o', native]));
    if (l.status !== 0) throw new Error(`native link failed: ${l.stderr}`);
    const r = await pool.run(() => runOnPty(native, args, env));
    return { dir, objs, native: r };
  },
);

async function linkAndBoot(linkArgs: string[], image: string): Promise<RawResult> {
  const l = await pool.run(() => uklLd([...linkArgs, '-o', image]));
  if (l.status !== 0) throw new Error(`ukl-ld failed: ${l.stderr}`);
  return pool.run(() => boot(image, cmdline));
}

const images = lazyCases(
  programs.map((p) => ({ key: p.name, p })),
  async ({ p }) => {
    ensureKernel();
    const b = await built.must(p.name);
    const vm = await linkAndBoot(['--ukl', ...b.objs, ...(p.libs ?? [])], join(b.dir, `${p.name}.vmlinux`));
    return { b, vm };
  },
);

function expectSame(native: RawResult, vm: RawResult, exit: number): void {
  expect(native.status, 'the native reference exits as the corpus says').toBe(exit);
  expect(vm.timedOut, 'QEMU did not stop').toBe(false);
  expect(vm.stdout.toString('latin1')).toBe(native.stdout.toString('latin1'));
  expect(vm.status).toBe(qemuStatusFor(native.status!));
}

// Also linked with --syscall-direct (each known syscall number calls its own kernel entry).
const DIRECT = ['regs_preserved', 'signals', 'zlib_roundtrip', 'malloc_heavy', 'iostream_exc', 'time_sleep'];
const direct = lazyCases(
  DIRECT.map((name) => ({ key: name, p: programs.find((p) => p.name === name)! })),
  async ({ p }) => {
    const b = await built.must(p.name);
    const vm = await linkAndBoot(['--ukl', '--syscall-direct', ...b.objs, ...(p.libs ?? [])], join(b.dir, `${p.name}.direct.vmlinux`));
    return { b, vm };
  },
);

describe.skipIf(missing)(`UKL images boot and match the native program${missing ? ` (skipped: ${missing})` : ''}`, () => {
  // Start every case; the pool keeps the machine's cores busy, each test waits for its own.
  for (const p of programs) void images.result(p.name);
  for (const name of DIRECT) void direct.result(name);

  for (const name of DIRECT) {
    it(`${name} with --syscall-direct: the same console and status`, async () => {
      const { b, vm } = await direct.must(name);
      expectSame(b.native, vm, programs.find((p) => p.name === name)!.exit);
    }, QUEUED_TIMEOUT);
  }

  for (const p of programs) {
    it(`${p.name}: console and status equal the native static build's`, async () => {
      const { b, vm } = await images.must(p.name);
      expectSame(b.native, vm, p.exit);
    }, QUEUED_TIMEOUT);
  }

  it('the explicit archive form and the glibc/*.o form give images that behave the same', async () => {
    const init = corpus.programs.find((p) => p.name === 'init_order')!;
    const b = await built.must(init.name);
    const L = '/usr/lib/x86_64-linux-gnu';
    const gcc = (await exec('gcc', ['-print-libgcc-file-name'])).stdout.trim().replace(/\/libgcc\.a$/, '');
    const archiveForm = [
      `${L}/crt1.o`, `${L}/crti.o`, `${gcc}/crtbeginT.o`, ...b.objs,
      '--start-group', `${L}/libc.a`, `${gcc}/libgcc.a`, `${gcc}/libgcc_eh.a`, '--end-group',
      `${gcc}/crtend.o`, `${L}/crtn.o`, KERNEL_O,
    ];
    const a = await linkAndBoot(archiveForm, join(b.dir, 'archive-form.vmlinux'));
    expectSame(b.native, a, init.exit);

    const glibc = join(tmp, 'glibc');
    mkdirSync(glibc, { recursive: true });
    const x = await run('ar', ['x', `${L}/libc.a`], { cwd: glibc });
    expect(x.status).toBe(0);
    const members = readdirSync(glibc).filter((f) => f.endsWith('.o')).map((f) => join(glibc, f));
    expect(members.length).toBeGreaterThan(1000);
    const loose = await linkAndBoot([...members, ...b.objs, KERNEL_O], join(b.dir, 'loose-form.vmlinux'));
    expectSame(b.native, loose, init.exit);

    // An application object nobody references: still linked, its constructor runs (in every form).
    const ctor: CorpusProgram = { name: 'ctor', sources: [join(OWN_DIR, 'ctor_main.c'), join(OWN_DIR, 'ctor_only.c')], exit: 4 };
    const dir = join(tmp, 'ctor');
    const objs = await compile(ctor.sources, ['-O2'], dir, pool);
    const native = join(dir, 'native');
    expect((await exec('gcc', ['-static', ...objs, '-o', native])).status).toBe(0);
    const ref = await runOnPty(native, args, env);
    expect(ref.stdout.toString()).toContain('constructor in an unreferenced object');
    expectSame(ref, await linkAndBoot([...members, ...objs, KERNEL_O], join(dir, 'loose.vmlinux')), ctor.exit);
    expectSame(ref, await linkAndBoot(['--ukl', ...objs], join(dir, 'ukl.vmlinux')), ctor.exit);
  }, QUEUED_TIMEOUT);
});
