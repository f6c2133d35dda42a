// Signals to the process itself: sigaction state, the blocked mask, pending signals, and delivery on a Linux
// x86-64 rt_sigframe (pretcode, ucontext with sigcontext and fxsave area, siginfo) + rt_sigreturn.
import type { Cpu } from '../cpu.ts';
import { fxrstor, fxsave } from '../x87.ts';

export const SIGHUP = 1, SIGINT = 2, SIGQUIT = 3, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6, SIGBUS = 7, SIGFPE = 8, SIGKILL = 9;
export const SIGUSR1 = 10, SIGSEGV = 11, SIGUSR2 = 12, SIGPIPE = 13, SIGALRM = 14, SIGTERM = 15, SIGCHLD = 17, SIGCONT = 18, SIGSTOP = 19;
export const SIGURG = 23, SIGWINCH = 28;

export const SIG_NAMES: Record<number, string> = {
  1: 'SIGHUP', 2: 'SIGINT', 3: 'SIGQUIT', 4: 'SIGILL', 5: 'SIGTRAP', 6: 'SIGABRT', 7: 'SIGBUS', 8: 'SIGFPE', 9: 'SIGKILL', 10: 'SIGUSR1',
  11: 'SIGSEGV', 12: 'SIGUSR2', 13: 'SIGPIPE', 14: 'SIGALRM', 15: 'SIGTERM', 16: 'SIGSTKFLT', 17: 'SIGCHLD', 18: 'SIGCONT', 19: 'SIGSTOP',
  20: 'SIGTSTP', 21: 'SIGTTIN', 22: 'SIGTTOU', 23: 'SIGURG', 24: 'SIGXCPU', 25: 'SIGXFSZ', 26: 'SIGVTALRM', 27: 'SIGPROF', 28: 'SIGWINCH',
  29: 'SIGIO', 30: 'SIGPWR', 31: 'SIGSYS',
};

const SA_SIGINFO = 4, SA_ONSTACK = 0x08000000, SA_RESTORER = 0x04000000, SA_NODEFER = 0x40000000, SA_RESETHAND = 0x80000000;
const SIG_DFL = 0, SIG_IGN = 1;

export interface SigAction {
  handler: bigint;
  flags: number;
  restorer: bigint;
  mask: bigint;
}

/** A pending signal with its siginfo (128 bytes). */
interface Pending {
  sig: number;
  info: Uint8Array;
}

/** Default action: 'term', 'core', 'ignore' or 'stop'. */
export function defaultAction(sig: number): 'term' | 'core' | 'ignore' | 'stop' {
  if (sig === SIGCHLD || sig === SIGURG || sig === SIGWINCH || sig === SIGCONT) return 'ignore';
  if (sig === SIGSTOP || (sig >= 20 && sig <= 22)) return 'stop';
  if ([SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, 24, 25, 31].includes(sig)) return 'core';
  return 'term';
}

export function makeSiginfo(sig: number, code: number, fill?: (dv: DataView) => void): Uint8Array {
  const b = new Uint8Array(128);
  const dv = new DataView(b.buffer);
  dv.setInt32(0, sig, true);
  dv.setInt32(8, code, true);
  fill?.(dv);
  return b;
}

export class Signals {
  readonly actions: SigAction[] = Array.from({ length: 65 }, () => ({ handler: 0n, flags: 0, restorer: 0n, mask: 0n }));
  blocked = 0n;
  private pending: Pending[] = [];
  altStack = { sp: 0n, flags: 2 /* SS_DISABLE */, size: 0n };

  /** Queue a signal (standard signals coalesce). */
  raise(sig: number, info: Uint8Array): void {
    const act = this.actions[sig];
    if (act.handler === BigInt(SIG_IGN) || (act.handler === BigInt(SIG_DFL) && defaultAction(sig) === 'ignore')) return;
    if (sig < 32 && this.pending.some((p) => p.sig === sig)) return;
    this.pending.push({ sig, info });
  }

  pendingMask(): bigint {
    let m = 0n;
    for (const p of this.pending) m |= 1n << BigInt(p.sig - 1);
    return m;
  }

  /** The next deliverable signal, removed from the queue (lowest number first, as Linux does). */
  take(): Pending | undefined {
    let best = -1;
    for (let i = 0; i < this.pending.length; i++) {
      const p = this.pending[i];
      if (this.blocked & (1n << BigInt(p.sig - 1))) continue;
      if (best < 0 || p.sig < this.pending[best].sig) best = i;
    }
    if (best < 0) return undefined;
    return this.pending.splice(best, 1)[0];
  }

  /**
   * Set up the handler frame for `p` on the guest stack and point the CPU at the handler. Returns false when
   * the default action applies (the caller terminates or ignores).
   */
  deliver(c: Cpu, p: Pending): boolean {
    const act = this.actions[p.sig];
    if (act.handler === BigInt(SIG_DFL) || act.handler === BigInt(SIG_IGN)) return false;
    let sp = c.regNum(4);
    const onAlt = act.flags & SA_ONSTACK && !(this.altStack.flags & 2);
    if (onAlt) sp = Number(this.altStack.sp + this.altStack.size);
    else sp -= 128; // red zone
    const fp = Math.floor((sp - 512) / 64) * 64;
    fxsave(c, fp, true);
    let frame = Math.floor((fp - 440) / 16) * 16 - 8;
    const uc = frame + 8;
    const mc = uc + 40;
    const siginfo = frame + 312;
    const w64 = (a: number, v: bigint | number) => c.writeBig64(a, BigInt.asUintN(64, BigInt(v)));
    w64(frame, act.restorer);
    w64(uc, 0n); // uc_flags
    w64(uc + 8, 0n); // uc_link
    w64(uc + 16, this.altStack.sp);
    c.write32(uc + 24, this.altStack.flags);
    w64(uc + 32, this.altStack.size);
    // sigcontext: r8..r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags, cs gs fs ss, err, trapno, oldmask, cr2, fpstate
    const order = [8, 9, 10, 11, 12, 13, 14, 15, 7, 6, 5, 3, 2, 0, 1, 4];
    order.forEach((r, i) => w64(mc + i * 8, c.getReg(r)));
    w64(mc + 128, BigInt.asUintN(64, BigInt(c.rip)));
    w64(mc + 136, BigInt(c.getFlags()));
    c.write16(mc + 144, 0x33);
    c.write16(mc + 146, 0);
    c.write16(mc + 148, 0);
    c.write16(mc + 150, 0x2b);
    w64(mc + 152, 0n);
    w64(mc + 160, 0n);
    w64(mc + 168, this.blocked & 0xffffffffn);
    w64(mc + 176, BigInt.asUintN(64, BigInt(c.cr2)));
    w64(mc + 184, BigInt(fp));
    for (let i = 0; i < 8; i++) w64(mc + 192 + i * 8, 0n);
    w64(uc + 296, this.blocked); // uc_sigmask
    c.writeBytes(siginfo, p.info);
    // Enter the handler.
    c.setRegNum(4, frame);
    c.setReg(7, BigInt(p.sig));
    c.setReg(6, BigInt(siginfo));
    c.setReg(2, BigInt(uc));
    c.setReg(0, 0n);
    c.rip = Number(BigInt.asIntN(64, act.handler));
    c.df = 0;
    c.setFlags(c.getFlags() & ~0x100);
    this.blocked |= act.mask;
    if (!(act.flags & SA_NODEFER)) this.blocked |= 1n << BigInt(p.sig - 1);
    this.blocked &= ~((1n << 8n) | (1n << 18n)); // SIGKILL, SIGSTOP cannot be blocked
    if (act.flags & SA_RESETHAND) this.actions[p.sig] = { handler: 0n, flags: 0, restorer: 0n, mask: 0n };
    void frame;
    frame = 0;
    return true;
  }

  /** rt_sigreturn: restore the context saved by deliver (rsp points just past pretcode). */
  sigreturn(c: Cpu): void {
    const frame = c.regNum(4) - 8;
    const uc = frame + 8;
    const mc = uc + 40;
    const order = [8, 9, 10, 11, 12, 13, 14, 15, 7, 6, 5, 3, 2, 0, 1, 4];
    const vals = order.map((_, i) => c.readBig64(mc + i * 8));
    const rip = c.readBig64(mc + 128);
    const flags = Number(c.readBig64(mc + 136) & 0xffffffffn);
    const fp = c.readBig64(mc + 184);
    const mask = c.readBig64(uc + 296);
    if (fp !== 0n) fxrstor(c, Number(fp), true);
    order.forEach((r, i) => c.setReg(r, vals[i]));
    c.rip = Number(BigInt.asIntN(64, rip));
    const cur = c.getFlags();
    const userMask = 0x40dd5; // CF PF AF ZF SF TF DF OF AC
    c.setFlags((cur & ~userMask) | (flags & userMask));
    this.blocked = mask & ~((1n << 8n) | (1n << 18n));
  }
}

export { SA_SIGINFO, SA_RESTORER, SIG_DFL, SIG_IGN };
