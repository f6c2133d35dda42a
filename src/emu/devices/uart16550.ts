// A 16550A UART (COM1 at 0x3f8 on a PC). Transmission is instantaneous: every byte written to THR goes
// to the sink at once, so LSR always shows THRE|TEMT. Received bytes wait in an unbounded buffer (the
// chip's 16-byte FIFO never overruns here) and are read from RBR.
//
// Registers (offset from the base; DLAB = LCR bit 7):
//   0 RBR (read) / THR (write); DLL when DLAB      4 MCR (bit 4 loopback)
//   1 IER; DLM when DLAB                           5 LSR (DR 0x01, THRE 0x20, TEMT 0x40)
//   2 IIR (read) / FCR (write)                     6 MSR
//   3 LCR                                          7 SCR (scratch)
// The interrupt line (IRQ 4) is not wired: no PIC or I/O APIC is modelled, so guests poll. IIR still
// reports the pending cause (received data, THR empty) as the datasheet orders them, which is what
// Linux's 8250 driver probes.
import type { PortDevice, PortSize } from './device.ts';

const LSR_DR = 0x01;
const LSR_THRE = 0x20;
const LSR_TEMT = 0x40;

const IER_RDA = 0x01;
const IER_THRE = 0x02;

const IIR_NONE = 0x01;
const IIR_THRE = 0x02;
const IIR_RDA = 0x04;
const IIR_FIFO = 0xc0;

const MCR_LOOP = 0x10;

export interface UartOptions {
  /** Receives every transmitted byte as the guest writes it. */
  sink: (byte: number) => void;
  name?: string;
}

export class Uart16550 implements PortDevice {
  readonly name: string;
  readonly width = 'bytes' as const;
  private readonly sink: (byte: number) => void;
  private rx: number[] = [];
  private rxHead = 0;
  private ier = 0;
  private lcr = 0;
  private mcr = 0;
  private scr = 0;
  private fcr = 0;
  private dll = 0x0c; // 9600 baud from a 1.8432 MHz clock, as firmware leaves it
  private dlm = 0;
  /** THR-empty interrupt condition: set when THR empties (or THRE is enabled), cleared by reading IIR or writing THR. */
  private thrIntPending = false;
  /** Delta bits of MSR (loopback mode changes). */
  private msrDelta = 0;
  private lastMsr = -1;

  constructor(opts: UartOptions) {
    this.sink = opts.sink;
    this.name = opts.name ?? 'uart16550';
  }

  /** Queue bytes from the host (stdin) for the guest to read. */
  receive(bytes: Uint8Array | readonly number[]): void {
    for (const b of bytes) this.rx.push(b & 0xff);
  }

  /** Bytes received but not yet read by the guest. */
  get rxPending(): number {
    return this.rx.length - this.rxHead;
  }

  private dlab(): boolean {
    return (this.lcr & 0x80) !== 0;
  }

  private lsr(): number {
    return (this.rxPending > 0 ? LSR_DR : 0) | LSR_THRE | LSR_TEMT;
  }

  private iir(): number {
    const fifo = (this.fcr & 1) !== 0 ? IIR_FIFO : 0;
    // Priority (datasheet table): line status > received data > THR empty > modem status.
    if ((this.ier & IER_RDA) !== 0 && this.rxPending > 0) return fifo | IIR_RDA;
    if ((this.ier & IER_THRE) !== 0 && this.thrIntPending) return fifo | IIR_THRE;
    return fifo | IIR_NONE;
  }

  private msr(): number {
    let lines: number;
    if ((this.mcr & MCR_LOOP) !== 0) {
      // Loopback: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD.
      const m = this.mcr;
      lines = ((m & 0x02) << 3) | ((m & 0x01) << 5) | ((m & 0x04) << 4) | ((m & 0x08) << 4);
    } else {
      lines = 0xb0; // DCD, DSR, CTS asserted: a connected terminal (as QEMU's chardev backend reports)
    }
    if (this.lastMsr >= 0) this.msrDelta |= ((lines ^ this.lastMsr) >> 4) & 0x0b;
    this.lastMsr = lines;
    const d = this.msrDelta;
    this.msrDelta = 0;
    return lines | d;
  }

  in(port: number, _size: PortSize): number {
    switch (port & 7) {
      case 0: {
        if (this.dlab()) return this.dll;
        if (this.rxPending === 0) return 0;
        const b = this.rx[this.rxHead++]!;
        if (this.rxHead > 4096 && this.rxHead * 2 > this.rx.length) {
          this.rx = this.rx.slice(this.rxHead);
          this.rxHead = 0;
        }
        return b;
      }
      case 1:
        return this.dlab() ? this.dlm : this.ier;
      case 2: {
        const v = this.iir();
        // Reading IIR when it reports THR empty clears that condition (datasheet).
        if ((v & 0x0f) === IIR_THRE) this.thrIntPending = false;
        return v;
      }
      case 3:
        return this.lcr;
      case 4:
        return this.mcr;
      case 5:
        return this.lsr();
      case 6:
        return this.msr();
      default:
        return this.scr;
    }
  }

  out(port: number, _size: PortSize, value: number): void {
    value &= 0xff;
    switch (port & 7) {
      case 0:
        if (this.dlab()) {
          this.dll = value;
          return;
        }
        if ((this.mcr & MCR_LOOP) !== 0) this.rx.push(value);
        else this.sink(value);
        // The byte leaves at once, so THR is empty again.
        this.thrIntPending = true;
        return;
      case 1:
        if (this.dlab()) {
          this.dlm = value;
          return;
        }
        // Enabling the THRE interrupt while THR is empty raises it at once.
        if ((value & IER_THRE) !== 0 && (this.ier & IER_THRE) === 0) this.thrIntPending = true;
        this.ier = value & 0x0f;
        return;
      case 2:
        // FCR: bit 0 enables the FIFOs, bit 1 clears the receive FIFO.
        if ((value & 0x02) !== 0) {
          this.rx = [];
          this.rxHead = 0;
        }
        this.fcr = value & 0xc9;
        return;
      case 3:
        this.lcr = value;
        return;
      case 4:
        this.mcr = value & 0x1f;
        return;
      case 5:
      case 6:
        return; // LSR and MSR are read-only (factory test writes ignored)
      default:
        this.scr = value;
    }
  }
}
