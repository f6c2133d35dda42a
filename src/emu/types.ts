// The CPU's public contract with the machine around it: injected device hooks and the typed reasons a run stops.

/** I/O port space (`in`/`out`, `ins`/`outs`). Values are zero-extended to `size` bytes. */
export interface PortIo {
  in(port: number, size: 1 | 2 | 4): number;
  out(port: number, size: 1 | 2 | 4, value: number): void;
}

/** Physical addresses outside RAM (e.g. the local APIC at 0xFEE00000). 8-byte accesses arrive as two 4-byte ones. */
export interface Mmio {
  read(address: number, size: 1 | 2 | 4): number;
  write(address: number, size: 1 | 2 | 4, value: number): void;
}

/** An interrupt controller: polled at instruction boundaries while RFLAGS.IF = 1 (and while halted). */
export interface InterruptSource {
  /** The vector of the highest-priority pending interrupt, or -1. */
  pending(): number;
  /** The CPU has started delivering `vector`. */
  acknowledge(vector: number): void;
}

/** Why `Cpu.run` returned. `rip` is the guest address of the instruction concerned (as an unsigned bigint). */
export type StopReason =
  /** The guest asked to end (isa-debug-exit, exit_group, ...): its exit status. */
  | { kind: 'exit'; status: number }
  /** A device or the host asked to stop (`Cpu.requestStop`). */
  | { kind: 'requested'; reason: string }
  /** `hlt` with interrupts disabled or no interrupt source (nothing can wake the CPU). */
  | { kind: 'halt'; rip: bigint }
  /** `int3` in snippet mode (see snippet.ts). */
  | { kind: 'breakpoint'; rip: bigint }
  /** A fault while delivering a double fault. */
  | { kind: 'triple-fault'; rip: bigint; diagnosis: string }
  /** Bytes the emulator does not implement (or cannot decode: #UD is raised for invalid encodings instead). */
  | { kind: 'unimplemented'; rip: bigint; bytes: Uint8Array; text: string }
  /** The instruction budget of this `run` call is used up. */
  | { kind: 'limit' }
  /** An exception nobody handles: no IDT yet (real/protected mode without one) or a user-mode runner's fault. */
  | { kind: 'exception'; vector: number; errorCode: number; rip: bigint; cr2: bigint; diagnosis: string };

/** Exception vectors. */
export const DE = 0, DB = 1, NMI = 2, BP = 3, OF = 4, BR = 5, UD = 6, NM = 7, DF = 8, TS = 10, NP = 11, SS = 12, GP = 13, PF = 14, MF = 16, AC = 17, XM = 19;

export const VECTOR_NAMES: Record<number, string> = {
  0: '#DE divide error', 1: '#DB debug', 2: 'NMI', 3: '#BP breakpoint', 4: '#OF overflow', 5: '#BR bound', 6: '#UD invalid opcode',
  7: '#NM device not available', 8: '#DF double fault', 10: '#TS invalid TSS', 11: '#NP segment not present', 12: '#SS stack fault',
  13: '#GP general protection', 14: '#PF page fault', 16: '#MF x87 error', 17: '#AC alignment check', 19: '#XM SIMD exception',
};

/** A guest exception raised while executing an instruction (thrown, caught by the run loop). */
export class Fault {
  constructor(readonly vector: number, readonly errorCode: number = -1) {}
}

/** Thrown by handlers to end `run` with a stop reason. */
export class Stop {
  constructor(readonly reason: StopReason) {}
}
