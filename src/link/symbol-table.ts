// The global symbol table and the resolution rules: which definition of a name wins, when a lazy
// definition (archive member, --start-lib object) must be loaded, duplicates and COMDAT groups.
import { SHN_ABS, SHN_COMMON, SHN_UNDEF, STB_WEAK, STB_GLOBAL, STT_SECTION } from '../elf/constants.ts';
import { stBind, stType } from '../elf/types.ts';
import type { Diagnostics } from './errors.ts';
import type { ObjectFile } from './input-files.ts';
import { Sym, SymKind } from './symbol.ts';
import { warnCommon } from './warn-common.ts';
import { symbolName } from './demangle.ts';

export class SymbolTable {
  readonly map = new Map<string, Sym>();
  /** COMDAT signature -> the file whose group was kept. */
  readonly comdat = new Map<string, ObjectFile>();
  /** Lazy files whose loading has been triggered but not done yet. */
  readonly pending: ObjectFile[] = [];
  readonly wrap = new Set<string>();
  allowMultipleDefinition = false;
  /** --warn-common. */
  warnCommon = false;
  /** Symbols defined by --defsym: inputs do not override them. */
  readonly defsyms = new Set<string>();
  /** Symbols with a strong reference and no definition yet: what archive members are searched for. */
  readonly undefs = new Set<Sym>();
  /** Symbols that are (or were) only COMMON: an archive member with a real data definition is extracted for them (GNU ld). */
  readonly commons = new Set<Sym>();
  private readonly diags: Diagnostics;

  constructor(diags: Diagnostics) {
    this.diags = diags;
  }

  get(name: string): Sym {
    let s = this.map.get(name);
    if (!s) {
      s = new Sym(name, false);
      this.map.set(name, s);
    }
    return s;
  }

  find(name: string): Sym | undefined {
    return this.map.get(name);
  }

  /** Name an undefined reference binds to, after --wrap. */
  private referenceName(name: string): string {
    if (this.wrap.size === 0) return name;
    if (this.wrap.has(name)) return `__wrap_${name}`;
    if (name.startsWith('__real_') && this.wrap.has(name.slice(7))) return name.slice(7);
    return name;
  }

  /** Add a loaded object's sections, groups and symbols. */
  addObject(f: ObjectFile): void {
    f.loaded = true;
    f.lazy = false;
    f.parseSections();
    for (const g of f.groups) {
      const owner = this.comdat.get(g.signature);
      if (owner && owner !== f) f.discardGroup(g);
      else this.comdat.set(g.signature, f);
    }
    const wrapNames = this.wrap.size > 0;
    f.bindSymbols((name) => this.get(name));
    const raw = f.raw;
    const n = raw ? raw.count : 0;
    for (let i = f.firstGlobal; i < n; i++) {
      const info = raw!.info(i);
      const bind = stBind(info);
      const shndx = raw!.shndx(i);
      const rawShndx = raw!.rawShndx(i);
      const other = raw!.other(i);
      let s = f.sym(i)!;
      const isUndef = shndx === SHN_UNDEF;
      if (isUndef && wrapNames) {
        const target = this.referenceName(s.name);
        if (target !== s.name) {
          s = this.get(target);
          f.rebind(i, s);
        }
      }
      if ((other & 3) !== 0 && (s.visibility === 0 || (other & 3) < s.visibility)) s.visibility = other & 3;
      const inSection = shndx !== SHN_UNDEF && shndx !== SHN_ABS && shndx !== SHN_COMMON && (rawShndx < 0xff00 || rawShndx === 0xffff);
      const sec = inSection ? f.sections[shndx] : undefined;
      const inDiscarded = sec !== undefined && sec.discardedComdat;
      if (isUndef || inDiscarded) {
        s.referenced = true;
        if (bind !== STB_WEAK) {
          this.strongRef(s);
          if (s.kind === SymKind.Lazy && s.lazyFile) this.trigger(s.lazyFile);
        }
        if (s.kind === SymKind.Undefined && s.bind !== STB_GLOBAL) s.bind = bind;
        if (s.kind === SymKind.Undefined && s.type === 0) s.type = stType(info);
        continue;
      }
      if (this.defsyms.has(s.name)) continue;
      const value = raw!.value(i);
      const size = raw!.size(i);
      if (shndx === SHN_COMMON) {
        if (s.kind === SymKind.Undefined || s.kind === SymKind.Lazy) {
          this.define(s, f, null, value, size, info);
          s.kind = SymKind.Common;
          this.commons.add(s);
        } else if (s.kind === SymKind.Common) {
          if (this.warnCommon) warnCommon(this.diags, 'common-common', s.name, f, s.file, size, s.size);
          if (size > s.size) {
            s.size = size;
            s.file = f;
          }
          if (value > s.value) s.value = value;
        } else if (this.warnCommon && s.kind === SymKind.Defined && !s.synthetic) {
          warnCommon(this.diags, 'common-definition', s.name, f, s.file, size, s.size);
        }
        continue;
      }
      // A definition (in a section, or absolute).
      const section = sec ?? null;
      if (s.kind === SymKind.Undefined || s.kind === SymKind.Lazy || s.kind === SymKind.Common) {
        // (mold's rank: a weak definition still beats a common one)
        if (this.warnCommon && s.kind === SymKind.Common) warnCommon(this.diags, 'definition-common', s.name, f, s.file, size, s.size);
        this.define(s, f, section, value, size, info);
        continue;
      }
      // Both defined.
      if (s.bind === STB_WEAK && bind !== STB_WEAK) {
        this.define(s, f, section, value, size, info);
      } else if (s.bind !== STB_WEAK && bind !== STB_WEAK && !s.synthetic && !this.allowMultipleDefinition) {
        if (s.file !== f) this.diags.error(`duplicate symbol: ${symbolName(s.name)}\n>>> defined at ${where(s.file, s.section?.name)}\n>>> defined at ${where(f, section?.name)}`);
      }
    }
  }

  private define(s: Sym, f: ObjectFile, section: Sym['section'], value: number, size: number, info: number): void {
    s.kind = SymKind.Defined;
    s.file = f;
    s.section = section;
    s.value = value;
    s.size = size;
    s.type = stType(info);
    s.bind = stBind(info);
    s.lazyFile = null;
    if (stType(info) === STT_SECTION) s.type = 0;
  }

  /** Note a non-weak reference: an undefined symbol with one is what archives are searched for. */
  strongRef(s: Sym): void {
    s.strongRef = true;
    s.referenced = true;
    if (s.kind === SymKind.Undefined || s.kind === SymKind.Lazy) this.undefs.add(s);
  }

  /** Register a lazy file's definitions: a strong reference pulls it now, a later one will. */
  addLazyObject(f: ObjectFile): void {
    const raw = f.raw;
    if (!raw) return;
    for (let i = raw.firstGlobal; i < raw.count; i++) {
      if (raw.shndx(i) === SHN_UNDEF || stBind(raw.info(i)) === 0) continue;
      const s = this.get(raw.name(i));
      if (s.kind === SymKind.Undefined) {
        if (s.strongRef) {
          this.trigger(f);
          return;
        }
        s.kind = SymKind.Lazy;
        s.lazyFile = f;
      }
    }
  }

  private trigger(f: ObjectFile): void {
    if (f.loaded || this.pending.includes(f)) return;
    this.pending.push(f);
  }
}

export function where(f: ObjectFile | null, section?: string): string {
  if (!f) return '<internal>';
  return section ? `${f.displayName}:(${section})` : f.displayName;
}
