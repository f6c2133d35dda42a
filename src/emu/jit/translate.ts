// Translation of a region (blocks of a page and those linked to them, block.ts) into one JavaScript
// function: a loop over a switch with a case per block, so that control moving between the region's
// blocks stays inside the function and V8 optimizes the loop as a whole (as v86 compiles a page of blocks
// into one WebAssembly function with a dispatcher). Instructions with an inline form (emit-int.ts, emit-branch.ts, emit-sse.ts)
// become straight-line code that leaves the function before the instruction when its fast path does not
// apply (the run loop then executes it with its handler); every other instruction calls its family
// handler, exactly as the interpreter would, and the function is left if the handler stopped the CPU,
// moved rip, killed the page's blocks or changed translations.
// Flags are computed only where a later instruction reads them or where the function may be left (an exit,
// a back edge, an instruction that may miss its fast path, fault or call its handler), so the flags are
// exact wherever they can be seen. The instruction budget is checked only on back edges: each entry and
// back edge requires room for the longest forward path from its block, so forward edges need no check
// and the budget is never exceeded. A fault records the faulting instruction (c.cur) and the instructions
// completed before it, as the interpreter's loop does.
import type { Cpu } from '../cpu.ts';
import { PARITY } from '../cpu.ts';
import type { Block, BlockFn } from './block.ts';
import type { Insn } from '../insn.ts';
import { Mnemonic } from '../../asm/iced.ts';
import { K_IMM } from '../insn.ts';
import { isConditional, isTerminator } from './flow.ts';
import { ALL_FLAGS, COND_READS, condExpr, EXIT_NEXT, EXIT_RETURN, EXIT_SET, EXIT_TAKEN, exitTo, Gen, lit } from './gen.ts';
import { planInt, type Inline } from './emit-int.ts';
import { planBranch } from './emit-branch.ts';
import { planSse } from './emit-sse.ts';

/** The inline form of `d`, or null. */
function plan(d: Insn): Inline | null {
  return planInt(d) ?? planBranch(d) ?? planSse(d);
}

/** What the inline code of an instruction may do besides completing: nothing, leave the function before
 * the instruction (a fast path that may miss, a check that may fail), or call the handler (which may also
 * throw). Found by generating it. */
const STAYS = 0, MAY_LEAVE = 1, CALLS = 2;
function mayLeave(p: Inline, d: Insn): number {
  const g = new Gen();
  g.live = ALL_FLAGS;
  p.emit(g, d);
  return g.names.length > 0 ? CALLS : g.out.some((l) => l.includes('break out')) ? MAY_LEAVE : STAYS;
}

/** Whether two blocks lie in the same linear and physical page: a transfer between them cannot meet a
 * changed translation (the other pages' are checked against the code cache's epoch). */
const samePage = (x: Block, y: Block): boolean => x.pa >>> 12 === y.pa >>> 12 && Math.floor(x.la / 4096) === Math.floor(y.la / 4096);

const isJmpRel = (d: Insn): boolean => d.mn === Mnemonic.Jmp && d.k0 === K_IMM;
const isCallRel = (d: Insn): boolean => d.mn === Mnemonic.Call && d.k0 === K_IMM;

/** How a block's last instruction (with its inline form p, or null) goes on: a conditional branch (to its
 * target or next instruction), a direct jmp, its next instruction (one that does not transfer control, or
 * one its handler runs), or wherever its inline code set c.rip (ret, call, indirect jmp). The region's
 * edges, and so its budget and flag liveness, follow from this, as does the code emitted for the block. */
type End = 'jcc' | 'jmp' | 'next' | 'set';
function endOf(d: Insn, p: Inline | null): End {
  if (p !== null && isConditional(d)) return 'jcc';
  if (p !== null && isJmpRel(d)) return 'jmp';
  return p === null || !isTerminator(d) ? 'next' : 'set';
}

/** A compiled region: its function, its instructions (exit codes index them) and, per block, the longest
 * forward path from it (the budget an entry there needs). */
export interface Translation {
  fn: BlockFn;
  insns: Insn[];
  /** The block of each instruction (where the run loop goes on from after an exit). */
  owner: Block[];
  need: number[];
}

/** JavaScript source of the region's function (blocks[j] is case j; blocks in address order), the
 * handlers, instructions and blocks it calls or checks, and per instruction its block (`owner`) and the
 * index of that block's first instruction (`starts`, for a fault's count of instructions done). */
export function regionSource(blocks: Block[]): { src: string; names: string[]; values: unknown[]; insns: Insn[]; owner: Block[]; starts: Int32Array; need: number[] } {
  const index = new Map<number, number>();
  blocks.forEach((b, j) => index.set(b.la, j));
  const insns: Insn[] = [];
  const owner: Block[] = [];
  const first: number[] = [];
  const starts = new Int32Array(blocks.reduce((n, b) => n + b.n, 0));
  for (const b of blocks) {
    first.push(insns.length);
    starts.fill(insns.length, insns.length, insns.length + b.n);
    for (const d of b.insns) {
      insns.push(d);
      owner.push(b);
    }
  }
  const plans = insns.map(plan);
  const leaves = insns.map((d, k) => (plans[k] === null ? CALLS : mayLeave(plans[k]!, d)));
  const nb = blocks.length;
  const lastOf = (j: number): number => first[j] + blocks[j].n - 1;
  const ends = blocks.map((b, j) => endOf(insns[lastOf(j)], plans[lastOf(j)]));
  // Call continuations inside the region: a ret in the region may go back to one without leaving.
  const conts: number[] = [];
  for (const b of blocks) {
    const d = b.insns[b.n - 1];
    if (d.mn === Mnemonic.Call && index.has(d.next) && !conts.includes(index.get(d.next)!)) conts.push(index.get(d.next)!);
  }
  // The region's edges per block: [target address, kind]; forward edges (to a later case) go unchecked.
  const edges = blocks.map((b, j): [number, number][] => {
    const d = insns[lastOf(j)];
    switch (ends[j]) {
      case 'jcc': return [[d.target, EXIT_TAKEN], [d.next, EXIT_NEXT]];
      case 'jmp': return [[d.target, EXIT_TAKEN]];
      case 'next': return [[d.next, EXIT_NEXT]];
      default: return [];
    }
  });
  const fwd = (j: number, a: number): number => {
    const t = index.get(a);
    return t !== undefined && t > j ? t : -1;
  };
  // Longest forward path (instructions) and flags live at entry, per block, from the last block back.
  const need = new Array<number>(nb).fill(0);
  const liveIn = new Array<number>(nb).fill(ALL_FLAGS);
  const liveOut = new Array<number>(insns.length).fill(ALL_FLAGS);
  for (let j = nb - 1; j >= 0; j--) {
    let longest = 0;
    let live = edges[j].length === 0 ? ALL_FLAGS : 0;
    for (const [a] of edges[j]) {
      const t = fwd(j, a);
      if (t >= 0) {
        longest = Math.max(longest, need[t]);
        live |= liveIn[t];
      } else live = ALL_FLAGS;
    }
    need[j] = blocks[j].n + longest;
    for (let k = lastOf(j); k >= first[j]; k--) {
      liveOut[k] = live;
      const p = plans[k];
      if (k === lastOf(j) && ends[j] === 'jcc') live |= COND_READS[insns[k].cc];
      else if (p === null || leaves[k] !== STAYS) live = ALL_FLAGS;
      else live = (live & ~p.writes) | p.reads;
    }
    liveIn[j] = live;
  }

  const g = new Gen();
  const blockName = (j: number): string => {
    const nm = `$b${j}`;
    if (!g.names.includes(nm)) {
      g.names.push(nm);
      g.values.push(blocks[j]);
    }
    return nm;
  };
  // Instruction k of block j, `done` instructions of the block completed after it: inline, or its handler
  // and a check that the CPU goes on here (not stopped, not moved, its page's code and translations kept).
  const emit = (j: number, k: number, done: number): void => {
    const d = insns[k];
    const p = plans[k];
    if (p !== null) {
      p.emit(g, d);
      return;
    }
    g.callHandler(d);
    g.line(`if (c.brk || c.rip !== ${lit(d.next)} || ${blockName(j)}.dead || CODE.epoch !== ep) ${exitTo(k * 4 + EXIT_SET, done)}`);
  };
  // Go to the block at address a (edge kind `kind` of instruction k), `m` instructions of this block done.
  const edge = (j: number, k: number, m: number, a: number, kind: number, fallsThrough: boolean): void => {
    const t = index.get(a);
    if (t === undefined) {
      g.line(exitTo(k * 4 + kind, m));
      return;
    }
    // Another page: its translation may have changed since the region was compiled (CODE.epoch moves on).
    if (!samePage(blocks[t], blocks[j])) g.line(`if (CODE.epoch !== EP) ${exitTo(k * 4 + kind, m)}`);
    g.line(`n += ${m};`);
    if (t > j) {
      if (!(fallsThrough && t === j + 1)) g.line(`s = ${t}; continue;`);
    } else g.line(`if (n + ${need[t]} > bud) ${exitTo(k * 4 + kind, 0)} s = ${t}; continue;`);
  };
  for (let j = 0; j < nb; j++) {
    const b = blocks[j];
    const m = b.n;
    g.bs = first[j];
    g.line(`case ${j}: {`);
    for (let k = first[j]; k <= lastOf(j); k++) {
      const d = insns[k];
      g.k = k;
      g.live = liveOut[k];
      if (leaves[k] === CALLS) g.line(`k = ${k};`); // only handlers throw
      if (k < lastOf(j)) {
        emit(j, k, k - first[j] + 1);
        continue;
      }
      switch (ends[j]) {
        case 'jcc':
          g.line(`if (${condExpr(d.cc)}) {`);
          edge(j, k, m, d.target, EXIT_TAKEN, false);
          g.line('}');
          edge(j, k, m, d.next, EXIT_NEXT, true);
          break;
        case 'jmp':
          edge(j, k, m, d.target, EXIT_TAKEN, false);
          break;
        case 'next':
          emit(j, k, m);
          edge(j, k, m, d.next, EXIT_NEXT, true);
          break;
        case 'set': {
          // ret, call, indirect jmp: the code sets c.rip; stay inside for a call into the region or a
          // return to a call continuation of the region (checked as back edges).
          emit(j, k, m);
          const inside = isCallRel(d) ? (index.has(d.target) ? [index.get(d.target)!] : []) : d.mn === Mnemonic.Ret ? conts : [];
          if (inside.length > 0) {
            g.line('const r = c.rip;');
            for (const t of inside) {
              const mapped = samePage(blocks[t], b) ? '' : ' && CODE.epoch === EP';
              g.line(`if (r === ${lit(blocks[t].la)} && n + ${m + need[t]} <= bud${mapped}) { n += ${m}; s = ${t}; continue; }`);
            }
          }
          g.line(exitTo(k * 4 + EXIT_SET, m));
        }
      }
    }
    g.line('}');
  }
  const body = g.out.map((l) => `        ${l}`).join('\n');
  const b0 = blocks[0];
  const src = `return function rgn_${b0.la < 0 ? 'm' : ''}${Math.abs(b0.la).toString(16)}(c, s) {
  const bud = c.budget, ep = CODE.epoch;
  let n = 0, k = 0, ex = 0, nd = 0;
  try {
    out: for (;;) {
      switch (s) {
${body}
      }
    }
    ${EXIT_RETURN}
  } catch (e) {
    c.cur = D[k];
    c.icount += n + k - BS[k];
    throw e;
  }
};`;
  return { src, names: g.names, values: g.values, insns, owner, starts, need };
}

/** Compile the region `blocks` (in address order) of CPU `c` into a function. */
export function translate(c: Cpu, blocks: Block[]): Translation {
  const { src, names, values, insns, owner, starts, need } = regionSource(blocks);
  const mmu = c.mmu;
  const factory = new Function('L', 'H', 'X', 'XW', 'XB', 'XSD', 'XSW', 'XSB', 'dv', 'ram', 'RL', 'RH', 'WL', 'WH', 'FR', 'CODE', 'EP', 'D', 'BS', 'PAR', ...names, src) as (...args: unknown[]) => BlockFn;
  const fn = factory(c.lo, c.hi, c.xd, c.xw, c.xb, c.xsd, c.xsw, c.xsb, c.dv, c.ram, mmu.readLo, mmu.readHi, mmu.writeLo, mmu.writeHi, mmu.frame, c.code, c.code.epoch, insns, starts, PARITY, ...values);
  return { fn, insns, owner, need };
}
