// Register-form ALU handlers (reg op reg, reg op imm; 32 and 64 bits) generated from source templates: the
// operands, the arithmetic and the flags are inlined into one small function per operation and form, with no
// helper calls. Semantics are those of flags.ts (which the generic handlers use).
import type { Handler } from './insn.ts';

const OPS = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp', 'test'] as const;
type Op = (typeof OPS)[number];

function body(op: Op, size: 4 | 8): string {
  const isAdd = op === 'add' || op === 'adc';
  const isSub = op === 'sub' || op === 'sbb' || op === 'cmp';
  const carry = op === 'adc' || op === 'sbb' ? 'c.cf' : '0';
  const writes = op !== 'cmp' && op !== 'test';
  if (size === 8) {
    let s: string;
    if (isAdd) {
      s = `const l = alo + blo + ${carry}; const rl = l >>> 0; const h = ahi + bhi + (l > 0xffffffff ? 1 : 0); const rh = h >>> 0;
        c.cf = h > 0xffffffff ? 1 : 0; c.of = ((ahi ^ rh) & (bhi ^ rh)) >>> 31; c.af = (alo ^ blo ^ rl) & 0x10;`;
    } else if (isSub) {
      s = `const l = alo - blo - ${carry}; const rl = l >>> 0; const h = ahi - bhi - (l < 0 ? 1 : 0); const rh = h >>> 0;
        c.cf = h < 0 ? 1 : 0; c.of = ((ahi ^ bhi) & (ahi ^ rh)) >>> 31; c.af = (alo ^ blo ^ rl) & 0x10;`;
    } else {
      const o = op === 'or' ? '|' : op === 'xor' ? '^' : '&';
      s = `const rl = (alo ${o} blo) >>> 0; const rh = (ahi ${o} bhi) >>> 0; c.cf = 0; c.of = 0; c.af = 0;`;
    }
    return `${s} c.zf = (rl | rh) === 0 ? 1 : 0; c.sf = rh >>> 31; c.pfb = rl; ${writes ? 'L[r0] = rl; H[r0] = rh;' : ''}`;
  }
  let s: string;
  if (isAdd) {
    s = `const sum = alo + blo + ${carry}; const r = sum >>> 0; c.cf = sum > 0xffffffff ? 1 : 0; c.of = (alo ^ r) & (blo ^ r) & 0x80000000 ? 1 : 0; c.af = (alo ^ blo ^ r) & 0x10;`;
  } else if (isSub) {
    s = `const dd = alo - blo - ${carry}; const r = dd >>> 0; c.cf = dd < 0 ? 1 : 0; c.of = (alo ^ blo) & (alo ^ r) & 0x80000000 ? 1 : 0; c.af = (alo ^ blo ^ r) & 0x10;`;
  } else {
    const o = op === 'or' ? '|' : op === 'xor' ? '^' : '&';
    s = `const r = (alo ${o} blo) >>> 0; c.cf = 0; c.of = 0; c.af = 0;`;
  }
  return `${s} c.zf = r === 0 ? 1 : 0; c.sf = r >>> 31; c.pfb = r; ${writes ? 'L[r0] = r; H[r0] = 0;' : ''}`;
}

function generate(op: Op, size: 4 | 8, imm: boolean): Handler {
  const src = size === 8
    ? `const L = c.lo, H = c.hi, r0 = d.r0; const alo = L[r0], ahi = H[r0]; ${imm ? 'const blo = d.immLo, bhi = d.immHi;' : 'const blo = L[d.r1], bhi = H[d.r1];'} ${body(op, 8)}`
    : `const L = c.lo, H = c.hi, r0 = d.r0; const alo = L[r0]; ${imm ? 'const blo = d.immLo;' : 'const blo = L[d.r1];'} ${body(op, 4)}`;
  return new Function(`return function ${op}_${imm ? 'ri' : 'rr'}${size * 8}(c, d) { ${src} };`)() as Handler;
}

const table = new Map<string, Handler>();

/** The generated handler for `op` (a lower-case ALU mnemonic) in register form, or undefined. */
export function fastAlu(op: string, size: number, imm: boolean): Handler | undefined {
  if ((size !== 4 && size !== 8) || !(OPS as readonly string[]).includes(op)) return undefined;
  const key = `${op}${size}${imm}`;
  let h = table.get(key);
  if (!h) {
    h = generate(op as Op, size, imm);
    table.set(key, h);
  }
  return h;
}
