// The machine's notion of time, shared by the PIT, the local APIC timer, the CMOS clock and (through
// the machine) the TSC.
//
// Deterministic by default: time is the guest's instruction count times a nominal instruction time
// (the machine uses NS_PER_INSTRUCTION, a 10-MIPS virtual CPU; the TSC ticks at 1 GHz, one tick per
// ns), so two runs of the same image see the same times and produce the same output. While the CPU
// is halted no instruction runs; the CPU's halt loop advances its instruction count as time passes,
// and the machine may also move time on by hand (`skipTo`). 'real' mode uses the host's monotonic
// clock instead.

/** Nominal frequencies (Hz). The APIC bus runs at 1 GHz as in QEMU, so the APIC timer counts ns. */
export const TSC_HZ = 1_000_000_000;
export const APIC_BUS_HZ = 1_000_000_000;
/** The 8254's input clock on a PC: 14.31818 MHz / 12. */
export const PIT_HZ = 1_193_182;
/** Machine time per executed instruction in the deterministic mode: a nominal 10-MIPS CPU, near what the
 * interpreter achieves, so guest time runs close to wall time and busy-wait calibrations stay short. */
export const NS_PER_INSTRUCTION = 100;

export type ClockMode = 'icount' | 'real';

export class MachineClock {
  readonly mode: ClockMode;
  private readonly icount: () => number;
  /** Time skipped while halted (icount mode), in ns. */
  private skipped = 0;
  private readonly realStart: bigint;

  private readonly nsPerInstruction: number;

  /** `icount` reads the CPU's executed-instruction counter; each instruction is `nsPerInstruction` ns. */
  constructor(icount: () => number, mode: ClockMode = 'icount', nsPerInstruction = 1) {
    this.mode = mode;
    this.icount = icount;
    this.nsPerInstruction = nsPerInstruction;
    this.realStart = process.hrtime.bigint();
  }

  /** Nanoseconds since the machine started. */
  now(): number {
    if (this.mode === 'real') return Number(process.hrtime.bigint() - this.realStart);
    return this.icount() * this.nsPerInstruction + this.skipped;
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
