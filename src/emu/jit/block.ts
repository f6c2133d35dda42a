// Basic blocks of 64-bit code: runs of decoded instructions that end at a control transfer, at the end of a
// page or after MAX_INSNS. A block is interpreted (each instruction's handler in turn) until it has run HOT
// times; then, if it loops back to its own start, translate.ts compiles it into one JavaScript function
// that V8 optimizes, as QEMU's TCG and v86 translate hot code. Blocks are cached by physical address and die with their page's decoded instructions
// (a write to the page, a mode change), so self-modifying code is seen at the next instruction.
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../insn.ts';
import { isConditional, isTerminator } from './flow.ts';
import { translate } from './translate.ts';

/** Longest block, in instructions (longer functions take V8 longer to optimize, for little gain). */
export const MAX_INSNS = 48;

/** A compiled block: runs the block (and loops while it branches back to its start within `c.budget`),
 * sets `c.rip` and returns the instructions executed, or leaves early with a negative code (gen.ts exitCode)
 * that the run loop decodes. */
export type BlockFn = (c: Cpu) => number;

export class Block {
  /** Linear and physical address of the first instruction. */
  readonly la: number;
  readonly pa: number;
  readonly insns: Insn[];
  readonly n: number;
  /** Where the last instruction falls through to, and its branch target (NaN when none). */
  readonly next: number;
  readonly target: number;
  fn: BlockFn | null = null;
  /** The instructions of the compiled function (the block and its extension past conditional branches). */
  region: Insn[] = [];
  fnLen = 0;
  /** Times the block was entered while interpreted. */
  hits = 0;
  /** Successor blocks at `next` and `target`, valid while linkEpoch equals the code cache's epoch. */
  succ: Block | null = null;
  tsucc: Block | null = null;
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
 * run (for differential tests), a number compiles a block that loops back to its own start after that many
 * interpreted runs. Only loops are compiled by default because V8 runs a new function unoptimized until it
 * is warm and deoptimizes it whenever a path it has not seen is taken: a translated function pays for its
 * compilation where it iterates many times per call (measured on the zlib round trip of the corpus: every
 * hot block compiled 3.6-3.9 s of CPU, interpreted 2.4-2.7 s, loops only 2.8-3.4 s; malloc_heavy 30.2 s of
 * CPU with every hot block, 21-23 s with loops only; a register loop 255 MIPS against 288). */
export type JitMode = 'off' | 'eager' | number;

/** Blocks entered this many times (interpreted) are compiled. */
export const DEFAULT_HOT = 40;

export class BlockCache {
  private pages: (Block[] | undefined)[] = [];
  /** Blocks compiled and the time spent translating them (for --stats). */
  compiled = 0;
  compileMs = 0;
  /** Compile after this many interpreted runs (Infinity: never). */
  readonly hot: number;
  /** Compile every block ('eager'), not only those that loop back to their own start. */
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
      const d = c.code.insnAt(a, p);
      insns.push(d);
      if (isTerminator(d) || insns.length >= MAX_INSNS) break;
      const off = (p & 4095) + d.len;
      // The next instruction might cross into the next page (whose translation may fault): its own block.
      if (off > 4096 - 15) break;
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

  /** Compile `b`, extended past its final conditional branches while their fall-through stays on the page
   * (a superblock: the branches become side exits). */
  compile(b: Block): BlockFn | null {
    const t0 = performance.now();
    const region = b.insns.slice();
    let last = region[region.length - 1];
    let pa = b.pa + (last.next - b.la);
    while (isConditional(last) && region.length < MAX_INSNS && (pa & 4095) <= 4096 - 15 && pa >>> 12 === b.pa >>> 12) {
      for (;;) {
        const d = this.c.code.insnAt(last.next, pa);
        region.push(d);
        last = d;
        pa += d.len;
        if (isTerminator(d) || region.length >= MAX_INSNS || (pa & 4095) > 4096 - 15) break;
      }
    }
    if (!this.all && !region.some((d) => d.target === b.la && isTerminator(d))) {
      b.cached = false; // not a loop: stays interpreted
      return null;
    }
    const fn = translate(this.c, b, region);
    b.fn = fn;
    b.region = region;
    b.fnLen = region.length;
    this.compiled++;
    this.compileMs += performance.now() - t0;
    return fn;
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
