// Fuzzing the CPU: random bytes executed as guest code in ring 3 and in ring 0 never crash or hang the host:
// every run ends in a guest exception, a breakpoint/halt, an unimplemented-instruction diagnosis or the
// instruction limit, and the CPU stays usable (its registers can be read).
import { describe, expect, it } from 'vitest';
import { runSnippet } from '../src/emu/index.ts';
import { Rng } from './helpers/mutate.ts';


const KINDS = new Set(['exception', 'breakpoint', 'halt', 'unimplemented', 'limit', 'triple-fault']);

function fuzz(ring: 0 | 3, runs: number, seed: number): Map<string, number> {
  const prng = new Rng(seed);
  const next = () => prng.next();
  const seen = new Map<string, number>();
  for (let i = 0; i < runs; i++) {
    const len = 16 + (next() % 48);
    const code = Uint8Array.from({ length: len }, () => next() & 0xff);
    const data = Uint8Array.from({ length: 4096 }, () => next() & 0xff);
    // Registers point into the data page half the time, so memory operands often hit mapped memory.
    const regs = Array.from({ length: 16 }, (_, r) => (r === 4 ? undefined : next() & 1 ? 0x600000n + BigInt(next() % 4000) : BigInt(next()) << BigInt(next() % 40)));
    let r;
    try {
      r = runSnippet(code, { regs, memory: [{ address: 0x600000n, bytes: data }] }, { maxInstructions: 5000, ring, memorySize: 4 * 1024 * 1024 });
    } catch (e) {
      throw new Error(`seed ${seed} run ${i}: host exception for ${Buffer.from(code).toString('hex')}: ${(e as Error).stack}`);
    }
    expect(KINDS.has(r.stop.kind), `run ${i}: ${JSON.stringify(r.stop, (_, v) => (typeof v === 'bigint' ? v.toString(16) : v))}`).toBe(true);
    expect(r.regs).toHaveLength(16);
    seen.set(r.stop.kind, (seen.get(r.stop.kind) ?? 0) + 1);
  }
  return seen;
}

describe('random bytes as guest code', () => {
  it('ring 3: 800 runs end in a guest exception, a breakpoint, a diagnosis or the limit', () => {
    const seen = fuzz(3, 800, 0x1234567);
    // Random bytes fault almost always; the test must have exercised exceptions.
    expect(seen.get('exception') ?? 0).toBeGreaterThan(100);
  }, 120_000);

  it('ring 0 (no IDT): 800 runs end the same way, privileged instructions included', () => {
    const seen = fuzz(0, 800, 0x7654321);
    expect(seen.get('exception') ?? 0).toBeGreaterThan(100);
  }, 120_000);
});
