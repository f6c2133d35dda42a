// The inputs of a UKL image link. A link is an image link when --ukl is given or when an input object
// defines the kernel's PVH entry (`__ukl_pvh_start`): a kernel object such as the built-in ukl.o.
// Then, as `gcc -static` would, ukl-ld adds glibc's startup files and the C library (unless -nostdlib
// or the command line already names crt1.o):
//
//   crt1.o crti.o crtbeginT.o INPUTS [ukl.o] [libstdc++.a libm.a]
//   --start-group libgcc.a libgcc_eh.a libc.a --end-group crtend.o crtn.o
//
// (libstdc++ and libm for C++ objects), searching -L directories first, then gcc's directory and the
// system's under --sysroot. Every input but the kernel object gets its syscalls rewritten.
//
// The loose-member form `ukl-ld glibc/*.o app.o ukl.o`: loose objects in the directory of the one that
// defines `__libc_start_main` are glibc's archive members, so they are linked as an archive would be
// (lazily, as inside --start-lib/--end-lib): a member is linked only when it resolves a reference.
// Objects in any other directory are the application and are linked whole, as always.
import { closeSync, existsSync, fstatSync, openSync, readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readAt } from '../elf/bytes.ts';
import { ElfFile } from '../elf/reader.ts';
import { LinkError } from '../link/errors.ts';
import type { InputAttrs, InputItem, LinkOptions } from '../link/options.ts';

export const PVH_ENTRY = '__ukl_pvh_start';
export const LIBC_START = '__libc_start_main';

/** The kernel object built by `npm run build` (kernel/build.mjs). */
export function builtinKernelPath(): string {
  // This module runs from src/image (tests) or dist/image (the installed tools): the package root is
  // two levels up either way.
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, '..', '..', 'dist', 'kernel', 'ukl.o');
}

interface Scan {
  defines: Set<string>;
  cxx: boolean;
}

const WANTED = [PVH_ENTRY, LIBC_START];

/** A relocatable ELF64 file's bytes, read through one open file (anything else: null, and only its
 * header is read: an archive among the inputs is not read whole here). */
function readRelocatable(path: string): Uint8Array | null {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const st = fstatSync(fd);
    if (!st.isFile()) return null;
    const h = readAt(fd, 0, 18);
    if (h.length < 18 || h[0] !== 0x7f || h[1] !== 0x45 || h[2] !== 0x4c || h[3] !== 0x46 || h[4] !== 2 || h[16] !== 1 || h[17] !== 0) return null;
    return readAt(fd, 0, st.size);
  } catch {
    return null; // the link reports it
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** What matters about an object file: which of WANTED it defines, and whether it is C++. The bytes go
 * with the input item, so that the link does not read the file again. */
function scanObject(f: Extract<InputItem, { kind: 'file' }>): Scan | null {
  const bytes = readRelocatable(f.path);
  if (bytes === null) return null;
  f.read = { path: f.path, bytes };
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const hasName = (n: string) => buf.indexOf(n) >= 0;
  const cxx = hasName('__gxx_personality_v0') || hasName('_ZNSt') || hasName('_ZSt') || hasName('__cxa_');
  const defines = new Set<string>();
  if (WANTED.some(hasName)) {
    let elf: ElfFile;
    try {
      elf = new ElfFile(bytes, { file: f.path });
    } catch {
      return null;
    }
    if (elf.symtab) for (const s of elf.symbols()) if (WANTED.includes(s.name) && s.shndx !== 0 && s.info >> 4 !== 0) defines.add(s.name);
  }
  return { defines, cxx };
}

const STATIC: InputAttrs = { wholeArchive: false, asNeeded: false, static: true, lazy: false };

function gccLibDir(sysroot: string): string | undefined {
  const base = join(sysroot || '/', 'usr', 'lib', 'gcc', 'x86_64-linux-gnu');
  let versions: string[];
  try {
    versions = readdirSync(base).filter((v) => existsSync(join(base, v, 'crtbeginT.o')));
  } catch {
    return undefined;
  }
  versions.sort((a, b) => b.localeCompare(a, undefined, { numeric: true }));
  return versions.length ? join(base, versions[0]!) : undefined;
}

function findIn(dirs: string[], name: string): string {
  for (const d of dirs) {
    const p = join(d, name);
    if (existsSync(p)) return p;
  }
  throw new LinkError(`UKL image: cannot find ${name} (searched ${dirs.join(', ')}); give -L DIR or --sysroot, or -nostdlib and name the startup files yourself`);
}

export interface UklPlan {
  /** True when this is an image link. */
  image: boolean;
  /** The path of the kernel object. */
  kernel?: string;
}

/**
 * Decide whether this is an image link and, if it is, complete the options (entry, syscall rewriting,
 * 2 MiB segments, startup files and libraries). Runs before the link reads its inputs.
 */
export function planUklLink(o: LinkOptions): UklPlan {
  const files = o.inputs.filter((i): i is Extract<InputItem, { kind: 'file' }> => i.kind === 'file');
  const scans = new Map<string, Scan | null>();
  for (const f of files) scans.set(f.path, scanObject(f));
  const kernel = files.find((f) => scans.get(f.path)?.defines.has(PVH_ENTRY));
  if (!o.ukl && !kernel) return { image: false };

  let kernelPath = kernel?.path;
  const extra: InputItem[] = [];
  if (!kernel) {
    kernelPath = builtinKernelPath();
    if (!existsSync(kernelPath)) throw new LinkError(`--ukl: the built-in kernel ${kernelPath} is missing (run \`npm run build\`, which builds it with gcc)`);
    extra.push({ kind: 'file', path: kernelPath, attrs: STATIC });
  }

  // glibc given as loose archive members: link them lazily.
  const libcObj = files.find((f) => scans.get(f.path)?.defines.has(LIBC_START));
  if (libcObj) {
    const dir = resolve(dirname(libcObj.path));
    for (const f of files) if (resolve(dirname(f.path)) === dir) f.attrs = { ...f.attrs, lazy: true };
  }

  const hasCrt1 = files.some((f) => basename(f.path) === 'crt1.o');
  const cxx = files.some((f) => !f.attrs.lazy && scans.get(f.path)?.cxx === true);
  let before: InputItem[] = [];
  let after: InputItem[] = [];
  if (!o.nostdlib && !hasCrt1) {
    const sysroot = o.sysroot ?? '';
    const gcc = gccLibDir(sysroot);
    const sys = ['usr/lib/x86_64-linux-gnu', 'lib/x86_64-linux-gnu', 'usr/lib64', 'usr/lib', 'lib'].map((d) => join(sysroot || '/', d));
    const dirs = [...o.libraryPaths, ...(gcc ? [gcc] : []), ...sys];
    for (const d of [...(gcc ? [gcc] : []), ...sys]) if (!o.libraryPaths.includes(d)) o.libraryPaths.push(d);
    const file = (name: string): InputItem => ({ kind: 'file', path: findIn(dirs, name), attrs: STATIC });
    before = [file('crt1.o'), file('crti.o'), file('crtbeginT.o')];
    const lib = (name: string): InputItem => ({ kind: 'library', name, attrs: STATIC });
    after = [
      ...(cxx ? [lib('stdc++'), lib('m')] : []),
      { kind: 'group-start' }, lib('gcc'), lib('gcc_eh'), lib('c'), { kind: 'group-end' },
      file('crtend.o'), file('crtn.o'),
    ];
  }
  o.inputs = [...before, ...o.inputs, ...extra, ...after];
  o.rewriteSyscalls = true;
  o.entry ??= PVH_ENTRY;
  // Headers, text and rodata share one segment so 2 MiB alignment costs no file padding; the kernel
  // still maps text read-only/executable and the rest non-executable, page by page (it uses etext).
  o.z.separateCode = false;
  // File offsets are addresses minus the image base, so with a 2 MiB-aligned base every PT_LOAD's
  // offset and address agree modulo 2 MiB, and p_align can be 2 MiB without padding the file.
  if (o.imageBase !== undefined && (o.imageBase < 0x100000n || o.imageBase % 0x200000n !== 0n)) throw new LinkError(`UKL image: the image base 0x${o.imageBase.toString(16)} must be 2 MiB-aligned and at least 1 MiB (loaders place the image at its physical addresses)`);
  return { image: true, kernel: kernelPath };
}
