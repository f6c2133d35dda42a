// The CMOS RTC (MC146818): index port 0x70 (bit 7 = NMI mask, ignored), data port 0x71.
// Wall time = an epoch taken from the host clock when the machine starts (or given) + machine time, so
// in the deterministic clock mode a run sees time pass with its instruction count. Register B selects
// BCD or binary (DM, bit 2) and 12- or 24-hour (bit 1) formats; register A's update-in-progress bit
// (bit 7) is set during the last 244 us of every second, when a real chip is about to update. Writes
// to the time registers set the clock (the epoch moves); with B's SET bit the clock still runs here.
import type { PortDevice, PortSize } from './device.ts';
import type { MachineClock } from './clock.ts';

const REG_A = 0x0a;
const REG_B = 0x0b;
const REG_C = 0x0c;
const REG_D = 0x0d;
const CENTURY = 0x32;
const B_24H = 0x02;
const B_BINARY = 0x04;
/** The update cycle takes 244 us after UIP rises (datasheet: tBUC). */
const UIP_NS = 244_000;

export interface CmosOptions {
  clock: MachineClock;
  /** Wall time (ms since 1970, UTC) at machine time 0; default: the host clock now. */
  epochMs?: number;
  /** Guest RAM size in bytes, reported in the BIOS memory-size bytes as QEMU does. */
  ramBytes?: number;
}

export class CmosRtc implements PortDevice {
  readonly name = 'cmos-rtc';
  readonly width = 'bytes' as const;
  private readonly clock: MachineClock;
  private epochMs: number;
  private index = 0;
  private readonly ram = new Uint8Array(128);

  constructor(opts: CmosOptions) {
    this.clock = opts.clock;
    this.epochMs = opts.epochMs ?? Date.now();
    this.ram[REG_A] = 0x26; // 32.768 kHz time base, 1024 Hz periodic rate
    this.ram[REG_B] = B_24H; // BCD, 24-hour: what PC firmware sets
    this.ram[REG_D] = 0x80; // valid RAM and time
    const ram = opts.ramBytes ?? 0;
    // Base memory 640 KiB; memory 1-16 MiB and above 16 MiB (QEMU's pc_cmos_init layout).
    this.ram[0x15] = 0x80;
    this.ram[0x16] = 0x02;
    const ext = Math.min(Math.max(ram - 0x100000, 0) / 1024, 0xfc00);
    this.ram[0x17] = this.ram[0x30] = ext & 0xff;
    this.ram[0x18] = this.ram[0x31] = ext >> 8;
    const above16 = Math.min(Math.max(ram - 0x1000000, 0) / 65536, 0xffff);
    this.ram[0x34] = above16 & 0xff;
    this.ram[0x35] = above16 >> 8;
  }

  /** The guest's wall time now, in ms since 1970 UTC. */
  wallMs(): number {
    return this.epochMs + this.clock.now() / 1e6;
  }

  private encode(v: number): number {
    return (this.ram[REG_B]! & B_BINARY) !== 0 ? v : ((Math.floor(v / 10) << 4) | v % 10);
  }

  private decode(v: number): number {
    return (this.ram[REG_B]! & B_BINARY) !== 0 ? v : (v >> 4) * 10 + (v & 0x0f);
  }

  private encodeHour(h: number): number {
    if ((this.ram[REG_B]! & B_24H) !== 0) return this.encode(h);
    const pm = h >= 12;
    const h12 = h % 12 === 0 ? 12 : h % 12;
    return this.encode(h12) | (pm ? 0x80 : 0);
  }

  private decodeHour(v: number): number {
    if ((this.ram[REG_B]! & B_24H) !== 0) return this.decode(v);
    const h12 = this.decode(v & 0x7f) % 12;
    return (v & 0x80) !== 0 ? h12 + 12 : h12;
  }

  private readTime(reg: number): number {
    const d = new Date(Math.floor(this.wallMs()));
    switch (reg) {
      case 0x00:
        return this.encode(d.getUTCSeconds());
      case 0x02:
        return this.encode(d.getUTCMinutes());
      case 0x04:
        return this.encodeHour(d.getUTCHours());
      case 0x06:
        return this.encode(d.getUTCDay() + 1); // 1 = Sunday
      case 0x07:
        return this.encode(d.getUTCDate());
      case 0x08:
        return this.encode(d.getUTCMonth() + 1);
      case 0x09:
        return this.encode(d.getUTCFullYear() % 100);
      default:
        return this.encode(Math.floor(d.getUTCFullYear() / 100));
    }
  }

  /** Set one time field: the epoch moves so the clock reads the new value from now on. */
  private writeTime(reg: number, value: number): void {
    const now = this.wallMs();
    const d = new Date(Math.floor(now));
    const f = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()];
    switch (reg) {
      case 0x00: f[5] = this.decode(value); break;
      case 0x02: f[4] = this.decode(value); break;
      case 0x04: f[3] = this.decodeHour(value); break;
      case 0x07: f[2] = this.decode(value); break;
      case 0x08: f[1] = this.decode(value) - 1; break;
      case 0x09: f[0] = Math.floor(f[0]! / 100) * 100 + this.decode(value); break;
      case CENTURY: f[0] = this.decode(value) * 100 + (f[0]! % 100); break;
      default: return; // day of week follows from the date
    }
    const t = Date.UTC(f[0]!, f[1]!, f[2]!, f[3]!, f[4]!, f[5]!) + (now % 1000);
    this.epochMs += t - now;
  }

  private updateInProgress(): boolean {
    const msInSecond = this.wallMs() % 1000;
    return msInSecond * 1e6 >= 1e9 - UIP_NS;
  }

  in(port: number, _size: PortSize): number {
    if (port === 0x70) return 0xff; // the index register is write-only
    const r = this.index;
    switch (r) {
      case 0x00: case 0x02: case 0x04: case 0x06: case 0x07: case 0x08: case 0x09: case CENTURY:
        return this.readTime(r);
      case REG_A:
        return (this.ram[REG_A]! & 0x7f) | (this.updateInProgress() ? 0x80 : 0);
      case REG_C: {
        // Interrupt flags; reading clears them. No alarm/periodic interrupts are raised here.
        const v = this.ram[REG_C]!;
        this.ram[REG_C] = 0;
        return v;
      }
      default:
        return this.ram[r]!;
    }
  }

  out(port: number, _size: PortSize, value: number): void {
    value &= 0xff;
    if (port === 0x70) {
      this.index = value & 0x7f;
      return;
    }
    const r = this.index;
    switch (r) {
      case 0x00: case 0x02: case 0x04: case 0x07: case 0x08: case 0x09: case CENTURY:
        this.writeTime(r, value);
        return;
      case 0x06:
        return;
      case REG_A:
        this.ram[REG_A] = value & 0x7f; // UIP is read-only
        return;
      case REG_C:
      case REG_D:
        return; // read-only
      default:
        this.ram[r] = value;
    }
  }
}
