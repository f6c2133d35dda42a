// What the passes share: the options, the diagnostics, the inputs, the symbol table, the output
// sections, and the synthetic parts (GOT, IPLT, TLS block) once they are laid out.
import type { LinkOptions } from './options.ts';
import { Diagnostics } from './errors.ts';
import type { ArchiveInput, InputSection, ObjectFile } from './input-files.ts';
import type { OutputSection } from './output-section.ts';
import { SymbolTable } from './symbol-table.ts';
import { SymKind, type Sym } from './symbol.ts';
import type { Layout } from './layout.ts';
import type { ElfFile } from '../elf/reader.ts';
import type { SiteRecord } from '../relink-syscalls/rewrite-object.ts';

export interface TlsBlock {
  /** Start address of the TLS image (.tdata), the DTP base. */
  start: number;
  /** Size in memory (.tdata + .tbss). */
  memsz: number;
  align: number;
  /** The thread pointer's address relative to this image (variant II: end of the block, aligned). */
  tp: number;
}

export class Context {
  readonly options: LinkOptions;
  readonly diags = new Diagnostics();
  readonly symtab: SymbolTable;
  /** Loaded objects in load order. */
  readonly files: ObjectFile[] = [];
  /** Archives seen, in command-line order. */
  readonly archives: ArchiveInput[] = [];
  outputSections: OutputSection[] = [];
  /** Symbols given GOT slots, in slot order (.got). */
  readonly gotSymbols: Sym[] = [];
  /** Symbols given TP-offset GOT slots (initial-exec TLS that could not be relaxed). */
  readonly tpGotSymbols: Sym[] = [];
  /** IFUNC symbols given an IPLT entry and a .got.plt slot with an IRELATIVE relocation, in order. */
  readonly ifuncs: Sym[] = [];
  /** Common symbols turned into .bss (or .tbss) space. */
  readonly commons: InputSection[] = [];
  /** The output is marked IBT (.note.gnu.property): IPLT entries start with endbr64. */
  ibtPlt = false;
  /** Some relocation is relative to _GLOBAL_OFFSET_TABLE_ (.got.plt), so it must exist. */
  needGotPlt = false;
  got: OutputSection | null = null;
  gotPlt: OutputSection | null = null;
  iplt: OutputSection | null = null;
  relaIplt: OutputSection | null = null;
  tls: TlsBlock | null = null;
  /** Symbols the linker defines, with how to compute each value once the layout is known. */
  readonly linkerSymbols: { sym: Sym; value: (ctx: Context, l: Layout) => number }[] = [];
  /** Address of the first byte of the image (the ELF header). */
  imageBase = 0x400000;
  /** --rewrite-syscalls: applied to every input object as it is loaded (set up by syscall-rewrite.ts). */
  syscallRewriter: ((elf: ElfFile) => { elf: ElfFile; sites: SiteRecord[] }) | null = null;
  /** --rewrite-syscalls: the built-in hosted entry object, added when no kernel defines the entry. */
  hostedEntry: (() => Uint8Array) | null = null;
  /** Every input file read (objects, archives, scripts), in order: --dependency-file lists them. */
  readonly inputPaths: string[] = [];
  /** ENTRY() from a linker script given as an input (the -e option wins). */
  scriptEntry: string | undefined;
  entry = 0;

  constructor(options: LinkOptions) {
    this.options = options;
    this.symtab = new SymbolTable(this.diags);
  }

  /** The address a reference to `s` resolves to (IFUNCs: their IPLT entry; undefined weak: 0). */
  addressOf(s: Sym): number {
    if (s.ipltIndex >= 0 && this.iplt) return this.iplt.addr + s.ipltIndex * 16;
    return this.valueOf(s);
  }

  /** The symbol's own value (for IFUNCs, the resolver's address). */
  valueOf(s: Sym): number {
    if (s.aliasOf) return this.addressOf(s.aliasOf);
    if (s.kind !== SymKind.Defined) return 0;
    const sec = s.section;
    // Absolute values are signed 64-bit: 0xffffffff80000000 is -2^31, which 32S relocations accept.
    if (!sec) return s.value;
    if (!sec.output || !sec.live) return 0;
    return this.sectionAddress(sec, s.value);
  }

  /** The address of offset `off` of a placed input section (merged sections: where that piece went). */
  sectionAddress(sec: InputSection, off: number): number {
    return sec.output!.addr + sec.offset + (sec.mergeMap ? sec.mergeMap(off) : off);
  }

  /** For an undefined symbol: a note when an archive that was searched before the reference defines it. */
  lazyDefinitionHint(s: Sym): string | undefined {
    for (const a of this.archives) {
      const off = a.index.get(s.name);
      if (off === undefined) continue;
      return `note: ${a.path}(${a.memberName(off) ?? '?'}) defines it, but that archive was searched before the reference was seen; move it after the objects that use it, or use --start-group/--end-group`;
    }
    return undefined;
  }

  gotAddress(s: Sym): number {
    return this.got!.addr + s.gotOffset;
  }

  tpGotAddress(s: Sym): number {
    return this.got!.addr + s.tpGotOffset;
  }
}
