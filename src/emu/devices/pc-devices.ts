// The PC devices a PVH guest finds, wired to one I/O bus at their usual ports: COM1 16550 at 0x3f8,
// isa-debug-exit at 0xf4 (size 4, as `-device isa-debug-exit,iobase=0xf4,iosize=4`), the i8042 at
// 0x60/0x64, the CMOS RTC at 0x70/0x71, the 8254 PIT at 0x40-0x43 with port 0x61, and the local APIC
// page at 0xFEE00000.
import { IoBus } from '../io-bus.ts';
import { CmosRtc } from './cmos-rtc.ts';
import { DebugExit } from './debug-exit.ts';
import type { StopSink } from './device.ts';
import { I8042 } from './i8042.ts';
import { LocalApic } from './local-apic.ts';
import { Pit8254 } from './pit8254.ts';
import { Uart16550 } from './uart16550.ts';
import type { MachineClock } from './clock.ts';

export interface PcDevices {
  bus: IoBus;
  uart: Uart16550;
  debugExit: DebugExit;
  i8042: I8042;
  cmos: CmosRtc;
  pit: Pit8254;
  apic: LocalApic;
}

export interface PcDeviceOptions {
  clock: MachineClock;
  /** Every byte the guest transmits on COM1. */
  serialOut: (byte: number) => void;
  stop: StopSink;
  ramBytes: number;
  /** CMOS wall time at machine time 0 (ms since 1970); default: the host clock. */
  epochMs?: number;
}

export function createPcDevices(o: PcDeviceOptions): PcDevices {
  const bus = new IoBus();
  const uart = new Uart16550({ sink: o.serialOut, name: 'COM1' });
  const debugExit = new DebugExit(o.stop);
  const i8042 = new I8042(o.stop);
  const cmos = new CmosRtc({ clock: o.clock, epochMs: o.epochMs, ramBytes: o.ramBytes });
  const pit = new Pit8254(o.clock);
  const apic = new LocalApic(o.clock);
  bus.attach(uart, 0x3f8, 8);
  bus.attach(debugExit, 0xf4, 4);
  bus.attach(i8042, 0x60, 1);
  bus.attach(i8042, 0x64, 1);
  bus.attach(cmos, 0x70, 2);
  bus.attach(pit, 0x40, 4);
  bus.attach(pit, 0x61, 1);
  return { bus, uart, debugExit, i8042, cmos, pit, apic };
}
