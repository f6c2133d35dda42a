// Translation of a block into one JavaScript function. Instructions with an inline form (emit-int.ts,
// emit-branch.ts, emit-sse.ts) become straight-line code that leaves the function before the instruction
// when its fast path does not apply (the run loop then executes it with its handler); every other
// instruction calls its family handler, exactly as the interpreter would, and the block is left if the
// handler stopped the CPU, moved rip or killed the block.
// Flags are computed only where a later instruction of the block reads them or where the function may be
// left (an exit, a side exit, an instruction that may miss its fast path, fault or call its handler), so
// the flags are exact wherever they can be seen. A block that branches back to its own start loops inside
// the function while the run's instruction budget allows. A fault records the faulting instruction (c.cur) and the instructions
// completed before it, as the interpreter's loop does.
import type { Cpu } from '../cpu.ts';
import { PARITY } from '../cpu.ts';
import type { Block, BlockFn } from './block.ts';
import type { Insn } from '../insn.ts';
import { isConditional, isTerminator } from './flow.ts';
import { ALL_FLAGS, condExpr, exitCode, Gen, lit } from './gen.ts';
import { planInt, type Inline } from './emit-int.ts';
import { planBranch } from './emit-branch.ts';
import { planSse } from './emit-sse.ts';

/** The inline form of `d`, or null. */
function plan(d: Insn): Inline | null {
  return planInt(d) ?? planBranch(d) ?? planSse(d);
}

/** Whether the inline code of `d` can leave the function before the instruction completes (it has a fast
 * path that may miss, a check that may fail, or calls the handler): found by generating it. */
function mayLeave(p: Inline, d: Insn): boolean {
  const g = new Gen();
  g.live = ALL_FLAGS;
  p.emit(g, d);
  return g.out.some((l) => l.includes('return ')) || g.names.length > 0;
}

/** JavaScript source of the block's function body and the handlers/instructions it calls. */
export function blockSource(b: Block, insns: Insn[]): { src: string; names: string[]; values: unknown[] } {
  const n = insns.length;
  const plans = insns.map(plan);
  // Flag liveness, backwards from the exit. Every flag is live where the function may be left: at a side
  // exit (a conditional branch inside the block), and before an instruction that may leave before it
  // completes (its fast path misses or it faults) or that calls a handler, since a fault there makes the
  // flags visible (an exception frame, a signal context) and they must be exact.
  const liveOut = new Array<number>(n);
  let live = ALL_FLAGS;
  for (let k = n - 1; k >= 0; k--) {
    liveOut[k] = live;
    const p = plans[k];
    if (k < n - 1 && isConditional(insns[k])) live = ALL_FLAGS;
    else if (!p || mayLeave(p, insns[k])) live = ALL_FLAGS;
    else live = (live & ~p.writes) | p.reads;
  }
  const g = new Gen();
  const names = g.names;
  const values = g.values;
  for (let k = 0; k < n; k++) {
    const d = insns[k];
    const p = plans[k];
    const last = k === n - 1;
    g.k = k;
    g.live = liveOut[k];
    g.line(`k = ${k};`);
    if (p && !last && isConditional(d)) {
      // Side exit: leave (or loop, when it goes back to the block's start) if taken.
      g.line(`if (${condExpr(d.cc)}) {`);
      if (d.target === b.la) g.line(`  if (n + ${k + 1 + n} <= bud) { n += ${k + 1}; continue; }`);
      g.line(`  return ${exitCode(k, true)};`);
      g.line('}');
    } else if (p) {
      p.emit(g, d);
      if (last && !isTerminator(d)) g.line(`c.rip = ${lit(d.next)};`);
    } else {
      g.callHandler(d);
      if (!last) g.line(`if (c.brk || c.rip !== ${lit(d.next)} || B.dead) return n + ${k + 1};`);
    }
  }
  g.line(`n += ${n};`);
  if (!plans[n - 1]) g.line('if (c.brk) return n;');
  // Back at the start (a loop, however it branched): run again without leaving, within the budget.
  g.line(`if (c.rip === ${lit(b.la)} && n + ${n} <= bud && !B.dead) continue;`);
  g.line('return n;');
  const body = g.out.map((l) => `      ${l}`).join('\n');
  const src = `return function blk_${b.la < 0 ? 'm' : ''}${Math.abs(b.la).toString(16)}(c) {
  const bud = c.budget;
  let n = 0, k = 0;
  try {
    for (;;) {
${body}
    }
  } catch (e) {
    c.cur = D[k];
    c.icount += n + k;
    throw e;
  }
};`;
  return { src, names, values };
}

/** Compile block `b` of CPU `c` into a function. */
export function translate(c: Cpu, b: Block, insns: Insn[]): BlockFn {
  const { src, names, values } = blockSource(b, insns);
  const mmu = c.mmu;
  const factory = new Function('L', 'H', 'X', 'dv', 'ram', 'RL', 'RH', 'WL', 'WH', 'FR', 'B', 'D', 'PAR', ...names, src) as (...args: unknown[]) => BlockFn;
  return factory(c.lo, c.hi, c.xd, c.dv, c.ram, mmu.readLo, mmu.readHi, mmu.writeLo, mmu.writeHi, mmu.frame, b, insns, PARITY, ...values);
}
