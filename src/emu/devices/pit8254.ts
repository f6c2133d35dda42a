// The 8254 programmable interval timer: channels 0-2 at ports 0x40-0x42, the control word at 0x43,
// and port 0x61's channel-2 gate (bit 0), speaker enable (bit 1), refresh toggle (bit 4) and channel-2
// output (bit 5), which is how kernels calibrate the TSC (Linux's pit_calibrate_tsc: gate on, channel 2
// in mode 0, poll bit 5 until the count runs out).
//
// Counters run at 1.193182 MHz of machine time (clock.ts), computed from the time a count was loaded
// rather than ticked. Modes 0-5 (6 and 7 alias 2 and 3), binary or BCD counting, LSB/MSB/both access,
// counter latch and read-back commands. A newly written count is loaded on the next clock edge, as on
// the chip. Simplifications: a new count written while a mode 2/3 counter runs restarts it at once
// (the chip waits for the end of the period); channel 0's output (IRQ 0) reaches no interrupt
// controller, since no 8259 PIC or I/O APIC is modelled — kernels use the local APIC timer.
import type { PortDevice, PortSize } from './device.ts';
import { PIT_HZ, ticksAt, type MachineClock } from './clock.ts';

const REFRESH_NS = 15_085; // port 0x61 bit 4 toggles every 15.085 us (DRAM refresh request)

class Channel {
  mode = 0;
  access = 3; // 1 LSB, 2 MSB, 3 LSB then MSB
  bcd = false;
  /** The count register (what was written), before the 0-means-max conversion. */
  count = 0;
  /** Tick at which the count was (or will be) loaded into the counting element; -1: no count yet. */
  loadTick = -1;
  gate: boolean;
  /** Ticks counted before the last pause (modes 0 and 4 pause while the gate is low). */
  accumulated = 0;
  /** Tick since which the counter runs, or -1 while paused / not triggered. */
  runningSince = -1;
  /** A triggered one-shot (modes 1, 5) or armed counter. */
  armed = false;
  writeHigh = false; // next data write is the MSB (access 3)
  pendingLsb = 0;
  readHigh = false; // next data read is the MSB (access 3)
  latched: number | undefined;
  latchedHigh = false;
  status: number | undefined;

  constructor(gate: boolean) {
    this.gate = gate;
  }

  /** The count register as a number of ticks (0 means 65536, or 10000 in BCD). */
  period(): number {
    if (this.bcd) {
      const c = this.count;
      const v = ((c >> 12) & 0xf) * 1000 + ((c >> 8) & 0xf) * 100 + ((c >> 4) & 0xf) * 10 + (c & 0xf);
      return v === 0 ? 10000 : v;
    }
    return this.count === 0 ? 0x10000 : this.count;
  }

  elapsed(tick: number): number {
    const run = this.runningSince >= 0 ? Math.max(0, tick - Math.max(this.runningSince, this.loadTick)) : 0;
    return this.accumulated + run;
  }

  /** The counting element's value at `tick`, and the OUT pin. */
  state(tick: number): { value: number; out: boolean } {
    const n = this.period();
    const mod = this.bcd ? 10000 : 0x10000;
    const mode = this.mode;
    if (this.loadTick < 0 || tick < this.loadTick) return { value: this.count, out: mode !== 0 };
    const e = this.elapsed(tick);
    switch (mode) {
      case 0:
        return { value: (((n - e) % mod) + mod) % mod, out: e >= n };
      case 1:
      case 5:
        if (!this.armed) return { value: n % mod, out: true };
        if (mode === 1) return { value: (((n - e) % mod) + mod) % mod, out: e >= n };
        return { value: (((n - e) % mod) + mod) % mod, out: e !== n };
      case 4:
        return { value: (((n - e) % mod) + mod) % mod, out: e !== n };
      case 2: {
        if (!this.gate) return { value: n % mod, out: true };
        const v = n - (e % n);
        return { value: v % mod, out: v !== 1 };
      }
      default: {
        // Mode 3, square wave: OUT high for ceil(n/2) ticks, low for floor(n/2); the count drops by 2.
        if (!this.gate) return { value: n % mod, out: true };
        const p = e % n;
        const high = Math.ceil(n / 2);
        const even = n & ~1;
        if (p < high) return { value: (even - 2 * p + mod) % mod, out: true };
        return { value: (even - 2 * (p - high) + mod) % mod, out: false };
      }
    }
  }
}

export class Pit8254 implements PortDevice {
  readonly name = 'pit8254';
  readonly width = 'bytes' as const;
  private readonly clock: MachineClock;
  private readonly ch: Channel[] = [new Channel(true), new Channel(true), new Channel(false)];
  private port61 = 0;

  constructor(clock: MachineClock) {
    this.clock = clock;
  }

  private tick(): number {
    return ticksAt(this.clock.now(), PIT_HZ);
  }

  /** Channel `i`'s OUT pin now (tests and port 0x61). */
  output(i: number): boolean {
    return this.ch[i]!.state(this.tick()).out;
  }

  private toBcd(v: number): number {
    return ((Math.floor(v / 1000) % 10) << 12) | ((Math.floor(v / 100) % 10) << 8) | ((Math.floor(v / 10) % 10) << 4) | (v % 10);
  }

  private counterValue(c: Channel): number {
    const v = c.state(this.tick()).value;
    return c.bcd ? this.toBcd(v) : v & 0xffff;
  }

  private statusByte(c: Channel): number {
    const t = this.tick();
    const out = c.state(t).out;
    const nullCount = c.loadTick < 0 || t < c.loadTick;
    return (out ? 0x80 : 0) | (nullCount ? 0x40 : 0) | (c.access << 4) | (c.mode << 1) | (c.bcd ? 1 : 0);
  }

  private setGate(c: Channel, gate: boolean): void {
    if (gate === c.gate) return;
    const t = this.tick();
    if (!gate) {
      // Modes 0 and 4 pause; 2 and 3 stop (and reload on the next rising edge).
      if (c.runningSince >= 0) c.accumulated = c.elapsed(t);
      c.runningSince = -1;
    } else {
      if (c.mode === 2 || c.mode === 3 || c.mode === 1 || c.mode === 5) {
        // Rising edge: (re)load and start; for 1 and 5 this is the trigger.
        c.accumulated = 0;
        c.armed = true;
        c.loadTick = c.loadTick < 0 ? -1 : t + 1;
        if (c.loadTick >= 0) c.runningSince = c.loadTick;
      } else if (c.loadTick >= 0) {
        c.runningSince = Math.max(t, c.loadTick);
      }
    }
    c.gate = gate;
  }

  private load(c: Channel): void {
    const t = this.tick();
    c.loadTick = t + 1; // loaded into the counting element on the next clock edge
    c.accumulated = 0;
    const triggered = c.mode === 1 || c.mode === 5;
    c.armed = !triggered;
    // Modes 1 and 5 wait for a gate trigger; the others count while the gate is high.
    c.runningSince = triggered || !c.gate ? -1 : c.loadTick;
  }

  private control(value: number): void {
    const sc = value >> 6;
    if (sc === 3) {
      // Read-back: bit 5 clear = latch counts, bit 4 clear = latch status, bits 1-3 select channels.
      for (let i = 0; i < 3; i++) {
        if ((value & (2 << i)) === 0) continue;
        const c = this.ch[i]!;
        if ((value & 0x10) === 0 && c.status === undefined) c.status = this.statusByte(c);
        if ((value & 0x20) === 0 && c.latched === undefined) {
          c.latched = this.counterValue(c);
          c.latchedHigh = false;
        }
      }
      return;
    }
    const c = this.ch[sc]!;
    const access = (value >> 4) & 3;
    if (access === 0) {
      // Counter latch command: a second latch before the first is read is ignored.
      if (c.latched === undefined) {
        c.latched = this.counterValue(c);
        c.latchedHigh = false;
      }
      return;
    }
    c.access = access;
    c.mode = (value >> 1) & 7;
    if (c.mode > 5) c.mode -= 4;
    c.bcd = (value & 1) !== 0;
    c.writeHigh = false;
    c.readHigh = false;
    c.latched = undefined;
    c.status = undefined;
    c.loadTick = -1; // OUT takes its initial level; counting waits for a count
    c.runningSince = -1;
    c.accumulated = 0;
    c.armed = false;
  }

  private writeCount(c: Channel, b: number): void {
    switch (c.access) {
      case 1:
        c.count = b;
        this.load(c);
        return;
      case 2:
        c.count = b << 8;
        this.load(c);
        return;
      default:
        if (!c.writeHigh) {
          c.pendingLsb = b;
          c.writeHigh = true;
          // Mode 0: writing the first byte stops the count (datasheet).
          if (c.mode === 0) {
            c.loadTick = -1;
            c.runningSince = -1;
          }
          return;
        }
        c.writeHigh = false;
        c.count = c.pendingLsb | (b << 8);
        this.load(c);
    }
  }

  private readCount(c: Channel): number {
    if (c.status !== undefined) {
      const s = c.status;
      c.status = undefined;
      return s;
    }
    if (c.latched !== undefined) {
      const v = c.latched;
      if (c.access === 1) {
        c.latched = undefined;
        return v & 0xff;
      }
      if (c.access === 2) {
        c.latched = undefined;
        return v >> 8;
      }
      if (!c.latchedHigh) {
        c.latchedHigh = true;
        return v & 0xff;
      }
      c.latched = undefined;
      c.latchedHigh = false;
      return v >> 8;
    }
    const v = this.counterValue(c);
    if (c.access === 1) return v & 0xff;
    if (c.access === 2) return v >> 8;
    c.readHigh = !c.readHigh;
    return c.readHigh ? v & 0xff : v >> 8;
  }

  in(port: number, _size: PortSize): number {
    if (port === 0x61) {
      const refresh = Math.floor(this.clock.now() / REFRESH_NS) & 1;
      return (this.port61 & 0x0f) | (refresh << 4) | (this.output(2) ? 0x20 : 0);
    }
    if (port === 0x43) return 0xff; // the control word register is write-only
    return this.readCount(this.ch[port - 0x40]!);
  }

  out(port: number, _size: PortSize, value: number): void {
    value &= 0xff;
    if (port === 0x61) {
      this.port61 = value & 0x0f;
      this.setGate(this.ch[2]!, (value & 1) !== 0);
      return;
    }
    if (port === 0x43) {
      this.control(value);
      return;
    }
    this.writeCount(this.ch[port - 0x40]!, value);
  }
}
