// Runs one instruction vector (test-objects/emu-vectors) in the CPU: 64-bit ring 3, the code page, data
// page and stack at the vector file's addresses, mapped through 4-level user pages onto low physical
// memory; int3 ends the run (the CPU's snippet mode) and a fault ends it through the CPU's exception hook.
// This is the state src/emu/snippet.ts's runSnippet sets up, but on one Cpu reused for every vector:
// runSnippet builds a new Cpu (RAM, code cache, TLB, address space) per call, about 3.5 ms here, which
// would make 126,000 vectors take minutes; the CPU is reset through its documented public fields instead.
import { Cpu } from '../../src/emu/cpu.ts';
import type { StopReason } from '../../src/emu/types.ts';

export interface SnippetInput {
  codeAddr: bigint;
  code: Uint8Array;
  dataAddr: bigint;
  data: Uint8Array;
  stackAddr: bigint;
  stackSize: number;
  gpr: bigint[];
  rflags: number;
  mxcsr: number;
  xmm: Uint8Array[];
}

export interface SnippetOutcome {
  stop: StopReason;
  gpr: bigint[];
  rflags: number;
  mxcsr: number;
  xmm: Uint8Array[];
  data: Uint8Array;
}

const PML4 = 0x1000;
/** Physical pages: page tables from 0x2000, then the data page, the stack and the code page. */
const TABLES = 0x2000, DATA_PHYS = 0x20000, STACK_PHYS = 0x30000, CODE_PHYS = 0x50000;
let cpu: Cpu | undefined;

export function runSnippetVector(v: SnippetInput): SnippetOutcome {
  // UKL_TEST_JIT=eager (tests/emu-vectors-jit.test.ts) compiles every block on its first run.
  cpu ??= new Cpu({ memorySize: 1 << 20, jit: process.env.UKL_TEST_JIT === 'eager' ? 'eager' : 'off' });
  const c = cpu;
  const dv = c.dv;
  c.ram.fill(0, 0, 0x60000);
  let nextTable = TABLES;
  /** Map the 4 KiB page at virtual `va` to physical `pa`, user read/write/execute. */
  const map = (va: bigint, pa: number) => {
    let table = PML4;
    for (const shift of [39n, 30n, 21n]) {
      const e = table + Number((va >> shift) & 511n) * 8;
      let next = Number(dv.getBigUint64(e, true) & ~0xfffn);
      if (next === 0) {
        next = nextTable;
        nextTable += 0x1000;
        dv.setBigUint64(e, BigInt(next | 7), true);
      }
      table = next;
    }
    dv.setBigUint64(table + Number((va >> 12n) & 511n) * 8, BigInt(pa | 7), true);
  };
  map(v.dataAddr, DATA_PHYS);
  for (let i = 0; i < v.stackSize / 4096; i++) map(v.stackAddr + BigInt(i * 4096), STACK_PHYS + i * 4096);
  map(v.codeAddr, CODE_PHYS);
  c.ram.set(v.data, DATA_PHYS);
  c.ram.set(v.code, CODE_PHYS);
  c.cr4 = 0x20 | 0x200 | 0x400;
  c.efer = 0x500;
  c.cr3 = PML4;
  c.cr0 = 0x80000033;
  c.segSel[1] = 0x33;
  c.segAttr[1] = 0xa0fb;
  c.segSel[2] = 0x2b;
  for (const s of [0, 2, 3, 4, 5]) c.segAttr[s] = 0xc0f3;
  c.segBase.fill(0);
  c.cpl = 3;
  c.mmu.flush();
  c.code.flushAll();
  c.updateMode();
  c.snippetMode = true;
  v.gpr.forEach((g, i) => c.setReg(i, g));
  c.setFlags(v.rflags);
  c.mxcsr = v.mxcsr;
  v.xmm.forEach((x, i) => c.setXmm(i, x));
  c.fpu.reset();
  c.setRip(v.codeAddr);
  c.exceptionHook = (cc, vector, errorCode) => cc.unhandled(vector, errorCode, 'snippet');
  const stop = c.run(10000);
  return {
    stop,
    gpr: Array.from({ length: 16 }, (_, i) => c.getReg(i)),
    rflags: c.getFlags(),
    mxcsr: c.mxcsr,
    xmm: Array.from({ length: 16 }, (_, i) => c.getXmm(i)),
    data: c.ram.slice(DATA_PHYS, DATA_PHYS + v.data.length),
  };
}
