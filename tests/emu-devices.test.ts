// The PC devices against their datasheets (16550A, 8254, MC146818, Intel SDM vol. 3 ch. 11 for the
// local APIC) and QEMU's isa-debug-exit / Firecracker's i8042 semantics. Time is the machine clock in
// its deterministic mode, driven here by a fake instruction counter (1 instruction = 1 ns).
import { describe, expect, it } from 'vitest';
import { IoBus } from '../src/emu/io-bus.ts';
import { MachineClock, PIT_HZ, nsForTicks, ticksAt } from '../src/emu/devices/clock.ts';
import type { DeviceStop } from '../src/emu/devices/device.ts';
import { Uart16550 } from '../src/emu/devices/uart16550.ts';
import { createPcDevices } from '../src/emu/devices/pc-devices.ts';

function machine(epochMs = Date.UTC(2024, 1, 29, 23, 59, 58, 500)) {
  let icount = 0;
  const clock = new MachineClock(() => icount);
  const out: number[] = [];
  const stops: DeviceStop[] = [];
  const d = createPcDevices({ clock, serialOut: (b) => out.push(b), stop: (s) => stops.push(s), ramBytes: 128 << 20, epochMs });
  return {
    ...d,
    clock,
    out,
    stops,
    setNs(ns: number) {
      icount = ns;
    },
    inb: (p: number) => d.bus.in(p, 1),
    outb: (p: number, v: number) => d.bus.out(p, 1, v),
  };
}

describe('I/O bus', () => {
  it('unclaimed ports read all ones at every width and ignore writes', () => {
    const m = machine();
    expect(m.bus.in(0x1234, 1)).toBe(0xff);
    expect(m.bus.in(0x1234, 2)).toBe(0xffff);
    expect(m.bus.in(0x1234, 4)).toBe(0xffffffff);
    m.bus.out(0x1234, 4, 0);
    expect(m.stops).toEqual([]);
  });

  it('splits wide accesses to byte devices port by port (and into unclaimed neighbours)', () => {
    const m = machine();
    m.bus.out(0x3ff, 1, 0x5a); // UART scratch
    // A 16-bit read at 0x3ff covers SCR and the unclaimed 0x400.
    expect(m.bus.in(0x3ff, 2)).toBe(0xff5a);
    // A 16-bit write at 0x3fe: MSR (read-only, ignored) then SCR.
    m.bus.out(0x3fe, 2, 0xa500);
    expect(m.inb(0x3ff)).toBe(0xa5);
  });

  it('refuses two devices on one port', () => {
    const bus = new IoBus();
    const a = new Uart16550({ sink: () => {} });
    bus.attach(a, 0x3f8, 8);
    expect(() => bus.attach(new Uart16550({ sink: () => {}, name: 'COM1b' }), 0x3ff, 1)).toThrow(/0x3ff claimed by both/);
  });
});

describe('16550 UART', () => {
  it('transmits every THR byte to the sink at once; LSR shows THRE|TEMT', () => {
    const m = machine();
    expect(m.inb(0x3fd)).toBe(0x60);
    for (const c of 'hi\n') m.outb(0x3f8, c.charCodeAt(0));
    expect(Buffer.from(m.out).toString()).toBe('hi\n');
    expect(m.inb(0x3fd) & 0x60).toBe(0x60);
  });

  it('received bytes set LSR.DR and are read in order from RBR', () => {
    const m = machine();
    m.uart.receive(Buffer.from('ab'));
    expect(m.inb(0x3fd) & 1).toBe(1);
    expect(m.inb(0x3f8)).toBe(0x61);
    expect(m.inb(0x3fd) & 1).toBe(1);
    expect(m.inb(0x3f8)).toBe(0x62);
    expect(m.inb(0x3fd) & 1).toBe(0);
  });

  it('DLAB switches ports 0/1 to the divisor latch without disturbing THR/IER', () => {
    const m = machine();
    m.outb(0x3f9, 0x05); // IER
    m.outb(0x3fb, 0x80); // DLAB
    m.outb(0x3f8, 0x01); // DLL: 115200 baud
    m.outb(0x3f9, 0x00); // DLM
    expect(m.out).toEqual([]); // the DLL write is not a transmitted byte
    expect(m.inb(0x3f8)).toBe(0x01);
    expect(m.inb(0x3f9)).toBe(0x00);
    m.outb(0x3fb, 0x03); // 8N1, DLAB off
    expect(m.inb(0x3fb)).toBe(0x03);
    expect(m.inb(0x3f9)).toBe(0x05);
  });

  it('keeps the scratch register', () => {
    const m = machine();
    m.outb(0x3ff, 0xa5);
    expect(m.inb(0x3ff)).toBe(0xa5);
    m.outb(0x3ff, 0x5a);
    expect(m.inb(0x3ff)).toBe(0x5a);
  });

  it('loopback: THR goes to RBR, MCR outputs appear on MSR (the 8250 probe sees 0x90 for MCR 0x1a)', () => {
    const m = machine();
    m.outb(0x3fc, 0x1a);
    expect(m.inb(0x3fe) & 0xf0).toBe(0x90);
    m.outb(0x3fc, 0x1f);
    expect(m.inb(0x3fe) & 0xf0).toBe(0xf0);
    m.outb(0x3f8, 0x42);
    expect(m.out).toEqual([]);
    expect(m.inb(0x3fd) & 1).toBe(1);
    expect(m.inb(0x3f8)).toBe(0x42);
    m.outb(0x3fc, 0x03);
    expect(m.inb(0x3fe) & 0xf0).toBe(0xb0); // a connected line: DCD, DSR, CTS
  });

  it('IIR reports causes by priority, THR-empty cleared by reading IIR; FCR sets the FIFO bits', () => {
    const m = machine();
    expect(m.inb(0x3fa)).toBe(0x01);
    m.outb(0x3f9, 0x02); // enable THRE interrupt: raised at once (THR is empty)
    expect(m.inb(0x3fa)).toBe(0x02);
    expect(m.inb(0x3fa)).toBe(0x01);
    m.outb(0x3f8, 0x41); // THR empties again after the write
    expect(m.inb(0x3fa)).toBe(0x02);
    m.outb(0x3f9, 0x03);
    m.uart.receive([1]);
    expect(m.inb(0x3fa)).toBe(0x04); // received data outranks THR empty
    m.outb(0x3fa, 0x07); // enable and clear FIFOs
    expect(m.inb(0x3fa) & 0xc0).toBe(0xc0);
    expect(m.inb(0x3fd) & 1).toBe(0); // receive FIFO cleared
  });
});

describe('isa-debug-exit', () => {
  it('a write of v stops the machine with status (v << 1) | 1, at every access size', () => {
    const m = machine();
    m.bus.out(0xf4, 4, 0x10);
    m.bus.out(0xf4, 1, 0);
    m.bus.out(0xf6, 2, 0x7f);
    expect(m.stops).toEqual([
      { kind: 'debug-exit', value: 0x10, status: 33 },
      { kind: 'debug-exit', value: 0, status: 1 },
      { kind: 'debug-exit', value: 0x7f, status: 0xff },
    ]);
  });
});

describe('i8042', () => {
  it('0xFE to port 0x64 resets (stops) the machine; the status port shows an empty input buffer', () => {
    const m = machine();
    expect(m.inb(0x64) & 0x02).toBe(0);
    m.outb(0x64, 0xaa);
    expect(m.inb(0x64) & 0x01).toBe(1);
    expect(m.inb(0x60)).toBe(0x55);
    expect(m.stops).toEqual([]);
    m.outb(0x64, 0xfe);
    expect(m.stops).toEqual([{ kind: 'reset', device: 'i8042' }]);
  });

  it('the command byte can be written and read back (0x60, 0x20)', () => {
    const m = machine();
    m.outb(0x64, 0x60);
    m.outb(0x60, 0x47);
    m.outb(0x64, 0x20);
    expect(m.inb(0x60)).toBe(0x47);
  });
});

describe('CMOS RTC', () => {
  const reg = (m: ReturnType<typeof machine>, r: number) => {
    m.outb(0x70, r);
    return m.inb(0x71);
  };

  it('reads the wall time in BCD, 24-hour by default; register D valid', () => {
    const m = machine();
    expect([0, 2, 4, 6, 7, 8, 9, 0x32].map((r) => reg(m, r))).toEqual([0x58, 0x59, 0x23, 0x05, 0x29, 0x02, 0x24, 0x20]);
    expect(reg(m, 0x0d)).toBe(0x80);
    expect(reg(m, 0x0b)).toBe(0x02);
  });

  it('binary mode (register B bit 2) and 12-hour mode (bit 1 clear, PM in bit 7)', () => {
    const m = machine();
    m.outb(0x70, 0x0b);
    m.outb(0x71, 0x06);
    expect(reg(m, 0)).toBe(58);
    expect(reg(m, 4)).toBe(23);
    m.outb(0x70, 0x0b);
    m.outb(0x71, 0x00);
    expect(reg(m, 4)).toBe(0x91); // 11 PM in BCD
  });

  it('time advances with the machine clock (leap day rolls over to March 1)', () => {
    const m = machine();
    m.setNs(2_000_000_000);
    expect([0, 2, 4, 7, 8].map((r) => reg(m, r))).toEqual([0x00, 0x00, 0x00, 0x01, 0x03]);
  });

  it('update-in-progress is set only in the last 244 us of a second', () => {
    const m = machine();
    expect(reg(m, 0x0a)).toBe(0x26); // at .5 s
    m.setNs(499_800_000); // wall .9998 s
    expect(reg(m, 0x0a)).toBe(0xa6);
    m.setNs(499_700_000); // wall .9997 s: 300 us before the update
    expect(reg(m, 0x0a)).toBe(0x26);
  });

  it('writing a time register sets the clock; register C clears on read; RAM bytes persist', () => {
    const m = machine();
    m.outb(0x70, 0x02);
    m.outb(0x71, 0x15);
    expect(reg(m, 2)).toBe(0x15);
    expect(reg(m, 0)).toBe(0x58);
    m.outb(0x70, 0x40);
    m.outb(0x71, 0x99);
    expect(reg(m, 0x40)).toBe(0x99);
    expect(reg(m, 0x0c)).toBe(0);
    // QEMU's memory-size bytes: 128 MiB = 112 * 64 KiB above 16 MiB.
    expect(reg(m, 0x34) | (reg(m, 0x35) << 8)).toBe(112 * 16);
  });
});

describe('8254 PIT', () => {
  /** Put the clock at PIT tick t (the first ns of that tick). */
  const atTick = (m: ReturnType<typeof machine>, t: number) => m.setNs(nsForTicks(t, PIT_HZ));

  it("Linux's TSC calibration: channel 2, mode 0, gated by port 0x61; OUT2 (bit 5) rises N+1 ticks after the count is written", () => {
    const m = machine();
    atTick(m, 1000);
    m.outb(0x61, (m.inb(0x61) & ~0x02) | 0x01);
    m.outb(0x43, 0xb0); // channel 2, LSB then MSB, mode 0, binary
    const N = 11932; // 10 ms
    m.outb(0x42, N & 0xff);
    m.outb(0x42, N >> 8);
    expect(m.inb(0x61) & 0x20).toBe(0);
    atTick(m, 1000 + N);
    expect(m.inb(0x61) & 0x20).toBe(0);
    atTick(m, 1000 + N + 1);
    expect(m.inb(0x61) & 0x20).toBe(0x20);
    // OUT stays high; the counter wraps on past 0.
    atTick(m, 1000 + N + 11);
    expect(m.inb(0x61) & 0x20).toBe(0x20);
    m.outb(0x43, 0x80); // latch channel 2
    expect(m.inb(0x42) | (m.inb(0x42) << 8)).toBe(0x10000 - 10);
  });

  it('mode 0 pauses while the gate is low', () => {
    const m = machine();
    m.outb(0x61, 0x01);
    m.outb(0x43, 0xb0);
    m.outb(0x42, 100);
    m.outb(0x42, 0);
    atTick(m, 41); // loaded at tick 1, 40 counted
    m.outb(0x61, 0x00);
    atTick(m, 500);
    m.outb(0x43, 0x80);
    expect(m.inb(0x42)).toBe(60);
    expect(m.inb(0x42)).toBe(0);
    m.outb(0x61, 0x01);
    atTick(m, 510);
    m.outb(0x43, 0x80);
    expect(m.inb(0x42)).toBe(50);
    expect(m.inb(0x42)).toBe(0);
  });

  it('mode 2 (rate generator): counts N..1, OUT low only at 1, reloads every N ticks', () => {
    const m = machine();
    m.outb(0x43, 0x34); // channel 0, LSB/MSB, mode 2
    m.outb(0x40, 10);
    m.outb(0x40, 0);
    const seen: [number, boolean][] = [];
    for (let t = 1; t <= 21; t++) {
      atTick(m, t);
      m.outb(0x43, 0x00);
      seen.push([m.inb(0x40) | (m.inb(0x40) << 8), m.pit.output(0)]);
    }
    expect(seen.map((s) => s[0])).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 10]);
    expect(seen.filter((s) => !s[1]).map((s) => s[0])).toEqual([1, 1]);
  });

  it('mode 3 (square wave): OUT high for N/2 ticks and low for N/2, count dropping by 2', () => {
    const m = machine();
    m.outb(0x43, 0x36);
    m.outb(0x40, 8);
    m.outb(0x40, 0);
    const outs: boolean[] = [];
    const counts: number[] = [];
    for (let t = 1; t <= 16; t++) {
      atTick(m, t);
      outs.push(m.pit.output(0));
      m.outb(0x43, 0x00);
      counts.push(m.inb(0x40) | (m.inb(0x40) << 8));
    }
    expect(outs.map((o) => (o ? 1 : 0)).join('')).toBe('1111000011110000');
    expect(counts.slice(0, 8)).toEqual([8, 6, 4, 2, 8, 6, 4, 2]);
  });

  it('read-back returns status (OUT, null count, access, mode, BCD) then the latched count', () => {
    const m = machine();
    m.outb(0x43, 0x30); // channel 0, mode 0: OUT low, null count until loaded
    m.outb(0x43, 0xe2); // read-back status of channel 0
    expect(m.inb(0x40)).toBe(0x40 | 0x30);
    m.outb(0x40, 5);
    m.outb(0x40, 0);
    atTick(m, 20);
    m.outb(0x43, 0xc2); // count and status
    expect(m.inb(0x40)).toBe(0x80 | 0x30); // OUT high, count loaded
    expect(m.inb(0x40) | (m.inb(0x40) << 8)).toBe((0x10000 + 5 - 19) & 0xffff);
  });

  it('counts in BCD when asked, and LSB-only access', () => {
    const m = machine();
    m.outb(0x43, 0x11); // channel 0, LSB only, mode 0, BCD
    m.outb(0x40, 0x50); // 50 decimal
    atTick(m, 13); // 12 ticks counted
    expect(m.inb(0x40)).toBe(0x38);
  });

  it('port 0x61 bit 4 toggles with the 15 us refresh; bits 0-3 read back', () => {
    const m = machine();
    m.outb(0x61, 0x0d);
    expect(m.inb(0x61) & 0x1f).toBe(0x0d);
    m.setNs(15_085);
    expect(m.inb(0x61) & 0x10).toBe(0x10);
    m.setNs(30_170);
    expect(m.inb(0x61) & 0x10).toBe(0);
  });

  it('tick arithmetic stays exact over hours of machine time', () => {
    const hour = 3600e9;
    expect(ticksAt(hour, PIT_HZ)).toBe(3600 * PIT_HZ);
    expect(ticksAt(nsForTicks(123_456_789, PIT_HZ), PIT_HZ)).toBe(123_456_789);
  });
});

describe('local APIC', () => {
  const APIC = 0xfee00000;
  const rd = (m: ReturnType<typeof machine>, r: number) => m.apic.read(r, 4);
  const wr = (m: ReturnType<typeof machine>, r: number, v: number) => m.apic.write(r, 4, v);

  it('reset values: ID 0, version 0x50014, SVR 0xff, LVTs masked; at 0xFEE00000', () => {
    const m = machine();
    expect(m.apic.base).toBe(APIC);
    expect(rd(m, 0x20)).toBe(0);
    expect(rd(m, 0x30)).toBe(0x50014);
    expect(rd(m, 0xf0)).toBe(0xff);
    expect(rd(m, 0x320)).toBe(0x10000);
    expect(rd(m, 0x350)).toBe(0x10000);
    expect(m.apic.pending()).toBe(-1);
  });

  it('one-shot timer: counts down at bus clock / divisor and raises its vector once', () => {
    const m = machine();
    wr(m, 0xf0, 0x1ff);
    wr(m, 0x3e0, 0x0b); // divide by 1
    wr(m, 0x320, 0x40);
    wr(m, 0x380, 1000);
    m.setNs(400);
    expect(rd(m, 0x390)).toBe(600);
    expect(m.apic.nextDeadline()).toBe(1000);
    m.setNs(999);
    expect(m.apic.pending()).toBe(-1);
    m.setNs(1000);
    expect(m.apic.pending()).toBe(0x40);
    m.apic.acknowledge(0x40);
    expect(m.apic.pending()).toBe(-1);
    expect(rd(m, 0x100 + 0x20) >>> 0).toBe(1); // ISR bit 64 = word 2, bit 0
    expect(rd(m, 0x390)).toBe(0);
    wr(m, 0xb0, 0);
    expect(m.apic.inService()).toBe(-1);
    m.setNs(100_000);
    expect(m.apic.pending()).toBe(-1);
  });

  it('periodic timer with divide by 16 fires every initial*16 ns and reloads', () => {
    const m = machine();
    wr(m, 0xf0, 0x100);
    wr(m, 0x3e0, 0x03); // divide by 16
    wr(m, 0x320, 0x20000 | 0x31);
    wr(m, 0x380, 100);
    const fired: number[] = [];
    for (let t = 0; t <= 5000; t += 100) {
      m.setNs(t);
      const v = m.apic.pending();
      if (v >= 0) {
        fired.push(t);
        m.apic.acknowledge(v);
        wr(m, 0xb0, 0);
      }
    }
    expect(fired).toEqual([1600, 3200, 4800]);
    m.setNs(4800 + 16 * 30);
    expect(rd(m, 0x390)).toBe(70);
  });

  it('a masked LVT or a software-disabled APIC delivers nothing; disabling masks every LVT', () => {
    const m = machine();
    wr(m, 0xf0, 0x1ff);
    wr(m, 0x3e0, 0x0b);
    wr(m, 0x320, 0x10040);
    wr(m, 0x380, 10);
    m.setNs(50);
    expect(m.apic.pending()).toBe(-1);
    wr(m, 0x320, 0x40);
    wr(m, 0xf0, 0x0ff);
    expect(rd(m, 0x320)).toBe(0x10040);
    wr(m, 0x320, 0x40); // mask cannot be cleared while disabled
    expect(rd(m, 0x320)).toBe(0x10040);
  });

  it('TPR and in-service vectors hold back lower priority classes', () => {
    const m = machine();
    wr(m, 0xf0, 0x1ff);
    wr(m, 0x300, 0x40040); // self IPI, vector 0x40
    wr(m, 0x80, 0x50);
    expect(m.apic.pending()).toBe(-1);
    wr(m, 0x80, 0x30);
    expect(m.apic.pending()).toBe(0x40);
    m.apic.acknowledge(0x40);
    wr(m, 0x300, 0x40045); // same class as the one in service: waits
    wr(m, 0x300, 0x40061);
    expect(m.apic.pending()).toBe(0x61);
    m.apic.acknowledge(0x61);
    expect(m.apic.pending()).toBe(-1);
    wr(m, 0xb0, 0); // retires 0x61
    expect(m.apic.pending()).toBe(-1); // 0x45 still blocked by 0x40 in service
    wr(m, 0xb0, 0);
    expect(m.apic.pending()).toBe(0x45);
    expect(rd(m, 0xa0)).toBe(0x30);
  });

  it('changing the divisor mid-count keeps the count reached', () => {
    const m = machine();
    wr(m, 0xf0, 0x1ff);
    wr(m, 0x3e0, 0x0b);
    wr(m, 0x380, 1000);
    m.setNs(300);
    wr(m, 0x3e0, 0x00); // divide by 2
    expect(rd(m, 0x390)).toBe(700);
    m.setNs(500);
    expect(rd(m, 0x390)).toBe(600);
    expect(m.apic.nextDeadline()).toBe(300 + 1400);
  });
});
