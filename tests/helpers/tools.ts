// NOTE: this file was accidentally overwritten by the src/elf engineer (who created tests/helpers/elf-tools.ts
// at the same moment) and has been reconstructed from its uses in tests/objdump.test.ts. The owner of
// objdump.test.ts should check it against their original.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LIBC_A = '/usr/lib/x86_64-linux-gnu/libc.a';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface RunResult {
  stdout: string;
  stderr: string;
  status: number;
}

/** Run a command; never throws on a non-zero exit. */
export function run(cmd: string, args: string[], opts: { cwd?: string } = {}): RunResult {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, LC_ALL: 'C' } });
  if (r.error) throw r.error;
  return { stdout: r.stdout, stderr: r.stderr, status: r.status ?? -1 };
}

/** Run a command and return its stdout; throws when it fails. */
export function sh(cmd: string, args: string[], opts: { cwd?: string } = {}): string {
  const r = run(cmd, args, opts);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return r.stdout;
}

/** Run one of our CLIs (bin/<name>.js, which loads the built dist/). */
export function ukl(name: string, args: string[], opts: { cwd?: string } = {}): RunResult {
  return run(process.execPath, [join(ROOT, 'bin', `${name}.js`), ...args], opts);
}
