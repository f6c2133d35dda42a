// Differential helpers for the GNU-compatibility tests (tests/link-gnu-compat.test.ts, link-options-gnu,
// link-sysroot, link-demangle): the same link run by GNU ld and by the linker under test, directly or behind
// `gcc -static -B`, with their messages made comparable.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GCC_LD_DIR, GNU_LD, IN_CI, TOOL_ENV, commandExists, describeExec, exec, prepareUnderTest, runUnderTestLd, type ExecResult } from './link.ts';

/** GNU ld, gcc and binutils are the oracles: without them these tests skip (and fail under CI=true). */
export const HAVE_GNU = commandExists(GNU_LD) && commandExists('gcc') && commandExists('readelf') && commandExists('as');
if (!HAVE_GNU && IN_CI) throw new Error('CI=true: GNU ld, gcc, as and readelf are required by the GNU-compatibility tests');

export function scratch(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Write `files` (name -> text) into `dir`. */
export function writeAll(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
}

/** Compile or assemble with gcc (`-c` added); throws with the command on failure. */
export async function cc(dir: string, src: string, out: string, flags: string[] = []): Promise<string> {
  const r = await exec(src.endsWith('.cc') ? 'g++' : 'gcc', [...flags, '-c', join(dir, src), '-o', join(dir, out)], { cwd: dir });
  if (r.status !== 0) throw new Error(describeExec(r));
  return join(dir, out);
}

export interface Both {
  gnu: ExecResult;
  ukl: ExecResult;
}

/** The same ld command line through GNU ld and the linker under test; `@OUT@` in args becomes out.gnu / out.ukl. */
export async function ldBoth(args: string[], out: string, opts: { cwd?: string } = {}): Promise<Both> {
  const sub = (tag: string) => args.map((a) => a.replaceAll('@OUT@', `${out}.${tag}`));
  const gnu = await exec(GNU_LD, sub('gnu'), { cwd: opts.cwd });
  const ukl = await runUnderTestLd(sub('ukl'), { cwd: opts.cwd });
  return { gnu, ukl };
}

/** `gcc -static ARGS -o out.{gnu,ukl}` with GNU ld and, through `-B gcc-ld/`, with the linker under test. */
export async function gccBoth(driver: string, args: string[], out: string, opts: { cwd?: string } = {}): Promise<Both> {
  const ut = prepareUnderTest(opts.cwd ?? out.replace(/\/[^/]*$/, ''));
  const gnu = await exec(driver, ['-static', ...args, '-o', `${out}.gnu`], { cwd: opts.cwd });
  const ukl = await exec(driver, ['-static', '-B', ut.bDir, ...args, '-o', `${out}.ukl`], { cwd: opts.cwd, env: ut.env(`${out}.trace`) });
  return { gnu, ukl };
}

/** Messages with the program prefix (`/usr/bin/ld:`, `ld:`, `ukl-ld:`) replaced by `LD:`, and collect2's line dropped. */
export function messages(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l !== '' && !l.startsWith('collect2:')).map((l) => l.replace(/^(?:\/usr\/bin\/ld|ld|ukl-ld|.*\/bin\/ukl-ld\.js)(?=:)/, 'LD'));
}

export async function must(p: Promise<ExecResult>): Promise<ExecResult> {
  const r = await p;
  if (r.status !== 0) throw new Error(describeExec(r));
  return r;
}

export async function readelf(args: string[]): Promise<string> {
  return (await must(exec('readelf', ['-W', ...args]))).stdout;
}

export { TOOL_ENV, GCC_LD_DIR, GNU_LD, exec, describeExec, IN_CI };
