// What every emulated device is to the machine: a set of I/O ports it answers, and a way to ask the
// machine to stop. Devices never import the CPU; the machine wires them to it.

/** Size in bytes of one port access (in/out with al, ax or eax). */
export type PortSize = 1 | 2 | 4;

/** A device reached through the I/O port space. */
export interface PortDevice {
  readonly name: string;
  /**
   * How accesses wider than a byte reach the device. 'bytes': the bus splits them into single-byte
   * accesses at port, port+1, ... (as the ISA bus does for 8-bit devices such as the UART, CMOS, PIT);
   * 'whole': the device sees the access as made (QEMU's isa-debug-exit takes 1-4 byte writes).
   */
  readonly width: 'bytes' | 'whole';
  in(port: number, size: PortSize): number;
  out(port: number, size: PortSize, value: number): void;
}

/** A device reached through physical memory outside RAM (the local APIC's page). */
export interface MmioDevice {
  readonly name: string;
  readonly base: number;
  readonly size: number;
  /** `offset` is from `base`; size 1, 2, 4 or 8 (8 only as two 4-byte halves: lo, hi). */
  read(offset: number, size: number): number;
  write(offset: number, size: number, value: number): void;
}

/** Why a device asked the machine to stop. */
export type DeviceStop =
  /** isa-debug-exit: a write of v ends QEMU with status (v << 1) | 1. */
  | { kind: 'debug-exit'; value: number; status: number }
  /** i8042 CPU reset (0xFE to port 0x64): Firecracker ends the microVM. */
  | { kind: 'reset'; device: string };

/** Where devices deliver a stop request; the machine ends the run at the next instruction boundary. */
export type StopSink = (stop: DeviceStop) => void;

/** Where an interrupt controller's vectors go (the CPU asks, then acknowledges the one it takes). */
export interface InterruptSource {
  /** The highest-priority vector ready to be delivered, or -1. */
  pending(): number;
  /** The CPU accepted `vector` (it is now in service until the guest's EOI). */
  acknowledge(vector: number): void;
}
