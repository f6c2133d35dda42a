// QEMU's isa-debug-exit (hw/misc/debugexit.c semantics): any write of value v to its ports ends the
// machine with exit status (v << 1) | 1, so a guest-reported status is always odd. Reads return 0.
// Commonly configured `-device isa-debug-exit,iobase=0xf4,iosize=4`.
import type { PortDevice, PortSize, StopSink } from './device.ts';

export class DebugExit implements PortDevice {
  readonly name = 'isa-debug-exit';
  readonly width = 'whole' as const;
  constructor(private readonly stop: StopSink) {}

  in(_port: number, _size: PortSize): number {
    return 0;
  }

  out(_port: number, _size: PortSize, value: number): void {
    // QEMU computes (val << 1) | 1 in an int and exit() keeps the low 8 bits; report the full value.
    const status = ((value << 1) | 1) >>> 0;
    this.stop({ kind: 'debug-exit', value: value >>> 0, status });
  }
}
