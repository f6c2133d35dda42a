// System-level behaviour of the CPU, with expectations taken from the Intel SDM (not from the emulator):
// the PVH entry state (32-bit protected mode, paging off) switching to long mode through CR4.PAE, EFER.LME and
// CR0.PG and a far jump; IDT delivery of #PF with its error code (P | I/D for a fetch from an NX page) and CR2
// and of #UD; iretq; hlt with interrupts off; a triple fault. Fixtures are assembled with GNU as at test time.
// Plus user-mode (ring 3) behaviour through runSnippet: privileged instructions #GP, #DE, alignment faults.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Cpu, runSnippet } from '../src/emu/index.ts';
import { IN_CI, ROOT, commandExists } from './helpers/link.ts';

const tmp = mkdtempSync(join(tmpdir(), 'ukl-emu-cpu-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const HAVE_AS = commandExists('as') && commandExists('ld') && commandExists('objcopy') && commandExists('nm');

/** Assemble tests/emu-fixtures/NAME.S as a flat binary linked at `base`. */
function assemble(name: string, base: number): Uint8Array {
  const src = join(ROOT, 'tests', 'emu-fixtures', `${name}.S`);
  const o = join(tmp, `${name}.o`), elf = join(tmp, `${name}.elf`), bin = join(tmp, `${name}.bin`);
  execFileSync('as', ['--64', src, '-o', o]);
  execFileSync('ld', ['-m', 'elf_x86_64', `-Ttext=0x${base.toString(16)}`, '-e', '_start', o, '-o', elf]);
  execFileSync('objcopy', ['-O', 'binary', elf, bin]);
  return readFileSync(bin);
}

/** A symbol's address in an assembled fixture (from nm). */
function symbol(name: string, sym: string): number {
  const nm = execFileSync('nm', [join(tmp, `${name}.elf`)], { encoding: 'utf8' });
  const m = new RegExp(`^([0-9a-f]+) \\w ${sym}$`, 'm').exec(nm);
  if (!m) throw new Error(`${sym} not in ${name}`);
  return parseInt(m[1], 16);
}

function machine(image: Uint8Array, at: number) {
  const out: [number, number][] = [];
  // An interrupt controller with vector 0x20 pending once the guest has written port 0xf4.
  let armed = false;
  const interrupts = { pending: () => (armed ? 0x20 : -1), acknowledge: () => void (armed = false) };
  const ports = { in: () => 0xffffffff, out: (port: number, _size: number, v: number) => { out.push([port, v]); if (port === 0xf4) armed = true; } };
  const cpu = new Cpu({ memorySize: 8 << 20, ports, interrupts });
  cpu.ram.set(image, at);
  cpu.setRip(BigInt(at));
  return { cpu, out };
}

describe('system mode from the PVH entry state', () => {
  it.skipIf(!HAVE_AS && !IN_CI)('switches to long mode, delivers #PF and #UD through the IDT, returns with iretq, takes an external interrupt in hlt, halts (GNU as missing: skipped)', () => {
    const { cpu, out } = machine(assemble('long-mode', 0x100000), 0x100000);
    expect(cpu.bits).toBe(32);
    const r = cpu.run(100_000);
    expect(r.kind).toBe('halt');
    expect(cpu.bits).toBe(64);
    expect(cpu.efer & 0x400).toBe(0x400); // LMA
    const ports = new Map(out);
    expect(ports.get(0xf0)).toBe(0x56789abc); // low half of rax, written from 64-bit code
    expect(ports.get(0xf1)).toBe(0x200000); // CR2 = the NX page
    expect(ports.get(0xf2)).toBe(0x11); // error code: P (bit 0) | I/D (bit 4)
    expect(ports.get(0xf3)).toBe(0x200000); // the pushed rip is the faulting fetch address
    // #UD pushes the address of ud2, which follows the call that faulted and was resumed by iretq.
    expect(ports.get(0xf4)).toBe(symbol('long-mode', 'after_pf'));
    // sti; hlt waits; the interrupt runs its handler (0xf6), iretq returns after the hlt (0xf5); cli; hlt stops.
    expect(out.map(([p]) => p)).toEqual([0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf6, 0xf5]);
  });

  it.skipIf(!HAVE_AS && !IN_CI)('stops with a triple fault when neither the exception nor #DF can be delivered (GNU as missing: skipped)', () => {
    const { cpu } = machine(assemble('triple-fault', 0x100000), 0x100000);
    const r = cpu.run(1000);
    expect(r.kind).toBe('triple-fault');
    if (r.kind === 'triple-fault') expect(r.diagnosis).toMatch(/#UD/);
  });
  it.skipIf(!HAVE_AS && !IN_CI)('invlpg anywhere in a 2 MiB page drops all of its translations (GNU as missing: skipped)', () => {
    const { cpu, out } = machine(assemble('large-page-invlpg', 0x100000), 0x100000);
    expect(cpu.run(10_000).kind).toBe('halt');
    // Before the remap: physical 2 MiB; after it, both 4 KiB pieces read physical 4 MiB.
    expect(out).toEqual([[0xf0, 0x1111], [0xf1, 0x2222], [0xf2, 0x4444], [0xf3, 0x3333]]);
  });
});

describe('ring 3 through runSnippet', () => {
  const code = (...b: number[]) => Uint8Array.from(b);
  const stop = (bytes: Uint8Array, regs: bigint[] = [], memory?: { address: bigint; bytes: Uint8Array }[]) => runSnippet(bytes, { regs, memory }).stop;

  it('privileged instructions raise #GP(0) in ring 3', () => {
    for (const insn of [code(0x0f, 0x22, 0xd8) /* mov %rax,%cr3 */, code(0x0f, 0x30) /* wrmsr */, code(0xfa) /* cli */, code(0xe6, 0x80) /* out %al,$0x80 */]) {
      const s = runSnippet(insn, {}).stop;
      expect(s.kind === 'exception' && s.vector, Buffer.from(insn).toString('hex')).toBe(13);
      if (s.kind === 'exception') expect(s.errorCode).toBe(0);
    }
  });

  it('div by zero and a quotient overflow raise #DE', () => {
    const z = stop(code(0x48, 0xf7, 0xf1, 0xcc), [1n, 0n]); // div %rcx with rcx = 0
    expect(z.kind === 'exception' ? z.vector : -1).toBe(0);
    // rdx:rax = 2^64, divisor 1: quotient does not fit
    const s = stop(code(0x48, 0xf7, 0xf1, 0xcc), [0n, 1n, 1n]);
    expect(s.kind === 'exception' ? s.vector : -1).toBe(0);
  });

  it('movaps from a misaligned address raises #GP; movups does not', () => {
    const mem = [{ address: 0x600000n, bytes: new Uint8Array(64) }];
    const a = stop(code(0x0f, 0x28, 0x07, 0xcc), [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0x600008n], mem); // movaps (%rdi),%xmm0
    expect(a.kind === 'exception' ? a.vector : -1).toBe(13);
    const u = stop(code(0x0f, 0x10, 0x07, 0xcc), [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0x600008n], mem); // movups
    expect(u.kind).toBe('breakpoint');
  });

  it('a write to a read-only page is #PF with P | W | U and CR2 = the address', () => {
    const s = stop(code(0x88, 0x07, 0xcc), [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0x600010n], [{ address: 0x600000n, bytes: new Uint8Array(32), writable: false } as never]);
    expect(s.kind).toBe('exception');
    if (s.kind === 'exception') {
      expect(s.vector).toBe(14);
      expect(s.errorCode).toBe(7);
      expect(s.cr2).toBe(0x600010n);
    }
  });

  it('a non-canonical address raises #GP', () => {
    const s = stop(code(0x8a, 0x07, 0xcc), [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0x0000800000000000n]);
    expect(s.kind === 'exception' ? s.vector : -1).toBe(13);
  });
});
