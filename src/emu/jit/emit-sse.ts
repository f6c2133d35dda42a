// Inline translations of the SSE moves and bitwise operations that glibc's string functions and compiled
// loops use most: movdqa/movdqu/movaps/movups/movapd/movupd (and the non-temporal stores), movd/movq, and
// pand/por/pxor/andps/orps/xorps/... The xmm file is c.xd (four uint32 lanes per register). Anything off
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

/** The inline form of an SSE instruction, or null. */
export function planSse(d: Insn): Inline | null {
  return move128(d) ?? logic128(d) ?? movdq(d);
}
