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

/** Scratch slots in the xmm file. */
const T = 16, R = 17;

const MX_IE = 1, MX_DE = 2, MX_ZE = 4, MX_OE = 8, MX_UE = 16, MX_PE = 32;

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
// Floating point

const f32buf = new Float32Array(1);
const u32of32 = new Uint32Array(f32buf.buffer);
const f64buf = new Float64Array(1);
const u32of64 = new Uint32Array(f64buf.buffer);

/** x86 NaN propagation for a double-precision result: first NaN operand quieted, else the default NaN. */
function nan64(c: Cpu, a: number, ai: number, bi: number, t: number): void {
  const x = c.xd;
  const aNaN = Number.isNaN(a);
  const src = aNaN ? ai : Number.isNaN(c.xdbl[bi]) ? bi : -1;
  if (src >= 0) {
    const snan = (x[src * 2 + 1] & 0x80000) === 0;
    if (snan) c.mxcsr |= MX_IE;
    x[t * 2] = x[src * 2];
    x[t * 2 + 1] = x[src * 2 + 1] | 0x80000;
  } else {
    c.mxcsr |= MX_IE;
    x[t * 2] = 0;
    x[t * 2 + 1] = 0xfff80000;
  }
}

function nan32(c: Cpu, ai: number, bi: number, t: number): void {
  const x = c.xd;
  const src = Number.isNaN(c.xf[ai]) ? ai : Number.isNaN(c.xf[bi]) ? bi : -1;
  if (src >= 0) {
    if ((x[src] & 0x400000) === 0) c.mxcsr |= MX_IE;
    x[t] = x[src] | 0x400000;
  } else {
    c.mxcsr |= MX_IE;
    x[t] = 0xffc00000;
  }
}

type FOp = (a: number, b: number) => number;
const fadd: FOp = (a, b) => a + b, fsub: FOp = (a, b) => a - b, fmul: FOp = (a, b) => a * b, fdiv: FOp = (a, b) => a / b;
const fsqrt: FOp = (_a, b) => Math.sqrt(b);

/** Directed rounding of a double result: nudge by one ulp when the exact result lies on the other side. */
function nextAfter(x: number, up: boolean): number {
  if (!Number.isFinite(x)) return x;
  if (x === 0) return up ? 5e-324 : -5e-324;
  f64buf[0] = x;
  let lo = u32of64[0], hi = u32of64[1];
  const away = (x > 0) === up;
  if (away) {
    lo = (lo + 1) >>> 0;
    if (lo === 0) hi = (hi + 1) >>> 0;
  } else {
    if (lo === 0) hi = (hi - 1) >>> 0;
    lo = (lo - 1) >>> 0;
  }
  u32of64[0] = lo;
  u32of64[1] = hi;
  return f64buf[0];
}

/** Error of a double operation's rounding (exact - rounded) as a sign, via TwoSum/TwoProduct. */
function roundingError(op: FOp, a: number, b: number, r: number): number {
  if (!Number.isFinite(r)) return 0;
  if (op === fadd || op === fsub) {
    const bb = op === fsub ? -b : b;
    const bv = r - a;
    const av = r - bv;
    return (a - av) + (bb - bv);
  }
  const split = (v: number): [number, number] => {
    const t = 134217729 * v;
    const h = t - (t - v);
    return [h, v - h];
  };
  const twoProd = (p: number, q: number, prod: number): number => {
    const [ph, pl] = split(p);
    const [qh, ql] = split(q);
    return ((ph * qh - prod) + ph * ql + pl * qh) + pl * ql;
  };
  if (op === fmul) return twoProd(a, b, r);
  if (op === fdiv) {
    // a - r*b exactly; sign of (a/b - r) = sign(a - r*b) * sign(b)
    const e = twoProd(r, b, r * b);
    const rem = (a - r * b) - e;
    return b < 0 ? -rem : rem;
  }
  // sqrt: b - r*r
  const e = twoProd(r, r, r * r);
  return (b - r * r) - e;
}

/** Apply MXCSR.RC to a double result of op(a, b). */
function rounded(c: Cpu, op: FOp, a: number, b: number, r: number): number {
  const rc = (c.mxcsr >> 13) & 3;
  if (rc === 0) return r;
  const err = roundingError(op, a, b, r);
  if (err === 0) return r;
  if (rc === 1) return err < 0 ? nextAfter(r, false) : r; // down
  if (rc === 2) return err > 0 ? nextAfter(r, true) : r; // up
  return (err > 0) !== (r > 0) && r !== 0 ? nextAfter(r, r < 0) : r; // toward zero
}

function arith64(c: Cpu, op: FOp, t: number, s: number): void {
  const x = c.xdbl;
  const a = x[t], b = x[s];
  let r = op(a, b);
  if (Number.isNaN(r)) return nan64(c, a, op === fsqrt ? s : t, s, t);
  if (op === fdiv && b === 0 && a === a && a !== 0) c.mxcsr |= MX_ZE;
  if ((c.mxcsr & 0x6000) !== 0) r = rounded(c, op, a, b, r);
  if (c.mxcsr & 0x8000 && r !== 0 && Math.abs(r) < 2.2250738585072014e-308) r = r < 0 ? -0 : 0; // FTZ
  x[t] = r;
}

function arith32(c: Cpu, op: FOp, t: number, s: number): void {
  const x = c.xf;
  const a = x[t], b = x[s];
  const r = op(a, b);
  if (Number.isNaN(r)) return nan32(c, op === fsqrt ? s : t, s, t);
  if (op === fdiv && b === 0 && a === a && a !== 0) c.mxcsr |= MX_ZE;
  let f = Math.fround(r);
  const rc = (c.mxcsr >> 13) & 3;
  if (rc !== 0 && f !== r && Number.isFinite(r)) {
    // The double result is exact enough to decide the direction of the float rounding.
    const up = rc === 2 || (rc === 3 && r < 0);
    const down = rc === 1 || (rc === 3 && r > 0);
    if (up && f < r) f = nextFloat(f, true);
    else if (down && f > r) f = nextFloat(f, false);
  }
  x[t] = f;
}

function nextFloat(f: number, up: boolean): number {
  f32buf[0] = f;
  let u = u32of32[0];
  if (f === 0) u = up ? 1 : 0x80000001;
  else if ((f > 0) === up) u++;
  else u--;
  u32of32[0] = u >>> 0;
  return f32buf[0];
}

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
    const x = size === 8 ? c.xdbl : c.xf;
    const xd = c.xd;
    for (let k = 0; k < n; k++) {
      const ti = (size === 8 ? d.r0 * 2 : d.r0 * 4) + k, si = (size === 8 ? s * 2 : s * 4) + k;
      const a = x[ti], b = x[si];
      const takeA = isMax ? a > b : a < b;
      if (!takeA) {
        if (size === 8) {
          xd[ti * 2] = xd[si * 2];
          xd[ti * 2 + 1] = xd[si * 2 + 1];
        } else xd[ti] = xd[si];
        if (Number.isNaN(a) || Number.isNaN(b)) c.mxcsr |= MX_IE;
      }
    }
  };
}

/** cmpps/cmppd/cmpss/cmpsd with predicate imm8 0-7. */
function cmpScalarPacked(scalar: boolean, size: 4 | 8) {
  return (c: Cpu, d: Insn): void => {
    check(c);
    const s = src(c, d, scalar ? false : true);
    const n = scalar ? 1 : 16 / size;
    const x = size === 8 ? c.xdbl : c.xf;
    const xd = c.xd;
    const p = d.immLo & 7;
    for (let k = 0; k < n; k++) {
      const ti = (size === 8 ? d.r0 * 2 : d.r0 * 4) + k, si = (size === 8 ? s * 2 : s * 4) + k;
      const a = x[ti], b = x[si];
      const un = Number.isNaN(a) || Number.isNaN(b);
      let r: boolean;
      switch (p) {
        case 0: r = a === b; break;
        case 1: r = a < b; break;
        case 2: r = a <= b; break;
        case 3: r = un; break;
        case 4: r = !(a === b); break;
        case 5: r = !(a < b); break;
        case 6: r = !(a <= b); break;
        default: r = !un; break;
      }
      if (un && (p === 1 || p === 2 || p === 5 || p === 6)) c.mxcsr |= MX_IE;
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
    const a = size === 8 ? c.xdbl[d.r0 * 2] : c.xf[d.r0 * 4];
    const b = size === 8 ? c.xdbl[s * 2] : c.xf[s * 4];
    c.of = 0;
    c.sf = 0;
    c.af = 0;
    if (Number.isNaN(a) || Number.isNaN(b)) {
      c.zf = 1;
      c.pfb = 0; // PF = 1
      c.cf = 1;
      c.mxcsr |= signalQnan ? MX_IE : 0;
    } else {
      c.zf = a === b ? 1 : 0;
      c.pfb = 1; // PF = 0
      c.cf = a < b ? 1 : 0;
    }
  };
}

/** Round a double to an integer per MXCSR.RC (or truncating). */
function roundInt(c: Cpu, v: number, truncate: boolean): number {
  if (truncate) return Math.trunc(v);
  switch ((c.mxcsr >> 13) & 3) {
    case 0: {
      const f = Math.floor(v);
      const diff = v - f;
      if (diff > 0.5) return f + 1;
      if (diff < 0.5) return f;
      return f % 2 === 0 ? f : f + 1;
    }
    case 1: return Math.floor(v);
    case 2: return Math.ceil(v);
    default: return Math.trunc(v);
  }
}

/** cvt(t)ss2si / cvt(t)sd2si: out-of-range and NaN give the integer indefinite value. */
function cvtToInt(size: 4 | 8, truncate: boolean) {
  return (c: Cpu, d: Insn): void => {
    check(c);
    const s = src(c, d, false);
    const v = size === 8 ? c.xdbl[s * 2] : c.xf[s * 4];
    const r = Number.isNaN(v) ? NaN : roundInt(c, v, truncate);
    if (d.s0 === 8) {
      if (!(r >= -9223372036854775808 && r < 9223372036854775808)) {
        c.mxcsr |= MX_IE;
        c.wreg(d.r0, 8, 0, 0x80000000);
      } else {
        if (r !== v) c.mxcsr |= MX_PE;
        const b = BigInt.asUintN(64, BigInt(r));
        c.wreg(d.r0, 8, Number(b & 0xffffffffn), Number(b >> 32n));
      }
    } else if (!(r >= -2147483648 && r <= 2147483647)) {
      c.mxcsr |= MX_IE;
      c.wreg(d.r0, 4, 0x80000000, 0);
    } else {
      if (r !== v) c.mxcsr |= MX_PE;
      c.wreg(d.r0, 4, r >>> 0, 0);
    }
  };
}

/** Integer → float with MXCSR rounding for inexact 64-bit conversions. */
function cvtFromInt(size: 4 | 8) {
  return (c: Cpu, d: Insn): void => {
    check(c);
    let v: number;
    let exact: bigint | undefined;
    const lo = d.k1 === K_MEM ? c.rmem(c.ea(d), d.s1) : c.rreg(d.r1, d.s1);
    if (d.s1 === 8) {
      exact = BigInt.asIntN(64, (BigInt(c.th) << 32n) | BigInt(lo));
      v = Number(exact);
    } else v = lo | 0;
    let r = size === 8 ? v : Math.fround(v);
    const rc = (c.mxcsr >> 13) & 3;
    if (rc !== 0 && exact !== undefined) {
      const back = BigInt(r);
      if (back !== exact) {
        const up = rc === 2 || (rc === 3 && exact < 0n);
        if (up && back < exact) r = size === 8 ? nextAfter(r, true) : nextFloat(r, true);
        else if (!up && back > exact) r = size === 8 ? nextAfter(r, false) : nextFloat(r, false);
      }
    } else if (rc !== 0 && size === 4 && r !== v) {
      const up = rc === 2 || (rc === 3 && v < 0);
      if (up && r < v) r = nextFloat(r, true);
      else if (!up && r > v) r = nextFloat(r, false);
    }
    if (size === 8) c.xdbl[d.r0 * 2] = r;
    else c.xf[d.r0 * 4] = r;
  };
}

function cvtss2sd(c: Cpu, d: Insn): void {
  check(c);
  const s = src(c, d, false);
  const v = c.xf[s * 4];
  if (Number.isNaN(v)) {
    const u = c.xd[s * 4];
    c.xd[d.r0 * 4] = 0;
    c.xd[d.r0 * 4 + 1] = ((u & 0x80000000) | 0x7ff80000 | ((u & 0x3fffff) >>> 3)) >>> 0;
    c.xd[d.r0 * 4] = (u & 7) << 29;
    return;
  }
  c.xdbl[d.r0 * 2] = v;
}

function cvtsd2ss(c: Cpu, d: Insn): void {
  check(c);
  const s = src(c, d, false);
  const v = c.xdbl[s * 2];
  if (Number.isNaN(v)) {
    const hi = c.xd[s * 4 + 1], lo = c.xd[s * 4];
    c.xd[d.r0 * 4] = ((hi & 0x80000000) | 0x7fc00000 | ((hi & 0x7ffff) << 3) | (lo >>> 29)) >>> 0;
    return;
  }
  c.xf[d.r0 * 4] = roundToFloat(c, v);
}

function roundToFloat(c: Cpu, v: number): number {
  let f = Math.fround(v);
  const rc = (c.mxcsr >> 13) & 3;
  if (rc !== 0 && f !== v && Number.isFinite(v)) {
    const up = rc === 2 || (rc === 3 && v < 0);
    if (up && f < v) f = nextFloat(f, true);
    else if (!up && f > v) f = nextFloat(f, false);
  }
  return f;
}

function cvtPacked(kind: string) {
  return (c: Cpu, d: Insn): void => {
    check(c);
    const s = src(c, d);
    const xd = c.xd;
    const t = d.r0;
    const indef = 0x80000000;
    const toI = (v: number, trunc: boolean) => {
      const r = Number.isNaN(v) ? NaN : roundInt(c, v, trunc);
      if (!(r >= -2147483648 && r <= 2147483647)) {
        c.mxcsr |= MX_IE;
        return indef;
      }
      return r >>> 0;
    };
    switch (kind) {
      case 'dq2ps': for (let k = 0; k < 4; k++) c.xf[R * 4 + k] = roundToFloat(c, c.xsd[s * 4 + k]); break;
      case 'ps2dq': for (let k = 0; k < 4; k++) xd[R * 4 + k] = toI(c.xf[s * 4 + k], false); break;
      case 'tps2dq': for (let k = 0; k < 4; k++) xd[R * 4 + k] = toI(c.xf[s * 4 + k], true); break;
      case 'dq2pd': {
        const a = c.xsd[s * 4], b = c.xsd[s * 4 + 1];
        c.xdbl[R * 2] = a;
        c.xdbl[R * 2 + 1] = b;
        break;
      }
      case 'pd2dq':
      case 'tpd2dq': {
        const tr = kind === 'tpd2dq';
        xd[R * 4] = toI(c.xdbl[s * 2], tr);
        xd[R * 4 + 1] = toI(c.xdbl[s * 2 + 1], tr);
        xd[R * 4 + 2] = 0;
        xd[R * 4 + 3] = 0;
        break;
      }
      case 'ps2pd': {
        const a = c.xf[s * 4], b = c.xf[s * 4 + 1];
        c.xdbl[R * 2] = a;
        c.xdbl[R * 2 + 1] = b;
        break;
      }
      default: {
        // pd2ps
        const a = roundToFloat(c, c.xdbl[s * 2]), b = roundToFloat(c, c.xdbl[s * 2 + 1]);
        c.xf[R * 4] = a;
        c.xf[R * 4 + 1] = b;
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
  def('Addsd', fpScalar(8, fadd));
  def('Subsd', fpScalar(8, fsub));
  def('Mulsd', fpScalar(8, fmul));
  def('Divsd', fpScalar(8, fdiv));
  def('Sqrtsd', fpScalar(8, fsqrt));
  def('Addss', fpScalar(4, fadd));
  def('Subss', fpScalar(4, fsub));
  def('Mulss', fpScalar(4, fmul));
  def('Divss', fpScalar(4, fdiv));
  def('Sqrtss', fpScalar(4, fsqrt));
  def('Addpd', fpPacked(8, fadd));
  def('Subpd', fpPacked(8, fsub));
  def('Mulpd', fpPacked(8, fmul));
  def('Divpd', fpPacked(8, fdiv));
  def('Sqrtpd', fpPacked(8, fsqrt));
  def('Addps', fpPacked(4, fadd));
  def('Subps', fpPacked(4, fsub));
  def('Mulps', fpPacked(4, fmul));
  def('Divps', fpPacked(4, fdiv));
  def('Sqrtps', fpPacked(4, fsqrt));
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
  void MX_DE;
  void MX_OE;
  void MX_UE;
}
