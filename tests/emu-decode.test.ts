// The emulator's decoded records (src/emu/decode.ts, buildInsn) against iced-x86's own generic accessors, over
// real code: a linear sweep of the system's libc.so.6 .text decoded as 64-, 32- and 16-bit code. buildInsn
// avoids wasm calls and BigInts (32-bit getters, per-Code facts, prefix queries only when the bytes hold
// a lock/rep prefix, the page decoder's position and ip kept when decoding in sequence); the expected
// values here come from iced's BigInt-valued getters (nearBranchTarget, ipRelMemoryAddress,
// memoryDisplacement, immediate(k)) and opKind(k)/opRegister(k), read for every instruction.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Decoder, DecoderOptions, OpKind, Register } from '../src/asm/iced.ts';
import { readElf } from '../src/elf/reader.ts';
import { CodeCache } from '../src/emu/decode.ts';
import { Cpu } from '../src/emu/cpu.ts';
import type { Insn } from '../src/emu/insn.ts';
import { IN_CI } from './helpers/link.ts';

const LIBC = '/lib/x86_64-linux-gnu/libc.so.6';
const haveLibc = existsSync(LIBC);
if (!haveLibc && IN_CI) throw new Error(`${LIBC} is required in CI`);

/** Up to `limit` bytes of libc's .text. */
function libcText(limit: number): Uint8Array {
  const elf = readElf(readFileSync(LIBC), { path: LIBC });
  const text = elf.sectionByName('.text');
  if (!text) throw new Error(`${LIBC}: no .text`);
  return text.data.subarray(0, limit);
}

const BASE = 0x100000;

/** What iced says about the instruction at `la`, through its generic (wasm-call-per-field) API. */
function expected(bytes: Uint8Array, off: number, la: number, bits: 16 | 32 | 64) {
  const dec = new Decoder(bits, bytes.subarray(off, off + 15), DecoderOptions.None);
  dec.ip = BigInt(la);
  const i = dec.decode();
  const ops: { kind: number; reg: number }[] = [];
  let target = 0, immLo = 0, immHi = 0, haveImm = false, disp = 0, scale = 1;
  for (let k = 0; k < Math.min(4, i.opCount); k++) {
    const kind = i.opKind(k);
    ops.push({ kind, reg: kind === OpKind.Register ? i.opRegister(k) : 0 });
    if (kind === OpKind.NearBranch16 || kind === OpKind.NearBranch32 || kind === OpKind.NearBranch64) {
      const t = i.nearBranchTarget;
      target = bits === 64 ? Number(BigInt.asIntN(64, t)) : Number(t & 0xffffffffn);
    }
    if (kind === OpKind.FarBranch16) target = i.farBranch16;
    if (kind === OpKind.FarBranch32) target = i.farBranch32;
    if (kind >= OpKind.Immediate8 && kind <= OpKind.Immediate32to64 && kind !== OpKind.Immediate8_2nd && !haveImm) {
      // The value extended to the operand's own width (imm8to32: 32 bits), then zero-extended.
      const w = kind === OpKind.Immediate8 ? 8 : kind === OpKind.Immediate16 || kind === OpKind.Immediate8to16 ? 16 : kind === OpKind.Immediate32 || kind === OpKind.Immediate8to32 ? 32 : 64;
      const v = BigInt.asUintN(w, i.immediate(k));
      immLo = Number(v & 0xffffffffn);
      immHi = Number(v >> 32n);
      haveImm = true;
    }
    if (kind === OpKind.Memory) {
      const b = i.memoryBase;
      if (b === Register.RIP) disp = Number(BigInt.asIntN(64, i.ipRelMemoryAddress));
      else if (b === Register.EIP) disp = Number(i.ipRelMemoryAddress & 0xffffffffn);
      else {
        const size = b !== Register.None ? b : i.memoryIndex;
        const d = i.memoryDisplacement;
        const w = size === Register.None ? bits : size >= Register.RAX && size <= Register.R15 ? 64 : size >= Register.EAX && size <= Register.R15D ? 32 : 16;
        disp = Number(w === 64 ? BigInt.asIntN(64, d) : w === 32 ? BigInt.asIntN(32, d) : BigInt.asIntN(16, d));
      }
      if (i.memoryIndex !== Register.None) scale = i.memoryIndexScale;
    }
  }
  const r = {
    code: i.code, len: i.length, ops, target, immLo, immHi, disp, scale,
    rep: i.hasRepePrefix || i.hasRepPrefix ? 1 : i.hasRepnePrefix ? 2 : 0, lock: i.hasLockPrefix,
  };
  i.free();
  dec.free();
  return r;
}

function actual(d: Insn) {
  return { code: d.code, len: d.len, target: d.target, immLo: d.immLo, immHi: d.immHi, disp: d.disp, scale: d.scale, rep: d.rep, lock: d.lock };
}

// Prefixed forms libc's first pages may lack: rep/repne string instructions, lock, and F3/F2 as mandatory
// prefixes (pause, endbr64, popcnt, movsd), behind segment, operand-size and REX prefixes.
const PREFIXED = [
  'f348ab', 'f3a4', 'f2ae', 'f00fb10a', '66f3a5', 'f30fb8c0', 'f30f1efa', 'f390', '2ef3a4', 'f348a5', 'f20f10c1',
  'f0480fc111', '64f0ff00', '67f3aa', 'f2f3a6', 'f3f2a6', '4cf3a4', 'f0f3ff00',
];

/** Linear addresses the code is decoded at (paging off: the emulator is handed la and pa apart). */
const SWEEPS: { bits: 16 | 32 | 64; la: number; bytes: number }[] = [
  { bits: 64, la: BASE, bytes: 0x18000 },
  { bits: 64, la: 0xffff8000, bytes: 0x10000 }, // across 4 GiB: branch targets and RIP-relative addresses from 32-bit getters
  { bits: 64, la: -0x8000, bytes: 0x10000 }, // across the top of the address space (signed canonical addresses)
  { bits: 32, la: BASE, bytes: 0x8000 },
  { bits: 16, la: BASE, bytes: 0x8000 },
];

describe.skipIf(!haveLibc)(`decoded records equal iced's generic accessors over libc's code${haveLibc ? '' : ` (skipped: no ${LIBC})`}`, () => {
  for (const { bits, la: laBase, bytes } of SWEEPS) {
    it(`${bits}-bit at 0x${BigInt.asUintN(64, BigInt(laBase)).toString(16)}: a linear sweep in sequence, then every 5th instruction out of order`, () => {
      const text = libcText(bytes);
      const cpu = new Cpu({ memorySize: 4 << 20 });
      cpu.ram.set(text, BASE);
      const extra = BASE + text.length + 64;
      let at = extra;
      for (const h of PREFIXED) {
        cpu.ram.set(Buffer.from(h, 'hex'), at);
        at += 16;
      }
      cpu.bits = bits;
      const pa = (la: number) => la - laBase + BASE;
      // Flat segments; the linear addresses are mapped onto the copy of the code (an instruction that
      // crosses a page fetches its tail through the MMU).
      cpu.mmu.tr = pa;
      const decodeAt = (cache: CodeCache, la: number): Insn => {
        cpu.rip = bits === 16 ? la & 0xffff : la;
        cpu.segBase[1] = bits === 16 ? la - (la & 0xffff) : 0;
        return (cache as unknown as { decode(la: number, pa: number): Insn }).decode(la, pa(la));
      };
      const seq = new CodeCache(cpu);
      const addrs: number[] = [];
      let kinds = 0, branches = 0, imms = 0, mems = 0, prefixed = 0;
      const check = (la: number, cache: CodeCache): Insn | undefined => {
        const d = decodeAt(cache, la);
        const e = expected(cpu.ram, pa(la), la, bits); // the decoder's ip is the linear address, as the emulator's
        if (d.len === 1 && e.code === 0) return undefined; // invalid bytes (#UD records): nothing to compare
        const want = { code: e.code, len: e.len, target: e.target, immLo: e.immLo, immHi: e.immHi, disp: e.disp, scale: e.scale, rep: e.rep, lock: e.lock };
        expect(actual(d), `${bits}-bit at +0x${(la - laBase).toString(16)}`).toEqual(want);
        const ks = [d.k0, d.k1, d.k2, d.k3].slice(0, Math.min(4, d.n));
        expect(ks.length).toBe(e.ops.length);
        kinds += ks.length;
        if (e.ops.some((o) => o.kind === OpKind.NearBranch64 || o.kind === OpKind.NearBranch32 || o.kind === OpKind.NearBranch16)) branches++;
        if (e.immLo !== 0 || e.immHi !== 0) imms++;
        if (e.ops.some((o) => o.kind === OpKind.Memory)) mems++;
        if (e.rep || e.lock) prefixed++;
        return d;
      };
      for (let la = laBase; la < laBase + text.length - 15;) {
        const d = check(la, seq);
        if (d) addrs.push(la);
        la += d ? d.len : 1;
      }
      for (let k = 0; k < PREFIXED.length; k++) check(extra - BASE + laBase + 16 * k, seq);
      // The sweep covered what the fast paths handle.
      expect(addrs.length).toBeGreaterThan(bits === 64 ? 3000 : 1500);
      expect(Math.min(kinds, branches, imms, mems, prefixed)).toBeGreaterThan(0);
      // Out of order (the page decoder is repositioned): the same records as in sequence.
      const scattered = new CodeCache(cpu);
      const some = addrs.filter((_, k) => k % 5 === 0).reverse();
      for (const la of some) expect(actual(decodeAt(scattered, la))).toEqual(actual(decodeAt(seq, la)));
    });
  }
});
