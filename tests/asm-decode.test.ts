// Decoder facts checked against independent tools: instruction boundaries, direct branch targets and
// displacement/immediate fields against capstone-wasm, boundaries, targets and syscall sites against GNU
// objdump, fields against the relocations in libc.a, and small keystone-assembled snippets.
// Nothing here is compared with our own output; counts are computed at test time (libc differs per distro).
import { execFileSync } from 'node:child_process';
import { lacking } from './helpers/tools.ts';
import { Capstone, Const, loadCapstone } from 'capstone-wasm';
import { Code } from 'iced-x86';
import { Keystone, Const as KsConst, loadKeystone } from 'keystone-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeSection, forEachInstruction, instructions, type DecodedInstruction } from '../src/asm/decode.ts';
import { codeName, nearBranchCode, relSize, shortBranchCode } from '../src/asm/codes.ts';
import { toBigAddress, toNumericAddress } from '../src/asm/address.ts';
import { elfMembers, openInput } from '../src/elf/index.ts';

const LIBC = '/usr/lib/x86_64-linux-gnu/libc.a';
const SHF_EXECINSTR = 4;
const SHT_NOBITS = 8;

interface CodeSection {
  member: number; // ordinal in the archive (names may repeat)
  memberName: string;
  index: number;
  name: string;
  data: Uint8Array;
  relocs: { offset: number; type: number }[];
}

function libcSections(): CodeSection[] {
  const out: CodeSection[] = [];
  let member = 0;
  for (const elf of elfMembers(openInput(LIBC))) {
    for (const s of elf.sections) {
      if ((s.flags & SHF_EXECINSTR) === 0 || s.type === SHT_NOBITS || s.size === 0) continue;
      const relocs = elf.relaSectionsFor(s.index).flatMap((r) => elf.relocations(r.index).map((x) => ({ offset: Number(x.offset), type: x.type })));
      out.push({ member, memberName: elf.origin.member ?? '', index: s.index, name: s.name, data: s.data, relocs });
    }
    member++;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// capstone: the heap route with raw _cs_disasm in chunks (its public disasm() copies the input onto a
// 64 KiB stack and dies on big sections; see reference/packages.md §3).

interface CsInsn {
  offset: number;
  size: number;
  mnemonic: string;
  opStr: string;
  dispOffset: number;
  dispSize: number;
  immOffset: number;
  immSize: number;
}

interface CapstoneModule {
  HEAPU8: Uint8Array;
  HEAPU32: Uint32Array;
  _cs_disasm(handle: number, code: number, size: number, address: bigint, count: number, insn: number): number;
  _cs_free(insn: number, count: number): void;
}

const CS_INSN_SIZE = 240;
const utf8 = new TextDecoder();

/** Length of a ModRM-addressed operand starting at `p` (ModRM, SIB, displacement), for capstone's ud0 bug. */
function modrmLength(d: Uint8Array, p: number): number {
  const modrm = d[p] ?? 0;
  const mod = modrm >> 6;
  const rm = modrm & 7;
  if (mod === 3) return 1;
  let n = 1;
  if (rm === 4) {
    n++;
    if (mod === 0 && ((d[p + 1] ?? 0) & 7) === 5) n += 4;
  } else if (mod === 0 && rm === 5) n += 4;
  if (mod === 1) n += 1;
  else if (mod === 2) n += 4;
  return n;
}

class CapstoneDecoder {
  private constructor(
    private readonly mod: CapstoneModule,
    private readonly cs: Capstone,
  ) {}

  private static instance: Promise<CapstoneDecoder> | undefined;

  /** One shared instance: loadCapstone fills the module object only on the first call. */
  static create(): Promise<CapstoneDecoder> {
    return (CapstoneDecoder.instance ??= CapstoneDecoder.load());
  }

  private static async load(): Promise<CapstoneDecoder> {
    const mod = {} as CapstoneModule;
    await loadCapstone(mod as unknown as Record<string, unknown>);
    const cs = new Capstone(Const.CS_ARCH_X86, Const.CS_MODE_64);
    cs.setOption(Const.CS_OPT_DETAIL, Const.CS_OPT_ON);
    return new CapstoneDecoder(mod, cs);
  }

  private cstr(p: number): string {
    const h = this.mod.HEAPU8;
    let e = p;
    while (h[e] !== 0) e++;
    return utf8.decode(h.subarray(p, e));
  }

  /** Decodes a whole buffer; on failure skips one byte (reported as size-1 '(bad)'). */
  decode(data: Uint8Array, wantText: (mnemonic: string) => boolean = () => false): CsInsn[] {
    const { mod } = this;
    const buf = Capstone.call('malloc', data.length) as number;
    const pp = Capstone.call('malloc', 4) as number;
    const out: CsInsn[] = [];
    try {
      mod.HEAPU8.set(data, buf);
      let off = 0;
      while (off < data.length) {
        const n = mod._cs_disasm(this.cs.handle, buf + off, data.length - off, BigInt(off), 1000, pp);
        if (n === 0) {
          out.push({ offset: off, size: 1, mnemonic: '(bad)', opStr: '', dispOffset: 0, dispSize: 0, immOffset: 0, immSize: 0 });
          off++;
          continue;
        }
        const base = mod.HEAPU32[pp >> 2]!;
        try {
          for (let k = 0; k < n; k++) {
            const p = base + k * CS_INSN_SIZE;
            const h = mod.HEAPU8;
            let size = h[p + 16]! | (h[p + 17]! << 8);
            const mnemonic = this.cstr(p + 42);
            const detail = mod.HEAPU32[(p + 236) >> 2]!;
            const enc = detail + 88 + 456; // cs_detail.x86.encoding
            const insn: CsInsn = {
              offset: off, size, mnemonic, opStr: wantText(mnemonic) ? this.cstr(p + 74) : '',
              dispOffset: h[enc + 1]!, dispSize: h[enc + 2]!, immOffset: h[enc + 3]!, immSize: h[enc + 4]!,
            };
            if (mnemonic === 'ud0' && data[off + size - 1] === 0xff) {
              // capstone 5 forgets ud0's ModRM operand (0f ff /r); resume after it.
              size += modrmLength(data, off + size);
              insn.size = size;
              out.push(insn);
              off += size;
              break;
            }
            out.push(insn);
            off += size;
          }
        } finally {
          mod._cs_free(base, n);
        }
      }
    } finally {
      Capstone.call('free', pp);
      Capstone.call('free', buf);
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------------
// objdump -d -w -z: (member ordinal, section name) → offset → { length, text }

interface OdInsn {
  length: number;
  text: string;
}

function objdumpInstructions(file: string): Map<string, Map<number, OdInsn>> {
  const text = execFileSync('objdump', ['-d', '-w', '-z', file], { maxBuffer: 1 << 30, encoding: 'utf8' });
  const out = new Map<string, Map<number, OdInsn>>();
  let member = -1;
  let cur: Map<number, OdInsn> | undefined;
  const line = /^ *([0-9a-f]+):\t([0-9a-f ]*)\t?(.*)$/;
  for (const l of text.split('\n')) {
    if (/^\S.*:\s+file format /.test(l)) {
      member++;
      cur = undefined;
      continue;
    }
    const sec = /^Disassembly of section (.*):$/.exec(l);
    if (sec) {
      cur = new Map();
      out.set(`${member}:${sec[1]}`, cur);
      continue;
    }
    if (!cur) continue;
    const m = line.exec(l);
    if (!m) continue;
    const bytes = m[2]!.trim();
    cur.set(parseInt(m[1]!, 16), { length: bytes === '' ? 0 : bytes.split(' ').length, text: m[3]!.trim() });
  }
  return out;
}

/** The direct branch target objdump printed ("call   25 <x+0x25>"), or undefined. */
function objdumpBranchTarget(text: string): number | undefined {
  const m = /^(?:(?:bnd|notrack|data16|addr32|rex\.?\w*|[c-gs]s) )*(?:j[a-z]+|call|loop[a-z]*|xbegin)\s+([0-9a-f]+)(?: <.*>)?$/.exec(text);
  return m ? parseInt(m[1]!, 16) : undefined;
}

// ---------------------------------------------------------------------------------------------------

const NO_LIBC = lacking(LIBC, 'objdump');

describe.skipIf(NO_LIBC !== '')(`decoding libc.a${NO_LIBC}`, () => {
  let sections: CodeSection[] = [];
  const ours = new Map<CodeSection, DecodedInstruction[]>();
  let decodeMs = 0;
  let total = 0;

  beforeAll(() => {
    sections = libcSections();
    const t = performance.now();
    for (const s of sections) {
      const insns = decodeSection(s.data, 0n);
      ours.set(s, insns);
      total += insns.length;
    }
    decodeMs = performance.now() - t;
    const bytes = sections.reduce((a, s) => a + s.data.length, 0);
    console.log(`decoded ${sections.length} sections, ${bytes} bytes, ${total} instructions in ${decodeMs.toFixed(0)} ms (fields on)`);
  });

  it('decodes every byte of every section into contiguous instructions', () => {
    expect(sections.length).toBeGreaterThan(1000);
    const bad: string[] = [];
    for (const s of sections) {
      let off = 0;
      for (const i of ours.get(s)!) {
        if (i.offset !== off || i.address !== off || i.invalid) bad.push(`${s.memberName} ${s.name}+${off.toString(16)}`);
        off += i.length;
      }
      if (off !== s.data.length) bad.push(`${s.memberName} ${s.name} ends at ${off}`);
    }
    expect(bad).toEqual([]);
  });

  describe('against capstone', () => {
    let cs: CapstoneDecoder;
    const theirs = new Map<CodeSection, CsInsn[]>();
    beforeAll(async () => {
      cs = await CapstoneDecoder.create();
      const branchy = (m: string) => m.startsWith('j') || m === 'call' || m.startsWith('loop') || m === 'xbegin';
      for (const s of sections) theirs.set(s, cs.decode(s.data, branchy));
    });

    it('finds the same instruction boundaries', () => {
      let n = 0;
      const diffs: string[] = [];
      for (const s of sections) {
        const a = ours.get(s)!.map((i) => `${i.offset}+${i.length}`);
        const b = theirs.get(s)!.map((i) => `${i.offset}+${i.size}`);
        n += b.length;
        if (a.join() !== b.join()) diffs.push(`${s.memberName} ${s.name}`);
      }
      expect(diffs).toEqual([]);
      expect(n).toBe(total);
      console.log(`capstone: ${n} instructions, identical boundaries`);
    });

    it('finds the same direct branch targets', () => {
      let n = 0;
      for (const s of sections) {
        const cap = new Map(theirs.get(s)!.map((i) => [i.offset, i]));
        for (const i of ours.get(s)!) {
          const c = cap.get(i.offset)!;
          // capstone prints small targets in decimal ("call 6") and the rest in hex
          const m = /^(0x[0-9a-f]+|\d+)$/.exec(c.opStr);
          const capTarget = m && (c.mnemonic.startsWith('j') || c.mnemonic === 'call' || c.mnemonic.startsWith('loop') || c.mnemonic === 'xbegin') ? Number(m[1]!) : undefined;
          // capstone prints targets as unsigned 64-bit; ours are signed numbers
          const mine = i.branchTarget === undefined ? undefined : Number(toBigAddress(i.branchTarget));
          if (mine !== capTarget) expect(`${s.memberName} ${s.name}+${i.offset.toString(16)} ${c.mnemonic} ${c.opStr}: ${mine}`).toBe(capTarget);
          if (mine !== undefined) n++;
        }
      }
      expect(n).toBeGreaterThan(10000);
      console.log(`capstone: ${n} direct branch targets identical`);
    });

    it('locates the same displacement and immediate fields', () => {
      let n = 0;
      const bad: string[] = [];
      for (const s of sections) {
        const cap = theirs.get(s)!;
        ours.get(s)!.forEach((i, k) => {
          const c = cap[k]!;
          const d = i.disp ? `${i.disp.offset}/${i.disp.size}` : '-';
          // capstone 5 sizes the displacement by the operand size when it is 16-bit (66 prefix, VEX.pp=01):
          // "disp32" becomes 2. Its own length proves 4 bytes when the disp runs up to the immediate or the end.
          const capDispSize = c.dispSize === 2 && c.dispOffset + 4 === (c.immSize ? c.immOffset : c.size) ? 4 : c.dispSize;
          const cd = capDispSize ? `${c.dispOffset}/${capDispSize}` : '-';
          // capstone reports only one immediate: for enter/extrq/insertq it is the last one
          const im = i.imm2 ? `${i.imm2.offset}/${i.imm2.size}` : i.imm ? `${i.imm.offset}/${i.imm.size}` : '-';
          const cim = c.immSize ? `${c.immOffset}/${c.immSize}` : '-';
          if (d !== cd || im !== cim) bad.push(`${s.memberName} ${s.name}+${i.offset.toString(16)} ${codeName(i.code)}: disp ${d} vs ${cd}, imm ${im} vs ${cim}`);
          n++;
        });
      }
      expect(bad.slice(0, 20)).toEqual([]);
      expect(n).toBe(total);
    });
  });

  describe('against objdump -d -w -z', () => {
    let od = new Map<string, Map<number, OdInsn>>();
    beforeAll(() => {
      od = objdumpInstructions(LIBC);
    });

    it('finds the same instruction boundaries', () => {
      let n = 0;
      for (const s of sections) {
        const o = od.get(`${s.member}:${s.name}`);
        expect(o, `${s.memberName} ${s.name}`).toBeDefined();
        const a = ours.get(s)!.map((i) => `${i.offset}+${i.length}`).join();
        const b = [...o!].map(([off, i]) => `${off}+${i.length}`).join();
        expect(a, `${s.memberName} ${s.name}`).toBe(b);
        n += o!.size;
      }
      expect(n).toBe(total);
    });

    it('finds the same direct branch targets', () => {
      let n = 0;
      for (const s of sections) {
        const o = od.get(`${s.member}:${s.name}`)!;
        for (const i of ours.get(s)!) {
          const t = objdumpBranchTarget(o.get(i.offset)!.text);
          const mine = i.branchTarget === undefined ? undefined : Number(toBigAddress(i.branchTarget));
          if (t !== mine) expect(`${s.memberName} ${s.name}+${i.offset.toString(16)} ${o.get(i.offset)!.text}: ${mine}`).toBe(t);
          if (t !== undefined) n++;
        }
      }
      expect(n).toBeGreaterThan(10000);
    });

    it('finds the same syscall sites, and only real ones among the 0f 05 byte pairs', () => {
      const odSites = new Set<string>();
      const ourSites = new Set<string>();
      let raw = 0;
      let inside = 0;
      for (const s of sections) {
        for (const [off, i] of od.get(`${s.member}:${s.name}`)!) if (/^syscall\b/.test(i.text)) odSites.add(`${s.member}:${s.name}:${off}`);
        const insns = ours.get(s)!;
        for (const i of insns) if (i.isSyscall) ourSites.add(`${s.member}:${s.name}:${i.offset}`);
        const starts = new Set(insns.map((i) => i.offset));
        for (let p = 0; p + 1 < s.data.length; p++) {
          if (s.data[p] !== 0x0f || s.data[p + 1] !== 0x05) continue;
          raw++;
          if (!starts.has(p)) inside++;
        }
      }
      console.log(`syscall sites: ${ourSites.size} decoded (objdump ${odSites.size}), ${raw} raw 0f 05 pairs, ${inside} inside other instructions`);
      expect([...ourSites].sort()).toEqual([...odSites].sort());
      expect(odSites.size).toBeGreaterThan(100);
      expect(raw - inside).toBe(ourSites.size);
    });
  });

  it('puts every relocation of an executable section on a displacement or immediate field of the right size', () => {
    const R_X86_64_TLSDESC_CALL = 35;
    const width: Record<number, number> = { 1: 8, 2: 4, 4: 4, 9: 4, 10: 4, 11: 4, 19: 4, 20: 4, 21: 4, 22: 4, 23: 4, 24: 8, 26: 4, 34: 4, 41: 4, 42: 4 };
    let n = 0;
    const bad: string[] = [];
    for (const s of sections) {
      const insns = ours.get(s)!;
      for (const r of s.relocs) {
        // binary search for the instruction containing r.offset
        let lo = 0;
        let hi = insns.length - 1;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (insns[mid]!.offset <= r.offset) lo = mid;
          else hi = mid - 1;
        }
        const i = insns[lo]!;
        const at = r.offset - i.offset;
        n++;
        if (r.type === R_X86_64_TLSDESC_CALL) {
          // marks the `call *(%rax)` itself, not a field
          if (at !== 0) bad.push(`${s.memberName} ${s.name}+${r.offset.toString(16)} TLSDESC_CALL inside ${codeName(i.code)}`);
          continue;
        }
        const f = [i.disp, i.imm, i.imm2].find((f) => f !== undefined && f.offset === at);
        const w = width[r.type];
        if (!f || w === undefined || f.size !== w) bad.push(`${s.memberName} ${s.name}+${r.offset.toString(16)} type ${r.type} at +${at} of ${codeName(i.code)} (disp ${JSON.stringify(i.disp)} imm ${JSON.stringify(i.imm)})`);
      }
    }
    expect(bad).toEqual([]);
    expect(n).toBeGreaterThan(10000);
    console.log(`relocations on fields: ${n}`);
  });
});

// ---------------------------------------------------------------------------------------------------

describe('decode facts on assembled snippets', () => {
  let ks: Keystone;
  beforeAll(async () => {
    await loadKeystone();
    ks = new Keystone(KsConst.KS_ARCH_X86, KsConst.KS_MODE_64);
    // AT&T; after setOption keystone reads every literal as hex, so all literals below are written 0x...
    ks.setOption(KsConst.KS_OPT_SYNTAX, KsConst.KS_OPT_SYNTAX_ATT);
  });
  const asm = (src: string, address = 0x401000): Uint8Array => ks.asm(src, { address });

  it('tells rel8 from rel32 branches and computes their targets', () => {
    const base = 0x401000;
    const bytes = asm(`top: jmp top\n je top\n ${'nop\n'.repeat(0x100)} jne top\n call top\n jmp top\nnear: loop near\n jrcxz near`, base);
    const insns = decodeSection(bytes, BigInt(base)).filter((i) => i.mnemonic !== 'nop');
    const near = insns[5]!.address;
    expect(near).toBe(base + 2 + 2 + 0x100 + 6 + 5 + 5);
    expect(insns.map((i) => [i.mnemonic, i.relSize, i.branchTarget, i.flow])).toEqual([
      ['jmp', 1, base, 'jump'],
      ['je', 1, base, 'cond-jump'],
      ['jne', 4, base, 'cond-jump'],
      ['call', 4, base, 'call'],
      ['jmp', 4, base, 'jump'],
      ['loop', 1, near, 'cond-jump'],
      ['jrcxz', 1, near, 'cond-jump'],
    ]);
    for (const i of insns) expect(i.imm).toEqual({ offset: i.length - i.relSize, size: i.relSize });
    expect(insns.map((i) => codeName(i.code))).toEqual(['Jmp_rel8_64', 'Je_rel8_64', 'Jne_rel32_64', 'Call_rel32_64', 'Jmp_rel32_64', 'Loop_rel8_64_RCX', 'Jrcxz_rel8_64']);
    expect(relSize(Code.Jmp_rel32_64)).toBe(4);
    expect(nearBranchCode(Code.Je_rel8_64)).toBe(Code.Je_rel32_64);
    expect(shortBranchCode(Code.Jmp_rel32_64)).toBe(Code.Jmp_rel8_64);
    expect(nearBranchCode(Code.Loop_rel8_64_RCX)).toBeUndefined();
    expect(shortBranchCode(Code.Call_rel32_64)).toBeUndefined();
    expect(relSize(Code.Mov_r64_rm64)).toBe(0);
  });

  it('computes RIP-relative targets and field offsets', () => {
    const base = 0x401000;
    const bytes = asm('movq msg(%rip), %rax\n cmpb $0x7, msg(%rip)\n movl $0x12345678, msg(%rip)\n lea 0x10(%rsp,%rbx,0x4), %rdi\n movabs $0x1122334455667788, %rax\n syscall\nmsg: ret', base);
    const insns = decodeSection(bytes, BigInt(base)).slice(0, -1);
    const msg = base + bytes.length - 1;
    expect(insns.map((i) => [i.mnemonic, i.ripTarget, i.disp, i.imm, i.isSyscall])).toEqual([
      ['mov', msg, { offset: 3, size: 4 }, undefined, false],
      ['cmp', msg, { offset: 2, size: 4 }, { offset: 6, size: 1 }, false],
      ['mov', msg, { offset: 2, size: 4 }, { offset: 6, size: 4 }, false],
      ['lea', undefined, { offset: 4, size: 1 }, undefined, false],
      ['movabs', undefined, undefined, { offset: 2, size: 8 }, false],
      ['syscall', undefined, undefined, undefined, true],
    ]);
    // RIP-relative target = end of instruction + disp32, read from the bytes independently
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (const i of insns.slice(0, 3)) expect(base + i.offset + i.length + dv.getInt32(i.offset + i.disp!.offset, true)).toBe(i.ripTarget);
    expect(dv.getBigUint64(insns[4]!.offset + 2, true)).toBe(0x1122334455667788n);
  });

  it('handles kernel-half addresses and wrap-around as signed numbers', () => {
    const kbase = 0xffffffff81000000n;
    const bytes = asm('jmp .+0x10\n call .-0x5\n mov 0x0(%rip), %eax', 0); // assembled at 0, position-independent
    const insns = decodeSection(bytes, kbase);
    expect(insns.map((i) => toBigAddress(i.address))).toEqual([kbase, kbase + 2n, kbase + 7n]);
    expect(toBigAddress(insns[0]!.branchTarget!)).toBe(kbase + 0x10n);
    expect(toBigAddress(insns[1]!.branchTarget!)).toBe(kbase + 2n - 5n);
    expect(toBigAddress(insns[2]!.ripTarget!)).toBe(kbase + 13n);
    const wrap = decodeSection(asm('call .-0x20', 0), 0n);
    expect(toBigAddress(wrap[0]!.branchTarget!)).toBe(0xffffffffffffffe0n);
    expect(toNumericAddress(0xffffffff81000000n)).toBe(-0x7f000000);
    expect(() => toNumericAddress(0x8000000000000000n)).toThrow(RangeError);
  });

  it('treats undecodable bytes as one-byte (bad) and resynchronises', () => {
    // 06 (push %es) is invalid in 64-bit mode; objdump prints "(bad)" and continues at the next byte
    const insns = decodeSection(new Uint8Array([0x06, 0x90, 0x0f, 0x05, 0xe9]), 0n);
    expect(insns.map((i) => [i.offset, i.length, i.mnemonic, i.invalid])).toEqual([
      [0, 1, '(bad)', true],
      [1, 1, 'nop', false],
      [2, 2, 'syscall', false],
      [4, 1, '(bad)', true], // truncated jmp rel32 at the end of the buffer
    ]);
  });

  it('cuts instructions where objdump does in objdump mode', async () => {
    // fwait + fnstcw: one instruction to objdump (fstcw), two to the CPU, iced and capstone
    const bytes = new Uint8Array([0x9b, 0xd9, 0x7c, 0x24, 0x02, 0x48, 0x66, 0x90, 0x06, 0xe9, 0x00]);
    const cpu = decodeSection(bytes, 0n);
    const od = decodeSection(bytes, 0n, { objdump: true });
    expect(cpu.map((i) => [i.mnemonic, i.length])).toEqual([['fwait', 1], ['fnstcw', 4], ['xchg', 3], ['(bad)', 1], ['(bad)', 1], ['(bad)', 1]]);
    expect(od.map((i) => [i.mnemonic, i.length, i.invalid, i.truncated])).toEqual([
      ['fstcw', 5, false, false],
      ['(bad)', 1, true, false], // a REX prefix followed by another prefix stands alone: "rex.W"
      ['xchg', 2, false, false], // 66 90: xchg %ax,%ax
      ['(bad)', 1, true, false], // 06 is invalid in 64-bit mode
      ['(bad)', 1, true, true], // jmp rel32 cut off by the end of the buffer
      ['(bad)', 1, true, true],
    ]);
    // the merged instruction's fields are shifted past the fwait; capstone sees d9 7c 24 02 on its own
    const cs = await CapstoneDecoder.create();
    const c = cs.decode(bytes.subarray(1, 5))[0]!;
    expect(od[0]!.disp).toEqual({ offset: 1 + c.dispOffset, size: c.dispSize });
    expect(cpu[1]!.disp).toEqual({ offset: c.dispOffset, size: c.dispSize });
  });

  it('streams the same instructions through the iterator and the callback forms', () => {
    const bytes = asm('push %rbp\n mov %rsp, %rbp\n xor %eax, %eax\n pop %rbp\n ret');
    const all = decodeSection(bytes, 0x1000n);
    expect([...instructions(bytes, 0x1000n)]).toEqual(all);
    const seen: DecodedInstruction[] = [];
    forEachInstruction(bytes, 0x1000n, (i, raw) => {
      expect(raw.length).toBe(i.length);
      seen.push(i);
      return seen.length < 2;
    });
    expect(seen).toEqual(all.slice(0, 2));
    expect(all.map((i) => i.flow)).toEqual(['next', 'next', 'next', 'next', 'return']);
    // an iterator abandoned early must not leak or throw
    for (const i of instructions(bytes)) if (i.offset > 0) break;
  });
});
