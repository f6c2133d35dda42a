// Putting an output file in place. A regular file (or a new one) is written to a temporary file next to
// it and renamed over it, so a failed link never leaves a half-written output and an older output stays
// whole; a symlink is replaced too, as GNU ld's unlink_if_ordinary does. Anything else that already exists
// there (a character device such as /dev/null, a FIFO) is opened and written in place, as GNU ld does:
// renaming over it would replace a device node with a regular file when run as root (build systems link
// to /dev/null to probe flags).
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, lstatSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { LinkError } from './errors.ts';

/** Whether `path` exists and is not a regular file, a symlink or a directory (those keep the rename). */
export function isSpecialOutput(path: string): boolean {
  try {
    const st = lstatSync(path);
    return !st.isFile() && !st.isSymbolicLink() && !st.isDirectory();
  } catch {
    return false;
  }
}

function writeAll(fd: number, chunks: Uint8Array[]): void {
  for (const bytes of chunks) {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
  }
}

function describeCode(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT': return 'No such file or directory';
    case 'EACCES': return 'Permission denied';
    case 'EISDIR': return 'Is a directory';
    case 'ENOSPC': return 'No space left on device';
    default: return String(code ?? e);
  }
}

/** Write `contents` to `path`: in place for an existing non-regular file, else through a temporary file and a rename. */
export function writeOutputFile(path: string, contents: Uint8Array | Uint8Array[]): void {
  const chunks = Array.isArray(contents) ? contents : [contents];
  if (isSpecialOutput(path)) {
    let fd: number | undefined;
    try {
      fd = openSync(path, 'w');
      writeAll(fd, chunks);
    } catch (e) {
      throw new LinkError(`cannot open output file ${path}: ${describeCode(e)}`);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    return;
  }
  const tmp = join(dirname(path), `.${basename(path)}.ukl-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w', 0o777);
    writeAll(fd, chunks);
    closeSync(fd);
    fd = undefined;
    chmodSync(tmp, 0o777 & ~process.umask());
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // the temporary file may not exist
    }
    throw new LinkError(`cannot open output file ${path}: ${describeCode(e)}`);
  }
}
