// The emulator's public API (see docs/emulator.md).
export { Cpu, type CpuOptions, toU64, fromU64, ES, CS, SSEG, DS, FS, GS } from './cpu.ts';
export { Fault, Stop, type StopReason, type PortIo, type Mmio, type InterruptSource, VECTOR_NAMES } from './types.ts';
export { runSnippet, type SnippetState, type SnippetOptions, type SnippetResult, type SnippetMemory } from './snippet.ts';
export { describeInsnAt, describeLocation, type AddressNamer } from './diagnose.ts';
export { symbolizer } from './symbols.ts';
export { cpuid } from './cpuid.ts';
export * from './exit-status.ts';
export { LinuxProcess, type LinuxOptions, type LinuxResult } from './linux/process.ts';
