// Parse GNU readelf's text (-h -S -s -r -g -n -l -W, over one file or a whole archive) and compare it
// with what src/elf's reader gives for the same bytes.
import {
  ElfFile, SHN_ABS, SHN_COMMON, SHN_UNDEF, SHT_NOTE, SHT_RELA, STT_SECTION, programTypeName, relocTypeName,
  sectionTypeName, symbolBindName, symbolTypeName, symbolVisibilityName, stType, stBind, stVisibility,
} from '../../src/elf/index.ts';

export interface RSection { index: number; name: string; type: string; addr: bigint; off: number; size: number; es: number; flags: string; lk: number; inf: number; al: number }
export interface RSymbol { num: number; value: bigint; size: bigint; type: string; bind: string; vis: string; ndx: string; name: string }
export interface RReloc { offset: bigint; info: bigint; type: string; symValue: bigint | undefined; ifunc?: string; symName: string; addend: bigint }
export interface RGroup { comdat: boolean; index: number; name: string; signature: string; count: number; members: { index: number; name: string }[] }
export interface RNote { owner: string; descsz: number; description: string }
export interface RPhdr { type: string; offset: number; vaddr: bigint; paddr: bigint; filesz: number; memsz: number; flags: string; align: number }

export interface RFile {
  /** The member name for archives (text inside the parentheses of "File: a.a(m.o)"), else the path. */
  name: string;
  header: Map<string, string>;
  shnumLine: { count: number; offset: number } | undefined;
  sections: RSection[];
  noSections: boolean;
  symtabs: { name: string; count: number; symbols: RSymbol[] }[];
  relocs: { name: string; offset: number; count: number; entries: RReloc[] }[];
  noRelocs: boolean;
  groups: RGroup[];
  notes: { section: string; notes: RNote[] }[];
  phdrLine: { count: number; offset: number } | undefined;
  phdrs: RPhdr[];
  fileType: string | undefined;
  entry: bigint | undefined;
}

function newFile(name: string): RFile {
  return {
    name, header: new Map(), shnumLine: undefined, sections: [], noSections: false, symtabs: [], relocs: [], noRelocs: false,
    groups: [], notes: [], phdrLine: undefined, phdrs: [], fileType: undefined, entry: undefined,
  };
}

const hex = (s: string): bigint => BigInt('0x' + s);
const hexn = (s: string): number => parseInt(s, 16);

/** Split readelf's output into per-file records and parse each. */
export function parseReadelf(text: string, singleName = ''): RFile[] {
  const out: RFile[] = [];
  let f: RFile | undefined;
  let mode: 'none' | 'ehdr' | 'shdr' | 'phdr' | 'sym' | 'rel' | 'group' | 'note' = 'none';
  const lines = text.split('\n');
  const cur = (): RFile => {
    if (!f) {
      f = newFile(singleName);
      out.push(f);
    }
    return f;
  };
  for (const line of lines) {
    let m: RegExpExecArray | null;
    if ((m = /^File: (.*)$/.exec(line))) {
      const full = m[1]!;
      const pm = /\(([^()]*)\)$/.exec(full);
      f = newFile(pm ? pm[1]! : full);
      out.push(f);
      mode = 'none';
      continue;
    }
    if (line === 'ELF Header:') { cur(); mode = 'ehdr'; continue; }
    if ((m = /^There are (\d+) section headers, starting at offset 0x([0-9a-f]+):$/.exec(line))) {
      cur().shnumLine = { count: Number(m[1]), offset: hexn(m[2]!) };
      continue;
    }
    if (line === 'There are no sections in this file.') { cur().noSections = true; continue; }
    if (line === 'Section Headers:') { mode = 'shdr'; continue; }
    if (line.startsWith('Key to Flags:')) { mode = 'none'; continue; }
    if ((m = /^Elf file type is (.*)$/.exec(line))) { cur().fileType = m[1]; continue; }
    if ((m = /^Entry point 0x([0-9a-f]+)$/.exec(line))) { cur().entry = hex(m[1]!); continue; }
    if ((m = /^There are (\d+) program headers, starting at offset (\d+)$/.exec(line))) {
      cur().phdrLine = { count: Number(m[1]), offset: Number(m[2]) };
      continue;
    }
    if (line === 'Program Headers:') { mode = 'phdr'; continue; }
    if (line.startsWith(' Section to Segment mapping:')) { mode = 'none'; continue; }
    if ((m = /^Symbol table '(.*)' contains (\d+) entr(?:y|ies):$/.exec(line))) {
      cur().symtabs.push({ name: m[1]!, count: Number(m[2]), symbols: [] });
      mode = 'sym';
      continue;
    }
    if ((m = /^Relocation section '(.*)' at offset 0x([0-9a-f]+) contains (\d+) entr(?:y|ies):$/.exec(line))) {
      cur().relocs.push({ name: m[1]!, offset: hexn(m[2]!), count: Number(m[3]), entries: [] });
      mode = 'rel';
      continue;
    }
    if (line === 'There are no relocations in this file.') { cur().noRelocs = true; continue; }
    if ((m = /^(COMDAT )?group section \[\s*(\d+)\] `(.*)' \[(.*)\] contains (\d+) sections?:$/.exec(line))) {
      cur().groups.push({ comdat: m[1] !== undefined, index: Number(m[2]), name: m[3]!, signature: m[4]!, count: Number(m[5]), members: [] });
      mode = 'group';
      continue;
    }
    if ((m = /^Displaying notes found in: (.*)$/.exec(line))) {
      cur().notes.push({ section: m[1]!, notes: [] });
      mode = 'note';
      continue;
    }
    if (!f) continue;
    switch (mode) {
      case 'ehdr':
        if ((m = /^ {2}([^:]+):\s+(.*)$/.exec(line))) f.header.set(m[1]!, m[2]!.trim());
        else if (line === '') mode = 'none';
        break;
      case 'shdr':
        m = /^\s*\[\s*(\d+)\]\s(.*?)\s+(SYMTAB SECTION INDICES|\S+)\s+([0-9a-f]{16})\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([A-Za-z]*)\s+(\d+)\s+(\d+)\s+(\d+)$/.exec(line);
        if (m) {
          f.sections.push({
            index: Number(m[1]), name: m[2]!.trim(), type: m[3]!, addr: hex(m[4]!), off: hexn(m[5]!), size: hexn(m[6]!), es: hexn(m[7]!),
            flags: m[8]!, lk: Number(m[9]), inf: Number(m[10]), al: Number(m[11]),
          });
        }
        break;
      case 'phdr':
        m = /^\s+(\S+)\s+0x([0-9a-f]+) 0x([0-9a-f]+) 0x([0-9a-f]+) 0x([0-9a-f]+) 0x([0-9a-f]+) (.{3}) 0x([0-9a-f]+)$/.exec(line);
        if (m) {
          f.phdrs.push({ type: m[1]!, offset: hexn(m[2]!), vaddr: hex(m[3]!), paddr: hex(m[4]!), filesz: hexn(m[5]!), memsz: hexn(m[6]!), flags: m[7]!, align: hexn(m[8]!) });
        } else if (line === '') mode = 'none';
        break;
      case 'sym': {
        m = /^\s*(\d+): ([0-9a-f]{16})\s+(0x[0-9a-f]+|-?\d+) (\S+)\s+(\S+)\s+(DEFAULT|INTERNAL|HIDDEN|PROTECTED)(?: +\[[^\]]*\])?\s+(\S+) ?(.*)$/.exec(line);
        if (m) {
          const t = f.symtabs[f.symtabs.length - 1]!;
          const size = m[3]!.startsWith('0x') ? hex(m[3]!.slice(2)) : BigInt.asUintN(64, BigInt(m[3]!));
          t.symbols.push({ num: Number(m[1]), value: hex(m[2]!), size, type: m[4]!, bind: m[5]!, vis: m[6]!, ndx: m[7]!, name: m[8]! });
        } else if (line === '') mode = 'none';
        break;
      }
      case 'rel': {
        // The symbol's value column shows "name()" for an IFUNC symbol.
        m = /^([0-9a-f]{16})\s+([0-9a-f]{16}) (\S+)\s+(?:([0-9a-f]{16}|\S+\(\)) +(.*) ([+-]) ([0-9a-f]+)|\s*(-?)([0-9a-f]+))$/.exec(line);
        if (m) {
          const t = f.relocs[f.relocs.length - 1]!;
          if (m[4] !== undefined) {
            const add = hex(m[7]!);
            const ifunc = m[4].endsWith('()');
            t.entries.push({
              offset: hex(m[1]!), info: hex(m[2]!), type: m[3]!, symValue: ifunc ? undefined : hex(m[4]), ifunc: ifunc ? m[4].slice(0, -2) : undefined,
              symName: m[5]!, addend: m[6] === '-' ? -add : add,
            });
          } else {
            const add = hex(m[9]!);
            t.entries.push({ offset: hex(m[1]!), info: hex(m[2]!), type: m[3]!, symValue: undefined, symName: '', addend: m[8] === '-' ? -add : add });
          }
        } else if (line === '') mode = 'none';
        break;
      }
      case 'group':
        if ((m = /^\s+\[\s*(\d+)\]\s+(.*)$/.exec(line))) f.groups[f.groups.length - 1]!.members.push({ index: Number(m[1]), name: m[2]! });
        else if (line === '') mode = 'none';
        break;
      case 'note':
        if ((m = /^ {2}(\S(?:.*?\S)?)\s+0x([0-9a-f]{8})\t(.*)$/.exec(line))) {
          f.notes[f.notes.length - 1]!.notes.push({ owner: m[1]!, descsz: hexn(m[2]!), description: m[3]! });
        } else if (line === '') mode = 'none';
        break;
      default:
        break;
    }
  }
  return out;
}

/** readelf's section flag letters (bit order, as readelf prints them). */
export function flagLetters(flags: number): string {
  const known: [number, string][] = [
    [0x1, 'W'], [0x2, 'A'], [0x4, 'X'], [0x10, 'M'], [0x20, 'S'], [0x40, 'I'], [0x80, 'L'], [0x100, 'O'], [0x200, 'G'],
    [0x400, 'T'], [0x800, 'C'], [0x200000, 'R'], [0x1000000, 'D'], [0x10000000, 'l'], [0x80000000, 'E'],
  ];
  let s = '';
  let rest = flags;
  for (const [bit, ch] of known) {
    if (flags & bit || (bit === 0x80000000 && flags >= 0x80000000 && Math.floor(flags / 0x80000000) % 2 === 1)) {
      s += ch;
      rest -= bit;
    }
  }
  if (rest !== 0) s += 'x';
  return s;
}

function phdrFlags(f: number): string {
  return (f & 4 ? 'R' : ' ') + (f & 2 ? 'W' : ' ') + (f & 1 ? 'E' : ' ');
}

/** readelf's "Ndx" column for a symbol's section index. */
function ndxText(shndx: number): string {
  if (shndx === SHN_UNDEF) return 'UND';
  if (shndx === SHN_ABS) return 'ABS';
  if (shndx === SHN_COMMON) return 'COM';
  return String(shndx);
}

const noteTypes: Record<string, Record<number, string>> = {
  GNU: { 1: 'NT_GNU_ABI_TAG', 2: 'NT_GNU_HWCAP', 3: 'NT_GNU_BUILD_ID', 4: 'NT_GNU_GOLD_VERSION', 5: 'NT_GNU_PROPERTY_TYPE_0' },
  stapsdt: { 3: 'NT_STAPSDT' },
};

export interface Totals {
  files: number;
  sections: number;
  symbols: number;
  relocations: number;
  groups: number;
  notes: number;
  programHeaders: number;
}

export function emptyTotals(): Totals {
  return { files: 0, sections: 0, symbols: 0, relocations: 0, groups: 0, notes: 0, programHeaders: 0 };
}

/**
 * Compare one parsed readelf record with the reader's view of the same file. Mismatches are appended to
 * `bad` (as "file: what: ours vs readelf"); counts of compared items are added to `t`.
 */
export function compareWithReadelf(elf: ElfFile, r: RFile, t: Totals, bad: string[]): void {
  const where = r.name;
  const eq = (what: string, ours: unknown, theirs: unknown): void => {
    if (ours !== theirs) bad.push(`${where}: ${what}: ours ${String(ours)} vs readelf ${String(theirs)}`);
  };
  t.files++;
  const h = elf.header;
  // ELF header (-h).
  if (r.header.size > 0) {
    eq('e_entry', `0x${h.entry.toString(16)}`, r.header.get('Entry point address'));
    eq('e_shoff', `${h.shoff} (bytes into file)`, r.header.get('Start of section headers'));
    eq('e_phoff', `${h.phoff} (bytes into file)`, r.header.get('Start of program headers'));
    const shnum = r.header.get('Number of section headers') ?? '';
    eq('e_shnum', String(h.shnum), shnum.replace(/^0 \((\d+)\)$/, '$1'));
    const shstrndx = r.header.get('Section header string table index') ?? '';
    eq('e_shstrndx', String(h.shstrndx), shstrndx.replace(/^.*\((\d+)\)$/, '$1'));
    eq('e_flags', `0x${h.flags.toString(16)}`, r.header.get('Flags'));
  }
  // Section headers (-S).
  // (readelf prints "There are N section headers" only without -h; with -h the header gives the count.)
  if (r.shnumLine) eq('section count', elf.sections.length, r.shnumLine.count);
  eq('sections listed', elf.sections.length, r.sections.length);
  for (const rs of r.sections) {
    const s = elf.sections[rs.index];
    if (!s) {
      bad.push(`${where}: readelf lists section ${rs.index}, the reader has ${elf.sections.length}`);
      continue;
    }
    t.sections++;
    const w = `section ${rs.index}`;
    eq(`${w} name`, s.name, rs.name);
    eq(`${w} type`, sectionTypeName(s.type), rs.type);
    eq(`${w} addr`, s.addr, rs.addr);
    eq(`${w} offset`, s.offset, rs.off);
    eq(`${w} size`, s.size, rs.size);
    eq(`${w} entsize`, s.entsize, rs.es);
    eq(`${w} flags`, flagLetters(s.flags), rs.flags);
    eq(`${w} link`, s.link, rs.lk);
    eq(`${w} info`, s.info, rs.inf);
    eq(`${w} align`, s.addralign, rs.al);
  }
  // Symbols (-s).
  const symtabs = elf.sections.filter((s) => s.type === 2 || s.type === 11);
  eq('symbol tables', symtabs.length, r.symtabs.length);
  for (const rt of r.symtabs) {
    const st = symtabs.find((s) => s.name === rt.name);
    if (!st) {
      bad.push(`${where}: readelf shows symbol table ${rt.name}, the reader has none by that name`);
      continue;
    }
    const syms = elf.symbols(st.index);
    eq(`${rt.name} count`, syms.length, rt.count);
    eq(`${rt.name} listed`, syms.length, rt.symbols.length);
    for (const rsym of rt.symbols) {
      const s = syms[rsym.num];
      if (!s) continue;
      t.symbols++;
      const w = `${rt.name}[${rsym.num}]`;
      eq(`${w} value`, s.value, rsym.value);
      eq(`${w} size`, s.size, rsym.size);
      eq(`${w} type`, symbolTypeName(stType(s.info)), rsym.type);
      eq(`${w} bind`, symbolBindName(stBind(s.info)), rsym.bind);
      eq(`${w} vis`, symbolVisibilityName(stVisibility(s.other)), rsym.vis);
      eq(`${w} ndx`, ndxText(s.shndx), rsym.ndx);
      eq(`${w} name`, displayName(elf, s), rsym.name);
    }
  }
  // Relocations (-r).
  const relas = elf.sections.filter((s) => s.type === SHT_RELA);
  eq('relocation sections', relas.length, r.relocs.length);
  for (const rr of r.relocs) {
    // (readelf cuts very long section names short in this line, so match on the offset.)
    const rs = relas.find((s) => s.offset === rr.offset && s.name.startsWith(rr.name));
    if (!rs) {
      bad.push(`${where}: readelf shows relocation section ${rr.name} at 0x${rr.offset.toString(16)}, the reader has none`);
      continue;
    }
    const rels = elf.relocations(rs.index);
    eq(`${rr.name} count`, rels.length, rr.count);
    eq(`${rr.name} listed`, rels.length, rr.entries.length);
    const syms = rs.link !== 0 ? elf.symbols(rs.link) : [];
    rr.entries.forEach((e, i) => {
      const x = rels[i];
      if (!x) return;
      t.relocations++;
      const w = `${rr.name}[${i}]`;
      eq(`${w} offset`, x.offset, e.offset);
      eq(`${w} sym`, BigInt(x.sym), e.info >> 32n);
      eq(`${w} type`, BigInt(x.type), e.info & 0xffffffffn);
      eq(`${w} type name`, relocTypeName(x.type), e.type);
      eq(`${w} addend`, x.addend, e.addend);
      if (x.sym !== 0) {
        const s = syms[x.sym]!;
        if (e.ifunc !== undefined) {
          eq(`${w} IFUNC symbol`, `${symbolTypeName(stType(s.info))} ${displayName(elf, s)}`, `IFUNC ${e.ifunc}`);
        } else eq(`${w} symbol value`, s.value, e.symValue);
        eq(`${w} symbol name`, displayName(elf, s), e.symName);
      }
    });
  }
  // Groups (-g).
  const groups = elf.groups();
  eq('groups', groups.length, r.groups.length);
  for (const rg of r.groups) {
    const g = groups.find((x) => x.section === rg.index);
    if (!g) {
      bad.push(`${where}: readelf shows group section ${rg.index}, the reader has none`);
      continue;
    }
    t.groups++;
    eq(`group ${rg.index} COMDAT`, (g.flags & 1) === 1, rg.comdat);
    eq(`group ${rg.index} signature`, g.signature, rg.signature);
    eq(`group ${rg.index} members`, g.members.join(','), rg.members.map((m) => m.index).join(','));
    eq(`group ${rg.index} count`, g.members.length, rg.count);
  }
  // Notes (-n): readelf reads SHT_NOTE sections when there are section headers.
  const noteSecs = elf.sections.filter((s) => s.type === SHT_NOTE);
  if (noteSecs.length > 0 || r.notes.length > 0) {
    eq('note sections', noteSecs.length, r.notes.length);
    for (const rn of r.notes) {
      const s = noteSecs.find((x) => x.name === rn.section);
      if (!s) {
        bad.push(`${where}: readelf shows notes in ${rn.section}, the reader has no such note section`);
        continue;
      }
      const notes = elf.sectionNotes(s);
      eq(`${rn.section} note count`, notes.length, rn.notes.length);
      rn.notes.forEach((n, i) => {
        const x = notes[i];
        if (!x) return;
        t.notes++;
        eq(`${rn.section}[${i}] owner`, x.name, n.owner);
        eq(`${rn.section}[${i}] descsz`, x.desc.length, n.descsz);
        const known = noteTypes[x.name]?.[x.type];
        const unknown = /^Unknown note type: \(0x([0-9a-f]+)\)/.exec(n.description);
        if (known) eq(`${rn.section}[${i}] type`, known, n.description.split(/[\s\t]/)[0]);
        else if (unknown) eq(`${rn.section}[${i}] type`, x.type, hexn(unknown[1]!));
      });
    }
  }
  // Program headers (-l).
  eq('program headers', elf.programHeaders.length, r.phdrs.length);
  if (r.phdrLine) {
    eq('phnum', elf.programHeaders.length, r.phdrLine.count);
    eq('phoff', h.phoff, r.phdrLine.offset);
  }
  if (r.entry !== undefined) eq('entry', h.entry, r.entry);
  r.phdrs.forEach((rp, i) => {
    const p = elf.programHeaders[i];
    if (!p) return;
    t.programHeaders++;
    const w = `program header ${i}`;
    eq(`${w} type`, programTypeName(p.type), rp.type);
    eq(`${w} offset`, p.offset, rp.offset);
    eq(`${w} vaddr`, p.vaddr, rp.vaddr);
    eq(`${w} paddr`, p.paddr, rp.paddr);
    eq(`${w} filesz`, p.filesz, rp.filesz);
    eq(`${w} memsz`, p.memsz, rp.memsz);
    eq(`${w} flags`, phdrFlags(p.flags), rp.flags);
    eq(`${w} align`, p.align, rp.align);
  });
}

/** The name readelf prints for a symbol: its own, or for an unnamed section symbol the section's. */
function displayName(elf: ElfFile, s: { name: string; info: number; shndx: number; nameOffset: number }): string {
  if (stType(s.info) === STT_SECTION && s.nameOffset === 0 && s.shndx < elf.sections.length) return elf.sections[s.shndx]!.name;
  return s.name;
}
