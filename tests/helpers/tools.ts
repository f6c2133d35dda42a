// Running the real tools (GNU binutils) and our commands from tests.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const LIBC_A = '/usr/lib/x86_64-linux-gnu/libc.a';

/** Run a command and return its stdout; throws on a non-zero exit. */
export function sh(cmd: string, args: string[], opts: { input?: string; cwd?: string } = {}): string {
  return execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30, cwd: opts.cwd, input: opts.input, env: { ...process.env, LC_ALL: 'C' } });
}

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Run a command; never throws on a non-zero exit. */
export function run(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): RunResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30, cwd: opts.cwd, env: { ...process.env, LC_ALL: 'C', ...opts.env } });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs one of our commands from bin/ (built by `npm test`'s tsc step). */
export function ukl(command: string, args: string[], opts: { cwd?: string } = {}): RunResult {
  return run(process.execPath, [join(ROOT, 'bin', `${command}.js`), ...args], opts);
}

export function have(path: string): boolean {
  return existsSync(path);
}

/** CI installs every oracle tool (.ci/run): there a missing one is an error, never a skip. */
export const IN_CI = process.env.CI === 'true';

const found = new Map<string, boolean>();
function present(what: string): boolean {
  let ok = found.get(what);
  if (ok === undefined) {
    ok = what.includes('/') ? existsSync(what) : spawnSync('sh', ['-c', 'command -v "$1"', 'sh', what], { stdio: 'ignore' }).status === 0;
    found.set(what, ok);
  }
  return ok;
}

/**
 * What a test needs and this machine lacks: commands looked up on PATH, or absolute paths to files
 * (libc.a, libstdc++.a; pass a name such as 'libstdc++.a' for one that was looked for and not found). Returns '' when everything is there, else ` (skipped: no gdb, strace)` to put in
 * the test's name for `it.skipIf(reason !== '')(`name${reason}`, ...)`. Under CI=true anything missing
 * throws, so the test file fails instead of skipping.
 */
export function lacking(...needs: string[]): string {
  const gone = needs.filter((n) => !present(n));
  if (gone.length === 0) return '';
  if (IN_CI) throw new Error(`CI=true and this machine lacks ${gone.join(', ')}: .ci/run installs it`);
  return ` (skipped: no ${gone.join(', ')})`;
}
