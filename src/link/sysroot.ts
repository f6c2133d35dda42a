// --sysroot as GNU ld applies it (ldfile.c, ldlang.c):
//   - a directory or file name starting with `=` or `$SYSROOT` (-L=dir, -L$SYSROOT/dir, SEARCH_DIR(=dir),
//     INPUT(=/x.o)) has that prefix replaced by the sysroot (by nothing when there is none);
//   - a linker script that lies inside the sysroot (compared after resolving `..` and symbolic links) is
//     "sysrooted": the absolute file names in its INPUT/GROUP are taken inside the sysroot too. That is
//     what makes Debian's libm.a script (GROUP ( /usr/lib/x86_64-linux-gnu/libm-2.36.a ... )) work in one.
// A relative -L dir stays relative to the working directory, as in GNU ld.
import { realpathSync } from 'node:fs';
import { isAbsolute, resolve, sep } from 'node:path';

/** `=dir` / `$SYSROOTdir` → sysroot + dir; anything else as it is. */
export function sysrootPrefixed(sysroot: string | undefined, p: string): string {
  if (p.startsWith('=')) return (sysroot ?? '') + p.slice(1);
  if (p.startsWith('$SYSROOT')) return (sysroot ?? '') + p.slice('$SYSROOT'.length);
  return p;
}

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

/** Is the file at `path` inside the sysroot? */
export function isSysrooted(sysroot: string | undefined, path: string): boolean {
  if (!sysroot) return false;
  const root = real(sysroot);
  const file = real(path);
  return root === sep || file === root || file.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** A file name written in a linker script at `scriptPath`. */
export function scriptFileName(sysroot: string | undefined, scriptPath: string, name: string): string {
  if (name.startsWith('=') || name.startsWith('$SYSROOT')) return sysrootPrefixed(sysroot, name);
  if (sysroot && isAbsolute(name) && isSysrooted(sysroot, scriptPath)) return sysroot.replace(/\/+$/, '') + name;
  return name;
}
