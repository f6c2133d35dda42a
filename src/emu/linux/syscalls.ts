// Linux x86-64 system calls served by the host through Node: files and stdio, memory (brk/mmap/munmap/
// mprotect/mremap), time, identity, signals to the process itself, and the thread-library calls a
// single-threaded static program makes. Unknown calls return -ENOSYS (as an old kernel would).
import * as fs from 'node:fs';
import * as os from 'node:os';
import { randomFillSync } from 'node:crypto';
import { resolve as resolvePath, dirname } from 'node:path';
import type { LinuxProcess } from './process.ts';
import { Fault, Stop } from '../types.ts';
import { FS, GS } from '../cpu.ts';
import { PROT_EXEC, PROT_READ, PROT_WRITE } from './address-space.ts';
import { MMAP_TOP } from './loader.ts';
import { O_APPEND, O_CLOEXEC, O_DIRECTORY, type OpenFile } from './files.ts';
import { makeSiginfo, SIG_NAMES } from './signals.ts';

const EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, EBADF = 9, ECHILD = 10, EAGAIN = 11, ENOMEM = 12, EFAULT = 14, EEXIST = 17;
const ENOTDIR = 20, EISDIR = 21, EINVAL = 22, ENOTTY = 25, ESPIPE = 29, ERANGE = 34, ENOSYS = 38, ENAMETOOLONG = 36, ETIMEDOUT = 110;
void ENOENT; void EIO; void EEXIST; void ENOTDIR; void EISDIR; void ENAMETOOLONG; void ECHILD; void EINTR;

const AT_FDCWD = -100;
const PAGE = 4096;
const MAP_SHARED = 1, MAP_PRIVATE = 2, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20, MAP_FIXED_NOREPLACE = 0x100000;

class Efault extends Error {}

/** The host errno of a Node fs error, negated (Node's err.errno is already -errno on Linux). */
function hostErr(e: unknown): number {
  const errno = (e as { errno?: number }).errno;
  return typeof errno === 'number' && errno < 0 ? errno : -EIO;
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function doSyscall(p: LinuxProcess, nr: number): number | bigint | undefined {
  const c = p.cpu;
  const a0 = c.regNum(7), a1 = c.regNum(6), a2 = c.regNum(2), a3 = c.regNum(10), a4 = c.regNum(8), a5 = c.regNum(9);
  const i0 = c.lo[7] | 0, i1 = c.lo[6] | 0, i2 = c.lo[2] | 0, i3 = c.lo[10] | 0;
  void a5;
  /** Guest memory access from a system call: demand-paged like the guest's own accesses; -EFAULT otherwise. */
  const guarded = <T>(f: () => T, write: boolean): T => {
    for (let tries = 0; ; tries++) {
      try {
        return f();
      } catch (e) {
        if (!(e instanceof Fault)) throw e;
        if (e.vector === 14 && tries < 4096 && !(e.errorCode & 1) && p.as.fault(c.cr2, write, false)) continue;
        throw new Efault();
      }
    }
  };
  const mem = {
    read: (la: number, n: number): Uint8Array => guarded(() => c.readBytes(la, n), false),
    write: (la: number, data: Uint8Array): void => guarded(() => c.writeBytes(la, data), true),
    cstr: (la: number): string => {
      const out: number[] = [];
      for (let i = 0; i < 4096; i++) {
        const b = guarded(() => c.read8(la + i), false);
        if (b === 0) break;
        out.push(b);
      }
      return Buffer.from(out).toString('utf8');
    },
    u64: (la: number, v: bigint | number) => mem.write(la, u64bytes(v)),
  };
  try {
    switch (nr) {
      case 0: return sysRead(p, i0, a1, a2, mem, null);
      case 17: return sysRead(p, i0, a1, a2, mem, a3);
      case 1: return sysWrite(p, i0, a1, a2, mem, null);
      case 18: return sysWrite(p, i0, a1, a2, mem, a3);
      case 19: // readv
      case 20: { // writev
        let total = 0;
        for (let k = 0; k < a2; k++) {
          const iov = mem.read(a1 + k * 16, 16);
          const dv = new DataView(iov.buffer, iov.byteOffset);
          const base = Number(dv.getBigUint64(0, true)), len = Number(dv.getBigUint64(8, true));
          if (len === 0) continue;
          const r = nr === 19 ? sysRead(p, i0, base, len, mem, null) : sysWrite(p, i0, base, len, mem, null);
          if (r < 0) return total > 0 ? total : r;
          total += r;
          if (r < len) break;
        }
        return total;
      }
      case 2: return sysOpen(p, AT_FDCWD, mem.cstr(a0), i1, i2);
      case 257: return sysOpen(p, i0, mem.cstr(a1), i2, i3);
      case 3: return p.files.close(i0) ? 0 : -EBADF;
      case 4: case 6: return sysStat(p, AT_FDCWD, mem.cstr(a0), a1, nr === 6 ? 0x100 : 0, mem);
      case 5: return sysStat(p, i0, '', a1, 0x1000, mem);
      case 262: return sysStat(p, i0, mem.cstr(a1), a2, i3, mem);
      case 332: return sysStatx(p, i0, mem.cstr(a1), i2, a4, mem);
      case 8: return sysLseek(p, i0, a1, i2);
      case 9: return sysMmap(p, a0, a1, i2, i3, a4 === -1 || (c.lo[8] | 0) === -1 ? -1 : c.lo[8] | 0, c.regNum(9));
      case 10: {
        if (a0 % PAGE) return -EINVAL;
        const end = a0 + Math.ceil(a1 / PAGE) * PAGE;
        return p.as.protect(a0, end, i2 & 7) ? 0 : -ENOMEM;
      }
      case 11: {
        if (a0 % PAGE) return -EINVAL;
        p.as.removeRange(a0, a0 + Math.ceil(a1 / PAGE) * PAGE);
        return 0;
      }
      case 25: return sysMremap(p, a0, a1, a2, i3, c.regNum(8));
      case 12: return sysBrk(p, a0);
      case 28: return 0; // madvise
      case 13: return sysSigaction(p, i0, a1, a2, mem);
      case 14: return sysSigprocmask(p, i0, a1, a2, mem);
      case 15: p.signals.sigreturn(c); return undefined;
      case 127: mem.u64(a0, p.signals.pendingMask()); return 0; // rt_sigpending
      case 131: { // sigaltstack
        if (a1) {
          mem.u64(a1, p.signals.altStack.sp);
          mem.write(a1 + 8, u32bytes(p.signals.altStack.flags));
          mem.u64(a1 + 16, p.signals.altStack.size);
        }
        if (a0) {
          const b = mem.read(a0, 24);
          const dv = new DataView(b.buffer, b.byteOffset);
          p.signals.altStack = { sp: dv.getBigUint64(0, true), flags: dv.getInt32(8, true), size: dv.getBigUint64(16, true) };
        }
        return 0;
      }
      case 16: return sysIoctl(p, i0, c.lo[6], a2, mem);
      case 21: case 269: case 439: { // access, faccessat, faccessat2
        const path = nr === 21 ? mem.cstr(a0) : resolveAt(p, i0, mem.cstr(a1));
        try {
          fs.accessSync(path, nr === 21 ? i1 : i2);
          return 0;
        } catch (e) {
          return hostErr(e);
        }
      }
      case 24: // sched_yield
        c.setReg(0, 0n);
        return p.threads.list.length > 1 && p.threads.switchAway() ? undefined : 0;
      case 32: { // dup
        const f = p.files.get(i0);
        if (!f) return -EBADF;
        f.refs++;
        return p.files.alloc(f);
      }
      case 33: case 292: { // dup2, dup3
        const f = p.files.get(i0);
        if (!f) return -EBADF;
        if (i0 === i1) return nr === 33 ? i1 : -EINVAL;
        p.files.close(i1);
        f.refs++;
        p.files.fds[i1] = f;
        return i1;
      }
      case 35: case 230: return 0; // nanosleep, clock_nanosleep: time passes instantly
      case 39: return p.pid;
      case 186: return p.threads.current.tid; // gettid
      case 110: return process.ppid;
      case 111: return p.pid; // getpgrp
      case 102: case 107: return p.args.uid;
      case 104: case 108: return p.args.gid;
      case 60: // exit: the thread; the process when it is the last one
        if (p.threads.list.length > 1) {
          const t = p.threads.current;
          if (t.clearTid) {
            mem.write(t.clearTid, u32bytes(0));
            p.threads.wake(t.clearTid, 1 << 30);
          }
          if (!p.threads.exitCurrent()) throw new Stop({ kind: 'requested', reason: 'every remaining thread waits on a futex (deadlock)' });
          return undefined;
        }
        p.result = { kind: 'exit', status: i0 & 0xff };
        throw new Stop({ kind: 'exit', status: i0 & 0xff });
      case 231: // exit_group
        p.result = { kind: 'exit', status: i0 & 0xff };
        throw new Stop({ kind: 'exit', status: i0 & 0xff });
      case 62: return sysKill(p, i0, i1, 0); // kill
      case 200: return sysKill(p, i0, i1, -6); // tkill
      case 234: return sysKill(p, i1, c.lo[2] | 0, -6); // tgkill(tgid, tid, sig)
      case 129: { // rt_sigqueueinfo(pid, sig, info)
        if (i0 !== p.pid) return -ESRCH;
        const info = mem.read(a2, 128);
        new DataView(info.buffer, info.byteOffset).setInt32(0, i1, true);
        p.signals.raise(i1, info);
        return 0;
      }
      case 63: { // uname
        const fields = ['Linux', os.hostname(), os.release(), os.version(), 'x86_64', '(none)'];
        const b = new Uint8Array(65 * 6);
        fields.forEach((f, k) => b.set(Buffer.from(f).subarray(0, 64), k * 65));
        mem.write(a0, b);
        return 0;
      }
      case 72: return sysFcntl(p, i0, i1, a2);
      case 74: case 75: return 0; // fsync, fdatasync
      case 77: { // ftruncate
        const f = p.files.get(i0);
        if (!f) return -EBADF;
        try {
          fs.ftruncateSync(f.hostFd, a1);
          return 0;
        } catch (e) {
          return hostErr(e);
        }
      }
      case 217: return sysGetdents(p, i0, a1, a2, mem);
      case 79: { // getcwd
        const cwd = Buffer.from(`${process.cwd()}\0`);
        if (cwd.length > a1) return -ERANGE;
        mem.write(a0, cwd);
        return cwd.length;
      }
      case 80: try { process.chdir(mem.cstr(a0)); return 0; } catch (e) { return hostErr(e); }
      case 82: try { fs.renameSync(mem.cstr(a0), mem.cstr(a1)); return 0; } catch (e) { return hostErr(e); }
      case 83: try { fs.mkdirSync(mem.cstr(a0), { mode: i1 }); return 0; } catch (e) { return hostErr(e); }
      case 84: try { fs.rmdirSync(mem.cstr(a0)); return 0; } catch (e) { return hostErr(e); }
      case 87: try { fs.unlinkSync(mem.cstr(a0)); return 0; } catch (e) { return hostErr(e); }
      case 263: { // unlinkat
        const path = resolveAt(p, i0, mem.cstr(a1));
        try {
          if (i2 & 0x200) fs.rmdirSync(path);
          else fs.unlinkSync(path);
          return 0;
        } catch (e) {
          return hostErr(e);
        }
      }
      case 89: case 267: { // readlink, readlinkat
        const path = nr === 89 ? mem.cstr(a0) : resolveAt(p, i0, mem.cstr(a1));
        const buf = nr === 89 ? a1 : a2, size = nr === 89 ? a2 : a3;
        let target: string;
        if (path === '/proc/self/exe') target = resolvePath(p.args.execfn);
        else {
          try {
            target = fs.readlinkSync(path);
          } catch (e) {
            return hostErr(e);
          }
        }
        const b = Buffer.from(target).subarray(0, size);
        mem.write(buf, b);
        return b.length;
      }
      case 95: return 0o22; // umask
      case 96: { // gettimeofday
        if (a0) {
          const ns = realtimeNs();
          mem.u64(a0, ns / 1_000_000_000n);
          mem.u64(a0 + 8, (ns % 1_000_000_000n) / 1000n);
        }
        return 0;
      }
      case 201: { // time
        const s = realtimeNs() / 1_000_000_000n;
        if (a0) mem.u64(a0, s);
        return s;
      }
      case 228: { // clock_gettime
        const ns = i0 === 0 || i0 === 5 || i0 === 8 ? realtimeNs() : process.hrtime.bigint();
        mem.u64(a1, ns / 1_000_000_000n);
        mem.u64(a1 + 8, ns % 1_000_000_000n);
        return 0;
      }
      case 229: { // clock_getres
        if (a1) {
          mem.u64(a1, 0n);
          mem.u64(a1 + 8, 1n);
        }
        return 0;
      }
      case 97: case 302: return sysRlimit(p, nr === 97 ? i0 : i1, nr === 97 ? 0 : a2, nr === 97 ? a1 : a3, mem);
      case 98: mem.write(a1, new Uint8Array(144)); return 0; // getrusage
      case 99: { // sysinfo
        const b = new Uint8Array(112);
        const dv = new DataView(b.buffer);
        dv.setBigInt64(0, BigInt(Math.floor(os.uptime())), true);
        dv.setBigUint64(32, BigInt(p.cpu.ramSize), true);
        dv.setBigUint64(40, BigInt(p.cpu.ramSize - p.as.used * PAGE), true);
        dv.setUint16(80, 1, true);
        dv.setUint32(104, 1, true);
        mem.write(a0, b);
        return 0;
      }
      case 158: return sysArchPrctl(p, i0, a1, mem);
      case 218: return p.threads.current.tid; // set_tid_address
      case 273: return 0; // set_robust_list
      case 334: return -ENOSYS; // rseq
      case 202: { // futex
        const op = i1 & 0x7f;
        if (op === 1 || op === 10) return p.threads.wake(a0, i2 <= 0 ? 1 : i2); // WAKE, WAKE_BITSET
        if (op === 4 || op === 5) return p.threads.wake(a0, 1 << 30); // CMP_REQUEUE, WAKE_OP: wake everyone (spurious wakeups are allowed)
        if (op === 0 || op === 9) {
          const b = mem.read(a0, 4);
          const cur = new DataView(b.buffer, b.byteOffset).getInt32(0, true);
          if (cur !== i2) return -EAGAIN;
          const t = p.threads.current;
          t.waitingOn = a0;
          c.setReg(0, 0n);
          if (p.threads.switchAway()) return undefined;
          t.waitingOn = null;
          if (a3 !== 0) return -ETIMEDOUT;
          throw new Stop({ kind: 'requested', reason: `futex wait on 0x${a0.toString(16)} that no other thread can end (deadlock)` });
        }
        return -ENOSYS;
      }
      case 204: { // sched_getaffinity
        const n = Math.min(a1, 128);
        const b = new Uint8Array(n);
        b[0] = 1;
        mem.write(a2, b);
        return n;
      }
      case 318: { // getrandom
        const b = new Uint8Array(Math.min(a1, 1 << 20));
        randomFillSync(b);
        mem.write(a0, b);
        return b.length;
      }
      case 56: { // clone: threads (CLONE_VM | CLONE_THREAD) only
        const flags = c.lo[7];
        if (!(flags & 0x100) || !(flags & 0x10000)) return -EAGAIN;
        const t = p.threads.spawn(a1, flags & 0x80000 ? c.regNum(8) : null, flags & 0x200000 ? a3 : 0);
        if (flags & 0x100000) mem.write(a2, u32bytes(t.tid));
        if (flags & 0x1000000) mem.write(a3, u32bytes(t.tid)); // CLONE_CHILD_SETTID (shared memory)
        return t.tid;
      }
      case 57: case 58: return -EAGAIN; // fork, vfork: one process
      case 435: return -ENOSYS; // clone3
      case 59: return -EPERM; // execve
      case 61: return -ECHILD; // wait4
      case 7: case 270: case 271: return -ENOSYS; // poll, pselect6, ppoll
      case 293: case 22: return -ENOSYS; // pipe2, pipe
      case 41: return -ENOSYS; // socket
      case 137: case 138: return -ENOSYS; // statfs, fstatfs
      default:
        return -ENOSYS;
    }
  } catch (e) {
    if (e instanceof Efault) return -EFAULT;
    throw e;
  }
}

type Mem = {
  read(la: number, n: number): Uint8Array;
  write(la: number, data: Uint8Array): void;
  cstr(la: number): string;
  u64(la: number, v: bigint | number): void;
};

function u64bytes(v: bigint | number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(v)), true);
  return b;
}

function u32bytes(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
}

function realtimeNs(): bigint {
  const ms = BigInt(Date.now());
  return ms * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
}

function resolveAt(p: LinuxProcess, dirfd: number, path: string): string {
  if (path.startsWith('/') || dirfd === AT_FDCWD) return path;
  const f = p.files.get(dirfd);
  return f ? resolvePath(f.path, path) : path;
}

function sysRead(p: LinuxProcess, fd: number, buf: number, len: number, mem: Mem, pos: number | null): number {
  const f = p.files.get(fd);
  if (!f) return -EBADF;
  if (f.isDir) return -EISDIR;
  if ((f.flags & 3) === 1) return -EBADF;
  const n = Math.min(len, 1 << 20);
  const b = Buffer.alloc(n);
  let r: number;
  for (;;) {
    try {
      r = fs.readSync(f.hostFd, b, 0, n, pos ?? f.pos);
      break;
    } catch (e) {
      if ((e as { code?: string }).code === 'EAGAIN') {
        sleepMs(5);
        continue;
      }
      if ((e as { code?: string }).code === 'EOF') return 0;
      return hostErr(e);
    }
  }
  if (pos === null && f.pos !== null) f.pos += r;
  mem.write(buf, b.subarray(0, r));
  return r;
}

function sysWrite(p: LinuxProcess, fd: number, buf: number, len: number, mem: Mem, pos: number | null): number {
  const f = p.files.get(fd);
  if (!f) return -EBADF;
  if ((f.flags & 3) === 0 && !f.keepOpen) return -EBADF;
  const data = mem.read(buf, Math.min(len, 1 << 24));
  let off = 0;
  while (off < data.length) {
    try {
      let at: number | null = pos ?? f.pos;
      if (f.append && pos === null) at = null;
      const w = fs.writeSync(f.hostFd, data, off, data.length - off, at === null ? null : at + off);
      off += w;
    } catch (e) {
      if ((e as { code?: string }).code === 'EAGAIN') {
        sleepMs(1);
        continue;
      }
      if ((e as { code?: string }).code === 'EPIPE') {
        p.signals.raise(13, makeSiginfo(13, 0));
        return -32;
      }
      return off > 0 ? off : hostErr(e);
    }
  }
  if (pos === null && f.pos !== null) {
    if (f.append) {
      try {
        f.pos = fs.fstatSync(f.hostFd).size;
      } catch {
        // keep
      }
    } else f.pos += off;
  }
  return off;
}

function sysOpen(p: LinuxProcess, dirfd: number, path: string, flags: number, mode: number): number {
  const full = resolveAt(p, dirfd, path);
  let hostPath = full;
  if (full === '/proc/self/exe') hostPath = p.args.execfn;
  let hostFd: number;
  try {
    hostFd = fs.openSync(hostPath, flags & ~O_CLOEXEC, mode);
  } catch (e) {
    return hostErr(e);
  }
  let isDir = false, seekable = false;
  try {
    const st = fs.fstatSync(hostFd);
    isDir = st.isDirectory();
    seekable = st.isFile() || st.isBlockDevice();
  } catch {
    // keep defaults
  }
  if (flags & O_DIRECTORY && !isDir) {
    fs.closeSync(hostFd);
    return -ENOTDIR;
  }
  const f: OpenFile = { hostFd, path: resolvePath(full), pos: seekable ? 0 : null, append: (flags & O_APPEND) !== 0, flags, isDir, dirIndex: 0, refs: 1, keepOpen: false };
  if (f.append && seekable) f.pos = fs.fstatSync(hostFd).size;
  const fd = p.files.alloc(f);
  if (flags & O_CLOEXEC) p.files.cloexec.add(fd);
  return fd;
}

function writeStat(mem: Mem, at: number, st: fs.BigIntStats): void {
  const b = new Uint8Array(144);
  const dv = new DataView(b.buffer);
  dv.setBigUint64(0, st.dev, true);
  dv.setBigUint64(8, st.ino, true);
  dv.setBigUint64(16, st.nlink, true);
  dv.setUint32(24, Number(st.mode), true);
  dv.setUint32(28, Number(st.uid), true);
  dv.setUint32(32, Number(st.gid), true);
  dv.setBigUint64(40, st.rdev, true);
  dv.setBigInt64(48, st.size, true);
  dv.setBigInt64(56, st.blksize, true);
  dv.setBigInt64(64, st.blocks, true);
  const t = (off: number, ns: bigint) => {
    dv.setBigInt64(off, ns / 1_000_000_000n, true);
    dv.setBigInt64(off + 8, ns % 1_000_000_000n, true);
  };
  t(72, st.atimeNs);
  t(88, st.mtimeNs);
  t(104, st.ctimeNs);
  mem.write(at, b);
}

function statOf(p: LinuxProcess, dirfd: number, path: string, flags: number): fs.BigIntStats | number {
  try {
    if (path === '' && flags & 0x1000) {
      // AT_EMPTY_PATH
      const f = p.files.get(dirfd);
      if (!f) return -EBADF;
      return fs.fstatSync(f.hostFd, { bigint: true });
    }
    const full = resolveAt(p, dirfd, path);
    return flags & 0x100 ? fs.lstatSync(full, { bigint: true }) : fs.statSync(full, { bigint: true });
  } catch (e) {
    return hostErr(e);
  }
}

function sysStat(p: LinuxProcess, dirfd: number, path: string, buf: number, flags: number, mem: Mem): number {
  const st = statOf(p, dirfd, path, flags);
  if (typeof st === 'number') return st;
  writeStat(mem, buf, st);
  return 0;
}

function sysStatx(p: LinuxProcess, dirfd: number, path: string, flags: number, buf: number, mem: Mem): number {
  const st = statOf(p, dirfd, path, flags);
  if (typeof st === 'number') return st;
  const b = new Uint8Array(256);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, 0x7ff, true); // STATX_BASIC_STATS
  dv.setUint32(4, Number(st.blksize), true);
  dv.setUint32(16, Number(st.nlink), true);
  dv.setUint32(20, Number(st.uid), true);
  dv.setUint32(24, Number(st.gid), true);
  dv.setUint16(28, Number(st.mode), true);
  dv.setBigUint64(32, st.ino, true);
  dv.setBigUint64(40, st.size, true);
  dv.setBigUint64(48, st.blocks, true);
  const t = (off: number, ns: bigint) => {
    dv.setBigInt64(off, ns / 1_000_000_000n, true);
    dv.setUint32(off + 8, Number(ns % 1_000_000_000n), true);
  };
  t(64, st.atimeNs);
  t(80, st.birthtimeNs);
  t(96, st.ctimeNs);
  t(112, st.mtimeNs);
  dv.setUint32(128, Number(st.rdev >> 8n) & 0xfff, true);
  dv.setUint32(132, Number(st.rdev & 0xffn), true);
  dv.setUint32(136, Number(st.dev >> 8n) & 0xfff, true);
  dv.setUint32(140, Number(st.dev & 0xffn), true);
  mem.write(buf, b);
  return 0;
}

function sysLseek(p: LinuxProcess, fd: number, off: number, whence: number): number {
  const f = p.files.get(fd);
  if (!f) return -EBADF;
  if (f.pos === null) return -ESPIPE;
  let base: number;
  if (whence === 0) base = 0;
  else if (whence === 1) base = f.pos;
  else if (whence === 2) {
    try {
      base = fs.fstatSync(f.hostFd).size;
    } catch (e) {
      return hostErr(e);
    }
  } else return -EINVAL;
  const n = base + off;
  if (n < 0) return -EINVAL;
  f.pos = n;
  if (f.isDir && n === 0) f.dirIndex = 0;
  return n;
}

function sysGetdents(p: LinuxProcess, fd: number, buf: number, len: number, mem: Mem): number {
  const f = p.files.get(fd);
  if (!f) return -EBADF;
  if (!f.isDir) return -ENOTDIR;
  if (!f.dirEntries) {
    try {
      const list = fs.readdirSync(f.path, { withFileTypes: true });
      const dot = (name: string) => Object.assign(Object.create(fs.Dirent.prototype) as fs.Dirent, { name, isDirectory: () => true, isFile: () => false, isSymbolicLink: () => false });
      f.dirEntries = [dot('.'), dot('..'), ...list];
    } catch (e) {
      return hostErr(e);
    }
  }
  const out: Uint8Array[] = [];
  let used = 0;
  while (f.dirIndex < f.dirEntries.length) {
    const e = f.dirEntries[f.dirIndex];
    const name = Buffer.from(e.name);
    const reclen = Math.ceil((19 + name.length + 1) / 8) * 8;
    if (used + reclen > len) break;
    const b = new Uint8Array(reclen);
    const dv = new DataView(b.buffer);
    let ino = 1n;
    try {
      ino = fs.lstatSync(resolvePath(f.path, e.name), { bigint: true }).ino;
    } catch {
      // keep 1
    }
    dv.setBigUint64(0, ino, true);
    dv.setBigInt64(8, BigInt(f.dirIndex + 1), true);
    dv.setUint16(16, reclen, true);
    b[18] = e.isDirectory() ? 4 : e.isSymbolicLink() ? 10 : e.isFile() ? 8 : 0;
    b.set(name, 19);
    out.push(b);
    used += reclen;
    f.dirIndex++;
  }
  if (out.length === 0 && f.dirIndex < f.dirEntries.length) return -EINVAL;
  mem.write(buf, Buffer.concat(out));
  return used;
}

function sysIoctl(p: LinuxProcess, fd: number, req: number, arg: number, mem: Mem): number {
  const f = p.files.get(fd);
  if (!f) return -EBADF;
  const tty = p.files.isTty(f);
  switch (req) {
    case 0x5401: // TCGETS
      if (!tty) return -ENOTTY;
      {
        // A cooked terminal: ICRNL|IXON, OPOST|ONLCR, B38400|CS8|CREAD, ISIG|ICANON|ECHO...
        const b = new Uint8Array(60);
        const dv = new DataView(b.buffer);
        dv.setUint32(0, 0x500, true);
        dv.setUint32(4, 0x5, true);
        dv.setUint32(8, 0xbf, true);
        dv.setUint32(12, 0x8a3b, true);
        mem.write(arg, b);
      }
      return 0;
    case 0x5413: { // TIOCGWINSZ
      if (!tty) return -ENOTTY;
      const b = new Uint8Array(8);
      const dv = new DataView(b.buffer);
      dv.setUint16(0, process.stdout.rows ?? 24, true);
      dv.setUint16(2, process.stdout.columns ?? 80, true);
      mem.write(arg, b);
      return 0;
    }
    default:
      return tty ? -EINVAL : -ENOTTY;
  }
}

function sysFcntl(p: LinuxProcess, fd: number, cmd: number, arg: number): number {
  const f = p.files.get(fd);
  if (!f) return -EBADF;
  switch (cmd) {
    case 0: case 1030: { // F_DUPFD, F_DUPFD_CLOEXEC
      f.refs++;
      const n = p.files.alloc(f, arg);
      if (cmd === 1030) p.files.cloexec.add(n);
      return n;
    }
    case 1: return p.files.cloexec.has(fd) ? 1 : 0; // F_GETFD
    case 2: if (arg & 1) p.files.cloexec.add(fd); else p.files.cloexec.delete(fd); return 0;
    case 3: return f.flags; // F_GETFL
    case 4: f.flags = (f.flags & ~0x2c00) | (arg & 0x2c00); f.append = (f.flags & O_APPEND) !== 0; return 0;
    default: return -EINVAL;
  }
}

function sysBrk(p: LinuxProcess, addr: number): number {
  if (addr === 0 || addr < p.brkStart) return p.brk;
  const oldTop = Math.ceil(p.brk / PAGE) * PAGE;
  const newTop = Math.ceil(addr / PAGE) * PAGE;
  if (newTop > oldTop) {
    for (let a = oldTop; a < newTop; a += PAGE) if (p.as.findVma(a)) return p.brk;
    p.as.addVma(p.brkStart, newTop, PROT_READ | PROT_WRITE, 'heap');
  } else if (newTop < oldTop) {
    p.as.removeRange(newTop, oldTop);
  }
  p.brk = addr;
  return p.brk;
}

function sysMmap(p: LinuxProcess, addr: number, len: number, prot: number, flags: number, fd: number, off: number): number {
  if (len <= 0) return -EINVAL;
  if (off % PAGE) return -EINVAL;
  const size = Math.ceil(len / PAGE) * PAGE;
  if (!(flags & (MAP_SHARED | MAP_PRIVATE))) return -EINVAL;
  let file: OpenFile | undefined;
  if (!(flags & MAP_ANONYMOUS)) {
    file = p.files.get(fd);
    if (!file) return -EBADF;
    if (flags & MAP_SHARED && prot & PROT_WRITE) return -19; // ENODEV: shared writable file mappings are not emulated
  }
  let at: number;
  if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
    if (addr % PAGE) return -EINVAL;
    at = addr;
    if (flags & MAP_FIXED_NOREPLACE) for (let a = at; a < at + size; a += PAGE) if (p.as.findVma(a)) return -EEXIST;
    p.as.removeRange(at, at + size);
  } else {
    at = p.as.findFree(size, MMAP_TOP);
    if (at < 0x10000) return -ENOMEM;
  }
  p.as.addVma(at, at + size, prot & 7, file ? 'file' : 'anon');
  if (file) {
    const b = Buffer.alloc(len);
    let n = 0;
    try {
      n = fs.readSync(file.hostFd, b, 0, len, off);
    } catch (e) {
      p.as.removeRange(at, at + size);
      return hostErr(e);
    }
    p.as.poke(at, b.subarray(0, n));
  }
  return at;
}

function sysMremap(p: LinuxProcess, old: number, oldLen: number, newLen: number, flags: number, newAddr: number): number {
  if (old % PAGE) return -EINVAL;
  const oldSize = Math.ceil(oldLen / PAGE) * PAGE, newSize = Math.ceil(newLen / PAGE) * PAGE;
  const v = p.as.findVma(old);
  if (!v) return -EFAULT;
  if (newSize <= oldSize) {
    p.as.removeRange(old + newSize, old + oldSize);
    return old;
  }
  // Grow in place if free, else move (MREMAP_MAYMOVE).
  let free = true;
  for (let a = old + oldSize; a < old + newSize; a += PAGE) if (p.as.findVma(a)) free = false;
  if (free && !(flags & 2)) {
    p.as.addVma(old + oldSize, old + newSize, v.prot, v.name);
    return old;
  }
  if (!(flags & 1)) return -ENOMEM;
  const at = flags & 2 ? newAddr : p.as.findFree(newSize, MMAP_TOP);
  for (let a = old; a < old + oldSize; a += PAGE) if (p.as.lookup(a) < 0) p.as.fault(a, false, false);
  const data = p.cpu.readBytes(old, oldSize);
  if (flags & 2) p.as.removeRange(at, at + newSize);
  p.as.addVma(at, at + newSize, v.prot, v.name);
  p.as.poke(at, data);
  p.as.removeRange(old, old + oldSize);
  return at;
}

function sysSigaction(p: LinuxProcess, sig: number, act: number, old: number, mem: Mem): number {
  if (sig < 1 || sig > 64 || sig === 9 || sig === 19) return act && (sig === 9 || sig === 19) ? -EINVAL : sig < 1 || sig > 64 ? -EINVAL : 0;
  const a = p.signals.actions[sig];
  if (old) {
    const b = new Uint8Array(32);
    const dv = new DataView(b.buffer);
    dv.setBigUint64(0, a.handler, true);
    dv.setBigUint64(8, BigInt(a.flags >>> 0), true);
    dv.setBigUint64(16, a.restorer, true);
    dv.setBigUint64(24, a.mask, true);
    mem.write(old, b);
  }
  if (act) {
    const b = mem.read(act, 32);
    const dv = new DataView(b.buffer, b.byteOffset);
    p.signals.actions[sig] = { handler: dv.getBigUint64(0, true), flags: Number(dv.getBigUint64(8, true) & 0xffffffffn), restorer: dv.getBigUint64(16, true), mask: dv.getBigUint64(24, true) };
  }
  return 0;
}

function sysSigprocmask(p: LinuxProcess, how: number, set: number, old: number, mem: Mem): number {
  if (old) mem.u64(old, p.signals.blocked);
  if (set) {
    const b = mem.read(set, 8);
    const m = new DataView(b.buffer, b.byteOffset).getBigUint64(0, true);
    if (how === 0) p.signals.blocked |= m;
    else if (how === 1) p.signals.blocked &= ~m;
    else if (how === 2) p.signals.blocked = m;
    else return -EINVAL;
    p.signals.blocked &= ~((1n << 8n) | (1n << 18n));
  }
  return 0;
}

function sysKill(p: LinuxProcess, pid: number, sig: number, code: number): number {
  if (pid !== p.pid && pid !== 0 && pid !== -1) return -ESRCH;
  if (sig === 0) return 0;
  if (sig < 0 || sig > 64) return -EINVAL;
  const info = makeSiginfo(sig, code, (dv) => {
    dv.setInt32(16, p.pid, true);
    dv.setInt32(20, p.args.uid, true);
  });
  p.signals.raise(sig, info);
  void SIG_NAMES;
  return 0;
}

function sysRlimit(p: LinuxProcess, res: number, newp: number, oldp: number, mem: Mem): number {
  if (oldp) {
    const inf = 0xffffffffffffffffn;
    let cur = inf, max = inf;
    if (res === 3) cur = 8n * 1024n * 1024n; // RLIMIT_STACK
    else if (res === 7) {
      cur = 1024n;
      max = 4096n;
    }
    mem.u64(oldp, cur);
    mem.u64(oldp + 8, max);
  }
  void newp;
  void p;
  return 0;
}

function sysArchPrctl(p: LinuxProcess, code: number, addr: number, mem: Mem): number {
  const c = p.cpu;
  switch (code) {
    case 0x1001: c.segBase[GS] = addr; return 0;
    case 0x1002: c.segBase[FS] = addr; return 0;
    case 0x1003: mem.u64(addr, BigInt.asUintN(64, BigInt(c.segBase[FS]))); return 0;
    case 0x1004: mem.u64(addr, BigInt.asUintN(64, BigInt(c.segBase[GS]))); return 0;
    default: return -EINVAL;
  }
}

export { EINVAL, ENOSYS, dirname };
