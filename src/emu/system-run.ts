// ukl-run's system mode: boot a PVH image on the emulated PC (CPU + devices) and run it to its end.
//
// The run ends when the guest writes isa-debug-exit (exit status = the value written, the guest's own
// status; QEMU would exit with (v << 1) | 1), resets through the i8042 (status 0, as QEMU -no-reboot
// and Firecracker end the VM), or for one of the emulator's own reasons, each with a one-line
// diagnosis and its own status (docs/emulator.md "System mode"):
//   timeout 124, instruction limit 125, unimplemented instruction 126, triple fault 127, unhandled
//   exception or hlt with interrupts off 123 (src/emu/exit-status.ts, shared with --linux).
import { createWriteStream, type WriteStream } from 'node:fs';
import { Cpu } from './cpu.ts';
import { describeLocation } from './diagnose.ts';
import type { StopReason } from './types.ts';
import type { JitMode } from './jit/block.ts';
import { MachineClock, NS_PER_INSTRUCTION } from './devices/clock.ts';
import type { DeviceStop } from './devices/device.ts';
import { createPcDevices, type PcDevices } from './devices/pc-devices.ts';
import { loadPvh, parsePvhImage, type PvhCpuState, type PvhImage } from './pvh-boot.ts';
import { symbolizer } from './symbols.ts';
import { EXIT_INSTRUCTION_LIMIT, EXIT_TIMEOUT, EXIT_TRIPLE_FAULT, EXIT_UNHANDLED_EXCEPTION, EXIT_UNIMPLEMENTED } from './exit-status.ts';

/** Exit statuses of system mode when the guest did not choose one. */
export const STATUS = {
  /** i8042 reset: the VM ends normally (QEMU -no-reboot, Firecracker). */
  reset: 0,
  tripleFault: EXIT_TRIPLE_FAULT,
  exception: EXIT_UNHANDLED_EXCEPTION,
  unimplemented: EXIT_UNIMPLEMENTED,
  halted: EXIT_UNHANDLED_EXCEPTION,
  timeout: EXIT_TIMEOUT,
  limit: EXIT_INSTRUCTION_LIMIT,
} as const;

export const DEFAULT_MEMORY = 128 << 20;

export interface SystemRunOptions {
  /** File name (for messages) and contents of the image. */
  file: string;
  bytes: Uint8Array;
  append?: string;
  memoryBytes?: number;
  timeoutSeconds?: number;
  maxInstructions?: number;
  /** Write every executed instruction (address, symbol, bytes, disassembly) here. */
  traceFile?: string;
  /** Time from the host clock instead of the instruction count (not reproducible). */
  realTime?: boolean;
  /** Collect per-part timings (adds a clock read per device access). */
  stats?: boolean;
  /** Block translation mode (default: compile hot blocks). */
  jit?: JitMode;
  /** COM1 output, as the guest writes it. */
  serialOut: (bytes: Uint8Array) => void;
  /** COM1 input: called with a function that queues bytes for the guest. */
  serialIn?: (feed: (bytes: Uint8Array) => void) => (() => void) | void;
}

export interface SystemRunStats {
  instructions: number;
  wallSeconds: number;
  mips: number;
  /** Milliseconds per part: boot (parse and load), decode (iced-x86 into the code cache), translate (blocks
   * into JavaScript), execute (the rest of the CPU's time), devices (port and MMIO handlers). Only measured
   * with `stats`. */
  parts: { boot: number; decode: number; translate: number; execute: number; devices: number };
  /** Instructions decoded (code-cache misses). */
  decoded: number;
  /** Blocks translated into JavaScript. */
  compiled: number;
}

export interface SystemRunResult {
  status: number;
  /** How the run ended. */
  end: 'exit' | 'reset' | 'timeout' | 'limit' | 'triple-fault' | 'exception' | 'unimplemented' | 'halted';
  /** One line for stderr when the end is not the guest's own. */
  diagnosis?: string;
  stats: SystemRunStats;
}

/** The CPU of the PC: its TSC follows the machine clock (1 GHz, deterministic unless real time). */
class MachineCpu extends Cpu {
  clock: MachineClock | undefined;
  override tsc(): bigint {
    if (!this.clock) return super.tsc();
    return BigInt.asUintN(64, BigInt(Math.floor(this.clock.tsc())) + this.tscOffset);
  }
}

const SEG_ORDER = ['es', 'cs', 'ss', 'ds', 'fs', 'gs'] as const;

/** Put the CPU in the PVH entry state. */
function enterPvh(cpu: Cpu, s: PvhCpuState): void {
  cpu.cr0 = s.cr0;
  cpu.cr3 = s.cr3;
  cpu.cr4 = s.cr4;
  cpu.efer = s.efer;
  SEG_ORDER.forEach((name, i) => {
    const seg = s[name];
    cpu.segSel[i] = seg.selector;
    cpu.segBase[i] = seg.base;
    cpu.segLimit[i] = seg.limit;
    cpu.segAttr[i] = seg.access | (seg.flags << 12);
  });
  cpu.gdtBase = s.gdtr.base;
  cpu.gdtLimit = s.gdtr.limit;
  cpu.idtBase = s.idtr.base;
  cpu.idtLimit = s.idtr.limit;
  cpu.trSel = s.tr.selector;
  cpu.trBase = s.tr.base;
  cpu.trLimit = s.tr.limit;
  cpu.cpl = 0;
  cpu.updateMode();
  cpu.setFlags(s.eflags);
  cpu.setReg(3, BigInt(s.ebx));
  cpu.setRip(BigInt(s.eip));
}

/** A booted machine, ready to run (exposed for tests that drive it step by step). */
export interface Machine {
  cpu: Cpu;
  devices: PcDevices;
  clock: MachineClock;
  image: PvhImage;
  namer: (address: bigint) => string | undefined;
  /** The stop a device asked for, if any. */
  deviceStop(): DeviceStop | undefined;
  /** Milliseconds spent in device handlers (when timing). */
  deviceMs(): number;
  /** Milliseconds spent decoding and the number of instructions decoded (the code cache counts them). */
  decodeStats(): { ms: number; count: number };
}

export function bootMachine(o: Pick<SystemRunOptions, 'file' | 'bytes' | 'append' | 'memoryBytes' | 'realTime' | 'stats' | 'serialOut' | 'jit'>): Machine {
  const image = parsePvhImage(o.bytes, o.file);
  const memoryBytes = o.memoryBytes ?? DEFAULT_MEMORY;
  let stop: DeviceStop | undefined;
  let cpuRef: Cpu | undefined;
  const clock = new MachineClock(() => cpuRef!.icount, o.realTime ? 'real' : 'icount', NS_PER_INSTRUCTION);
  // COM1 output is batched per run slice and flushed by the caller (one write per byte is slow).
  const devices = createPcDevices({
    clock,
    serialOut: (b) => o.serialOut(Uint8Array.of(b)),
    stop: (s) => {
      if (stop === undefined) stop = s;
      cpuRef?.requestStop(s.kind === 'debug-exit' ? { kind: 'exit', status: s.value & 0xff } : { kind: 'requested', reason: 'i8042 reset' });
    },
    ramBytes: memoryBytes,
  });
  let devMs = 0;
  const apic = devices.apic;
  const inApic = (a: number) => a >= apic.base && a < apic.base + apic.size;
  const ports = o.stats
    ? {
        in: (p: number, size: 1 | 2 | 4) => {
          const t = performance.now();
          const v = devices.bus.in(p, size);
          devMs += performance.now() - t;
          return v;
        },
        out: (p: number, size: 1 | 2 | 4, v: number) => {
          const t = performance.now();
          devices.bus.out(p, size, v);
          devMs += performance.now() - t;
        },
      }
    : devices.bus;
  const untimedMmio = {
    // Physical addresses outside RAM: the local APIC page; elsewhere reads float high, writes vanish.
    read: (a: number, size: 1 | 2 | 4) => (inApic(a) ? apic.read(a - apic.base, size) : size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff),
    write: (a: number, size: 1 | 2 | 4, v: number) => {
      if (inApic(a)) apic.write(a - apic.base, size, v);
    },
  };
  const mmio = o.stats
    ? {
        read: (a: number, size: 1 | 2 | 4) => {
          const t = performance.now();
          const v = untimedMmio.read(a, size);
          devMs += performance.now() - t;
          return v;
        },
        write: (a: number, size: 1 | 2 | 4, v: number) => {
          const t = performance.now();
          untimedMmio.write(a, size, v);
          devMs += performance.now() - t;
        },
      }
    : untimedMmio;
  const cpu = new MachineCpu({ memorySize: memoryBytes, ports, mmio, interrupts: apic, realTimeTsc: o.realTime, jit: o.jit });
  cpu.clock = clock;
  cpu.code.timing = o.stats === true;
  cpuRef = cpu;
  const { cpu: entry } = loadPvh(image, cpu.ram, o.append ?? '');
  enterPvh(cpu, entry);
  return {
    cpu, devices, clock, image, namer: symbolizer(image.elf),
    deviceStop: () => stop,
    deviceMs: () => devMs,
    decodeStats: () => ({ ms: cpu.code.decodeMs, count: cpu.code.decodeCount }),
  };
}

function where(m: Machine): string {
  const cpu = m.cpu;
  const la = cpu.rip + (cpu.bits === 64 ? 0 : cpu.segBase[1]!);
  return describeLocation(cpu, la, m.namer);
}

/** Boot and run an image to its end. */
export async function runSystem(o: SystemRunOptions): Promise<SystemRunResult> {
  const t0 = performance.now();
  const pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const flush = () => {
    if (pendingBytes === 0) return;
    o.serialOut(pending.length === 1 ? pending[0]! : Buffer.concat(pending));
    pending.length = 0;
    pendingBytes = 0;
  };
  const m = bootMachine({
    ...o,
    serialOut: (b) => {
      pending.push(b);
      pendingBytes += b.length;
      if (pendingBytes >= 4096) flush();
    },
  });
  const cpu = m.cpu;
  const unsubscribe = o.serialIn?.((bytes) => m.devices.uart.receive(bytes));
  const tBoot = performance.now();
  const deadline = o.timeoutSeconds !== undefined ? tBoot + o.timeoutSeconds * 1000 : Infinity;
  const limit = o.maxInstructions ?? Infinity;
  let trace: WriteStream | undefined;
  if (o.traceFile !== undefined) trace = createWriteStream(o.traceFile);
  const SLICE = 1 << 20;
  let reason: StopReason;
  let ended: Pick<SystemRunResult, 'status' | 'end' | 'diagnosis'>;
  try {
    for (;;) {
      const left = limit - cpu.icount;
      if (left <= 0) {
        ended = { status: STATUS.limit, end: 'limit', diagnosis: `instruction limit (${limit}) reached at ${where(m)}` };
        break;
      }
      if (trace) {
        trace.write(`${where(m)}\n`);
        reason = cpu.run(1);
      } else {
        reason = cpu.run(Math.min(SLICE, left));
      }
      if (reason.kind !== 'limit') {
        ended = classify(m, reason);
        break;
      }
      flush();
      if (performance.now() >= deadline) {
        ended = { status: STATUS.timeout, end: 'timeout', diagnosis: `timeout after ${o.timeoutSeconds} s (${cpu.icount} instructions) at ${where(m)}` };
        break;
      }
      // Let stdin data and timers in now and then.
      if (o.serialIn && !trace) await new Promise((r) => setImmediate(r));
    }
  } finally {
    flush();
    if (typeof unsubscribe === 'function') unsubscribe();
    if (trace) await new Promise((r) => trace!.end(r));
  }
  const t1 = performance.now();
  const wall = (t1 - t0) / 1000;
  const runMs = t1 - tBoot;
  const devMs = m.deviceMs();
  const dec = m.decodeStats();
  return {
    ...ended,
    stats: {
      instructions: cpu.icount,
      wallSeconds: wall,
      mips: runMs > 0 ? cpu.icount / runMs / 1000 : 0,
      parts: { boot: tBoot - t0, decode: dec.ms, translate: cpu.blocks.compileMs, execute: runMs - devMs - dec.ms - cpu.blocks.compileMs, devices: devMs },
      decoded: dec.count,
      compiled: cpu.blocks.compiled,
    },
  };
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
}

function classify(m: Machine, r: StopReason): Pick<SystemRunResult, 'status' | 'end' | 'diagnosis'> {
  const stop = m.deviceStop();
  switch (r.kind) {
    case 'exit':
      return { status: r.status & 0xff, end: 'exit' };
    case 'requested':
      if (stop?.kind === 'reset') return { status: STATUS.reset, end: 'reset' };
      return { status: STATUS.halted, end: 'halted', diagnosis: `stopped: ${r.reason} at ${where(m)}` };
    case 'halt':
      return { status: STATUS.halted, end: 'halted', diagnosis: `halted with interrupts disabled at ${where(m)}` };
    case 'triple-fault':
      return { status: STATUS.tripleFault, end: 'triple-fault', diagnosis: `triple fault at ${where(m)}: ${r.diagnosis}` };
    case 'exception':
      return { status: STATUS.exception, end: 'exception', diagnosis: `unhandled exception: ${r.diagnosis} at ${where(m)}` };
    case 'unimplemented':
      return { status: STATUS.unimplemented, end: 'unimplemented', diagnosis: `unimplemented instruction at ${where(m)} (${hex(r.bytes)}: ${r.text})` };
    case 'breakpoint':
      return { status: STATUS.exception, end: 'exception', diagnosis: `breakpoint at ${where(m)}` };
    default:
      return { status: STATUS.limit, end: 'limit', diagnosis: `stopped at ${where(m)}` };
  }
}
