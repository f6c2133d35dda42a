// ukl-run IMAGE against QEMU: the PVH test images (test-objects/pvh-images) boot in
// qemu-system-x86_64 -accel tcg and in ukl-run with byte-identical console output, and the exit
// statuses agree (QEMU's isa-debug-exit turns the guest's value v into (v << 1) | 1; ukl-run reports v;
// an i8042 reset ends both with 0). The emulator's own endings (instruction limit, timeout, faults,
// bad images) give one line on stderr and their documented status. Last, a fuzz run: random bytes
// executed in 64-bit ring 0 never crash or hang the host.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootMachine } from '../src/emu/system-run.ts';
import { EXIT_INSTRUCTION_LIMIT, EXIT_TIMEOUT, EXIT_UNHANDLED_EXCEPTION, EXIT_USAGE } from '../src/emu/exit-status.ts';
import { ukl, ROOT } from './helpers/tools.ts';

const IMAGES = join(ROOT, 'test-objects', 'pvh-images');
const QEMU = 'qemu-system-x86_64';
const haveQemu = spawnSync(QEMU, ['--version']).status === 0;
if (!haveQemu && process.env.CI === 'true') throw new Error(`${QEMU} is required in CI`);

/**
 * Boot an image in QEMU: TCG, isa-debug-exit at 0xf4, SeaBIOS's serial console off, COM1 into a file
 * (with `-serial stdio`, QEMU quits when its stdin reaches EOF, which cuts a run short under a test runner).
 */
function qemu(image: string, append: string): { status: number; stdout: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ukl-qemu-'));
  try {
    const out = join(dir, 'com1');
    const r = spawnSync(
      QEMU,
      ['-accel', 'tcg', '-m', '128M', '-display', 'none', '-monitor', 'none', '-serial', `file:${out}`, '-no-reboot',
        '-fw_cfg', 'name=etc/sercon-port,string=0', '-device', 'isa-debug-exit,iobase=0xf4,iosize=4', '-kernel', image, '-append', append],
      { encoding: 'latin1', timeout: 60_000 },
    );
    return { status: r.status ?? -1, stdout: readFileSync(out, 'latin1') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const cases: [string, string][] = [
  ['hello32.elf', 'console=ttyS0 a "b c"'],
  ['hello32.elf', ''],
  ['long64.elf', 'x y'],
  ['long64.elf', 'reboot'],
];

describe.skipIf(!haveQemu)(`PVH images in QEMU and ukl-run (skipped when ${QEMU} is missing)`, () => {
  for (const [img, append] of cases) {
    it(`${img} --append '${append}': same console output, same exit`, () => {
      const path = join(IMAGES, img);
      const q = qemu(path, append);
      const u = ukl('ukl-run', ['--append', append, path]);
      expect(u.stderr).toBe('');
      expect(u.stdout).toBe(q.stdout);
      expect(u.stdout.length).toBeGreaterThan(50);
      if (append === 'reboot') {
        expect(q.status).toBe(0);
        expect(u.status).toBe(0);
      } else {
        expect(q.status).toBe(((u.status << 1) | 1) & 0xff);
        expect(u.status & 0xf).toBe(0); // the images' "0 failed" statuses (0x10, 0x20)
      }
    });
  }
});

describe('ukl-run IMAGE endings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ukl-system-'));
  /** hello32.elf with the entry's first bytes replaced (the entry is at file offset 0x1000). */
  const patched = (name: string, bytes: number[]) => {
    const b = new Uint8Array(readFileSync(join(IMAGES, 'hello32.elf')));
    b.set(bytes, 0x1000);
    const p = join(dir, name);
    writeFileSync(p, b);
    return p;
  };

  it('--max-instructions: status 125 and one line naming the place, symbol and instruction', () => {
    const r = ukl('ukl-run', ['--max-instructions', '50', join(IMAGES, 'long64.elf')]);
    expect(r.status).toBe(EXIT_INSTRUCTION_LIMIT);
    expect(r.stderr).toMatch(/^ukl-run: .*long64\.elf: instruction limit \(50\) reached at 0x10[0-9a-f]{4} <pvh_start\+0x[0-9a-f]+>: [0-9a-f ]+ {2}\S.*\n$/);
  });

  it('--timeout on a guest that spins: status 124', () => {
    const p = patched('spin.elf', [0xeb, 0xfe]); // jmp .
    const r = ukl('ukl-run', ['--timeout', '0.5', p]);
    expect(r.status).toBe(EXIT_TIMEOUT);
    expect(r.stderr).toMatch(/^ukl-run: .*spin\.elf: timeout after 0\.5 s \(\d+ instructions\) at 0x100000 <pvh_start>: eb fe {2}jmp .*\n$/);
  });

  it('a fault with no IDT: status 123 and one line with the vector, place and instruction', () => {
    const p = patched('ud2.elf', [0x0f, 0x0b]);
    const r = ukl('ukl-run', [p]);
    expect(r.status).toBe(EXIT_UNHANDLED_EXCEPTION);
    expect(r.stderr).toMatch(/^ukl-run: .*ud2\.elf: unhandled exception: #UD invalid opcode.* at 0x100000 <pvh_start>: 0f 0b {2}ud2\n$/);
  });

  it('bad images: one line, status 2', () => {
    const notElf = join(dir, 'text.elf');
    writeFileSync(notElf, 'hello\n'.repeat(20));
    for (const [p, msg] of [
      [notElf, /not an ELF file/],
      [join(ROOT, 'test-objects', 'hello.o'), /no PVH entry note/],
      [join(dir, 'missing.elf'), /no such file/i],
    ] as const) {
      const r = ukl('ukl-run', [p]);
      expect(r.status).toBe(EXIT_USAGE);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    const r = ukl('ukl-run', ['--memory', '1', join(IMAGES, 'long64.elf')]);
    expect(r.status).toBe(EXIT_USAGE);
    expect(r.stderr).toMatch(/too small|outside guest RAM/);
  });

  it('--stats: instructions, wall time, MIPS and the time per part, after the guest\'s own output', () => {
    const r = ukl('ukl-run', ['--stats', join(IMAGES, 'long64.elf')]);
    expect(r.status).toBe(0x20);
    const m = /^ukl-run: (\d+) instructions in [\d.]+ s: [\d.]+ MIPS \(boot [\d.]+ ms, decode [\d.]+ ms for (\d+) instructions, translate [\d.]+ ms for \d+ blocks, execute [\d.]+ ms, devices [\d.]+ ms\)\n$/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(10_000);
    expect(Number(m![2])).toBeGreaterThan(100);
    expect(Number(m![2])).toBeLessThan(Number(m![1]));
  });

  it('--real-tsc: the timers follow the host clock and the image still passes its checks', () => {
    const r = ukl('ukl-run', ['--real-tsc', join(IMAGES, 'long64.elf')]);
    expect(r.status).toBe(0x20);
    expect(r.stdout).toMatch(/ok {3}apic periodic timer, 3 more interrupts\n/);
    expect(r.stdout).toMatch(/long64: 0 failed, exit 0x20\n$/);
  });

  it('--trace writes one line per executed instruction with its symbol', () => {
    const t = join(dir, 'trace.txt');
    const r = ukl('ukl-run', ['--trace', t, join(IMAGES, 'hello32.elf')]);
    expect(r.status).toBe(0x10);
    const lines = readFileSync(t, 'utf8').trim().split('\n');
    expect(lines[0]).toMatch(/^0x100000 <pvh_start>: 89 de {2}mov +%ebx,%esi$/);
    expect(lines.some((l) => /<putc\+0x[0-9a-f]+>: ec {2}in +\(%dx\),%al/.test(l))).toBe(true);
  });

  it('options after the image are read as options (QEMU-style), extra words are refused, bad numbers are usage errors', () => {
    const path = join(IMAGES, 'hello32.elf');
    const before = ukl('ukl-run', ['--append', 'a "b c"', path]);
    const after = ukl('ukl-run', [path, '--append', 'a "b c"']);
    expect(after.stderr).toBe('');
    expect(after.stdout).toBe(before.stdout);
    expect(after.stdout).toContain('b c');
    expect(after.status).toBe(before.status);
    const extra = ukl('ukl-run', [path, 'stray']);
    expect(extra.status).toBe(EXIT_USAGE);
    expect(extra.stderr.trim().split('\n')).toHaveLength(1);
    expect(extra.stderr).toMatch(/takes no arguments/);
    const bad = ukl('ukl-run', ['--timeout', '-1', path]);
    expect(bad.status).toBe(EXIT_USAGE);
    expect(bad.stderr).toBe('ukl-run: --timeout: not a positive number: -1\n');
  });

  it('cleans up', () => {
    rmSync(dir, { recursive: true, force: true });
    expect(true).toBe(true);
  });
});

describe('fuzz: random bytes in 64-bit ring 0', () => {
  it('every run ends in a guest exception, a diagnosis or the budget; the host never throws or hangs', () => {
    // Boot long64.elf to its first 64-bit instruction (paging on, flat 64-bit CS, no IDT yet).
    const bytes = new Uint8Array(readFileSync(join(IMAGES, 'long64.elf')));
    let rng = 0x12345678;
    const next = () => {
      rng ^= rng << 13;
      rng ^= rng >>> 17;
      rng ^= rng << 5;
      return rng >>> 0;
    };
    const kinds = new Map<string, number>();
    for (let seed = 0; seed < 300; seed++) {
      const m = bootMachine({ file: 'long64.elf', bytes, memoryBytes: 4 << 20, serialOut: () => {} });
      let guard = 0;
      while (m.cpu.bits !== 64 && guard++ < 50_000) m.cpu.run(1);
      expect(m.cpu.bits).toBe(64);
      const code = new Uint8Array(64).map(() => next() & 0xff);
      const rip = m.cpu.rip;
      m.cpu.ram.set(code, rip);
      m.cpu.code.flushAll();
      const t = performance.now();
      const r = m.cpu.run(20000);
      expect(performance.now() - t).toBeLessThan(10_000);
      kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + 1);
    }
    // Random code mostly faults (no IDT: the fault is the run's end), the rest spins or halts.
    expect([...kinds.keys()].every((k) => ['exception', 'triple-fault', 'limit', 'halt', 'unimplemented', 'exit', 'requested'].includes(k))).toBe(true);
    expect((kinds.get('exception') ?? 0) + (kinds.get('triple-fault') ?? 0)).toBeGreaterThan(100);
  });
});
