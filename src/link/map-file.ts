// -Map=FILE: a GNU-style link map (memory configuration omitted): archive members and why they were
// pulled are not tracked yet; output sections with their input sections, addresses and sizes, and symbols.
import { writeFileSync } from 'node:fs';
import type { Context } from './context.ts';
import { LinkError } from './errors.ts';
import type { Layout } from './layout.ts';

function hex(v: number | bigint, w = 16): string {
  return `0x${v.toString(16).padStart(w, '0')}`;
}

export function writeMapFile(ctx: Context, l: Layout, path: string, extra = ''): void {
  const lines: string[] = [];
  const members = ctx.files.filter((f) => f.archive);
  if (members.length) {
    lines.push('Archive member included to satisfy reference by file (symbol)', '');
    for (const f of members) lines.push(f.displayName, '');
  }
  if (ctx.options.printMapDiscarded !== false) {
    // --print-map-discarded (GNU ld's default): the input sections left out of the output.
    lines.push('Discarded input sections', '');
    for (const f of ctx.files) {
      const sh = f.elf.shdrs;
      for (let i = 1; i < sh.count; i++) {
        const type = sh.type(i);
        if (type === 0 || type === 2 || type === 3 || type === 4 || type === 9 || type === 17 || type === 18) continue; // null, symtab, strtab, rel(a), group, symtab_shndx
        if (f.sections[i]?.live) continue;
        const n = ` ${f.elf.sectionName(i)}`;
        lines.push(`${n.padEnd(16)}${n.length >= 16 ? '\n' + ' '.repeat(16) : ''}${hex(0)} ${hex(sh.size(i), 1).padStart(10)} ${f.displayName}`);
      }
    }
    lines.push('');
  }
  lines.push('', 'Linker script and memory map', '');
  for (const os of l.sections) {
    const head = `${os.name.padEnd(15)}${os.name.length >= 15 ? '\n' + ' '.repeat(15) : ''} ${hex(os.addr)} ${hex(os.size, 1).padStart(10)}`;
    lines.push(head);
    for (const m of os.members) {
      if (!m.live) continue;
      const addr = os.addr + m.offset;
      const n = ` ${m.name}`;
      lines.push(`${n.padEnd(16)}${n.length >= 16 ? '\n' + ' '.repeat(16) : ''}${hex(addr)} ${hex(m.size, 1).padStart(10)} ${m.file.displayName}`);
      const syms = m.file.allSymbols().filter((s) => s.section === m && s.name && !s.name.startsWith('.L') && s.type !== 3 && (!s.isLocal || true));
      const uniq = [...new Set(syms)].sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
      for (const s of uniq) lines.push(`${' '.repeat(16)}${hex(ctx.valueOf(s))}                ${s.name}`);
    }
    lines.push('');
  }
  const text = lines.join('\n') + '\n' + extra;
  if (path === '-') {
    process.stdout.write(text);
    return;
  }
  try {
    writeFileSync(path, text);
  } catch (e) {
    throw new LinkError(`cannot open map file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}
