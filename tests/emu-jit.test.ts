// Block translation (src/emu/jit/) where it differs from interpretation by construction: a store into code
// the translated block is running or has compiled (self-modifying code must be seen at the next
// instruction, as x86 guarantees), a fault in the middle of a translated block (rip, registers and the
// instruction count must be those of the faulting instruction), loops that stay inside one translated
// function, and flags that live across blocks. Each snippet runs with translation off, eager and after a
// few runs; the expected values follow from the architecture, and all three modes must agree with them.
import { describe, expect, it } from 'vitest';
import { runSnippet, type SnippetResult } from '../src/emu/snippet.ts';
import type { JitMode } from '../src/emu/jit/block.ts';
import { Rng } from './helpers/mutate.ts';

const MODES: JitMode[] = ['off', 'eager', 3];
const CODE = 0x400000n;

function run(code: number[], mode: JitMode, writable = false, regs: (bigint | undefined)[] = []): SnippetResult {
  const bytes = Uint8Array.from(code);
  return runSnippet(bytes, { regs, memory: writable ? [{ address: CODE, bytes }] : [] }, { codeAddress: CODE, jit: mode });
}

describe('block translation keeps the interpreter\'s semantics', () => {
  for (const mode of MODES) {
    it(`a store into the next instruction of the same block is executed (jit ${mode})`, () => {
      const r = run([
        0x48, 0x8d, 0x35, 0x07, 0x00, 0x00, 0x00, // lea rsi, [rip+7]  (the imm32 of the mov below)
        0xc7, 0x06, 0x2a, 0x00, 0x00, 0x00, //       mov dword [rsi], 42
        0xb8, 0x07, 0x00, 0x00, 0x00, //             mov eax, 7   (becomes mov eax, 42)
        0xcc, //                                     int3
      ], mode, true);
      expect(r.stop.kind).toBe('breakpoint');
      expect(r.regs[0]).toBe(42n);
    });

    it(`a hot loop patched by later code runs the patched instruction (jit ${mode})`, () => {
      const r = run([
        0xb9, 0xc8, 0x00, 0x00, 0x00, //             0: mov ecx, 200
        0x83, 0xc0, 0x01, //                          5: add eax, 1      (imm at 7)
        0xff, 0xc9, //                                8: dec ecx
        0x75, 0xf9, //                               10: jnz 5
        0x85, 0xdb, //                               12: test ebx, ebx
        0x75, 0x16, //                               14: jnz 38
        0xbb, 0x01, 0x00, 0x00, 0x00, //             16: mov ebx, 1
        0x48, 0x8d, 0x35, 0xeb, 0xff, 0xff, 0xff, // 21: lea rsi, [rip-21]  (= 7)
        0xc6, 0x06, 0x05, //                         28: mov byte [rsi], 5
        0xb9, 0xc8, 0x00, 0x00, 0x00, //             31: mov ecx, 200
        0xeb, 0xdf, //                               36: jmp 5
        0xcc, //                                     38: int3
      ], mode, true);
      expect(r.stop.kind).toBe('breakpoint');
      expect(r.regs[0]).toBe(200n * 1n + 200n * 5n);
    });

    it(`a fault inside a block stops at the faulting instruction with the earlier ones done (jit ${mode})`, () => {
      // Run the block a few times first (rcx counts down), so that the translated code is the one faulting.
      const r = run([
        0xb9, 0x05, 0x00, 0x00, 0x00, //             0: mov ecx, 5
        0xb8, 0x01, 0x00, 0x00, 0x00, //             5: mov eax, 1
        0xbb, 0x02, 0x00, 0x00, 0x00, //            10: mov ebx, 2
        0x48, 0x8b, 0x16, //                         15: mov rdx, [rsi]   (rsi = 0 on the last round)
        0xbf, 0x03, 0x00, 0x00, 0x00, //             18: mov edi, 3
        0xff, 0xc9, //                               23: dec ecx
        0x48, 0x0f, 0x44, 0xf7, //                   25: cmove rsi, rdi   (rdi = 3: unmapped)
        0xeb, 0xe6, //                               29: jmp 5
      ], mode, false, [0n, 0n, 0n, 0n, undefined, 0n, 0x7ffeff00n]); // rsi: on the snippet's stack
      expect(r.stop.kind).toBe('exception');
      if (r.stop.kind !== 'exception') return;
      expect(r.stop.vector).toBe(14);
      expect(r.rip).toBe(CODE + 15n);
      expect(r.regs.slice(0, 3)).toEqual([1n, 0n, 0n]); // eax = 1, ecx = 0; rdx untouched by the faulting load
      expect(r.regs[3]).toBe(2n);
      // 1 + 5 rounds of 7 instructions, then 2 of the sixth round; the faulting load is not counted.
      expect(r.cpu.icount).toBe(1 + 5 * 7 + 2);
    });

    it(`a loop across two pages sees code written into the second page (jit ${mode})`, () => {
      // The loop's blocks on both pages form one region; patching the second page must reach it at once.
      const first = [
        0xb9, 0xc8, 0x00, 0x00, 0x00, //             0x400000: mov ecx, 200
        0x31, 0xd2, //                               0x400005: xor edx, edx
        0xe9, 0xf4, 0x0f, 0x00, 0x00, //             0x400007: jmp 0x401000
        0x01, 0xc2, //                               0x40000c: add edx, eax
        0x83, 0xf9, 0x64, //                         0x40000e: cmp ecx, 100
        0x75, 0x08, //                               0x400011: jne 0x40001b
        0xc6, 0x04, 0x25, 0x01, 0x10, 0x40, 0x00, 0x02, // 0x400013: mov byte [0x401001], 2
        0xff, 0xc9, //                               0x40001b: dec ecx
        0x0f, 0x85, 0xdd, 0x0f, 0x00, 0x00, //       0x40001d: jnz 0x401000
        0xcc, //                                     0x400023: int3
      ];
      const second = [
        0xb8, 0x01, 0x00, 0x00, 0x00, //             0x401000: mov eax, 1   (2 once patched)
        0xe9, 0x02, 0xf0, 0xff, 0xff, //             0x401005: jmp 0x40000c
      ];
      const r = run([...first, ...new Array<number>(0x1000 - first.length).fill(0x90), ...second], mode, true);
      expect(r.stop.kind).toBe('breakpoint');
      // ecx 200..100 add 1 (101 rounds), 99..1 add 2.
      expect(r.regs[2]).toBe(101n + 99n * 2n);
    });

    // A loop of several blocks (an if/else, a call and a return inside it) compiles into one region: the
    // result, the instruction count and a stop at any instruction budget must be the architecture's.
    const LOOP = [
      0x31, 0xc0, //                               0: xor eax, eax
      0xb9, 0xe8, 0x03, 0x00, 0x00, //             2: mov ecx, 1000
      0xf6, 0xc1, 0x01, //                         7: test cl, 1
      0x74, 0x05, //                              10: jz 17
      0x83, 0xc0, 0x03, //                        12: add eax, 3
      0xeb, 0x03, //                              15: jmp 20
      0x83, 0xc0, 0x05, //                        17: add eax, 5
      0xe8, 0x05, 0x00, 0x00, 0x00, //            20: call 30
      0xff, 0xc9, //                              25: dec ecx
      0x75, 0xea, //                              27: jnz 7
      0xcc, //                                    29: int3
      0x01, 0xc2, //                              30: add edx, eax
      0xc3, //                                    32: ret
    ];
    /** eax, edx and instructions done after `limit` instructions of LOOP (the breakpoint not counted). */
    function loopModel(limit: number): [number, number, number] {
      let eax = 0, edx = 0, n = 2;
      for (let ecx = 1000; ecx > 0 && n < limit; ecx--) {
        const odd = (ecx & 1) === 1;
        // test, jz, add, [jmp], call, add edx, ret, dec, jnz: stop part-way when the budget ends.
        const steps = odd ? ['t', 'j', 'a3', 'jmp', 'call', 'd', 'r', 'dec', 'jnz'] : ['t', 'j', 'a5', 'call', 'd', 'r', 'dec', 'jnz'];
        for (const st of steps) {
          if (n >= limit) break;
          if (st === 'a3') eax += 3;
          if (st === 'a5') eax += 5;
          if (st === 'd') edx = (edx + eax) >>> 0;
          n++;
        }
      }
      return [eax, edx, Math.min(n, limit)];
    }

    it(`a loop of several blocks with a call in it runs exactly, and stops exactly at the budget (jit ${mode})`, () => {
      const r = run(LOOP, mode);
      const [eax, edx, n] = loopModel(Infinity);
      expect(r.stop.kind).toBe('breakpoint');
      expect([r.regs[0], r.regs[2], r.regs[1]]).toEqual([BigInt(eax), BigInt(edx), 0n]);
      expect(r.cpu.icount).toBe(n);
      for (const limit of [1234, 5001, 8000, 8499]) {
        const bytes = Uint8Array.from(LOOP);
        const b = runSnippet(bytes, { memory: [] }, { codeAddress: CODE, jit: mode, maxInstructions: limit });
        const [e, d, k] = loopModel(limit);
        expect(b.stop.kind, `budget ${limit}`).toBe('limit');
        expect([b.cpu.icount, b.regs[0], b.regs[2]], `budget ${limit}`).toEqual([k, BigInt(e), BigInt(d)]);
      }
    });

    it(`flags set before a jump are read after it, inside a compiled region (jit ${mode})`, () => {
      const r = run([
        0xbe, 0x64, 0x00, 0x00, 0x00, //             0: mov esi, 100
        0xb8, 0xff, 0xff, 0xff, 0xff, //             5: mov eax, -1
        0x83, 0xc0, 0x01, //                         10: add eax, 1     (CF = ZF = PF = 1)
        0xeb, 0x00, //                               13: jmp 15         (a forward edge of the region)
        0x0f, 0x92, 0xc3, //                         15: setb bl
        0x0f, 0x94, 0xc7, //                         18: sete bh
        0x0f, 0x9a, 0xc1, //                         21: setp cl
        0x01, 0xda, //                               24: add edx, ebx   (clears CF and ZF)
        0x0f, 0xb6, 0xc9, //                         26: movzx ecx, cl
        0x01, 0xcf, //                               29: add edi, ecx
        0xff, 0xce, //                               31: dec esi
        0x75, 0xe2, //                               33: jnz 5
        0xcc, //                                     35: int3
      ], mode);
      expect(r.stop.kind).toBe('breakpoint');
      expect([r.regs[2], r.regs[7]]).toEqual([100n * 0x0101n, 100n]);
    });

    it(`flags set in one block are read in the next (jit ${mode})`, () => {
      const r = run([
        0xb8, 0xff, 0xff, 0xff, 0xff, //             0: mov eax, -1
        0x83, 0xc0, 0x01, //                          5: add eax, 1     (CF = 1, ZF = 1)
        0xeb, 0x00, //                                8: jmp 10         (ends the block)
        0x0f, 0x92, 0xc3, //                         10: setb bl
        0x0f, 0x94, 0xc7, //                         13: sete bh
        0x0f, 0x9a, 0xc1, //                         16: setp cl        (PF of 0: even parity)
        0xcc, //                                     19: int3
      ], mode);
      expect(r.stop.kind).toBe('breakpoint');
      expect(r.regs[3] & 0xffffn).toBe(0x0101n);
      expect(r.regs[1] & 0xffn).toBe(1n);
    });
  }
});


/** What a run ended with, as comparable text (stop, rip, registers, flags, xmm, MXCSR, instruction count, data page). */
function outcome(r: SnippetResult): string {
  const stop = JSON.stringify(r.stop, (_, v) => (typeof v === 'bigint' ? v.toString(16) : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v));
  const xmm = r.xmm.map((x) => Buffer.from(x).toString('hex')).join(' ');
  const data = Buffer.from(r.read(0x600000n, 4096)).toString('hex');
  return `${stop}\nrip ${r.rip.toString(16)} flags ${r.rflags.toString(16)} mxcsr ${r.mxcsr.toString(16)} icount ${r.cpu.icount}\n${r.regs.map((g) => g.toString(16)).join(' ')}\n${xmm}\n${data}`;
}

describe('random code: translated exactly as interpreted', () => {
  for (const ring of [3, 0] as const) {
    it(`ring ${ring}: 300 runs of random bytes end identically with blocks compiled and with none`, () => {
      const prng = new Rng(ring === 3 ? 0xc0ffee : 0xbadf00d);
      const next = () => prng.next();
      let differ = 0;
      const first: string[] = [];
      for (let i = 0; i < 300; i++) {
        // Mostly valid integer code: random bytes after a few register moves, so blocks are long enough to translate.
        const len = 24 + (next() % 64);
        const code = Uint8Array.from({ length: len }, () => next() & 0xff);
        const data = Uint8Array.from({ length: 4096 }, () => next() & 0xff);
        const regs = Array.from({ length: 16 }, (_, r) => (r === 4 ? undefined : next() & 1 ? 0x600000n + BigInt(next() % 4000) : BigInt(next()) << BigInt(next() % 40)));
        const state = { regs, rflags: 0x202 | (next() & 0x8d5), memory: [{ address: 0x600000n, bytes: data }] };
        const opts = { maxInstructions: 2000, ring, memorySize: 4 * 1024 * 1024 };
        const a = outcome(runSnippet(code, state, { ...opts, jit: 'off' }));
        // Every block compiled alone on its first run, and regions of blocks compiled after two runs.
        for (const jit of ['eager', 2] as const) {
          const b = outcome(runSnippet(code, state, { ...opts, jit }));
          if (a !== b) {
            differ++;
            if (first.length < 2) first.push(`${Buffer.from(code).toString('hex')}\n--- interpreted\n${a.slice(0, 600)}\n--- translated (${jit})\n${b.slice(0, 600)}`);
          }
        }
      }
      expect(first, `${differ} of 600 translated runs differ`).toEqual([]);
    }, 120_000);
  }
});
