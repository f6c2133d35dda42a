// Loading a static ELF executable into an AddressSpace as Linux's binfmt_elf does: PT_LOAD segments with
// their protections, the program break after the highest segment, and the initial stack (argc, argv, envp,
// auxv with AT_PHDR/AT_PHNUM/AT_PAGESZ/AT_RANDOM/AT_ENTRY/AT_HWCAP/AT_CLKTCK/AT_EXECFN/AT_SECURE...).
import { randomFillSync } from 'node:crypto';
import { readElf, type ElfFile } from '../../elf/index.ts';
import { FormatError } from '../../elf/errors.ts';
import { AddressSpace, PROT_EXEC, PROT_READ, PROT_WRITE } from './address-space.ts';
import { cpuid } from '../cpuid.ts';

const PAGE = 4096;
const PT_LOAD = 1, PT_INTERP = 3, PT_PHDR = 6;
const ET_EXEC = 2, ET_DYN = 3;
/** Load address of a static-pie (ET_DYN) executable. */
const PIE_BASE = 0x555555554000;
export const STACK_TOP = 0x7ffffffff000;
export const STACK_SIZE = 8 * 1024 * 1024;
/** Where anonymous mmaps are placed (searching downwards), below the stack. */
export const MMAP_TOP = 0x7ffff7fff000;

export interface LoadedImage {
  elf: ElfFile;
  entry: number;
  bias: number;
  brkStart: number;
  stackPointer: number;
}

export interface ExecArgs {
  path: string;
  argv: string[];
  envp: string[];
  /** Value of AT_EXECFN and /proc/self/exe. */
  execfn: string;
  uid: number;
  gid: number;
}

function pageDown(v: number): number {
  return v - (v % PAGE);
}
function pageUp(v: number): number {
  return Math.ceil(v / PAGE) * PAGE;
}

export function loadElf(as: AddressSpace, bytes: Uint8Array, args: ExecArgs): LoadedImage {
  const elf = readElf(bytes, { file: args.path });
  const h = elf.header;
  if (h.machine !== 62) throw new FormatError(args.path, `not an x86-64 executable (e_machine ${h.machine})`);
  if (h.type !== ET_EXEC && h.type !== ET_DYN) throw new FormatError(args.path, `not an executable (e_type ${h.type})`);
  if (elf.programHeaders.some((p) => p.type === PT_INTERP)) throw new FormatError(args.path, `dynamically linked (has PT_INTERP); ukl-run --linux runs static executables only`);
  const bias = h.type === ET_DYN ? PIE_BASE : 0;
  let brk = 0;
  let phdrAddr = 0;
  for (const p of elf.programHeaders) {
    if (p.type === PT_PHDR) phdrAddr = Number(p.vaddr) + bias;
    if (p.type !== PT_LOAD) continue;
    const va = Number(p.vaddr) + bias;
    const prot = (p.flags & 4 ? PROT_READ : 0) | (p.flags & 2 ? PROT_WRITE : 0) | (p.flags & 1 ? PROT_EXEC : 0);
    const start = pageDown(va), end = pageUp(va + p.memsz);
    if (p.offset + p.filesz > bytes.length) throw new FormatError(args.path, `PT_LOAD at 0x${va.toString(16)} extends past the end of the file`);
    // Segments may share a page with their neighbour: merge protections instead of replacing.
    for (let a = start; a < end; a += PAGE) {
      const old = as.findVma(a);
      as.addVma(a, a + PAGE, prot | (old ? old.prot : 0), 'load');
    }
    as.poke(va, bytes.subarray(p.offset, p.offset + p.filesz));
    if (p.memsz > p.filesz) as.poke(va + p.filesz, new Uint8Array(Math.min(p.memsz - p.filesz, end - (va + p.filesz))));
    if (p.offset === 0 && !phdrAddr) phdrAddr = va + h.phoff;
    brk = Math.max(brk, end);
  }
  // Re-apply the final protections to pages mapped while loading.
  for (const v of [...as.vmas]) as.protect(v.start, v.end, v.prot);
  const entry = Number(h.entry) + bias;

  // The stack.
  as.addVma(STACK_TOP - STACK_SIZE, STACK_TOP, PROT_READ | PROT_WRITE, 'stack');
  const enc = new TextEncoder();
  let sp = STACK_TOP;
  const pushBytes = (b: Uint8Array): number => {
    sp -= b.length;
    as.poke(sp, b);
    return sp;
  };
  const cstr = (s: string) => {
    const e = enc.encode(s);
    const b = new Uint8Array(e.length + 1);
    b.set(e);
    return b;
  };
  pushBytes(new Uint8Array(8)); // end marker
  const execfnAddr = pushBytes(cstr(args.execfn));
  const envAddrs = args.envp.map((e) => pushBytes(cstr(e))).reverse().reverse();
  const argAddrs = args.argv.map((a) => pushBytes(cstr(a)));
  const platform = pushBytes(cstr('x86_64'));
  const random = new Uint8Array(16);
  randomFillSync(random);
  sp -= sp % 16;
  const randomAddr = pushBytes(random);
  const aux: [number, number][] = [
    [3, phdrAddr], // AT_PHDR
    [4, 56], // AT_PHENT
    [5, elf.programHeaders.length], // AT_PHNUM
    [6, PAGE], // AT_PAGESZ
    [7, 0], // AT_BASE
    [8, 0], // AT_FLAGS
    [9, entry], // AT_ENTRY
    [11, args.uid], // AT_UID
    [12, args.uid], // AT_EUID
    [13, args.gid], // AT_GID
    [14, args.gid], // AT_EGID
    [15, platform], // AT_PLATFORM
    [16, cpuid(1, 0)[3] >>> 0], // AT_HWCAP = CPUID.1:EDX
    [17, 100], // AT_CLKTCK
    [23, 0], // AT_SECURE
    [25, randomAddr], // AT_RANDOM
    [26, 0], // AT_HWCAP2
    [31, execfnAddr], // AT_EXECFN
    [0, 0], // AT_NULL
  ];
  const words: number[] = [args.argv.length, ...argAddrs, 0, ...envAddrs, 0];
  for (const [k, v] of aux) words.push(k, v);
  sp -= words.length * 8;
  sp -= sp % 16;
  const table = new Uint8Array(words.length * 8);
  const dv = new DataView(table.buffer);
  words.forEach((w, i) => dv.setBigUint64(i * 8, BigInt(w), true));
  as.poke(sp, table);
  return { elf, entry, bias, brkStart: brk, stackPointer: sp };
}
