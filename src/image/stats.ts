// ukl-ld --stats: the output's size by part and its syscall sites. Parts: the kernel (the object that
// defines the PVH entry), glibc (libc.a members, loose glibc members, glibc's crt1.o/crti.o/crtn.o), other
// libraries (any other archive member, gcc's crtbeginT.o/crtend.o), the application (every other
// object), and what the linker makes itself (GOT, notes, .ukl.ksyms, ...). Sizes are allocated bytes:
// text (executable), rodata (read-only), data (writable with contents), bss.
import { basename, dirname, resolve } from 'node:path';
import { SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE, SHT_NOBITS } from '../elf/constants.ts';
import type { Context } from '../link/context.ts';
import type { ObjectFile } from '../link/input-files.ts';
import type { Layout } from '../link/layout.ts';
import { LIBC_START, PVH_ENTRY } from './ukl-inputs.ts';

type Part = 'kernel' | 'glibc' | 'libraries' | 'application' | 'linker';
const PARTS: Part[] = ['kernel', 'glibc', 'libraries', 'application', 'linker'];
interface Sizes { text: number; rodata: number; data: number; bss: number }

const GLIBC_ARCHIVES = /^lib(c|c_nonshared|pthread|dl|rt|m-2\.\d+|mvec|resolv|util)\.a$/;
const GLIBC_STARTUP = new Set(['crt1.o', 'crti.o', 'crtn.o', 'Scrt1.o', 'rcrt1.o']);

function partOf(f: ObjectFile, kernel: ObjectFile | undefined, glibcDir: string | undefined): Part {
  if (f === kernel) return 'kernel';
  if (f.archive) return GLIBC_ARCHIVES.test(basename(f.archive.path)) ? 'glibc' : 'libraries';
  const name = basename(f.displayName);
  if (GLIBC_STARTUP.has(name)) return 'glibc';
  if (f.isCrtBeginEnd) return 'libraries';
  if (glibcDir !== undefined && dirname(resolve(f.displayName)) === glibcDir) return 'glibc'; // the glibc/*.o form
  return 'application';
}

function kind(flags: number, type: number): keyof Sizes {
  if (type === SHT_NOBITS) return 'bss';
  if (flags & SHF_EXECINSTR) return 'text';
  if (flags & SHF_WRITE) return 'data';
  return 'rodata';
}

export function imageStats(ctx: Context, layout: Layout, fileSize: number): string {
  const sizes = new Map<Part, Sizes>(PARTS.map((p) => [p, { text: 0, rodata: 0, data: 0, bss: 0 }]));
  const defines = (name: string) => (f: ObjectFile) => {
    const raw = f.raw;
    if (!raw) return false;
    for (let i = raw.firstGlobal; i < raw.count; i++) if (raw.shndx(i) !== 0 && raw.name(i) === name) return true;
    return false;
  };
  const kernel = ctx.files.find(defines(PVH_ENTRY));
  // Loose glibc members: the directory of the loose object that defines __libc_start_main.
  const libcStart = ctx.files.find((f) => !f.archive && defines(LIBC_START)(f));
  const glibcDir = libcStart ? dirname(resolve(libcStart.displayName)) : undefined;
  let fromInputs = 0;
  for (const f of ctx.files) {
    const part = partOf(f, kernel, glibcDir);
    for (const s of f.sections) {
      if (!s || !s.live || !s.output || !(s.flags & SHF_ALLOC) || s.output.synthetic) continue;
      const size = s.mergedData ? s.mergedSize : s.size;
      sizes.get(part)![kind(s.flags, s.type)] += size;
      fromInputs += size;
    }
  }
  // What the output's allocated sections hold beyond their inputs: linker-made sections and padding.
  let total = 0;
  for (const os of layout.sections) if (os.isAlloc && !(os.isTls && os.isNobits)) total += os.size;
  const linker = sizes.get('linker')!;
  for (const os of layout.sections) if (os.isAlloc && os.synthetic) linker[kind(os.flags, os.type)] += os.size;
  const sites = ctx.files.flatMap((f) => f.syscallSites);
  const rewritten = sites.filter((s) => s.status === 'rewritten').length;
  const pad = (s: string | number, n: number) => String(s).padStart(n);
  const lines = [`${basename(ctx.options.output)}: ${fileSize} bytes in the file, ${total} bytes of sections in memory`];
  lines.push(`${'part'.padEnd(12)}${pad('text', 10)}${pad('rodata', 10)}${pad('data', 10)}${pad('bss', 10)}${pad('total', 10)}`);
  for (const p of PARTS) {
    const s = sizes.get(p)!;
    const t = s.text + s.rodata + s.data + s.bss;
    if (t === 0 && (p === 'kernel' || p === 'linker')) continue;
    lines.push(`${p.padEnd(12)}${pad(s.text, 10)}${pad(s.rodata, 10)}${pad(s.data, 10)}${pad(s.bss, 10)}${pad(t, 10)}`);
  }
  const synth = linker.text + linker.rodata + linker.data + linker.bss;
  lines.push(`${'alignment'.padEnd(12)}${pad(total - fromInputs - synth, 50)}`);
  lines.push(`syscall sites: ${rewritten} rewritten, ${sites.length - rewritten} left`);
  return lines.join('\n') + '\n';
}
