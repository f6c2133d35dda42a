// Threads run one at a time on the one CPU: clone(CLONE_VM|CLONE_THREAD...) creates a saved register
// context; a thread runs until it blocks in futex wait, exits, or its time slice ends (checked between run
// chunks); futex wake makes waiters runnable; CLONE_CHILD_CLEARTID clears the tid word and wakes joiners.
import type { Cpu } from '../cpu.ts';
import { FS, GS } from '../cpu.ts';
import type { X80 } from '../x87-state.ts';

export interface ThreadContext {
  tid: number;
  lo: Uint32Array;
  hi: Uint32Array;
  rip: number;
  flags: number;
  fsBase: number;
  gsBase: number;
  xmm: Uint8Array;
  mxcsr: number;
  fpu: { regs: X80[]; empty: boolean[]; top: number; cw: number; sw: number };
  /** Futex word the thread waits on, or null when runnable. */
  waitingOn: number | null;
  /** CLONE_CHILD_CLEARTID address (0 = none). */
  clearTid: number;
}

export class Threads {
  /** All live threads; the current one's context is stale while it runs (the CPU holds it). */
  readonly list: ThreadContext[] = [];
  current: ThreadContext;
  private nextTid: number;

  constructor(private readonly c: Cpu, mainTid: number) {
    this.current = this.blank(mainTid);
    this.list.push(this.current);
    this.nextTid = mainTid + 1;
  }

  private blank(tid: number): ThreadContext {
    return { tid, lo: new Uint32Array(16), hi: new Uint32Array(16), rip: 0, flags: 0x202, fsBase: 0, gsBase: 0, xmm: new Uint8Array(256), mxcsr: 0x1f80, fpu: { regs: [], empty: [], top: 0, cw: 0x37f, sw: 0 }, waitingOn: null, clearTid: 0 };
  }

  /** Copy the CPU's registers into `t`. */
  save(t: ThreadContext): void {
    const c = this.c;
    t.lo.set(c.lo);
    t.hi.set(c.hi);
    t.rip = c.rip;
    t.flags = c.getFlags();
    t.fsBase = c.segBase[FS];
    t.gsBase = c.segBase[GS];
    t.xmm.set(c.xb.subarray(0, 256));
    t.mxcsr = c.mxcsr;
    t.fpu = { regs: [...c.fpu.regs], empty: [...c.fpu.empty], top: c.fpu.top, cw: c.fpu.cw, sw: c.fpu.sw };
  }

  load(t: ThreadContext): void {
    const c = this.c;
    c.lo.set(t.lo);
    c.hi.set(t.hi);
    c.rip = t.rip;
    c.setFlags(t.flags);
    c.segBase[FS] = t.fsBase;
    c.segBase[GS] = t.gsBase;
    c.xb.set(t.xmm);
    c.mxcsr = t.mxcsr;
    for (let i = 0; i < 8; i++) {
      c.fpu.regs[i] = t.fpu.regs[i] ?? c.fpu.regs[i];
      c.fpu.empty[i] = t.fpu.empty[i] ?? true;
    }
    c.fpu.top = t.fpu.top;
    c.fpu.cw = t.fpu.cw;
    c.fpu.sw = t.fpu.sw;
    this.current = t;
  }

  /** A new thread that starts as a copy of the current CPU state with rax = 0, the given stack and TLS. */
  spawn(stack: number, tls: number | null, clearTid: number): ThreadContext {
    const t = this.blank(this.nextTid++);
    this.save(t);
    t.lo[0] = 0;
    t.hi[0] = 0;
    if (stack !== 0) {
      const h = Math.floor(stack / 4294967296);
      t.lo[4] = stack - h * 4294967296;
      t.hi[4] = h;
    }
    if (tls !== null) t.fsBase = tls;
    t.clearTid = clearTid;
    this.list.push(t);
    return t;
  }

  /** Switch to the next runnable thread after the current one; false when none can run. */
  switchAway(): boolean {
    const n = this.list.length;
    const at = this.list.indexOf(this.current);
    for (let k = 1; k <= n; k++) {
      const t = this.list[(at + k) % n];
      if (t.waitingOn === null && (t !== this.current || k === n)) {
        if (t === this.current) return t.waitingOn === null;
        this.save(this.current);
        this.load(t);
        return true;
      }
    }
    return false;
  }

  /** Wake up to n threads waiting on addr; returns how many. */
  wake(addr: number, n: number): number {
    let woken = 0;
    for (const t of this.list) {
      if (woken >= n) break;
      if (t.waitingOn === addr) {
        t.waitingOn = null;
        woken++;
      }
    }
    return woken;
  }

  /** Remove the current thread (it exited); switch to another. False when no thread can run. */
  exitCurrent(): boolean {
    const t = this.current;
    const i = this.list.indexOf(t);
    this.list.splice(i, 1);
    const next = this.list.find((x) => x.waitingOn === null);
    if (!next) return false;
    this.load(next);
    return true;
  }
}
