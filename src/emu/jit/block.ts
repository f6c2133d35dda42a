// Basic blocks of 64-bit code: runs of decoded instructions that end at a control transfer, at the end of a
// page or after MAX_INSNS. A block is interpreted (each instruction's handler in turn) until it has run HOT
// times; then the region around it (the blocks that have run and that it reaches, regionOf; translate.ts)
// is compiled into one JavaScript function that V8 optimizes, if the region contains a loop or once the
// block has run RETRY times more, as QEMU's TCG and v86 translate hot code. Blocks are cached by physical
// address and die with their page's decoded instructions (a write to the page, a mode change), so
// self-modifying code is seen at the next instruction.
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../insn.ts';
import { Mnemonic } from '../../asm/iced.ts';
import { K_IMM } from '../insn.ts';
import { isConditional, isTerminator } from './flow.ts';
import { translate } from './translate.ts';

/** Longest block, in instructions (longer functions take V8 longer to optimize, for little gain). */
export const MAX_INSNS = 48;

/** Longest region, in instructions. V8 takes longer to optimize larger functions and does not optimize one
 * past 60 KB of bytecode (about 200 bytes per guest instruction here): on the zlib round trip with 4 MB of
 * input, 96 gave 134-136 MIPS, 192 gave 122-128 and 384 gave 29, its largest regions never optimized.
 * (Exit codes hold the instruction index in 10 bits: gen.ts exitTo.) */
export const MAX_REGION = 96;

/** A compiled region entered at its block `s`: runs while control stays in the region and within
 * `c.budget`, and returns -((instructions done) * 4096 + k * 4 + kind) - 1, where k is the region
 * instruction it left at and kind says how (gen.ts EXIT_*). */
export type BlockFn = (c: Cpu, s: number) => number;

export class Block {
  /** Linear and physical address of the first instruction. */
  readonly la: number;
  readonly pa: number;
  readonly insns: Insn[];
  readonly n: number;
  /** Where the last instruction falls through to, and its branch target (NaN when none). */
  readonly next: number;
  readonly target: number;
  /** The compiled region that runs this block, entered at case `entry`. */
  fn: BlockFn | null = null;
  entry = 0;
  /** The region's instructions (its exit codes index them) and the block of each. */
  region: Insn[] = [];
  owner: Block[] = [];
  /** Instructions an entry here needs left in the budget (the longest path without a back edge). */
  fnLen = 0;
  /** Times the block was entered while interpreted. */
  hits = 0;
  /** Its region had no loop when it first became hot. */
  retried = false;
  /** Successor blocks at `next` and `target`, valid while linkEpoch equals the code cache's epoch. */
  succ: Block | null = null;
  tsucc: Block | null = null;
  /** Where an indirect transfer (ret, jmp/call through a register) went last, and the block there. */
  iaddr = NaN;
  isucc: Block | null = null;
  linkEpoch = 0;
  /** Its page was written to or the decodings were dropped: look the address up again. */
  dead = false;
  /** Kept in the block cache (not when its first instruction crosses a page): only these are compiled. */
  cached = false;

  constructor(la: number, pa: number, insns: Insn[]) {
    this.la = la;
    this.pa = pa;
    this.insns = insns;
    this.n = insns.length;
    const last = insns[insns.length - 1];
    this.next = last.next;
    this.target = isTerminator(last) && last.target !== 0 ? last.target : NaN;
  }

  /** Interpret up to `max` instructions of the block; returns how many ran (icount is kept by the caller's
   * rules: each completed instruction counts, a faulting one does not). */
  interpret(c: Cpu, max: number): number {
    const insns = this.insns;
    const n = max < this.n ? max : this.n;
    let k = 0;
    while (k < n) {
      const d = insns[k];
      if (d.dead) break; // an earlier instruction wrote to this page
      c.cur = d;
      c.rip = d.next;
      d.exec(c, d);
      c.icount++;
      k++;
      if (c.brk || c.rip !== d.next) break;
    }
    return k;
  }
}

/** How block execution is chosen: 'off' interprets every block, 'eager' compiles every block on its first
 * run (with the region that has run around it; for differential tests), a number compiles the region around
 * a block after that many interpreted runs, if the region has a loop (a region without one, such as a
 * function body called from a loop elsewhere, after RETRY runs more). V8 runs a new function unoptimized
 * until it is warm, optimizes it in milliseconds per guest instruction, and deoptimizes it whenever a path it
 * has not seen is taken, so each block is compiled in one region only, every exit shares one return, and
 * code that does not loop waits (measured on the zlib round trip with 4 MB of input, 0.93 G instructions:
 * one block per function, the design before regions, 44 MIPS; a region of up to 512 instructions per hot
 * block, blocks repeated across regions, 11 MIPS, V8 compiling for 2 minutes of CPU; loops only, 93-109
 * MIPS; as now, 123 MIPS, and 130-140 with mul inline). */
export type JitMode = 'off' | 'eager' | number;

/** Blocks entered this many times (interpreted) are compiled. */
export const DEFAULT_HOT = 40;
/** Interpreted runs before a hot block whose region had no loop is looked at again. */
const RETRY = 1000;

export class BlockCache {
  private pages: (Block[] | undefined)[] = [];
  /** Blocks compiled and the time spent translating them (for --stats). */
  compiled = 0;
  compileMs = 0;
  /** Compile after this many interpreted runs (Infinity: never). */
  readonly hot: number;
  /** Compile every block ('eager') at once, not only regions that have a loop. */
  readonly all: boolean;

  constructor(
    private readonly c: Cpu,
    mode: JitMode,
  ) {
    this.hot = mode === 'off' ? Infinity : mode === 'eager' ? 0 : mode;
    this.all = mode === 'eager';
  }

  /** The block at the current rip (64-bit mode), decoding it when it is new. */
  lookup(): Block {
    const c = this.c;
    const la = c.rip;
    const pa = c.code.translateFetch(la);
    const page = this.pages[pa >>> 12];
    if (page !== undefined) {
      const b = page[pa & 4095];
      if (b !== undefined && b.la === la && !b.dead) return b;
    }
    return this.build(la, pa);
  }

  private build(la: number, pa: number): Block {
    const c = this.c;
    const insns: Insn[] = [];
    let a = la, p = pa;
    for (;;) {
      // An instruction after the first that would cross into the next page (whose translation may
      // fault) starts its own block.
      const d = insns.length === 0 ? c.code.insnAt(a, p) : c.code.insnWithin(a, p);
      if (d === null) break;
      insns.push(d);
      if (isTerminator(d) || insns.length >= MAX_INSNS || (p & 4095) + d.len >= 4096) break;
      a = d.next;
      p += d.len;
    }
    const b = new Block(la, pa, insns);
    // A first instruction that crosses into the next page is not cached (as decode.ts does not cache it):
    // a write to the second page would not reach it.
    if (pa < c.ramSize && (pa & 4095) + insns[0].len <= 4096) {
      let page = this.pages[pa >>> 12];
      if (page === undefined) {
        page = new Array<Block>(4096);
        this.pages[pa >>> 12] = page;
      }
      page[pa & 4095] = b;
      b.cached = true;
    }
    return b;
  }

  /** The blocks that have run and that b reaches by jumps, fall-throughs, calls and call returns, in
   * address order (at most MAX_REGION instructions, none compiled already): those of b's page, and those
   * of other pages that the run loop has linked to them since translations last changed. */
  private regionOf(b: Block): Block[] {
    const page = this.pages[b.pa >>> 12];
    const base = b.la - (b.pa & 4095);
    const live = (x: Block | null | undefined): Block | null => (x !== null && x !== undefined && !x.dead && x.cached ? x : null);
    const at = (a: number): Block | null => {
      const off = a - base;
      const x = page === undefined || off < 0 || off >= 4096 ? undefined : page[off];
      return x !== undefined && x.la === a ? live(x) : null;
    };
    // Blocks of other pages only as the run loop linked them in this epoch (their translation is known).
    const epoch = this.c.code.epoch;
    const linked = (y: Block, a: number): Block | null =>
      y.linkEpoch !== epoch ? null : live(a === y.next ? y.succ : a === y.target ? y.tsucc : null);
    const found = new Set<Block>([b]);
    const queue = [b];
    let total = b.n;
    for (let i = 0; i < queue.length; i++) {
      const y = queue[i];
      const d = y.insns[y.n - 1];
      const goesOn = d.mn !== Mnemonic.Jmp && d.mn !== Mnemonic.Ret;
      const hasTarget = d.k0 === K_IMM && (isConditional(d) || d.mn === Mnemonic.Jmp || d.mn === Mnemonic.Call);
      for (const a of [hasTarget ? d.target : NaN, goesOn ? d.next : NaN]) {
        const x = Number.isNaN(a) ? null : at(a) ?? linked(y, a);
        if (x === null || x.fn !== null || found.has(x) || total + x.n > MAX_REGION) continue;
        found.add(x);
        queue.push(x);
        total += x.n;
      }
    }
    return queue.sort((x, y) => x.la - y.la);
  }

  /** Whether the region has a loop: a jump back to a block at or before its own, or a call into it. */
  private static loops(blocks: Block[]): boolean {
    const idx = new Map(blocks.map((x, j) => [x.la, j]));
    return blocks.some((x, j) => {
      const d = x.insns[x.n - 1];
      const t = idx.get(d.target);
      return (t !== undefined && d.k0 === K_IMM && (t <= j || d.mn === Mnemonic.Call)) || (!isTerminator(d) && (idx.get(d.next) ?? Infinity) <= j);
    });
  }

  /** Compile the region around `b` (if it loops, if it is hot again after RETRY runs, or always in 'eager'
   * mode); each of its blocks is entered through it from then on. */
  compile(b: Block): BlockFn | null {
    const t0 = performance.now();
    const blocks = this.regionOf(b);
    // A region without a loop is compiled only once its block has run RETRY times more (a function body
    // called from a loop elsewhere); until then more of its page may run and make it one.
    if (!this.all && !b.retried && !BlockCache.loops(blocks)) {
      b.hits = -RETRY;
      b.retried = true;
      return null;
    }
    const t = translate(this.c, blocks);
    blocks.forEach((x, j) => {
      x.fn = t.fn;
      x.entry = j;
      x.region = t.insns;
      x.owner = t.owner;
      x.fnLen = t.need[j];
    });
    this.compiled++;
    this.compileMs += performance.now() - t0;
    return t.fn;
  }

  /** The decoded instructions of physical page `ppn` were dropped. */
  invalidate(ppn: number): void {
    const page = this.pages[ppn];
    if (page === undefined) return;
    for (const b of page) if (b !== undefined) b.dead = true;
    this.pages[ppn] = undefined;
  }

  flush(): void {
    for (const page of this.pages) if (page !== undefined) for (const b of page) if (b !== undefined) b.dead = true;
    this.pages = [];
  }
}
