// SSE and SSE2: moves, integer SIMD, shuffles, packed and scalar float arithmetic with x86 NaN rules,
// comparisons, conversions with MXCSR rounding, MXCSR load/store, fxsave/fxrstor. SSE3 and later are not
// advertised by CPUID and not implemented.
import type { Cpu } from './cpu.ts';
import { CR0_EM, CR0_TS, CR4_OSFXSR } from './cpu.ts';
import type { Define } from './handlers.ts';
import { K_IMM, K_MEM, K_REG, K_XMM, type Insn } from './insn.ts';
import { Fault, GP, NM, UD } from './types.ts';
import { Mnemonic } from '../asm/iced.ts';
import { fxrstor, fxsave } from './x87.ts';
import {
  ADD, arith32, arith64, compareLanes, DIV, doubleToFloat, floatToDouble, intToLane, laneToInt, minMaxLane, MUL, SQRT, SUB,
} from './sse-float.ts';

/** Scratch slots in the xmm file. */
const T = 16, R = 17;


function check(c: Cpu): void {
  if (c.cr0 & CR0_EM || !(c.cr4 & CR4_OSFXSR)) throw new Fault(UD);
  if (c.cr0 & CR0_TS) throw new Fault(NM);
}

/** Load n bytes at a into xmm slot `slot` (zero-filling the rest). */
function load(c: Cpu, a: number, n: number, slot: number, aligned: boolean): void {
  if (aligned && n === 16 && (a & 15) !== 0) throw new Fault(GP, 0);
  const x = c.xd;
  const b = slot * 4;
  if (n >= 8) {
    x[b] = c.read64(a);
    x[b + 1] = c.th;
    if (n === 16) {
      x[b + 2] = c.read64(a + 8);
      x[b + 3] = c.th;
    } else {
      x[b + 2] = 0;
      x[b + 3] = 0;
    }
    return;
  }
  x[b] = n === 4 ? c.read32(a) : n === 2 ? c.read16(a) : c.read8(a);
  x[b + 1] = 0;
  x[b + 2] = 0;
  x[b + 3] = 0;
}

function store(c: Cpu, a: number, n: number, slot: number, aligned: boolean): void {
  if (aligned && n === 16 && (a & 15) !== 0) throw new Fault(GP, 0);
  const x = c.xd;
  const b = slot * 4;
  if (n === 16) {
    c.checkWritable(a, 16);
    c.write64(a, x[b], x[b + 1]);
    c.write64(a + 8, x[b + 2], x[b + 3]);
  } else if (n === 8) c.write64(a, x[b], x[b + 1]);
  else if (n === 4) c.write32(a, x[b]);
  else if (n === 2) c.write16(a, x[b] & 0xffff);
  else c.write8(a, x[b] & 0xff);
}

/** The source operand (operand `i`, default 1) as an xmm slot; memory is loaded into T. */
function src(c: Cpu, d: Insn, aligned = true): number {
  if (d.k1 === K_XMM) return d.r1;
  if (d.k1 === K_MEM) {
    load(c, c.ea(d), d.msize, T, aligned);
    return T;
  }
  // GPR source (movd/movq/cvtsi2sd/pinsrw): put it in T.
  const lo = c.rreg(d.r1, d.s1);
  const x = c.xd;
  x[T * 4] = lo;
  x[T * 4 + 1] = c.th;
  x[T * 4 + 2] = 0;
  x[T * 4 + 3] = 0;
  return T;
}

function copy(c: Cpu, to: number, from: number): void {
  const x = c.xd;
  x[to * 4] = x[from * 4];
  x[to * 4 + 1] = x[from * 4 + 1];
  x[to * 4 + 2] = x[from * 4 + 2];
  x[to * 4 + 3] = x[from * 4 + 3];
}

// ------------------------------------------------------------------------------------------------
// Moves

/** movaps/movapd/movdqa (aligned) and movups/movupd/movdqu/lddqu and non-temporal stores. */
function move128(aligned: boolean) {
  return (c: Cpu, d: Insn): void => {
    check(c);
    if (d.k0 === K_XMM) {
      const s = src(c, d, aligned);
      copy(c, d.r0, s);
    } else store(c, c.ea(d), 16, d.r1, aligned);
  };
}

/** movss/movsd (scalar): reg-reg merges the low lane; a load zero-extends; a store writes the low lane. */
function moveScalar(n: 4 | 8) {
  return (c: Cpu, d: Insn): void => {
    check(c);
    const x = c.xd;
    if (d.k0 === K_XMM) {
      if (d.k1 === K_XMM) {
        x[d.r0 * 4] = x[d.r1 * 4];
        if (n === 8) x[d.r0 * 4 + 1] = x[d.r1 * 4 + 1];
      } else {
        load(c, c.ea(d), n, T, false);
        copy(c, d.r0, T);
      }
    } else store(c, c.ea(d), n, d.r1, false);
  };
}

export function sseStringForm(c: Cpu, d: Insn): void {
  if (d.mn === Mnemonic.Movsd) return moveScalar(8)(c, d);
  return cmpScalarPacked(true, 8)(c, d);
}

/** movd/movq between xmm and GPR/memory (and movq xmm, xmm). */
function movdq(c: Cpu, d: Insn): void {
  check(c);
  const x = c.xd;
  if (d.k0 === K_XMM) {
    const s = src(c, d, false);
    const n = d.k1 === K_XMM ? 8 : d.k1 === K_MEM ? d.msize : d.s1;
    const b = d.r0 * 4;
    x[b] = x[s * 4];
    x[b + 1] = n === 8 ? x[s * 4 + 1] : 0;
    x[b + 2] = 0;
    x[b + 3] = 0;
    return;
  }
  if (d.k1 !== K_XMM) throw new Fault(UD); // MMX forms are not implemented
  const b = d.r1 * 4;
  if (d.k0 === K_MEM) {
    const a = c.ea(d);
    if (d.msize === 8) c.write64(a, x[b], x[b + 1]);
    else c.write32(a, x[b]);
  } else c.wreg(d.r0, d.s0, x[b], d.s0 === 8 ? x[b + 1] : 0);
}

/** movlps/movlpd/movhps/movhpd: 64-bit halves to/from memory. */
function moveHalf(high: boolean) {
  return (c: Cpu, d: Insn): void => {
    check(c);
    const x = c.xd;
    const off = high ? 2 : 0;
    if (d.k0 === K_XMM) {
      if (d.k1 === K_XMM) {
        // movhlps (low ← high of src) / movlhps (high ← low of src)
        const s = d.r1 * 4, t = d.r0 * 4;
        if (high) {
          x[t + 2] = x[s];
          x[t + 3] = x[s + 1];
        } else {
          x[t] = x[s + 2];
          x[t + 1] = x[s + 3];
        }
        return;
      }
      const a = c.ea(d);
      const lo = c.read64(a);
      x[d.r0 * 4 + off] = lo;
      x[d.r0 * 4 + off + 1] = c.th;
    } else {
      const b = d.r1 * 4 + off;
      c.write64(c.ea(d), x[b], x[b + 1]);
    }
  };
}

function movmsk(c: Cpu, d: Insn): void {
  check(c);
  let m = 0;
  const r = d.r1;
  if (d.mn === Mnemonic.Pmovmskb) {
    for (let k = 0; k < 16; k++) m |= (c.xb[r * 16 + k] >> 7) << k;
  } else if (d.mn === Mnemonic.Movmskps) {
    for (let k = 0; k < 4; k++) m |= (c.xd[r * 4 + k] >>> 31) << k;
  } else {
    m = (c.xd[r * 4 + 1] >>> 31) | ((c.xd[r * 4 + 3] >>> 31) << 1);
  }
  c.wreg(d.r0, d.s0, m, 0);
}

function movnti(c: Cpu, d: Insn): void {
  const lo = c.rreg(d.r1, d.s1);
  c.wmem(c.ea(d), d.s1, lo, c.th);
}

// ------------------------------------------------------------------------------------------------
// Integer SIMD

type Lanes = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array;

function view(c: Cpu, size: number, signed: boolean): Lanes {
  if (size === 1) return signed ? c.xsb : c.xb;
  if (size === 2) return signed ? c.xsw : c.xw;
  return signed ? c.xsd : c.xd;
}

/** Lane-wise binary op on size-byte lanes (typed-array stores wrap; saturation is explicit in f). */
function pint(size: number, signed: boolean, f: (a: number, b: number) => number) {
  const n = 16 / size;
  return (c: Cpu, d: Insn): void => {
    check(c);
    const s = src(c, d);
    const v = view(c, size, signed);
    const db = d.r0 * n, sb = s * n;
    for (let k = 0; k < n; k++) v[db + k] = f(v[db + k], v[sb + k]);
  };
}

const clamp = (lo: number, hi: number) => (x: number) => (x < lo ? lo : x > hi ? hi : x);
const sat8s = clamp(-128, 127), sat8u = clamp(0, 255), sat16s = clamp(-32768, 32767), sat16u = clamp(0, 65535);

function paddq(sub: boolean) {
  return (c: Cpu, d: Insn): void => {
    check(c);
    const s = src(c, d);
    const x = c.xd;
    for (let k = 0; k < 2; k++) {
      const t = d.r0 * 4 + k * 2, u = s * 4 + k * 2;
      if (sub) {
        const l = x[t] - x[u];
        x[t] = l >>> 0;
        x[t + 1] = (x[t + 1] - x[u + 1] - (l < 0 ? 1 : 0)) >>> 0;
      } else {
        const l = x[t] + x[u];
        x[t] = l >>> 0;
        x[t + 1] = (x[t + 1] + x[u + 1] + (l > 0xffffffff ? 1 : 0)) >>> 0;
      }
    }
  };
}

function logic128(op: (a: number, b: number) => number) {
  return (c: Cpu, d: Insn): void => {
    check(c);
    const s = src(c, d);
    const x = c.xd;
    for (let k = 0; k < 4; k++) x[d.r0 * 4 + k] = op(x[d.r0 * 4 + k], x[s * 4 + k]);
  };
}

function pmuludq(c: Cpu, d: Insn): void {
  check(c);
  const s = src(c, d);
  const x = c.xd;
  for (let k = 0; k < 2; k++) {
    const p = BigInt(x[d.r0 * 4 + 2 * k]) * BigInt(x[s * 4 + 2 * k]);
    x[d.r0 * 4 + 2 * k] = Number(p & 0xffffffffn);
    x[d.r0 * 4 + 2 * k + 1] = Number(p >> 32n);
  }
}

function pmaddwd(c: Cpu, d: Insn): void {
  check(c);
  const s = src(c, d);
  const w = c.xsw;
  for (let k = 0; k < 4; k++) {
    const a = d.r0 * 8 + 2 * k, b = s * 8 + 2 * k;
    c.xsd[R * 4 + k] = w[a] * w[b] + w[a + 1] * w[b + 1];
  }
  copy(c, d.r0, R);
}

function psadbw(c: Cpu, d: Insn): void {
  check(c);
  const s = src(c, d);
  const b = c.xb;
  for (let h = 0; h < 2; h++) {
    let sum = 0;
    for (let k = 0; k < 8; k++) sum += Math.abs(b[d.r0 * 16 + h * 8 + k] - b[s * 16 + h * 8 + k]);
    c.xd[R * 4 + h * 2] = sum;
    c.xd[R * 4 + h * 2 + 1] = 0;
  }
  copy(c, d.r0, R);
}

/** Shift count for psll/psrl/psra: imm8 or the low 64 bits of an xmm/m128 operand. */
function shiftCount(c: Cpu, d: Insn): number {
  if (d.k1 === K_IMM) return d.immLo & 0xff;
  const s = src(c, d);
  return c.xd[s * 4 + 1] !== 0 ? 1000 : c.xd[s * 4];
}

function pshift(size: number, kind: 'l' | 'r' | 'a') {
  const n = 16 / size;
  const bits = size * 8;
  return (c: Cpu, d: Insn): void => {
    check(c);
    const cnt = shiftCount(c, d);
    const t = d.r0;
    if (size === 8) {
      const x = c.xd;
      for (let k = 0; k < 2; k++) {
        const b = t * 4 + 2 * k;
        if (cnt >= 64) {
          x[b] = 0;
          x[b + 1] = 0;
          continue;
        }
        const v = (BigInt(x[b + 1]) << 32n) | BigInt(x[b]);
        const r = kind === 'l' ? BigInt.asUintN(64, v << BigInt(cnt)) : v >> BigInt(cnt);
        x[b] = Number(r & 0xffffffffn);
        x[b + 1] = Number(r >> 32n);
      }
      return;
    }
    const v = view(c, size, kind === 'a');
    for (let k = 0; k < n; k++) {
      const i = t * n + k;
      if (kind === 'a') v[i] = cnt >= bits ? (v[i] < 0 ? -1 : 0) : v[i] >> cnt;
      else if (cnt >= bits) v[i] = 0;
      else if (kind === 'l') v[i] = size === 4 ? v[i] << cnt : (v[i] << cnt) & (size === 1 ? 0xff : 0xffff);
      else v[i] = size === 4 ? v[i] >>> cnt : v[i] >>> cnt;
    }
  };
}

function pbyteShift(left: boolean) {
  return (c: Cpu, d: Insn): void => {
    check(c);
    const n = Math.min(16, d.immLo & 0xff);
    const b = c.xb;
    const t = d.r0 * 16;
    for (let k = 0; k < 16; k++) b[R * 16 + k] = b[t + k];
    for (let k = 0; k < 16; k++) {
      const from = left ? k - n : k + n;
      b[t + k] = from >= 0 && from < 16 ? b[R * 16 + from] : 0;
    }
  };
}

/** punpckl*/ /** punpckh*: interleave low or high halves. */
function unpack(size: number, high: boolean) {
  const n = 16 / size;
  return (c: Cpu, d: Insn): void => {
    check(c);
    const s = src(c, d);
    if (size === 8) {
      const x = c.xd;
      const h = high ? 2 : 0;
      const a0 = x[d.r0 * 4 + h], a1 = x[d.r0 * 4 + h + 1], b0 = x[s * 4 + h], b1 = x[s * 4 + h + 1];
      x[d.r0 * 4] = a0;
      x[d.r0 * 4 + 1] = a1;
      x[d.r0 * 4 + 2] = b0;
      x[d.r0 * 4 + 3] = b1;
      return;
    }
    const v = view(c, size, false);
    const base = high ? n / 2 : 0;
    for (let k = 0; k < n / 2; k++) {
      v[R * n + 2 * k] = v[d.r0 * n + base + k];
      v[R * n + 2 * k + 1] = v[s * n + base + k];
    }
    copy(c, d.r0, R);
  };
}

function pack(from: number, signedOut: boolean) {
  return (c: Cpu, d: Insn): void => {
    check(c);
    const s = src(c, d);
    const n = 16 / from;
    const inV = view(c, from, true);
    const outV = view(c, from / 2, signedOut);
    const sat = from === 2 ? (signedOut ? sat8s : sat8u) : signedOut ? sat16s : sat16u;
    for (let k = 0; k < n; k++) outV[R * 2 * n + k] = sat(inV[d.r0 * n + k]);
    for (let k = 0; k < n; k++) outV[R * 2 * n + n + k] = sat(inV[s * n + k]);
    copy(c, d.r0, R);
  };
}

function pshufd(c: Cpu, d: Insn): void {
  check(c);
  const s = src(c, d);
  const x = c.xd;
  const imm = d.immLo;
  for (let k = 0; k < 4; k++) x[R * 4 + k] = x[s * 4 + ((imm >> (2 * k)) & 3)];
  copy(c, d.r0, R);
}

function pshufw(high: boolean) {
  return (c: Cpu, d: Insn): void => {
    check(c);
    const s = src(c, d);
    const w = c.xw;
    const imm = d.immLo;
    copy(c, R, s);
    const base = high ? 4 : 0;
    for (let k = 0; k < 4; k++) w[R * 8 + base + k] = w[s * 8 + base + ((imm >> (2 * k)) & 3)];
    copy(c, d.r0, R);
  };
}

function shufps(c: Cpu, d: Insn): void {
  check(c);
  const s = src(c, d);
  const x = c.xd;
  const imm = d.immLo;
  x[R * 4] = x[d.r0 * 4 + (imm & 3)];
  x[R * 4 + 1] = x[d.r0 * 4 + ((imm >> 2) & 3)];
  x[R * 4 + 2] = x[s * 4 + ((imm >> 4) & 3)];
  x[R * 4 + 3] = x[s * 4 + ((imm >> 6) & 3)];
  copy(c, d.r0, R);
}

function shufpd(c: Cpu, d: Insn): void {
  check(c);
  const s = src(c, d);
  const x = c.xd;
  const imm = d.immLo;
  const a = d.r0 * 4 + (imm & 1) * 2, b = s * 4 + ((imm >> 1) & 1) * 2;
  x[R * 4] = x[a];
  x[R * 4 + 1] = x[a + 1];
  x[R * 4 + 2] = x[b];
  x[R * 4 + 3] = x[b + 1];
  copy(c, d.r0, R);
}

function unpckps(high: boolean) {
  return (c: Cpu, d: Insn): void => {
    check(c);
    const s = src(c, d);
    const x = c.xd;
    const h = high ? 2 : 0;
    x[R * 4] = x[d.r0 * 4 + h];
    x[R * 4 + 1] = x[s * 4 + h];
    x[R * 4 + 2] = x[d.r0 * 4 + h + 1];
    x[R * 4 + 3] = x[s * 4 + h + 1];
    copy(c, d.r0, R);
  };
}

function pextrw(c: Cpu, d: Insn): void {
  check(c);
  const w = c.xw[d.r1 * 8 + (d.immLo & 7)];
  if (d.k0 === K_REG) c.wreg(d.r0, d.s0, w, 0);
  else c.write16(c.ea(d), w);
}

function pinsrw(c: Cpu, d: Insn): void {
  check(c);
  const v = d.k1 === K_MEM ? c.read16(c.ea(d)) : c.rreg(d.r1, 4) & 0xffff;
  c.xw[d.r0 * 8 + (d.immLo & 7)] = v;
}

// ------------------------------------------------------------------------------------------------
// Floating point: the arithmetic, compares and conversions with MXCSR rounding, DAZ/FTZ and exception
// flags live in sse-float.ts; these handlers pick the lanes.

type FOp = number;

function fpScalar(size: 4 | 8, op: FOp) {
  return (c: Cpu, d: Insn): void => {
    check(c);
    const s = src(c, d, false);
    if (size === 8) arith64(c, op, d.r0 * 2, s * 2);
    else arith32(c, op, d.r0 * 4, s * 4);
  };
}

function fpPacked(size: 4 | 8, op: FOp) {
  return (c: Cpu, d: Insn): void => {
    check(c);
    const s = src(c, d);
    if (size === 8) for (let k = 0; k < 2; k++) arith64(c, op, d.r0 * 2 + k, s * 2 + k);
    else for (let k = 0; k < 4; k++) arith32(c, op, d.r0 * 4 + k, s * 4 + k);
  };
}

/** min/max: if either is NaN, or both are zero, the second operand is returned (x86 rule). */
function minmax(size: 4 | 8, packed: boolean, isMax: boolean) {
  return (c: Cpu, d: Insn): void => {
    check(c);
    const s = src(c, d, !packed);
    const n = packed ? 16 / size : 1;
    const per = 16 / size;
    for (let k = 0; k < n; k++) minMaxLane(c, size, d.r0 * per + k, s * per + k, isMax);
  };
}

/** cmpps/cmppd/cmpss/cmpsd with predicate imm8 0-7 (LT, LE, NLT, NLE signal IE on a QNaN too). */
function cmpScalarPacked(scalar: boolean, size: 4 | 8) {
  return (c: Cpu, d: Insn): void => {
    check(c);
    const s = src(c, d, scalar ? false : true);
    const n = scalar ? 1 : 16 / size;
    const per = 16 / size;
    const xd = c.xd;
    const p = d.immLo & 7;
    const signaling = p === 1 || p === 2 || p === 5 || p === 6;
    for (let k = 0; k < n; k++) {
      const ti = d.r0 * per + k;
      const o = compareLanes(c, size, ti, s * per + k, signaling);
      const un = o === 2;
      let r: boolean;
      switch (p) {
        case 0: r = o === 0; break;
        case 1: r = o === -1; break;
        case 2: r = o === -1 || o === 0; break;
        case 3: r = un; break;
        case 4: r = o !== 0; break;
        case 5: r = !(o === -1); break;
        case 6: r = !(o === -1 || o === 0); break;
        default: r = !un; break;
      }
      const m = r ? 0xffffffff : 0;
      if (size === 8) {
        xd[ti * 2] = m;
        xd[ti * 2 + 1] = m;
      } else xd[ti] = m;
    }
  };
}

function comis(size: 4 | 8, signalQnan: boolean) {
  return (c: Cpu, d: Insn): void => {
    check(c);
    const s = src(c, d, false);
    const per = 16 / size;
    const o = compareLanes(c, size, d.r0 * per, s * per, signalQnan);
    c.of = 0;
    c.sf = 0;
    c.af = 0;
    if (o === 2) {
      c.zf = 1;
      c.pfb = 0; // PF = 1
      c.cf = 1;
    } else {
      c.zf = o === 0 ? 1 : 0;
      c.pfb = 1; // PF = 0
      c.cf = o === -1 ? 1 : 0;
    }
  };
}

/** cvt(t)ss2si / cvt(t)sd2si: out-of-range and NaN give the integer indefinite value. */
function cvtToInt(size: 4 | 8, truncate: boolean) {
  return (c: Cpu, d: Insn): void => {
    check(c);
    const s = src(c, d, false);
    const bits = d.s0 === 8 ? 64 : 32;
    const r = BigInt.asUintN(64, laneToInt(c, size, s * (16 / size), bits, truncate));
    if (bits === 64) c.wreg(d.r0, 8, Number(r & 0xffffffffn), Number(r >> 32n));
    else c.wreg(d.r0, 4, Number(r & 0xffffffffn), 0);
  };
}

/** cvtsi2ss / cvtsi2sd from a 32- or 64-bit integer, rounded under MXCSR.RC. */
function cvtFromInt(size: 4 | 8) {
  return (c: Cpu, d: Insn): void => {
    check(c);
    const lo = d.k1 === K_MEM ? c.rmem(c.ea(d), d.s1) : c.rreg(d.r1, d.s1);
    const v = d.s1 === 8 ? BigInt.asIntN(64, (BigInt(c.th) << 32n) | BigInt(lo)) : BigInt(lo | 0);
    intToLane(c, size, d.r0 * (16 / size), v);
  };
}

function cvtss2sd(c: Cpu, d: Insn): void {
  check(c);
  const s = src(c, d, false);
  floatToDouble(c, d.r0 * 2, c.xd[s * 4]);
}

function cvtsd2ss(c: Cpu, d: Insn): void {
  check(c);
  const s = src(c, d, false);
  doubleToFloat(c, d.r0 * 4, s * 2);
}

function cvtPacked(kind: string) {
  return (c: Cpu, d: Insn): void => {
    check(c);
    const s = src(c, d);
    const xd = c.xd;
    const t = d.r0;
    const toI = (size: 4 | 8, lane: number, trunc: boolean): number => Number(BigInt.asUintN(32, laneToInt(c, size, lane, 32, trunc)));
    switch (kind) {
      case 'dq2ps': for (let k = 0; k < 4; k++) intToLane(c, 4, R * 4 + k, BigInt(c.xsd[s * 4 + k])); break;
      case 'ps2dq': for (let k = 0; k < 4; k++) xd[R * 4 + k] = toI(4, s * 4 + k, false); break;
      case 'tps2dq': for (let k = 0; k < 4; k++) xd[R * 4 + k] = toI(4, s * 4 + k, true); break;
      case 'dq2pd': {
        const a = c.xsd[s * 4], b = c.xsd[s * 4 + 1];
        c.xdbl[R * 2] = a;
        c.xdbl[R * 2 + 1] = b;
        break;
      }
      case 'pd2dq':
      case 'tpd2dq': {
        const tr = kind === 'tpd2dq';
        xd[R * 4] = toI(8, s * 2, tr);
        xd[R * 4 + 1] = toI(8, s * 2 + 1, tr);
        xd[R * 4 + 2] = 0;
        xd[R * 4 + 3] = 0;
        break;
      }
      case 'ps2pd': {
        const a = xd[s * 4], b = xd[s * 4 + 1];
        floatToDouble(c, R * 2, a);
        floatToDouble(c, R * 2 + 1, b);
        break;
      }
      default: {
        // pd2ps
        doubleToFloat(c, R * 4, s * 2);
        doubleToFloat(c, R * 4 + 1, s * 2 + 1);
        xd[R * 4 + 2] = 0;
        xd[R * 4 + 3] = 0;
      }
    }
    copy(c, t, R);
  };
}

function approx(sqrtRecip: boolean, scalar: boolean) {
  return (c: Cpu, d: Insn): void => {
    check(c);
    const s = src(c, d, !scalar);
    const n = scalar ? 1 : 4;
    for (let k = 0; k < n; k++) {
      const v = c.xf[s * 4 + k];
      c.xf[d.r0 * 4 + k] = Math.fround(sqrtRecip ? 1 / Math.sqrt(v) : 1 / v);
    }
  };
}

function ldmxcsr(c: Cpu, d: Insn): void {
  check(c);
  const v = c.read32(c.ea(d));
  if (v & ~0xffff) throw new Fault(GP, 0);
  c.mxcsr = v;
}

function stmxcsr(c: Cpu, d: Insn): void {
  check(c);
  c.write32(c.ea(d), c.mxcsr);
}

export function registerSse(def: Define): void {
  def(['Movaps', 'Movapd', 'Movdqa', 'Movntps', 'Movntpd', 'Movntdq', 'Movntdqa'], move128(true));
  def(['Movups', 'Movupd', 'Movdqu', 'Lddqu'], move128(false));
  def('Movss', moveScalar(4));
  // Movsd is shared with the string instruction: string.ts dispatches to sseStringForm.
  def(['Movd', 'Movq'], movdq);
  def(['Movlps', 'Movlpd', 'Movhlps'], moveHalf(false));
  def(['Movhps', 'Movhpd', 'Movlhps'], moveHalf(true));
  def(['Pmovmskb', 'Movmskps', 'Movmskpd'], movmsk);
  def('Movnti', movnti);
  def(['Pand', 'Andps', 'Andpd'], logic128((a, b) => a & b));
  def(['Pandn', 'Andnps', 'Andnpd'], logic128((a, b) => ~a & b));
  def(['Por', 'Orps', 'Orpd'], logic128((a, b) => a | b));
  def(['Pxor', 'Xorps', 'Xorpd'], logic128((a, b) => a ^ b));
  def('Paddb', pint(1, false, (a, b) => a + b));
  def('Paddw', pint(2, false, (a, b) => a + b));
  def('Paddd', pint(4, false, (a, b) => a + b));
  def('Paddq', paddq(false));
  def('Psubb', pint(1, false, (a, b) => a - b));
  def('Psubw', pint(2, false, (a, b) => a - b));
  def('Psubd', pint(4, false, (a, b) => a - b));
  def('Psubq', paddq(true));
  def('Paddusb', pint(1, false, (a, b) => sat8u(a + b)));
  def('Paddusw', pint(2, false, (a, b) => sat16u(a + b)));
  def('Psubusb', pint(1, false, (a, b) => sat8u(a - b)));
  def('Psubusw', pint(2, false, (a, b) => sat16u(a - b)));
  def('Paddsb', pint(1, true, (a, b) => sat8s(a + b)));
  def('Paddsw', pint(2, true, (a, b) => sat16s(a + b)));
  def('Psubsb', pint(1, true, (a, b) => sat8s(a - b)));
  def('Psubsw', pint(2, true, (a, b) => sat16s(a - b)));
  def('Pmullw', pint(2, true, (a, b) => Math.imul(a, b)));
  def('Pmulhw', pint(2, true, (a, b) => (a * b) >> 16));
  def('Pmulhuw', pint(2, false, (a, b) => (a * b) >>> 16));
  def('Pmuludq', pmuludq);
  def('Pmaddwd', pmaddwd);
  def('Psadbw', psadbw);
  def('Pavgb', pint(1, false, (a, b) => (a + b + 1) >> 1));
  def('Pavgw', pint(2, false, (a, b) => (a + b + 1) >> 1));
  def('Pminub', pint(1, false, (a, b) => Math.min(a, b)));
  def('Pmaxub', pint(1, false, (a, b) => Math.max(a, b)));
  def('Pminsw', pint(2, true, (a, b) => Math.min(a, b)));
  def('Pmaxsw', pint(2, true, (a, b) => Math.max(a, b)));
  def('Pcmpeqb', pint(1, false, (a, b) => (a === b ? 0xff : 0)));
  def('Pcmpeqw', pint(2, false, (a, b) => (a === b ? 0xffff : 0)));
  def('Pcmpeqd', pint(4, false, (a, b) => (a === b ? 0xffffffff : 0)));
  def('Pcmpgtb', pint(1, true, (a, b) => (a > b ? -1 : 0)));
  def('Pcmpgtw', pint(2, true, (a, b) => (a > b ? -1 : 0)));
  def('Pcmpgtd', pint(4, true, (a, b) => (a > b ? -1 : 0)));
  def('Psllw', pshift(2, 'l'));
  def('Pslld', pshift(4, 'l'));
  def('Psllq', pshift(8, 'l'));
  def('Psrlw', pshift(2, 'r'));
  def('Psrld', pshift(4, 'r'));
  def('Psrlq', pshift(8, 'r'));
  def('Psraw', pshift(2, 'a'));
  def('Psrad', pshift(4, 'a'));
  def('Pslldq', pbyteShift(true));
  def('Psrldq', pbyteShift(false));
  def('Punpcklbw', unpack(1, false));
  def('Punpcklwd', unpack(2, false));
  def('Punpckldq', unpack(4, false));
  def('Punpcklqdq', unpack(8, false));
  def('Punpckhbw', unpack(1, true));
  def('Punpckhwd', unpack(2, true));
  def('Punpckhdq', unpack(4, true));
  def('Punpckhqdq', unpack(8, true));
  def('Packsswb', pack(2, true));
  def('Packuswb', pack(2, false));
  def('Packssdw', pack(4, true));
  def('Pshufd', pshufd);
  def('Pshuflw', pshufw(false));
  def('Pshufhw', pshufw(true));
  def('Shufps', shufps);
  def('Shufpd', shufpd);
  def(['Unpcklps'], unpckps(false));
  def(['Unpckhps'], unpckps(true));
  def('Unpcklpd', unpack(8, false));
  def('Unpckhpd', unpack(8, true));
  def('Pextrw', pextrw);
  def('Pinsrw', pinsrw);
  def('Addsd', fpScalar(8, ADD));
  def('Subsd', fpScalar(8, SUB));
  def('Mulsd', fpScalar(8, MUL));
  def('Divsd', fpScalar(8, DIV));
  def('Sqrtsd', fpScalar(8, SQRT));
  def('Addss', fpScalar(4, ADD));
  def('Subss', fpScalar(4, SUB));
  def('Mulss', fpScalar(4, MUL));
  def('Divss', fpScalar(4, DIV));
  def('Sqrtss', fpScalar(4, SQRT));
  def('Addpd', fpPacked(8, ADD));
  def('Subpd', fpPacked(8, SUB));
  def('Mulpd', fpPacked(8, MUL));
  def('Divpd', fpPacked(8, DIV));
  def('Sqrtpd', fpPacked(8, SQRT));
  def('Addps', fpPacked(4, ADD));
  def('Subps', fpPacked(4, SUB));
  def('Mulps', fpPacked(4, MUL));
  def('Divps', fpPacked(4, DIV));
  def('Sqrtps', fpPacked(4, SQRT));
  def('Minsd', minmax(8, false, false));
  def('Maxsd', minmax(8, false, true));
  def('Minss', minmax(4, false, false));
  def('Maxss', minmax(4, false, true));
  def('Minpd', minmax(8, true, false));
  def('Maxpd', minmax(8, true, true));
  def('Minps', minmax(4, true, false));
  def('Maxps', minmax(4, true, true));
  def('Cmpss', cmpScalarPacked(true, 4));
  def('Cmppd', cmpScalarPacked(false, 8));
  def('Cmpps', cmpScalarPacked(false, 4));
  def('Comisd', comis(8, true));
  def('Ucomisd', comis(8, false));
  def('Comiss', comis(4, true));
  def('Ucomiss', comis(4, false));
  def('Cvtsi2sd', cvtFromInt(8));
  def('Cvtsi2ss', cvtFromInt(4));
  def('Cvttsd2si', cvtToInt(8, true));
  def('Cvtsd2si', cvtToInt(8, false));
  def('Cvttss2si', cvtToInt(4, true));
  def('Cvtss2si', cvtToInt(4, false));
  def('Cvtss2sd', cvtss2sd);
  def('Cvtsd2ss', cvtsd2ss);
  def('Cvtdq2ps', cvtPacked('dq2ps'));
  def('Cvtps2dq', cvtPacked('ps2dq'));
  def('Cvttps2dq', cvtPacked('tps2dq'));
  def('Cvtdq2pd', cvtPacked('dq2pd'));
  def('Cvtpd2dq', cvtPacked('pd2dq'));
  def('Cvttpd2dq', cvtPacked('tpd2dq'));
  def('Cvtps2pd', cvtPacked('ps2pd'));
  def('Cvtpd2ps', cvtPacked('pd2ps'));
  def('Rcpps', approx(false, false));
  def('Rcpss', approx(false, true));
  def('Rsqrtps', approx(true, false));
  def('Rsqrtss', approx(true, true));
  def('Ldmxcsr', ldmxcsr);
  def('Stmxcsr', stmxcsr);
  def(['Fxsave', 'Fxsave64'], (c, d) => fxsave(c, c.ea(d), d.mn === Mnemonic.Fxsave64));
  def(['Fxrstor', 'Fxrstor64'], (c, d) => fxrstor(c, c.ea(d), d.mn === Mnemonic.Fxrstor64));
}
