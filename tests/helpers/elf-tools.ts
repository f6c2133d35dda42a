// Running host tools (readelf, gcc, ar) from tests, and finding the system libraries tests read.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const cache = new Map<string, boolean>();

/** Is `cmd` on PATH and runnable? */
export function have(cmd: string): boolean {
  let ok = cache.get(cmd);
  if (ok === undefined) {
    const r = spawnSync(cmd, ['--version'], { stdio: 'ignore' });
    ok = r.error === undefined && r.status === 0;
    cache.set(cmd, ok);
  }
  return ok;
}

/** Run a tool, returning stdout and stderr; throws when it exits non-zero unless `allowFail`. */
export function run(cmd: string, args: string[], opts: { cwd?: string; allowFail?: boolean } = {}): { stdout: string; stderr: string; status: number } {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, encoding: 'latin1', maxBuffer: 1 << 30, env: { ...process.env, LC_ALL: 'C' } });
  if (r.error) throw r.error;
  const status = r.status ?? -1;
  if (status !== 0 && !opts.allowFail) throw new Error(`${cmd} ${args.join(' ')} exited ${status}:\n${r.stderr}`);
  return { stdout: r.stdout, stderr: r.stderr, status };
}

export function runOk(cmd: string, args: string[], cwd?: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'latin1', maxBuffer: 1 << 30, env: { ...process.env, LC_ALL: 'C' } });
}

export const LIBDIR = '/usr/lib/x86_64-linux-gnu';

export function isArchiveBytes(b: Uint8Array): boolean {
  return b.length >= 8 && Buffer.from(b.subarray(0, 8)).toString('latin1') === '!<arch>\n';
}

export function isElfBytes(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46;
}

/** A real ar archive at `path` (not a GNU ld script, which libm.a and libc.so are on glibc systems). */
export function realArchive(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const fd = readFileSync(path);
  return isArchiveBytes(new Uint8Array(fd.buffer, fd.byteOffset, Math.min(8, fd.length))) ? path : undefined;
}

/** libm: libm.a when it is an archive, else the archive the libm.a linker script names (libm-2.NN.a). */
export function libmArchive(): string | undefined {
  const direct = realArchive(join(LIBDIR, 'libm.a'));
  if (direct) return direct;
  const candidates = existsSync(LIBDIR) ? readdirSync(LIBDIR).filter((f) => /^libm-\d+\.\d+\.a$/.test(f)).sort() : [];
  const last = candidates[candidates.length - 1];
  return last ? realArchive(join(LIBDIR, last)) : undefined;
}

/** libstdc++.a of the newest GCC installed. */
export function libstdcxxArchive(): string | undefined {
  const base = '/usr/lib/gcc/x86_64-linux-gnu';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'libstdc++.a')))
    .sort((a, b) => parseFloat(b) - parseFloat(a));
  return versions[0] ? realArchive(join(base, versions[0], 'libstdc++.a')) : undefined;
}

/** Every ELF file and ar archive under a directory (recursively), sorted. */
export function elfFilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && statSync(p).size >= 8) {
        const b = new Uint8Array(readFileSync(p));
        if (isElfBytes(b) || isArchiveBytes(b)) out.push(p);
      }
    }
  };
  walk(dir);
  return out.sort();
}
