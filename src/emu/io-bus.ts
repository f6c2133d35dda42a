// The I/O port space: dispatches in/out to the device that claims each port. As on a PC, a port no
// device claims reads as all ones and ignores writes.
import type { PortDevice, PortSize } from './devices/device.ts';

const MASK: Record<PortSize, number> = { 1: 0xff, 2: 0xffff, 4: 0xffffffff };

export class IoBus {
  /** Owner of each of the 65536 ports (undefined = unclaimed). */
  private readonly owner: (PortDevice | undefined)[] = new Array<PortDevice | undefined>(0x10000);

  /** Give `device` the ports [base, base + count). Overlapping claims are a wiring error. */
  attach(device: PortDevice, base: number, count: number): void {
    for (let p = base; p < base + count; p++) {
      const o = this.owner[p];
      if (o !== undefined) throw new Error(`I/O port 0x${p.toString(16)} claimed by both ${o.name} and ${device.name}`);
      this.owner[p] = device;
    }
  }

  /** The device at `port`, if any. */
  deviceAt(port: number): PortDevice | undefined {
    return this.owner[port & 0xffff];
  }

  in(port: number, size: PortSize): number {
    port &= 0xffff;
    const d = this.owner[port];
    if (d !== undefined && (d.width === 'whole' || size === 1)) return (d.in(port, size) & MASK[size]) >>> 0;
    if (d === undefined && size === 1) return 0xff;
    // Split into byte reads, little-endian, each from whichever device owns that port.
    let v = 0;
    for (let i = 0; i < size; i++) {
      const p = (port + i) & 0xffff;
      const o = this.owner[p];
      const b = o === undefined ? 0xff : o.in(p, 1) & 0xff;
      v += b * 2 ** (8 * i);
    }
    return v >>> 0;
  }

  out(port: number, size: PortSize, value: number): void {
    port &= 0xffff;
    value = (value & MASK[size]) >>> 0;
    const d = this.owner[port];
    if (d !== undefined && (d.width === 'whole' || size === 1)) {
      d.out(port, size, value);
      return;
    }
    for (let i = 0; i < size; i++) {
      const p = (port + i) & 0xffff;
      const o = this.owner[p];
      if (o !== undefined) o.out(p, 1, (value >>> (8 * i)) & 0xff);
    }
  }
}
