// Guest file descriptors backed by host files through Node's synchronous fs calls. Node has no lseek, so
// each open file description keeps its own offset and reads/writes are positional for seekable files.
import * as fs from 'node:fs';
import { isatty } from 'node:tty';

export interface OpenFile {
  hostFd: number;
  path: string;
  /** Offset for seekable files; null for pipes/ttys. */
  pos: number | null;
  append: boolean;
  flags: number;
  isDir: boolean;
  /** Directory listing cursor (getdents64). */
  dirIndex: number;
  dirEntries?: fs.Dirent[];
  refs: number;
  /** Do not close the host fd (stdio). */
  keepOpen: boolean;
}

export const O_ACCMODE = 3, O_WRONLY = 1, O_RDWR = 2, O_CREAT = 0x40, O_APPEND = 0x400, O_DIRECTORY = 0x10000, O_CLOEXEC = 0x80000;

export class FdTable {
  readonly fds: (OpenFile | undefined)[] = [];
  readonly cloexec = new Set<number>();

  constructor() {
    // Inherited stdio uses the host's own file offset (shared with the shell and other processes), so
    // reads and writes on it are never positional; lseek on it reports ESPIPE.
    for (let i = 0; i < 3; i++) {
      this.fds[i] = { hostFd: i, path: `/dev/fd/${i}`, pos: null, append: false, flags: i === 0 ? 0 : 1, isDir: false, dirIndex: 0, refs: 1, keepOpen: true };
    }
  }

  get(fd: number): OpenFile | undefined {
    return fd >= 0 ? this.fds[fd] : undefined;
  }

  /** Lowest free descriptor ≥ min. */
  alloc(f: OpenFile, min = 0): number {
    let fd = min;
    while (this.fds[fd]) fd++;
    this.fds[fd] = f;
    return fd;
  }

  close(fd: number): boolean {
    const f = this.fds[fd];
    if (!f) return false;
    this.fds[fd] = undefined;
    this.cloexec.delete(fd);
    if (--f.refs === 0 && !f.keepOpen) {
      try {
        fs.closeSync(f.hostFd);
      } catch {
        // already gone
      }
    }
    return true;
  }

  isTty(f: OpenFile): boolean {
    return isatty(f.hostFd);
  }
}
