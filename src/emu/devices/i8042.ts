// The i8042 keyboard controller, only as far as a kernel uses it to reboot: writing command 0xFE
// (pulse the CPU reset line) to port 0x64 stops the machine, as Firecracker ends the microVM. The
// status port reads "input and output buffers empty" so reboot loops that wait for bit 1 to clear
// proceed; a few controller commands (read/write the command byte, self-test) answer on port 0x60.
import type { PortDevice, PortSize, StopSink } from './device.ts';

const DATA = 0x60;
const STATUS_OBF = 0x01; // output buffer full (a byte waits at 0x60)
const STATUS_SYS = 0x04; // system flag: self-test passed
const STATUS_CMD = 0x08; // last write was to the command port
const STATUS_UNLOCKED = 0x10;

export class I8042 implements PortDevice {
  readonly name = 'i8042';
  readonly width = 'bytes' as const;
  private commandByte = 0x45; // keyboard interrupt, system flag, translation
  private output: number | undefined;
  private lastWasCommand = false;
  /** A command that takes its argument through port 0x60 (0x60 write command byte, 0xD1 write output port). */
  private awaiting: number | undefined;

  constructor(private readonly stop: StopSink) {}

  in(port: number, _size: PortSize): number {
    if (port === DATA) {
      const v = this.output ?? 0;
      this.output = undefined;
      return v;
    }
    if (port === 0x64) {
      return (this.output !== undefined ? STATUS_OBF : 0) | STATUS_SYS | STATUS_UNLOCKED | (this.lastWasCommand ? STATUS_CMD : 0);
    }
    return 0xff; // 0x61-0x63 are not ours
  }

  out(port: number, _size: PortSize, value: number): void {
    value &= 0xff;
    if (port === DATA) {
      this.lastWasCommand = false;
      if (this.awaiting === 0x60) this.commandByte = value;
      else if (this.awaiting === 0xd1 && (value & 1) === 0) this.stop({ kind: 'reset', device: this.name });
      this.awaiting = undefined;
      return;
    }
    if (port !== 0x64) return;
    this.lastWasCommand = true;
    switch (value) {
      case 0x20: // read command byte
        this.output = this.commandByte;
        break;
      case 0x60: // write command byte (next data byte)
      case 0xd1: // write output port (bit 0 = CPU reset line, active low)
        this.awaiting = value;
        break;
      case 0xaa: // controller self-test
        this.output = 0x55;
        break;
      case 0xfe: // pulse the reset line
        this.stop({ kind: 'reset', device: this.name });
        break;
      default:
        break;
    }
  }
}
