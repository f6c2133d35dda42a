// Inline translations of the SSE moves, bitwise and packed integer operations that glibc's string functions
// and compiled loops use most: movdqa/movdqu/movaps/movups/movapd/movupd (and the non-temporal stores),
// movd/movq, pand/por/pxor/andps/orps/xorps/..., padd/psub/pcmpeq/pcmpgt/pandn, pshufd/pshuflw/pshufhw and
// the unpacks. The xmm file is c.xd (four uint32 lanes per register) and its byte/word/signed views. Anything off
// the fast path (SSE disabled in CR0/CR4, a misaligned aligned access, a page crossing, a TLB miss) leaves
// the block before the instruction, and the run loop executes it with the family handler in sse.ts.
import { Mnemonic } from '../../asm/iced.ts';
import { K_MEM, K_REG, K_XMM, type Insn } from '../insn.ts';
import { Gen } from './gen.ts';
import type { Inline } from './emit-int.ts';

const ALIGNED = new Set<number>([Mnemonic.Movaps, Mnemonic.Movapd, Mnemonic.Movdqa, Mnemonic.Movntps, Mnemonic.Movntpd, Mnemonic.Movntdq]);
const UNALIGNED = new Set<number>([Mnemonic.Movups, Mnemonic.Movupd, Mnemonic.Movdqu]);
const LOGIC = new Map<number, string>([
  [Mnemonic.Pand, '&'], [Mnemonic.Andps, '&'], [Mnemonic.Andpd, '&'],
  [Mnemonic.Por, '|'], [Mnemonic.Orps, '|'], [Mnemonic.Orpd, '|'],
  [Mnemonic.Pxor, '^'], [Mnemonic.Xorps, '^'], [Mnemonic.Xorpd, '^'],
]);

/** SSE usable (CR0.EM = CR0.TS = 0, CR4.OSFXSR = 1); otherwise the handler raises #UD/#NM. */
const ENABLED = '(c.cr0 & 12) === 0 && (c.cr4 & 512) !== 0';

/** Emit `inline` guarded by SSE being enabled and, for a memory operand, by the fast path of a 16/8/4-byte
 * access; otherwise the block is left before the instruction. `inline` gets the physical address ('' without memory). */
function guarded(g: Gen, d: Insn, size: number, aligned: boolean, write: boolean, inline: (p: string) => void): void {
  let cond = ENABLED;
  let p = '';
  if (d.k0 === K_MEM || d.k1 === K_MEM) {
    const [al, ah] = g.ea(d);
    const [ok, pa] = g.probe(size, al, ah, write);
    cond += ` && ${ok}${aligned ? ` && (${al} & 15) === 0` : ''}`;
    p = g.v('pa');
    g.line(`let ${p} = 0;`);
    cond += ` && ((${p} = ${pa}) >= 0)`;
  }
  g.line(`if (${cond}) {`);
  inline(p);
  g.line(`} else ${g.exitBefore()}`);
}

function lanes(g: Gen, to: number, from: (k: number) => string): void {
  g.line(`X[${to * 4}] = ${from(0)}; X[${to * 4 + 1}] = ${from(1)}; X[${to * 4 + 2}] = ${from(2)}; X[${to * 4 + 3}] = ${from(3)};`);
}

function move128(d: Insn): Inline | null {
  const aligned = ALIGNED.has(d.mn);
  if (!aligned && !UNALIGNED.has(d.mn)) return null;
  if (d.n !== 2 || !((d.k0 === K_XMM && (d.k1 === K_XMM || d.k1 === K_MEM)) || (d.k0 === K_MEM && d.k1 === K_XMM))) return null;
  if ((d.k0 === K_MEM || d.k1 === K_MEM) && (!Gen.addressable(d) || d.msize !== 16)) return null;
  return {
    reads: 0,
    writes: 0,
    emit(g, d) {
      guarded(g, d, 16, aligned, d.k0 === K_MEM, (p) => {
        if (d.k1 === K_XMM && d.k0 === K_XMM) lanes(g, d.r0, (k) => `X[${d.r1 * 4 + k}]`);
        else if (d.k0 === K_XMM) lanes(g, d.r0, (k) => `dv.getUint32(${p} + ${4 * k}, true)`);
        else for (let k = 0; k < 4; k++) g.line(`dv.setUint32(${p} + ${4 * k}, X[${d.r1 * 4 + k}], true);`);
      });
    },
  };
}

function logic128(d: Insn): Inline | null {
  const op = LOGIC.get(d.mn);
  if (op === undefined || d.n !== 2 || d.k0 !== K_XMM || !(d.k1 === K_XMM || (d.k1 === K_MEM && Gen.addressable(d) && d.msize === 16))) return null;
  return {
    reads: 0,
    writes: 0,
    emit(g, d) {
      guarded(g, d, 16, true, false, (p) => {
        const b = d.r0 * 4;
        if (d.k1 === K_XMM && d.r1 === d.r0 && op === '^') lanes(g, d.r0, () => '0');
        else if (d.k1 === K_XMM) lanes(g, d.r0, (k) => `X[${b + k}] ${op} X[${d.r1 * 4 + k}]`);
        else lanes(g, d.r0, (k) => `X[${b + k}] ${op} dv.getUint32(${p} + ${4 * k}, true)`);
      });
    },
  };
}

/** movd/movq: xmm <- r32/r64/m32/m64/xmm (zero-extended), r32/r64/m32/m64 <- xmm. */
function movdq(d: Insn): Inline | null {
  if ((d.mn !== Mnemonic.Movd && d.mn !== Mnemonic.Movq) || d.n !== 2) return null;
  const n = d.k0 === K_MEM || d.k1 === K_MEM ? d.msize : d.k0 === K_XMM ? (d.k1 === K_XMM ? 8 : d.s1) : d.s0;
  if (n !== 4 && n !== 8) return null;
  const toXmm = d.k0 === K_XMM && (d.k1 === K_XMM || (d.k1 === K_REG && d.r1 < 16) || d.k1 === K_MEM);
  const fromXmm = d.k1 === K_XMM && ((d.k0 === K_REG && d.r0 < 16) || d.k0 === K_MEM);
  if (!toXmm && !fromXmm) return null;
  if ((d.k0 === K_MEM || d.k1 === K_MEM) && !Gen.addressable(d)) return null;
  return {
    reads: 0,
    writes: 0,
    emit(g, d) {
      guarded(g, d, n, false, d.k0 === K_MEM, (p) => {
        if (toXmm) {
          const b = d.r0 * 4;
          let lo: string, hi: string;
          if (d.k1 === K_XMM) [lo, hi] = [`X[${d.r1 * 4}]`, `X[${d.r1 * 4 + 1}]`];
          else if (d.k1 === K_REG) [lo, hi] = [`L[${d.r1}]`, n === 8 ? `H[${d.r1}]` : '0'];
          else [lo, hi] = [`dv.getUint32(${p}, true)`, n === 8 ? `dv.getUint32(${p} + 4, true)` : '0'];
          g.line(`X[${b}] = ${lo}; X[${b + 1}] = ${hi}; X[${b + 2}] = 0; X[${b + 3}] = 0;`);
        } else {
          const b = d.r1 * 4;
          if (d.k0 === K_REG) g.wreg(d.r0, n, `X[${b}]`, n === 8 ? `X[${b + 1}]` : '0');
          else {
            g.line(`dv.setUint32(${p}, X[${b}], true);`);
            if (n === 8) g.line(`dv.setUint32(${p} + 4, X[${b + 1}], true);`);
          }
        }
      });
    },
  };
}

// ---- packed integer arithmetic, compares, shuffles and unpacks (compiled loops: zlib's slide_hash, ...)

/** Lane size and operation of the lane-wise packed integer forms; `signed` reads through the signed views. */
const LANEWISE = new Map<number, [number, string, boolean]>([
  [Mnemonic.Paddb, [1, 'a + b', false]], [Mnemonic.Paddw, [2, 'a + b', false]], [Mnemonic.Paddd, [4, 'a + b', false]],
  [Mnemonic.Psubb, [1, 'a - b', false]], [Mnemonic.Psubw, [2, 'a - b', false]], [Mnemonic.Psubd, [4, 'a - b', false]],
  [Mnemonic.Pcmpeqb, [1, 'a === b ? -1 : 0', false]], [Mnemonic.Pcmpeqw, [2, 'a === b ? -1 : 0', false]], [Mnemonic.Pcmpeqd, [4, 'a === b ? -1 : 0', false]],
  [Mnemonic.Pcmpgtb, [1, 'a > b ? -1 : 0', true]], [Mnemonic.Pcmpgtw, [2, 'a > b ? -1 : 0', true]], [Mnemonic.Pcmpgtd, [4, 'a > b ? -1 : 0', true]],
  [Mnemonic.Pandn, [4, '~a & b', false]],
]);
/** The typed-array views of the xmm file (closure names in translate.ts) by lane size and signedness. */
const VIEW = { 1: ['XB', 'XSB'], 2: ['XW', 'XSW'], 4: ['X', 'XSD'] } as Record<number, [string, string]>;
const UNPACK = new Map<number, [number, boolean]>([
  [Mnemonic.Punpcklbw, [1, false]], [Mnemonic.Punpcklwd, [2, false]], [Mnemonic.Punpckldq, [4, false]], [Mnemonic.Punpcklqdq, [8, false]],
  [Mnemonic.Punpckhbw, [1, true]], [Mnemonic.Punpckhwd, [2, true]], [Mnemonic.Punpckhdq, [4, true]], [Mnemonic.Punpckhqdq, [8, true]],
]);
/** The scratch xmm slot that a memory source is loaded into (as sse.ts src does). */
const T = 16;

/** A 128-bit xmm-or-m128 source form (xmm0-15 destination). */
function xmmSource(d: Insn): boolean {
  return d.k0 === K_XMM && (d.k1 === K_XMM || (d.k1 === K_MEM && Gen.addressable(d) && d.msize === 16));
}

/** Emit the source's register number: a memory source is read into the scratch slot first. */
function source(g: Gen, d: Insn, p: string): number {
  if (d.k1 === K_XMM) return d.r1;
  lanes(g, T, (k) => `dv.getUint32(${p} + ${4 * k}, true)`);
  return T;
}

/** An inline form of `op xmm, xmm/m128` (16-byte aligned memory, flags untouched): `body` emits the
 * operation on destination d.r0 and source register s (a memory source already in the scratch slot). */
function xmmForm(body: (g: Gen, d: Insn, s: number) => void): Inline {
  return {
    reads: 0,
    writes: 0,
    emit(g, d) {
      guarded(g, d, 16, true, false, (p) => body(g, d, source(g, d, p)));
    },
  };
}

function packed(d: Insn): Inline | null {
  if (d.n !== 2 || !xmmSource(d)) return null;
  const lw = LANEWISE.get(d.mn);
  if (lw !== undefined) {
    const [size, op, signed] = lw;
    return xmmForm((g, d, s) => {
      const v = VIEW[size][signed ? 1 : 0], w = VIEW[size][0];
      const n = 16 / size;
      // Stores through the unsigned view wrap each lane, as the instruction does.
      for (let k = 0; k < n; k++) g.line(`${w}[${d.r0 * n + k}] = ${op.replace('a', `${v}[${d.r0 * n + k}]`).replace('b', `${v}[${s * n + k}]`)};`);
    });
  }
  if (d.mn === Mnemonic.Paddq || d.mn === Mnemonic.Psubq) {
    const sub = d.mn === Mnemonic.Psubq;
    return xmmForm((g, d, s) => {
      for (const q of [0, 2]) {
        const a = d.r0 * 4 + q, b = s * 4 + q, l = g.v('l');
        g.line(`const ${l} = X[${a}] ${sub ? '-' : '+'} X[${b}];`);
        g.line(`X[${a + 1}] = X[${a + 1}] ${sub ? '-' : '+'} X[${b + 1}] ${sub ? '-' : '+'} (${sub ? `${l} < 0` : `${l} > 0xffffffff`} ? 1 : 0); X[${a}] = ${l};`);
      }
    });
  }
  const up = UNPACK.get(d.mn);
  if (up !== undefined) {
    const [size, high] = up;
    return xmmForm((g, d, s) => {
      // Interleave the low (or high) halves: lanes of size `size` as units of the matching view.
      const unit = size === 8 ? 4 : size, per = size === 8 ? 2 : 1;
      const v = VIEW[unit][0], n = 16 / unit, half = n / 2, base = high ? half : 0;
      const t: string[] = [];
      for (let k = 0; k < half / per; k++) for (const r of [d.r0, s]) for (let u = 0; u < per; u++) t.push(`${v}[${r * n + base + k * per + u}]`);
      const names = t.map(() => g.v('u'));
      g.line(`const ${names.map((nm, i) => `${nm} = ${t[i]}`).join(', ')};`);
      names.forEach((nm, i) => g.line(`${v}[${d.r0 * n + i}] = ${nm};`));
    });
  }
  return null;
}

/** pshufd/pshuflw/pshufhw xmm, xmm/m128, imm8. */
function shuffle(d: Insn): Inline | null {
  if (d.n !== 3 || !xmmSource(d) || !(d.mn === Mnemonic.Pshufd || d.mn === Mnemonic.Pshuflw || d.mn === Mnemonic.Pshufhw)) return null;
  return xmmForm((g, d, s) => {
    const imm = d.immLo & 0xff;
    const sel = (k: number): number => (imm >> (2 * k)) & 3;
    const t = [0, 1, 2, 3].map(() => g.v('u'));
    if (d.mn === Mnemonic.Pshufd) {
      g.line(`const ${t.map((nm, k) => `${nm} = X[${s * 4 + sel(k)}]`).join(', ')};`);
      t.forEach((nm, k) => g.line(`X[${d.r0 * 4 + k}] = ${nm};`));
      return;
    }
    // Words 0-3 (pshuflw) or 4-7 (pshufhw) shuffled; the other quadword copied.
    const w = d.mn === Mnemonic.Pshuflw ? 0 : 4, keep = d.mn === Mnemonic.Pshuflw ? 2 : 0;
    g.line(`const ${t.map((nm, k) => `${nm} = XW[${s * 8 + w + sel(k)}]`).join(', ')};`);
    if (s !== d.r0) g.line(`X[${d.r0 * 4 + keep}] = X[${s * 4 + keep}]; X[${d.r0 * 4 + keep + 1}] = X[${s * 4 + keep + 1}];`);
    t.forEach((nm, k) => g.line(`XW[${d.r0 * 8 + w + k}] = ${nm};`));
  });
}

/** The inline form of an SSE instruction, or null. */
export function planSse(d: Insn): Inline | null {
  return move128(d) ?? logic128(d) ?? movdq(d) ?? packed(d) ?? shuffle(d);
}
