// A Linux process in user mode on the emulated CPU: the CPU in 64-bit ring 3 with paging over the process's
// address space, system calls served by the host (syscalls.ts), faults turned into signals, and the run loop
// that ends with an exit status, a fatal signal or an emulator diagnosis.
import { Cpu, CR0_PE, CR0_PG, CR0_WP, CR0_MP, CR0_NE, CR4_PAE, CR4_OSFXSR, CR4_OSXMMEXCPT, EFER_LMA, EFER_LME, EFER_NXE, EFER_SCE, CS, SSEG } from '../cpu.ts';
import { AddressSpace, OutOfMemory } from './address-space.ts';
import { loadElf, type ExecArgs, type LoadedImage } from './loader.ts';
import { Signals, SIG_NAMES, SIGSEGV, SIGILL, SIGFPE, SIGTRAP, makeSiginfo, defaultAction } from './signals.ts';
import { FdTable } from './files.ts';
import { Threads } from './threads.ts';
import { doSyscall } from './syscalls.ts';
import { Fault, Stop, type StopReason, PF, GP, UD, DE, BP, XM, MF, SS, AC, VECTOR_NAMES } from '../types.ts';
import { describeLocation, type AddressNamer } from '../diagnose.ts';
import { symbolizer } from '../symbols.ts';
import type { JitMode } from '../jit/block.ts';

export interface LinuxOptions extends ExecArgs {
  /** Guest RAM in bytes (default 1 GiB). */
  memory?: number;
  /** Host clock for rdtsc. */
  realTimeTsc?: boolean;
  /** Block translation mode (default: compile hot blocks). */
  jit?: JitMode;
}

/** How a guest process ended. */
export type LinuxResult =
  | { kind: 'exit'; status: number }
  | { kind: 'signal'; signal: number; diagnosis: string }
  | { kind: 'emulator'; reason: StopReason; diagnosis: string };

export class LinuxProcess {
  readonly cpu: Cpu;
  readonly as: AddressSpace;
  readonly image: LoadedImage;
  readonly signals = new Signals();
  readonly files = new FdTable();
  readonly threads: Threads;
  readonly namer: AddressNamer;
  brk: number;
  brkStart: number;
  readonly pid: number;
  readonly args: LinuxOptions;
  /** Set by exit/exit_group or a fatal signal. */
  result: LinuxResult | null = null;

  constructor(bytes: Uint8Array, opts: LinuxOptions) {
    this.args = opts;
    this.cpu = new Cpu({ memorySize: opts.memory ?? 1024 * 1024 * 1024, realTimeTsc: opts.realTimeTsc, jit: opts.jit });
    const c = this.cpu;
    this.as = new AddressSpace(c);
    this.image = loadElf(this.as, bytes, opts);
    this.namer = symbolizer(this.image.elf, this.image.bias);
    this.brkStart = this.brk = this.image.brkStart;
    this.pid = process.pid;
    this.threads = new Threads(this.cpu, this.pid);
    // 64-bit user mode with paging on the process's page tables.
    c.cr3 = this.as.pml4;
    c.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
    c.efer = EFER_LME | EFER_LMA | EFER_NXE | EFER_SCE;
    c.cr0 = CR0_PE | CR0_PG | CR0_WP | CR0_MP | CR0_NE | 0x10;
    c.segSel[CS] = 0x33;
    c.segAttr[CS] = 0xa0fb;
    c.segSel[SSEG] = 0x2b;
    c.segAttr[SSEG] = 0xc0f3;
    c.cpl = 3;
    c.updateMode();
    c.mmu.flush();
    c.setRegNum(4, this.image.stackPointer);
    c.rip = this.image.entry;
    c.setFlags(0x202);
    c.syscallHook = (cpu) => this.syscall(cpu);
    c.exceptionHook = (cpu, vector, err) => this.exception(cpu, vector, err);
  }

  private syscall(c: Cpu): void {
    const nr = c.hi[0] === 0 ? c.lo[0] : -1;
    // The kernel's syscall entry clobbers rcx and r11 before anything else (a thread switch saves them so).
    c.setRegNum(1, c.rip);
    c.setReg(11, BigInt(c.getFlags()));
    const ret = doSyscall(this, nr);
    // undefined: rax is already right (rt_sigreturn, a switch to another thread).
    if (ret !== undefined) c.setReg(0, BigInt(ret));
    if (this.result) throw new Stop({ kind: 'exit', status: this.result.kind === 'exit' ? this.result.status : 128 });
    this.deliverSignals();
  }

  /** Deliver pending unblocked signals (after a syscall or a fault). */
  deliverSignals(): void {
    for (let guard = 0; guard < 64; guard++) {
      const p = this.signals.take();
      if (!p) return;
      if (!this.deliverWithPaging(p)) {
        const act = defaultAction(p.sig);
        if (act === 'ignore' || act === 'stop') continue;
        this.result = { kind: 'signal', signal: p.sig, diagnosis: `killed by ${SIG_NAMES[p.sig] ?? `signal ${p.sig}`}` };
        throw new Stop({ kind: 'exit', status: 128 + p.sig });
      }
      return;
    }
  }

  /** Deliver a signal frame, demand-paging the stack it is written to. */
  private deliverWithPaging(p: { sig: number; info: Uint8Array }): boolean {
    for (let tries = 0; ; tries++) {
      try {
        return this.signals.deliver(this.cpu, p);
      } catch (e) {
        if (e instanceof Fault && e.vector === PF && tries < 64 && this.as.fault(this.cpu.cr2, true, false)) continue;
        throw e;
      }
    }
  }

  private exception(c: Cpu, vector: number, err: number): StopReason | null {
    if (vector === PF && err >= 0 && !(err & 1)) {
      try {
        if (this.as.fault(c.cr2, (err & 2) !== 0, (err & 16) !== 0)) return null;
      } catch (e) {
        if (e instanceof OutOfMemory) return { kind: 'requested', reason: e.message };
        throw e;
      }
    }
    let sig: number;
    let code = 0;
    let addr = 0;
    switch (vector) {
      case PF:
        sig = SIGSEGV;
        code = err & 1 ? 2 : 1; // SEGV_ACCERR / SEGV_MAPERR
        addr = c.cr2;
        break;
      case GP:
      case SS:
        sig = SIGSEGV;
        code = 0x80; // SI_KERNEL
        break;
      case AC:
        sig = 7; // SIGBUS
        code = 1;
        break;
      case UD:
        sig = SIGILL;
        code = 2; // ILL_ILLOPN
        addr = c.rip;
        break;
      case DE:
        sig = SIGFPE;
        code = 1; // FPE_INTDIV
        addr = c.rip;
        break;
      case MF:
      case XM:
        sig = SIGFPE;
        code = 0;
        addr = c.rip;
        break;
      case BP:
        sig = SIGTRAP;
        code = 0x80;
        break;
      default:
        sig = SIGSEGV;
        code = 0x80;
    }
    const act = this.signals.actions[sig];
    const blocked = (this.signals.blocked >> BigInt(sig - 1)) & 1n;
    const where = describeLocation(c, c.rip, this.namer);
    const diagnosis = `${SIG_NAMES[sig]} (${VECTOR_NAMES[vector] ?? `vector ${vector}`}${vector === PF ? ` at address 0x${BigInt.asUintN(64, BigInt(c.cr2)).toString(16)}` : ''}${err >= 0 && vector !== PF ? `, error code 0x${err.toString(16)}` : ''}) at ${where}`;
    if (act.handler > 1n && !blocked) {
      const info = makeSiginfo(sig, code, (dv) => dv.setBigUint64(16, BigInt.asUintN(64, BigInt(addr)), true));
      if (vector === BP) c.rip = c.rip + 1;
      try {
        this.deliverWithPaging({ sig, info });
      } catch {
        this.result = { kind: 'signal', signal: sig, diagnosis: `${diagnosis}; the signal frame could not be written` };
        return { kind: 'exit', status: 128 + sig };
      }
      return null;
    }
    this.result = { kind: 'signal', signal: sig, diagnosis };
    return { kind: 'exit', status: 128 + sig };
  }

  /** Run until the process ends or `maxInstructions` is reached (then 'emulator' with a limit reason). */
  run(maxInstructions = Infinity, deadline = Infinity): LinuxResult {
    const c = this.cpu;
    const end = c.icount + maxInstructions;
    while (!this.result) {
      // With several threads, time slices of 200k instructions (a spinning thread lets the others run).
      const chunk = Math.min(end - c.icount, this.threads.list.length > 1 ? 200_000 : 5_000_000);
      const r = c.run(chunk);
      if (r.kind === 'limit') {
        if (c.icount < end) {
          if (this.threads.list.length > 1) this.threads.switchAway();
          if (performance.now() > deadline) return { kind: 'emulator', reason: { kind: 'requested', reason: 'timeout' }, diagnosis: `timeout at ${describeLocation(c, c.rip, this.namer)}` };
          continue;
        }
        return { kind: 'emulator', reason: r, diagnosis: `instruction limit reached at ${describeLocation(c, c.rip, this.namer)}` };
      }
      if (this.result) return this.result;
      if (r.kind === 'exit') return { kind: 'exit', status: r.status };
      return { kind: 'emulator', reason: r, diagnosis: this.describeStop(r) };
    }
    return this.result;
  }

  describeStop(r: StopReason): string {
    const c = this.cpu;
    switch (r.kind) {
      case 'unimplemented':
        return `unimplemented instruction at ${describeLocation(c, Number(BigInt.asIntN(64, r.rip)), this.namer)}`;
      case 'requested':
        return r.reason;
      case 'halt':
        return `hlt in user mode at ${describeLocation(c, c.rip, this.namer)}`;
      case 'triple-fault':
      case 'exception':
        return r.diagnosis;
      default:
        return r.kind;
    }
  }
}
