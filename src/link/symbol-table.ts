// The global symbol table and the resolution rules: which definition of a name wins, when a lazy
// definition (archive member, --start-lib object) must be loaded, duplicates and COMDAT groups.
import { SHN_ABS, SHN_COMMON, SHN_UNDEF, STB_WEAK, STB_GLOBAL, STT_SECTION } from '../elf/constants.ts';
import { stBind, stType } from '../elf/types.ts';
import type { Diagnostics } from './errors.ts';
import type { ObjectFile } from './input-files.ts';
import { Sym, SymKind } from './symbol.ts';

export class SymbolTable {
  readonly map = new Map<string, Sym>();
  /** COMDAT signature -> the file whose group was kept. */
  readonly comdat = new Map<string, ObjectFile>();
  /** Lazy files whose loading has been triggered but not done yet. */
  readonly pending: ObjectFile[] = [];
  readonly wrap = new Set<string>();
  allowMultipleDefinition = false;
  /** Symbols defined by --defsym: inputs do not override them. */
  readonly defsyms = new Set<string>();
  /** Symbols with a strong reference and no definition yet: what archive members are searched for. */
  readonly undefs = new Set<Sym>();
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
    const raw = f.elf.symtab ? f.elf.symbols() : [];
    const wrapNames = this.wrap.size > 0;
    f.bindSymbols((name) => this.get(name));
    for (let i = f.firstGlobal; i < raw.length; i++) {
      const r = raw[i]!;
      const bind = stBind(r.info);
      let s = f.symbols[i]!;
      const isUndef = r.shndx === SHN_UNDEF;
      if (isUndef && wrapNames) {
        const target = this.referenceName(r.name);
        if (target !== r.name) {
          s = this.get(target);
          f.symbols[i] = s;
        }
      }
      if ((r.other & 3) !== 0 && (s.visibility === 0 || (r.other & 3) < s.visibility)) s.visibility = r.other & 3;
      const inSection = r.shndx !== SHN_UNDEF && r.shndx !== SHN_ABS && r.shndx !== SHN_COMMON && (r.rawShndx < 0xff00 || r.rawShndx === 0xffff);
      const sec = inSection ? f.sections[r.shndx] : undefined;
      const inDiscarded = sec !== undefined && sec.discardedComdat;
      if (isUndef || inDiscarded) {
        s.referenced = true;
        if (bind !== STB_WEAK) {
          this.strongRef(s);
          if (s.kind === SymKind.Lazy && s.lazyFile) this.trigger(s.lazyFile);
        }
        if (s.kind === SymKind.Undefined && s.bind !== STB_GLOBAL) s.bind = bind;
        if (s.kind === SymKind.Undefined && s.type === 0) s.type = stType(r.info);
        continue;
      }
      if (this.defsyms.has(s.name)) continue;
      if (r.shndx === SHN_COMMON) {
        if (s.kind === SymKind.Undefined || s.kind === SymKind.Lazy) {
          this.define(s, f, null, r.value, r.size, r.info);
          s.kind = SymKind.Common;
        } else if (s.kind === SymKind.Common) {
          if (Number(r.size) > s.size) {
            s.size = Number(r.size);
            s.file = f;
          }
          if (Number(r.value) > s.value) s.value = Number(r.value);
        }
        continue;
      }
      // A definition (in a section, or absolute).
      const section = sec ?? null;
      if (s.kind === SymKind.Undefined || s.kind === SymKind.Lazy || s.kind === SymKind.Common) {
        const wasCommon = s.kind === SymKind.Common;
        this.define(s, f, section, r.value, r.size, r.info);
        if (wasCommon && bind === STB_WEAK) {
          // mold's rank: a weak definition still beats a common one.
        }
        continue;
      }
      // Both defined.
      if (s.bind === STB_WEAK && bind !== STB_WEAK) {
        this.define(s, f, section, r.value, r.size, r.info);
      } else if (s.bind !== STB_WEAK && bind !== STB_WEAK && !s.synthetic && !this.allowMultipleDefinition) {
        if (s.file !== f) this.diags.error(`duplicate symbol: ${s.name}\n>>> defined at ${where(s.file, s.section?.name)}\n>>> defined at ${where(f, section?.name)}`);
      }
    }
  }

  private define(s: Sym, f: ObjectFile, section: Sym['section'], value: bigint, size: bigint, info: number): void {
    s.kind = SymKind.Defined;
    s.file = f;
    s.section = section;
    s.value = Number(BigInt.asIntN(64, value));
    s.size = Number(size);
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
    const raw = f.elf.symtab ? f.elf.symbols() : [];
    const first = f.elf.symtab?.info ?? 0;
    for (let i = first; i < raw.length; i++) {
      const r = raw[i]!;
      if (r.shndx === SHN_UNDEF || stBind(r.info) === 0) continue;
      const s = this.get(r.name);
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
