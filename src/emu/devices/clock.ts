// The machine's notion of time, shared by the PIT, the local APIC timer, the CMOS clock and (through
// the machine) the TSC.
//
// Deterministic by default: time is the guest's instruction count at a nominal 1 GHz, i.e. one
// executed instruction = 1 ns = one TSC tick, so two runs of the same image see the same times and
// produce the same output. While the CPU is halted no instruction runs, so the machine moves time on
// by hand (`skip`) to the next timer deadline. 'real' mode uses the host's monotonic clock instead.

/** Nominal frequencies (Hz). The APIC bus runs at 1 GHz as in QEMU, so the APIC timer counts ns. */
export const TSC_HZ = 1_000_000_000;
export const APIC_BUS_HZ = 1_000_000_000;
/** The 8254's input clock on a PC: 14.31818 MHz / 12. */
export const PIT_HZ = 1_193_182;

export type ClockMode = 'icount' | 'real';

export class MachineClock {
  readonly mode: ClockMode;
  private readonly icount: () => number;
  /** Time skipped while halted (icount mode), in ns. */
  private skipped = 0;
  private readonly realStart: bigint;

  /** `icount` reads the CPU's executed-instruction counter. */
  constructor(icount: () => number, mode: ClockMode = 'icount') {
    this.mode = mode;
    this.icount = icount;
    this.realStart = process.hrtime.bigint();
  }

  /** Nanoseconds since the machine started. */
  now(): number {
    if (this.mode === 'real') return Number(process.hrtime.bigint() - this.realStart);
    return this.icount() + this.skipped;
  }

  /** Move time on to `ns` (no-op if already there). In real mode time moves by itself. */
  skipTo(ns: number): void {
    if (this.mode === 'icount') {
      const now = this.now();
      if (ns > now) this.skipped += ns - now;
    }
  }

  /** TSC value now (1 GHz nominal: equal to ns). */
  tsc(): number {
    return this.now();
  }
}

/** `ns` nanoseconds expressed in ticks of a `hz` clock, rounded down (exact below 2^53). */
export function ticksAt(ns: number, hz: number): number {
  // ns * hz can exceed 2^53 after ~2 hours at 1.19 MHz; split to keep it exact.
  const s = Math.floor(ns / 1e9);
  const rem = ns - s * 1e9;
  return s * hz + Math.floor((rem * hz) / 1e9);
}

/** The first ns at which a `hz` clock has made `ticks` ticks (inverse of ticksAt). */
export function nsForTicks(ticks: number, hz: number): number {
  const s = Math.floor(ticks / hz);
  const rem = ticks - s * hz;
  return s * 1e9 + Math.ceil((rem * 1e9) / hz);
}
