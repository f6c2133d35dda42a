// Running a code snippet in 64-bit ring 3 from a given register and memory state until `int3` or `hlt`, for
// instruction-level differential tests against the host CPU: the same bytes run natively and here, and the
// final registers, flags and memory are compared.
import { Cpu, CR0_MP, CR0_NE, CR0_PE, CR0_PG, CR0_WP, CR4_OSFXSR, CR4_OSXMMEXCPT, CR4_PAE, CS, EFER_LMA, EFER_LME, EFER_NXE, EFER_SCE, SSEG } from './cpu.ts';
import { AddressSpace, PROT_EXEC, PROT_READ, PROT_WRITE } from './linux/address-space.ts';
import type { StopReason } from './types.ts';
import type { JitMode } from './jit/block.ts';

export interface SnippetMemory {
  address: bigint;
  bytes: Uint8Array;
  /** Default true. */
  writable?: boolean;
}

export interface SnippetState {
  /** rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8..r15 (index = register number); missing = 0 (rsp: a 64 KiB stack). */
  regs?: (bigint | undefined)[];
  /** Initial RFLAGS (default 0x202). */
  rflags?: number;
  /** xmm0..xmm15 as 16 bytes each. */
  xmm?: (Uint8Array | undefined)[];
  mxcsr?: number;
  /** x87 control word (default 0x37f). */
  fpuControl?: number;
  memory?: SnippetMemory[];
}

export interface SnippetOptions {
  /** Where the code is placed (default 0x400000). */
  codeAddress?: bigint;
  /** Instruction budget (default 1,000,000). */
  maxInstructions?: number;
  /** Guest RAM (default 64 MiB). */
  memorySize?: number;
  /** Privilege level (default 3). Ring 0 runs with no IDT: any exception stops the run. */
  ring?: 0 | 3;
  /** Block translation mode (default: compile hot blocks). */
  jit?: JitMode;
}

export interface SnippetResult {
  /** 'breakpoint' (int3) or 'halt' (hlt) on normal completion; 'exception' carries vector and error code. */
  stop: StopReason;
  regs: bigint[];
  rip: bigint;
  rflags: number;
  xmm: Uint8Array[];
  mxcsr: number;
  /** Read guest memory after the run (linear addresses). */
  read(address: bigint, length: number): Uint8Array;
  cpu: Cpu;
}

const STACK_TOP = 0x7fff0000;
const STACK_SIZE = 0x10000;

/** Run `code` in 64-bit mode (CPL 3 by default; paging, SSE enabled) until int3/hlt, a fault or the instruction budget. */
export function runSnippet(code: Uint8Array, state: SnippetState = {}, opts: SnippetOptions = {}): SnippetResult {
  const c = new Cpu({ memorySize: opts.memorySize ?? 64 * 1024 * 1024, jit: opts.jit });
  const as = new AddressSpace(c);
  const codeAt = Number(opts.codeAddress ?? 0x400000n);
  const page = (v: number) => v - (v % 4096);
  const codeStart = page(codeAt);
  as.addVma(codeStart, Math.ceil((codeAt + code.length + 16) / 4096) * 4096, PROT_READ | PROT_EXEC, 'code');
  as.poke(codeAt, code);
  as.addVma(STACK_TOP - STACK_SIZE, STACK_TOP, PROT_READ | PROT_WRITE, 'stack');
  for (let a = STACK_TOP - STACK_SIZE; a < STACK_TOP; a += 4096) as.mapNew(a, PROT_READ | PROT_WRITE);
  for (const m of state.memory ?? []) {
    const at = Number(m.address);
    const prot = PROT_READ | (m.writable === false ? 0 : PROT_WRITE);
    const start = page(at), end = Math.ceil((at + m.bytes.length) / 4096) * 4096;
    for (let a = start; a < end; a += 4096) {
      const old = as.findVma(a);
      as.addVma(a, a + 4096, prot | (old ? old.prot : 0), 'data');
      as.mapNew(a, prot | (old ? old.prot : 0));
    }
    as.poke(at, m.bytes);
  }
  c.cr3 = as.pml4;
  c.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
  c.efer = EFER_LME | EFER_LMA | EFER_NXE | EFER_SCE;
  c.cr0 = CR0_PE | CR0_PG | CR0_WP | CR0_MP | CR0_NE | 0x10;
  const ring = opts.ring ?? 3;
  c.segSel[CS] = ring === 3 ? 0x33 : 0x08;
  c.segAttr[CS] = ring === 3 ? 0xa0fb : 0xa09b;
  c.segSel[SSEG] = ring === 3 ? 0x2b : 0x10;
  c.segAttr[SSEG] = ring === 3 ? 0xc0f3 : 0xc093;
  c.cpl = ring;
  c.idtLimit = 0;
  c.updateMode();
  c.mmu.flush();
  c.snippetMode = true;
  for (let r = 0; r < 16; r++) c.setReg(r, state.regs?.[r] ?? (r === 4 ? BigInt(STACK_TOP - 256) : 0n));
  c.setFlags(state.rflags ?? 0x202);
  state.xmm?.forEach((x, i) => x && c.setXmm(i, x));
  if (state.mxcsr !== undefined) c.mxcsr = state.mxcsr;
  if (state.fpuControl !== undefined) c.fpu.cw = state.fpuControl;
  c.rip = codeAt;
  let fault: StopReason | null = null;
  if (ring === 3) c.exceptionHook = (cpu, vector, errorCode) => (fault = cpu.unhandled(vector, errorCode, 'snippet'));
  const stop = c.run(opts.maxInstructions ?? 1_000_000);
  return {
    stop: fault ?? stop,
    regs: Array.from({ length: 16 }, (_, r) => c.getReg(r)),
    rip: c.getRip(),
    rflags: c.getFlags(),
    xmm: Array.from({ length: 16 }, (_, i) => c.getXmm(i)),
    mxcsr: c.mxcsr,
    read: (address, length) => c.readBytes(Number(BigInt.asIntN(64, address)), length),
    cpu: c,
  };
}
