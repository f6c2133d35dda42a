// The local APIC (xAPIC, MMIO page at 0xFEE00000), as far as one CPU with a timer needs it: ID,
// version, TPR/PPR, EOI, SVR (software enable), LDR/DFR, ISR/TMR/IRR, ESR, ICR (self IPIs), the six
// LVT entries and the timer (initial/current count, divide configuration; one-shot and periodic). The
// timer counts at the 1 GHz APIC bus clock of machine time (clock.ts) divided by the configured
// divisor. It is also the machine's interrupt source: the CPU asks pending() for the highest vector
// whose priority class beats the processor priority, and acknowledge() moves it from IRR to ISR until
// the guest's EOI. TSC-deadline mode is not offered (CPUID does not advertise it); an LVT that asks
// for it runs as one-shot. No I/O APIC: LINT0/LINT1 and external interrupts never arrive.
import type { InterruptSource, MmioDevice } from './device.ts';
import { APIC_BUS_HZ, type MachineClock } from './clock.ts';

export const APIC_BASE = 0xfee00000;

const REG_ID = 0x20;
const REG_VERSION = 0x30;
const REG_TPR = 0x80;
const REG_APR = 0x90;
const REG_PPR = 0xa0;
const REG_EOI = 0xb0;
const REG_LDR = 0xd0;
const REG_DFR = 0xe0;
const REG_SVR = 0xf0;
const REG_ISR = 0x100;
const REG_TMR = 0x180;
const REG_IRR = 0x200;
const REG_ESR = 0x280;
const REG_LVT_CMCI = 0x2f0;
const REG_ICR_LO = 0x300;
const REG_ICR_HI = 0x310;
const REG_LVT_TIMER = 0x320;
const REG_LVT_ERROR = 0x370;
const REG_TIMER_INIT = 0x380;
const REG_TIMER_CUR = 0x390;
const REG_TIMER_DIV = 0x3e0;

const LVT_MASKED = 0x10000;
const SVR_ENABLE = 0x100;
/** Version 0x14 (integrated APIC), 6 LVT entries (max LVT index 5), as QEMU reports. */
const VERSION = 0x00050014;
/** LVT index of each register 0x2f0, 0x320..0x370 (CMCI, timer, thermal, perf, LINT0, LINT1, error). */
const LVT_REGS = [REG_LVT_CMCI, 0x320, 0x330, 0x340, 0x350, 0x360, REG_LVT_ERROR];
const TIMER = 1;

export class LocalApic implements MmioDevice, InterruptSource {
  readonly name = 'local-apic';
  readonly base = APIC_BASE;
  readonly size = 0x1000;
  private readonly clock: MachineClock;
  private readonly id: number;
  private tpr = 0;
  private ldr = 0;
  private dfr = 0xffffffff;
  private svr = 0xff;
  private esr = 0;
  private icrLo = 0;
  private icrHi = 0;
  private readonly lvt: number[] = LVT_REGS.map(() => LVT_MASKED);
  private readonly irr = new Uint32Array(8);
  private readonly isr = new Uint32Array(8);
  private readonly tmr = new Uint32Array(8);
  private initialCount = 0;
  private divConfig = 0;
  /** Current timer cycle: started at cycleStart (ns) from count cycleCount; 0 = stopped. */
  private cycleStart = 0;
  private cycleCount = 0;

  constructor(clock: MachineClock, id = 0) {
    this.clock = clock;
    this.id = id;
  }

  /** The timer's divisor: DCR bits 0, 1 and 3 encode 2, 4, ..., 128, and 0b111 = 1. */
  private divisor(): number {
    const v = (this.divConfig & 3) | ((this.divConfig >> 1) & 4);
    return v === 7 ? 1 : 2 << v;
  }

  /** Nanoseconds per timer tick. */
  private tickNs(): number {
    return (this.divisor() * 1e9) / APIC_BUS_HZ;
  }

  private periodic(): boolean {
    return ((this.lvt[TIMER]! >> 17) & 3) === 1;
  }

  /** When the running timer cycle reaches zero (ns), or Infinity when stopped. */
  nextDeadline(): number {
    if (this.cycleCount === 0) return Infinity;
    return this.cycleStart + this.cycleCount * this.tickNs();
  }

  /** Fire the timer if its deadline has passed (called whenever the CPU asks for interrupts). */
  private pollTimer(now: number): void {
    if (this.cycleCount === 0) return;
    const deadline = this.nextDeadline();
    if (now < deadline) return;
    const l = this.lvt[TIMER]!;
    if ((l & LVT_MASKED) === 0 && (this.svr & SVR_ENABLE) !== 0) this.raise(l & 0xff);
    if (this.periodic() && this.initialCount !== 0) {
      // Periods that went by unseen coalesce into the one IRR bit, as on the chip.
      const period = this.initialCount * this.tickNs();
      const missed = Math.floor((now - deadline) / period);
      this.cycleStart = deadline + missed * period;
      this.cycleCount = this.initialCount;
    } else {
      this.cycleCount = 0;
    }
  }

  private raise(vector: number): void {
    if (vector < 16) {
      this.esr |= 0x40; // illegal vector received
      return;
    }
    this.irr[vector >> 5]! |= 1 << (vector & 31);
  }

  private static highest(bits: Uint32Array): number {
    for (let i = 7; i >= 0; i--) {
      const w = bits[i]!;
      if (w !== 0) return i * 32 + 31 - Math.clz32(w);
    }
    return -1;
  }

  private ppr(): number {
    const isrv = LocalApic.highest(this.isr);
    const isrClass = isrv < 0 ? 0 : isrv & 0xf0;
    return (this.tpr & 0xf0) >= isrClass ? this.tpr & 0xff : isrClass;
  }

  pending(): number {
    this.pollTimer(this.clock.now());
    const v = LocalApic.highest(this.irr);
    if (v < 0 || (this.svr & SVR_ENABLE) === 0) return -1;
    return (v & 0xf0) > (this.ppr() & 0xf0) ? v : -1;
  }

  acknowledge(vector: number): void {
    this.irr[vector >> 5]! &= ~(1 << (vector & 31));
    this.isr[vector >> 5]! |= 1 << (vector & 31);
  }

  /** The vector the guest's next EOI would retire (-1 if none); for tests and diagnostics. */
  inService(): number {
    return LocalApic.highest(this.isr);
  }

  private currentCount(): number {
    if (this.cycleCount === 0) return 0;
    const now = this.clock.now();
    this.pollTimer(now);
    if (this.cycleCount === 0) return 0;
    const ticks = Math.floor((now - this.cycleStart) / this.tickNs());
    return Math.max(0, this.cycleCount - ticks);
  }

  private readReg(reg: number): number {
    switch (reg) {
      case REG_ID: return this.id << 24;
      case REG_VERSION: return VERSION;
      case REG_TPR: return this.tpr;
      case REG_APR: return 0;
      case REG_PPR: return this.ppr();
      case REG_LDR: return this.ldr;
      case REG_DFR: return this.dfr;
      case REG_SVR: return this.svr;
      case REG_ESR: return this.esr;
      case REG_ICR_LO: return this.icrLo & ~0x1000; // delivery status: idle
      case REG_ICR_HI: return this.icrHi;
      case REG_TIMER_INIT: return this.initialCount;
      case REG_TIMER_CUR: return this.currentCount();
      case REG_TIMER_DIV: return this.divConfig;
      default:
        if (reg >= REG_ISR && reg < REG_ISR + 0x80) return this.isr[(reg - REG_ISR) >> 4]! >>> 0;
        if (reg >= REG_TMR && reg < REG_TMR + 0x80) return this.tmr[(reg - REG_TMR) >> 4]! >>> 0;
        if (reg >= REG_IRR && reg < REG_IRR + 0x80) {
          this.pollTimer(this.clock.now());
          return this.irr[(reg - REG_IRR) >> 4]! >>> 0;
        }
        {
          const i = LVT_REGS.indexOf(reg);
          return i >= 0 ? this.lvt[i]! : 0;
        }
    }
  }

  private writeReg(reg: number, v: number): void {
    switch (reg) {
      case REG_TPR:
        this.tpr = v & 0xff;
        return;
      case REG_EOI: {
        const s = LocalApic.highest(this.isr);
        if (s >= 0) this.isr[s >> 5]! &= ~(1 << (s & 31));
        return;
      }
      case REG_LDR:
        this.ldr = v & 0xff000000;
        return;
      case REG_DFR:
        this.dfr = (v | 0x0fffffff) >>> 0;
        return;
      case REG_SVR:
        this.svr = v & 0x13ff;
        // Software disable sets every LVT mask bit (SDM 11.4.7.2).
        if ((v & SVR_ENABLE) === 0) for (let i = 0; i < this.lvt.length; i++) this.lvt[i]! |= LVT_MASKED;
        return;
      case REG_ESR:
        this.esr = 0; // a write latches (here: clears) the error status
        return;
      case REG_ICR_HI:
        this.icrHi = v & 0xff000000;
        return;
      case REG_ICR_LO:
        this.icrLo = v & 0x000ccfff;
        this.sendIpi();
        return;
      case REG_TIMER_INIT: {
        this.initialCount = v >>> 0;
        this.cycleStart = this.clock.now();
        this.cycleCount = this.initialCount;
        return;
      }
      case REG_TIMER_DIV: {
        // Keep the count already reached; count on from here at the new rate.
        const cur = this.currentCount();
        this.divConfig = v & 0xb;
        if (this.cycleCount !== 0) {
          this.cycleStart = this.clock.now();
          this.cycleCount = cur;
        }
        return;
      }
      default: {
        const i = LVT_REGS.indexOf(reg);
        if (i < 0) return; // read-only or reserved
        let val = v & (i === TIMER ? 0x710ff : 0x1f7ff);
        if ((this.svr & SVR_ENABLE) === 0) val |= LVT_MASKED;
        this.lvt[i] = val;
      }
    }
  }

  /** Fixed-mode IPIs to this CPU (self, all-including-self, or its own ID / broadcast). */
  private sendIpi(): void {
    const mode = (this.icrLo >> 8) & 7;
    if (mode !== 0) return;
    const shorthand = (this.icrLo >> 18) & 3;
    const dest = this.icrHi >>> 24;
    const toMe = shorthand === 1 || shorthand === 2 || (shorthand === 0 && (dest === this.id || dest === 0xff));
    if (toMe) this.raise(this.icrLo & 0xff);
  }

  read(offset: number, size: number): number {
    const reg = offset & 0xff0;
    const v = this.readReg(reg) >>> 0;
    const shift = (offset & 3) * 8;
    if (size >= 4) return v;
    return (v >>> shift) & (size === 1 ? 0xff : 0xffff);
  }

  write(offset: number, size: number, value: number): void {
    // Registers are 32 bits at 16-byte strides; narrower writes are undefined on the chip, taken whole here.
    void size;
    this.writeReg(offset & 0xff0, value >>> 0);
  }
}
