// Helpers for the tests that boot UKL images under QEMU (tests/image-*.test.ts, tests/kernel-*.test.ts):
// the built-in kernel object, linking with ukl-ld, booting an image, and running a native program on a
// pseudo-terminal as the reference (the unikernel's console is a serial tty, so stdout is line-buffered
// there; the native run must see a tty too for the bytes to agree).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { IN_CI, ROOT, UKL_LD_JS, commandExists } from './link.ts';

export const QEMU = 'qemu-system-x86_64';
export const HAVE_QEMU = commandExists(QEMU);
export const HAVE_SCRIPT = commandExists('script');
export const KERNEL_O = join(ROOT, 'dist', 'kernel', 'ukl.o');

/** Skip reason when QEMU is missing; in CI that is a failure instead (.ci/run installs qemu-system-x86). */
export function qemuMissing(): string | false {
  if (HAVE_QEMU) return false;
  if (IN_CI) throw new Error(`${QEMU} is missing in CI (apt package qemu-system-x86; .ci/run installs it)`);
  return `${QEMU} is not installed`;
}

/** Build dist/kernel/ukl.o if a plain `tsc` left it out (npm run build makes it). */
export function ensureKernel(): void {
  if (existsSync(KERNEL_O)) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'kernel', 'build.mjs')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`kernel build failed:\n${r.stderr}${r.stdout}`);
}

export interface RawResult {
  stdout: Buffer;
  stderr: string;
  status: number | null;
  signal: string | null;
  timedOut: boolean;
  ms: number;
}

/**
 * Run a command, collecting stdout as bytes; kill it after timeoutMs. With `input`, that is written to
 * its stdin, which stays open until it exits (as a terminal would); otherwise stdin is /dev/null.
 */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string; input?: string } = {}): Promise<RawResult> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    if (opts.input !== undefined) {
      child.stdin!.on('error', () => {});
      child.stdin!.write(opts.input);
    }
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), status, signal, timedOut, ms: performance.now() - t0 });
    });
  });
}

/** `ukl-ld ARGS` with this node. */
export function uklLd(args: string[], cwd?: string): Promise<RawResult> {
  return run(process.execPath, [UKL_LD_JS, ...args], { cwd });
}

/**
 * The QEMU line of issue 8, plus what keeps the firmware off the console: SeaBIOS's serial output off
 * (etc/sercon-port = 0) and no NIC (so no iPXE banner). QEMU's own warnings go to stderr.
 */
export function qemuArgs(image: string, append: string, accel = 'tcg'): string[] {
  return [
    '-accel', accel, '-nographic', '-no-reboot', '-m', '128M',
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=4',
    '-fw_cfg', 'name=etc/sercon-port,string=0', '-net', 'none',
    '-kernel', image, '-append', append,
  ];
}

export function boot(image: string, append: string, timeoutMs = 60_000): Promise<RawResult> {
  return run(QEMU, qemuArgs(image, append), { timeoutMs });
}

/** The QEMU process status for a guest exit status s: isa-debug-exit makes QEMU exit((s << 1) | 1). */
export function qemuStatusFor(guestStatus: number): number {
  return ((guestStatus << 1) | 1) & 0xff;
}

/** A kernel command line giving this environment and these arguments (docs/kernel.md). */
export function kernelCommandLine(env: Record<string, string>, args: string[], kernelOptions: string[] = []): string {
  const q = (s: string) => (s === '' || /[\s"]/.test(s) ? `"${s}"` : s);
  for (const s of [...Object.entries(env).flat(), ...args]) if (s.includes('"')) throw new Error(`cannot pass ${s} on a kernel command line`);
  return [...kernelOptions, ...Object.entries(env).map(([k, v]) => q(`${k}=${v}`)), '--', ...args.map(q)].join(' ');
}

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Run a native program with stdout and stderr on one pseudo-terminal (`script`), output post-processing
 * off (`stty -onlcr`), stdin at end of file and exactly this environment (argv[0] is the program's path).
 */
export function runOnPty(program: string, args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<RawResult> {
  const envArgs = Object.entries(env).map(([k, v]) => shq(`${k}=${v}`)).join(' ');
  const cmd = `stty -onlcr; exec env -i ${envArgs} ${shq(program)} ${args.map(shq).join(' ')}`;
  return run('script', ['-qec', cmd, '/dev/null'], { timeoutMs });
}
