// The linker's symbols: one object per global name (shared by every file that mentions it) and one per
// local symbol of each file. Resolution fills in where a symbol is defined; layout fills in its address.
import type { InputSection, ObjectFile } from './input-files.ts';

export const enum SymKind {
  Undefined = 0,
  /** Defined in an input section, or absolute (section null). */
  Defined = 1,
  Common = 2,
  /** Defined by an archive member or --start-lib object that has not been loaded. */
  Lazy = 3,
}

export class Sym {
  readonly name: string;
  readonly isLocal: boolean;
  kind: SymKind = SymKind.Undefined;
  file: ObjectFile | null = null;
  section: InputSection | null = null;
  /** Offset in section (or the absolute value, signed 64-bit, when section is null). For commons: the alignment. */
  value = 0;
  size = 0;
  type = 0;
  bind = 0;
  visibility = 0;
  /** True once any file refers to it without STB_WEAK. */
  strongRef = false;
  /** True once any file refers to it at all. */
  referenced = false;
  /** Defined by the linker itself (section-relative or absolute). */
  synthetic = false;
  /** Lazy definition: which file would define it. */
  lazyFile: ObjectFile | null = null;
  /** Set for --defsym symbols whose value is another symbol's. */
  aliasOf: Sym | null = null;

  // Decided by the relocation scan.
  needsGot = false;
  needsTpGot = false;
  needsIplt = false;
  gotOffset = -1;
  tpGotOffset = -1;
  ipltIndex = -1;


  constructor(name: string, isLocal: boolean) {
    this.name = name;
    this.isLocal = isLocal;
  }

  get isDefined(): boolean {
    return this.kind === SymKind.Defined;
  }

  get isWeak(): boolean {
    return this.bind === 2;
  }
}
