// The shape of a UKL image, checked with GNU readelf/objdump as the oracles: what QEMU's PVH loader and
// rust-vmm's linux-loader (Firecracker, Cloud Hypervisor) need (docs/kernel.md, "Boot"), what
// ukl-objdump shows of it, and the one-line errors of bad image links.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, exec } from './helpers/link.ts';
import { ensureKernel, uklLd } from './helpers/qemu.ts';

const tmp = mkdtempSync(join(tmpdir(), 'ukl-image-headers-'));
const app = join(tmp, 'app.o');
const image = join(tmp, 'vmlinux');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

beforeAll(async () => {
  ensureKernel();
  writeFileSync(join(tmp, 'app.c'), '#include <stdio.h>\n#include <unistd.h>\nint main(void) { printf("pid %d\\n", (int)getpid()); return 0; }\n');
  expect((await exec('gcc', ['-O2', '-c', join(tmp, 'app.c'), '-o', app])).status).toBe(0);
  const r = await uklLd(['--ukl', app, '-o', image]);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
});

interface Phdr { type: string; offset: number; vaddr: number; paddr: number; filesz: number; memsz: number; align: number }

async function phdrs(file: string): Promise<Phdr[]> {
  const r = await exec('readelf', ['-lW', file]);
  expect(r.status).toBe(0);
  const out: Phdr[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^\s+([A-Z_]+|0x[0-9a-f]+)\s+(0x[0-9a-f]+) (0x[0-9a-f]+) (0x[0-9a-f]+) (0x[0-9a-f]+) (0x[0-9a-f]+) .* (0x[0-9a-f]+)$/.exec(line);
    if (m) out.push({ type: m[1]!, offset: Number(m[2]), vaddr: Number(m[3]), paddr: Number(m[4]), filesz: Number(m[5]), memsz: Number(m[6]), align: Number(m[7]) });
  }
  return out;
}

describe('a UKL image as PVH loaders read it (readelf)', () => {
  it('is an ELF64 x86-64 executable with e_flags 0, entered at the PVH entry', async () => {
    const h = (await exec('readelf', ['-hW', image])).stdout;
    expect(h).toMatch(/Class:\s+ELF64/);
    expect(h).toMatch(/Type:\s+EXEC/);
    expect(h).toMatch(/Machine:\s+Advanced Micro Devices X86-64/);
    expect(h).toMatch(/Flags:\s+0x0$/m);
    const entry = Number(/Entry point address:\s+(0x[0-9a-f]+)/.exec(h)![1]);
    const sym = (await exec('nm', [image])).stdout.split('\n').find((l) => l.endsWith(' T __ukl_pvh_start'));
    expect(sym).toBeDefined();
    expect(entry).toBe(parseInt(sym!.split(' ')[0]!, 16));
    expect(entry).toBeGreaterThanOrEqual(0x100000); // rust-vmm: e_entry >= highmem start
  });

  it('has exactly one PT_NOTE, 4-aligned, holding the Xen PHYS32_ENTRY note whose desc is the entry', async () => {
    const ph = await phdrs(image);
    const notes = ph.filter((p) => p.type === 'NOTE');
    expect(notes).toHaveLength(1);
    expect(notes[0]!.align).toBe(4);
    const n = (await exec('readelf', ['-nW', image])).stdout;
    const xen = /Xen\s+0x00000008\s+Unknown note type: \(0x00000012\)\s+description data: ((?:[0-9a-f]{2} ){8})/.exec(n);
    expect(xen, n).not.toBeNull();
    const desc = Buffer.from(xen![1]!.trim().split(' ').map((b) => parseInt(b, 16))).readBigUInt64LE(0);
    const entry = BigInt(/Entry point address:\s+(0x[0-9a-f]+)/.exec((await exec('readelf', ['-hW', image])).stdout)![1]!);
    expect(desc).toBe(entry);
    // The note lies inside that PT_NOTE.
    const sec = /\.note\.Xen\s+NOTE\s+([0-9a-f]+) ([0-9a-f]+) ([0-9a-f]+)/.exec((await exec('readelf', ['-SW', image])).stdout)!;
    const off = parseInt(sec[2]!, 16);
    expect(off).toBeGreaterThanOrEqual(notes[0]!.offset);
    expect(off + parseInt(sec[3]!, 16)).toBeLessThanOrEqual(notes[0]!.offset + notes[0]!.filesz);
  });

  it('loads at physical = virtual addresses from 1 MiB, 2 MiB-aligned, offsets congruent', async () => {
    const loads = (await phdrs(image)).filter((p) => p.type === 'LOAD');
    expect(loads.length).toBeGreaterThanOrEqual(2);
    for (const l of loads) {
      expect(l.paddr).toBe(l.vaddr);
      expect(l.vaddr).toBeGreaterThanOrEqual(0x100000);
      expect(l.align).toBe(0x200000);
      expect((l.vaddr - l.offset) % 0x200000).toBe(0);
    }
  });

  it('keeps no syscall instruction but the sites ukl-objdump --syscalls lists as left', async () => {
    const d = (await exec('objdump', ['-d', '--no-show-raw-insn', image])).stdout;
    const raw = d.split('\n').filter((l) => /\tsyscall\s*$/.test(l)).map((l) => parseInt(l.trim().split(':')[0]!, 16));
    const s = await exec(process.execPath, [join(ROOT, 'bin', 'ukl-objdump.js'), '--syscalls', image]);
    expect(s.status).toBe(0);
    const rows = s.stdout.trim().split('\n').slice(1);
    const left = rows.filter((r) => / left /.test(r));
    const rewritten = rows.filter((r) => / rewritten /.test(r));
    expect(rewritten.length).toBeGreaterThan(50);
    expect(left.length).toBe(raw.length);
    expect(left.every((r) => /rt_sigreturn|clone|vfork/.test(r))).toBe(true);
  });

  it('ukl-objdump -x prints the program headers and the .note.Xen section as GNU objdump does', async () => {
    const block = (s: string) => s.slice(s.indexOf('Program Header:'), s.indexOf('SYMBOL TABLE:'));
    const gnu = await exec('objdump', ['-x', image]);
    const ours = await exec(process.execPath, [join(ROOT, 'bin', 'ukl-objdump.js'), '-x', image]);
    expect(ours.status).toBe(0);
    expect(block(ours.stdout)).toBe(block(gnu.stdout));
    expect(block(ours.stdout)).toMatch(/NOTE off .* align 2\*\*2/);
    expect(block(ours.stdout)).toMatch(/\.note\.Xen/);
  });
});

describe('bad image links fail with one line', () => {
  it('an image base that is not 2 MiB-aligned', async () => {
    const r = await uklLd(['--ukl', '--image-base=0x300000', app, '-o', join(tmp, 'bad')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('ukl-ld: error: UKL image: the image base 0x300000 must be 2 MiB-aligned and at least 1 MiB (loaders place the image at its physical addresses)\n');
  });

  it('--ukl -nostdlib leaves glibc out: undefined references, no output', async () => {
    const out = join(tmp, 'nostdlib');
    const r = await uklLd(['--ukl', '-nostdlib', app, '-o', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^ukl-ld: error: undefined symbol: printf$/m);
    expect((await exec('test', ['-e', out])).status).toBe(1);
  });

  it('a sysroot without startup files', async () => {
    const r = await uklLd(['--ukl', `--sysroot=${tmp}`, app, '-o', join(tmp, 'nosys')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^ukl-ld: error: UKL image: cannot find crt1\.o \(searched .*\); give -L DIR or --sysroot, or -nostdlib and name the startup files yourself\n$/);
  });
});

describe('ukl-ld --stats', () => {
  /** Sum of the SHF_ALLOC sections' sizes of an object, from readelf, and how much of it is SHF_MERGE
   * (merging may drop duplicate strings, so the image holds between total - merge and total bytes). */
  async function allocBytes(obj: string): Promise<{ total: number; merge: number }> {
    const r = await exec('readelf', ['-SW', obj]);
    let total = 0;
    let merge = 0;
    for (const line of r.stdout.split('\n')) {
      const m = /^\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)\s+[0-9a-f]+\s+(\S*)\s/.exec(line);
      if (!m || !m[3]!.includes('A')) continue;
      total += parseInt(m[2]!, 16);
      if (m[3]!.includes('M')) merge += parseInt(m[2]!, 16);
    }
    return { total, merge };
  }
  const within = (n: number, b: { total: number; merge: number }) => {
    expect(n).toBeLessThanOrEqual(b.total);
    expect(n).toBeGreaterThanOrEqual(b.total - b.merge);
  };

  it('splits the image into kernel, glibc, libraries and application, and counts the syscall sites', async () => {
    const out = join(tmp, 'stats.vmlinux');
    const r = await uklLd(['--ukl', '--stats', app, '-o', out]);
    expect(r.status).toBe(0);
    const row = (part: string) => {
      const m = new RegExp(`^${part}\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)$`, 'm').exec(r.stderr);
      expect(m, r.stderr).not.toBeNull();
      return Number(m![5]);
    };
    within(row('kernel'), await allocBytes(join(ROOT, 'dist', 'kernel', 'ukl.o')));
    within(row('application'), await allocBytes(app));
    expect(row('glibc')).toBeGreaterThan(row('application'));
    const sites = /^syscall sites: (\d+) rewritten, (\d+) left$/m.exec(r.stderr)!;
    const listed = (await exec(process.execPath, [join(ROOT, 'bin', 'ukl-objdump.js'), '--syscalls', out])).stdout.trim().split('\n').slice(1);
    expect(Number(sites[1])).toBe(listed.filter((l) => / rewritten /.test(l)).length);
    expect(Number(sites[2])).toBe(listed.filter((l) => / left /.test(l)).length);
    const size = /^stats\.vmlinux: (\d+) bytes in the file/m.exec(r.stderr)!;
    expect(Number(size[1])).toBe(statSync(out).size);
  });
});
