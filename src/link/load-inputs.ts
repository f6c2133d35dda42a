// Input loading and archive extraction, with GNU ld's semantics: inputs in command-line order, an
// archive searched when it is reached (repeatedly until it adds nothing), groups searched repeatedly as
// a whole, --whole-archive loading every member, --start-lib objects lazy (lld/gold: a later reference
// still pulls them), and linker scripts given as inputs (Debian's libm.a) expanded in place.
import { closeSync, fstatSync, openSync, statSync } from 'node:fs';
import { readAt, readBytes } from '../elf/bytes.ts';
import { dirname, isAbsolute, join } from 'node:path';
import { Archive, archiveKind } from '../elf/archive.ts';
import { FormatError } from '../elf/errors.ts';
import { LazyArchive } from '../elf/lazy-archive.ts';
import { ElfFile, isElf } from '../elf/reader.ts';
import type { Context } from './context.ts';
import { LinkError } from './errors.ts';
import { ArchiveInput, ObjectFile } from './input-files.ts';
import { memberForCommon } from './common-extraction.ts';
import { scriptFileName, sysrootPrefixed } from './sysroot.ts';
import type { InputAttrs, InputItem } from './options.ts';
import { looksLikeScript, parseScript } from './script.ts';
import { SymKind } from './symbol.ts';
import type { SiteRecord } from '../relink-syscalls/rewrite-object.ts';

type Action =
  | { kind: 'object'; path: string; bytes: Uint8Array; attrs: InputAttrs }
  | { kind: 'archive'; path: string; attrs: InputAttrs }
  | { kind: 'group-start' } | { kind: 'group-end' };

function readFile(path: string, shown: string): Uint8Array {
  try {
    return readBytes(path);
  } catch (e) {
    cannotOpen(e, shown);
  }
}

function cannotOpen(e: unknown, shown: string): never {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') throw new LinkError(`cannot find ${shown}: No such file or directory`);
  if (code === 'EISDIR') throw new LinkError(`cannot open ${shown}: Is a directory`);
  throw new LinkError(`cannot open ${shown}: ${code ?? String(e)}`);
}

/**
 * An input file: archives are only recognised here (they are read later, as far as the link needs
 * them); anything else is read whole, through the same open file.
 */
function readInput(path: string, shown: string): { archive: true } | { archive: false; bytes: Uint8Array } {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    if (archiveKind(readAt(fd, 0, Math.min(size, 8)))) return { archive: true };
    return { archive: false, bytes: readAt(fd, 0, size) };
  } catch (e) {
    return cannotOpen(e, shown);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function exists(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** -lNAME: libNAME.a in the search path (-l:FILE: FILE itself). Static links only. */
function findLibrary(name: string, searchDirs: string[]): string {
  const files = name.startsWith(':') ? [name.slice(1)] : [`lib${name}.a`];
  for (const dir of searchDirs) {
    for (const f of files) {
      const p = join(dir, f);
      if (exists(p)) return p;
    }
  }
  if (!name.startsWith(':')) {
    for (const dir of searchDirs) {
      if (exists(join(dir, `lib${name}.so`))) {
        throw new LinkError(`cannot find -l${name}: only a shared library ${join(dir, `lib${name}.so`)} exists; ukl-ld links statically (install the static library, e.g. the -dev package's lib${name}.a)`);
      }
    }
  }
  return '';
}

function sysrootPath(ctx: Context, p: string): string {
  return sysrootPrefixed(ctx.options.sysroot, p);
}

/** Flatten the command line (and the scripts it names) into load actions. */
function expand(ctx: Context, items: InputItem[], searchDirs: string[], depth = 0): Action[] {
  if (depth > 16) throw new LinkError('linker scripts nest too deeply (more than 16 levels)');
  const out: Action[] = [];
  for (const it of items) {
    if (it.kind === 'group-start' || it.kind === 'group-end') {
      out.push({ kind: it.kind });
      continue;
    }
    let path: string;
    let shown: string;
    if (it.kind === 'library') {
      path = findLibrary(it.name, searchDirs);
      shown = `-l${it.name}`;
      if (!path) throw new LinkError(`cannot find -l${it.name}: No such file or directory`);
    } else {
      path = sysrootPath(ctx, it.path);
      shown = it.path;
    }
    const input = it.kind === 'file' && it.read?.path === path ? { archive: false as const, bytes: it.read.bytes } : readInput(path, shown);
    ctx.inputPaths.push(path);
    if (input.archive) {
      out.push({ kind: 'archive', path, attrs: it.attrs });
      continue;
    }
    const bytes = input.bytes;
    if (isElf(bytes)) out.push({ kind: 'object', path, bytes, attrs: it.attrs });
    else if (looksLikeScript(bytes)) {
      const cmds = parseScript(Buffer.from(bytes).toString('utf8'), path);
      for (const c of cmds) {
        // -nostdlib: only the directories the command line names are searched (GNU ld ignores SEARCH_DIR then).
        if (c.kind === 'search-dir' && !ctx.options.nostdlib) searchDirs.push(sysrootPath(ctx, c.path));
        else if (c.kind === 'entry') ctx.scriptEntry ??= c.symbol;
      }
      for (const c of cmds) {
        if (c.kind !== 'input' && c.kind !== 'group') continue;
        const sub: InputItem[] = [];
        if (c.kind === 'group') sub.push({ kind: 'group-start' });
        for (const si of c.items) {
          const attrs = { ...it.attrs, asNeeded: si.asNeeded || it.attrs.asNeeded };
          if (si.library) sub.push({ kind: 'library', name: si.path, attrs });
          else {
            let p = scriptFileName(ctx.options.sysroot, path, si.path);
            // A relative name in a script is looked up next to the script, then in the search path.
            if (!isAbsolute(p)) {
              const near = join(dirname(path), p);
              if (exists(near)) p = near;
              else {
                const found = searchDirs.map((d) => join(d, p)).find(exists);
                if (found) p = found;
              }
            }
            sub.push({ kind: 'file', path: p, attrs });
          }
        }
        if (c.kind === 'group') sub.push({ kind: 'group-end' });
        out.push(...expand(ctx, sub, searchDirs, depth + 1));
      }
    } else {
      throw new LinkError(`${shown}: file format not recognized; treating as linker script failed: not an ELF object, archive or linker script`);
    }
  }
  return out;
}

/** After parseSections: an object that holds only LTO IR cannot be linked without the plugin. */
function checkLto(f: ObjectFile): void {
  const elf = f.elf;
  if (!f.hasLtoSections) return;
  const slim = elf.symtab !== undefined && elf.symbols().some((s) => s.name === '__gnu_lto_slim');
  if (slim) throw new LinkError(`${f.displayName}: this object holds only LTO IR (it was compiled with -flto); ukl-ld does not run the LTO plugin: rebuild without -flto (or with -ffat-lto-objects)`);
}

export function loadInputs(ctx: Context): void {
  const o = ctx.options;
  const searchDirs = o.libraryPaths.map((d) => sysrootPath(ctx, d));
  // -T scripts take the same subset as scripts given as inputs (INPUT, GROUP, ENTRY, SEARCH_DIR, ...);
  // anything else in them (SECTIONS, MEMORY, ...) is an error from the script parser.
  const scripts: InputItem[] = o.scripts.map((path) => ({ kind: 'file', path, attrs: { wholeArchive: false, asNeeded: false, static: true, lazy: false } }));
  for (const item of scripts) {
    if (item.kind !== 'file') continue;
    const bytes = readFile(sysrootPath(ctx, item.path), item.path);
    ctx.inputPaths.push(sysrootPath(ctx, item.path));
    if (!looksLikeScript(bytes)) throw new LinkError(`-T ${item.path}: not a linker script`);
  }
  const actions = expand(ctx, [...scripts, ...o.inputs], searchDirs);
  try {
    loadActions(ctx, actions);
  } finally {
    // Every member the link needs has been read by now.
    for (const a of ctx.archives) a.close();
  }
}

function loadActions(ctx: Context, actions: Action[]): void {
  const o = ctx.options;
  const st = ctx.symtab;
  const transform = ctx.syscallRewriter;
  let priority = 0;
  const trace = (name: string) => {
    if (o.trace) process.stdout.write(`${name}\n`);
  };

  const load = (f: ObjectFile) => {
    if (f.loaded) return;
    f.priority = priority++;
    st.addObject(f);
    checkLto(f);
    ctx.files.push(f);
    trace(f.displayName);
    drain();
  };
  const drain = () => {
    while (st.pending.length > 0) load(st.pending.shift()!);
  };
  /** Extract every member that defines a symbol something still needs; repeat until nothing changes. */
  const scanArchive = (a: ArchiveInput): boolean => {
    let any = false;
    for (;;) {
      let changed = false;
      for (const s of [...st.undefs]) {
        if (s.kind !== SymKind.Undefined && s.kind !== SymKind.Lazy) {
          st.undefs.delete(s);
          continue;
        }
        const m = a.memberFor(s.name);
        if (m) {
          load(m);
          changed = any = true;
        }
      }
      for (const s of [...st.commons]) {
        if (s.kind !== SymKind.Common) {
          st.commons.delete(s);
          continue;
        }
        const m = memberForCommon(a, s.name);
        if (m) {
          load(m);
          changed = any = true;
        }
      }
      if (!changed) return any;
    }
  };

  const addArchive = (archive: Archive | LazyArchive, path: string, wholeArchive: boolean): ArchiveInput => {
    const a = new ArchiveInput(archive, path, wholeArchive);
    a.transform = transform;
    ctx.archives.push(a);
    return a;
  };

  const groupStack: ArchiveInput[][] = [];
  for (const act of actions) {
    if (act.kind === 'group-start') {
      groupStack.push([]);
      continue;
    }
    if (act.kind === 'group-end') {
      const g = groupStack.pop();
      if (!g) throw new LinkError('--end-group without --start-group');
      for (;;) {
        let changed = false;
        for (const a of g) if (scanArchive(a)) changed = true;
        if (!changed) break;
      }
      if (groupStack.length) groupStack[groupStack.length - 1]!.push(...g);
      continue;
    }
    if (act.kind === 'object') {
      let elf = parseElf(act.bytes, act.path);
      let sites: SiteRecord[] = [];
      if (transform) ({ elf, sites } = transform(elf));
      const f = new ObjectFile(elf, act.path, act.attrs.lazy);
      f.syscallSites = sites;
      if (act.attrs.lazy) {
        f.priority = priority++;
        st.addLazyObject(f);
        drain();
      } else load(f);
      continue;
    }
    if (!act.attrs.wholeArchive && !act.attrs.lazy) {
      const a = addArchive(openArchive(act.path, ctx.archives), act.path, false);
      scanArchive(a);
      if (groupStack.length) groupStack[groupStack.length - 1]!.push(a);
      continue;
    }
    // Every member is wanted: read the archive whole.
    const archive = readArchive(act.path);
    const a = addArchive(archive, act.path, act.attrs.wholeArchive);
    if (act.attrs.wholeArchive) {
      for (const m of archive.members) {
        const f = a.member(m.headerOffset);
        if (f) load(f);
      }
    } else {
      // An archive inside --start-lib behaves like its members given as lazy objects.
      for (const m of archive.members) {
        const f = a.member(m.headerOffset);
        if (!f) continue;
        f.lazy = true;
        f.priority = priority++;
        st.addLazyObject(f);
      }
      drain();
    }
  }
  if (groupStack.length) throw new LinkError('--start-group without --end-group');
  drain();
}

/**
 * An archive to search: read lazily when it has a symbol index, whole otherwise. Each lazy archive keeps
 * its file open while loading; when a link has so many that descriptors run out, the ones opened so far
 * are closed (they open their file again for each later read).
 */
function openArchive(path: string, opened: readonly ArchiveInput[]): Archive | LazyArchive {
  let lazy: LazyArchive | undefined;
  for (let retried = false; ; retried = true) {
    try {
      lazy = LazyArchive.open(path);
      break;
    } catch (e) {
      if (e instanceof FormatError) throw new LinkError(e.message);
      const code = (e as NodeJS.ErrnoException).code;
      if (retried || (code !== 'EMFILE' && code !== 'ENFILE')) cannotOpen(e, path);
      for (const a of opened) a.close();
    }
  }
  return lazy ?? readArchive(path);
}

function readArchive(path: string): Archive {
  try {
    return new Archive(readFile(path, path), path);
  } catch (e) {
    if (e instanceof FormatError) throw new LinkError(e.message);
    throw e;
  }
}

function parseElf(bytes: Uint8Array, path: string): ElfFile {
  try {
    return new ElfFile(bytes, { file: path });
  } catch (e) {
    if (e instanceof FormatError) throw new LinkError(e.message);
    throw e;
  }
}
