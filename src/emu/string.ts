// String instructions with rep/repe/repne: movs/stos/lods/scas/cmps/ins/outs. rep movs and rep stos run in
// bulk (page-sized chunks of direct RAM copies) when direction and translation allow.
import type { Cpu } from './cpu.ts';
import { ES } from './cpu.ts';
import type { Define } from './handlers.ts';
import { K_STR, type Insn } from './insn.ts';
import { sub } from './flags.ts';
import { Fault, GP } from './types.ts';
import { sseStringForm as sse } from './sse.ts';

/** Register value used as an address of asize bytes. */
function regAddr(c: Cpu, r: number, asize: number): number {
  return asize === 8 ? c.regNum(r) : asize === 4 ? c.lo[r] : c.lo[r] & 0xffff;
}

function setRegAddr(c: Cpu, r: number, asize: number, v: number): void {
  if (asize === 8) c.setRegNum(r, v);
  else if (asize === 4) c.wreg(r, 4, v >>> 0, 0);
  else c.wreg(r, 2, v & 0xffff, 0);
}

function linear(c: Cpu, seg: number, off: number): number {
  if (c.bits === 64) return seg >= 4 ? off + c.segBase[seg] : off;
  return (off + c.segBase[seg]) >>> 0;
}

function count(c: Cpu, asize: number): number {
  return asize === 8 ? c.hi[1] * 4294967296 + c.lo[1] : asize === 4 ? c.lo[1] : c.lo[1] & 0xffff;
}

/** How many iterations may run before rechecking for interrupts/limits (keeps rep ops interruptible). */
const CHUNK = 1 << 20;

function movs(c: Cpu, d: Insn): void {
  if (d.k0 !== K_STR) return sse(c, d);
  const s = d.msize, as = d.asize;
  let n = d.rep ? count(c, as) : 1;
  if (n === 0) return;
  const step = c.df ? -s : s;
  let si = regAddr(c, 6, as), di = regAddr(c, 7, as);
  let todo = Math.min(n, CHUNK);
  // Bulk path: forward, 64-bit/32-bit addressing, both ranges within one page each.
  while (todo > 0) {
    if (!c.df && d.rep) {
      const src = linear(c, d.seg, si), dst = linear(c, ES, di);
      const room = Math.min(4096 - (src & 4095), 4096 - (dst & 4095));
      const k = Math.min(todo, Math.floor(room / s));
      if (k > 1) {
        const ps = c.mmu.tr(src, 0), pd = c.mmu.tr(dst, 1);
        const bytes = k * s;
        if (ps + bytes <= c.ramSize && pd + bytes <= c.ramSize && (pd + bytes <= ps || ps + bytes <= pd || pd <= ps)) {
          c.code.invalidateRange(pd, bytes);
          c.ram.copyWithin(pd, ps, ps + bytes);
          si += bytes;
          di += bytes;
          todo -= k;
          n -= k;
          setRegAddr(c, 6, as, si);
          setRegAddr(c, 7, as, di);
          setRegAddr(c, 1, as, n);
          continue;
        }
      }
    }
    const v = c.rmem(linear(c, d.seg, si), s);
    c.wmem(linear(c, ES, di), s, v, c.th);
    si += step;
    di += step;
    todo--;
    n--;
    if (d.rep) {
      setRegAddr(c, 6, as, si);
      setRegAddr(c, 7, as, di);
      setRegAddr(c, 1, as, n);
    }
  }
  setRegAddr(c, 6, as, si);
  setRegAddr(c, 7, as, di);
  if (d.rep) {
    setRegAddr(c, 1, as, n);
    if (n > 0) c.rip = d.ip; // resume later (interrupt window)
  }
}

function stos(c: Cpu, d: Insn): void {
  const s = d.msize, as = d.asize;
  let n = d.rep ? count(c, as) : 1;
  if (n === 0) return;
  const vl = c.rreg(0, s), vh = c.th;
  const step = c.df ? -s : s;
  let di = regAddr(c, 7, as);
  let todo = Math.min(n, CHUNK);
  while (todo > 0) {
    if (!c.df && d.rep) {
      const dst = linear(c, ES, di);
      const k = Math.min(todo, Math.floor((4096 - (dst & 4095)) / s));
      if (k > 1) {
        const pd = c.mmu.tr(dst, 1);
        const bytes = k * s;
        if (pd + bytes <= c.ramSize) {
          c.code.invalidateRange(pd, bytes);
          if (s === 1 || (vl === 0 && vh === 0) || (s === 2 && (vl & 0xff) === (vl >>> 8)) ) c.ram.fill(vl & 0xff, pd, pd + bytes);
          else for (let o = 0; o < bytes; o += s) {
            if (s === 2) c.dv.setUint16(pd + o, vl, true);
            else {
              c.dv.setUint32(pd + o, vl, true);
              if (s === 8) c.dv.setUint32(pd + o + 4, vh, true);
            }
          }
          di += bytes;
          todo -= k;
          n -= k;
          setRegAddr(c, 7, as, di);
          setRegAddr(c, 1, as, n);
          continue;
        }
      }
    }
    c.wmem(linear(c, ES, di), s, vl, vh);
    di += step;
    todo--;
    n--;
    if (d.rep) {
      setRegAddr(c, 7, as, di);
      setRegAddr(c, 1, as, n);
    }
  }
  setRegAddr(c, 7, as, di);
  if (d.rep) {
    setRegAddr(c, 1, as, n);
    if (n > 0) c.rip = d.ip;
  }
}

function lods(c: Cpu, d: Insn): void {
  const s = d.msize, as = d.asize;
  let n = d.rep ? count(c, as) : 1;
  if (n === 0) return;
  let si = regAddr(c, 6, as);
  const step = c.df ? -s : s;
  while (n > 0) {
    const v = c.rmem(linear(c, d.seg, si), s);
    c.wreg(0, s, v, c.th);
    si += step;
    n--;
  }
  setRegAddr(c, 6, as, si);
  if (d.rep) setRegAddr(c, 1, as, 0);
}

/** scas/cmps: rep = repe (stop when ZF=0), repne (stop when ZF=1). */
function scas(c: Cpu, d: Insn): void {
  const s = d.msize, as = d.asize;
  let n = d.rep ? count(c, as) : 1;
  if (n === 0) return;
  const al = c.rreg(0, s), ah = c.th;
  const step = c.df ? -s : s;
  let di = regAddr(c, 7, as);
  let todo = Math.min(n, CHUNK);
  while (todo > 0) {
    const v = c.rmem(linear(c, ES, di), s);
    sub(c, s, al, ah, v, c.th, 0);
    di += step;
    n--;
    todo--;
    if (d.rep === 1 && !c.zf) break;
    if (d.rep === 2 && c.zf) break;
  }
  setRegAddr(c, 7, as, di);
  if (d.rep) {
    setRegAddr(c, 1, as, n);
    if (n > 0 && todo === 0) c.rip = d.ip;
  }
}

function cmps(c: Cpu, d: Insn): void {
  if (d.k0 !== K_STR) return sse(c, d);
  const s = d.msize, as = d.asize;
  let n = d.rep ? count(c, as) : 1;
  if (n === 0) return;
  const step = c.df ? -s : s;
  let si = regAddr(c, 6, as), di = regAddr(c, 7, as);
  let todo = Math.min(n, CHUNK);
  while (todo > 0) {
    const a = c.rmem(linear(c, d.seg, si), s), ah = c.th;
    const b = c.rmem(linear(c, ES, di), s), bh = c.th;
    sub(c, s, a, ah, b, bh, 0);
    si += step;
    di += step;
    n--;
    todo--;
    if (d.rep === 1 && !c.zf) break;
    if (d.rep === 2 && c.zf) break;
  }
  setRegAddr(c, 6, as, si);
  setRegAddr(c, 7, as, di);
  if (d.rep) {
    setRegAddr(c, 1, as, n);
    if (n > 0 && todo === 0) c.rip = d.ip;
  }
}

function ins(c: Cpu, d: Insn): void {
  if (c.cpl > ((c.getFlags() >> 12) & 3)) throw new Fault(GP, 0);
  const s = d.msize as 1 | 2 | 4, as = d.asize;
  let n = d.rep ? count(c, as) : 1;
  let di = regAddr(c, 7, as);
  const step = c.df ? -s : s;
  while (n > 0) {
    const v = c.ports ? c.ports.in(c.lo[2] & 0xffff, s) : 0xffffffff;
    c.wmem(linear(c, ES, di), s, v >>> 0, 0);
    di += step;
    n--;
  }
  setRegAddr(c, 7, as, di);
  if (d.rep) setRegAddr(c, 1, as, 0);
}

function outs(c: Cpu, d: Insn): void {
  if (c.cpl > ((c.getFlags() >> 12) & 3)) throw new Fault(GP, 0);
  const s = d.msize as 1 | 2 | 4, as = d.asize;
  let n = d.rep ? count(c, as) : 1;
  let si = regAddr(c, 6, as);
  const step = c.df ? -s : s;
  while (n > 0) {
    const v = c.rmem(linear(c, d.seg, si), s);
    c.ports?.out(c.lo[2] & 0xffff, s, v);
    si += step;
    n--;
  }
  setRegAddr(c, 6, as, si);
  if (d.rep) setRegAddr(c, 1, as, 0);
}

export function registerString(def: Define): void {
  def(['Movsb', 'Movsw', 'Movsd', 'Movsq'], movs);
  def(['Stosb', 'Stosw', 'Stosd', 'Stosq'], stos);
  def(['Lodsb', 'Lodsw', 'Lodsd', 'Lodsq'], lods);
  def(['Scasb', 'Scasw', 'Scasd', 'Scasq'], scas);
  def(['Cmpsb', 'Cmpsw', 'Cmpsd', 'Cmpsq'], cmps);
  def(['Insb', 'Insw', 'Insd'], ins);
  def(['Outsb', 'Outsw', 'Outsd'], outs);
}
