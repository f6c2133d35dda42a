// Oracles for the syscall-rewriting hazard tests: everything here parses what GNU objdump and readelf
// print (never ukl's own output), and compares an input object with its rewritten copy.
import { execFile, execFileSync, spawnSync } from 'node:child_process';

export function tool(cmd: string, args: string[], cwd?: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'latin1', maxBuffer: 1 << 30, env: { ...process.env, LC_ALL: 'C' } });
}

/** Runs a command; never throws on a non-zero exit. */
export function exec(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd: opts.cwd, encoding: 'latin1', maxBuffer: 1 << 30, env: { ...process.env, LC_ALL: 'C', ...opts.env } });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export const hex = (n: number): string => '0x' + n.toString(16);

// ---------------------------------------------------------------------------------------------------
// One listing per file and command, run over many files at once (prefetch) for the whole-archive checks

const LISTINGS: [string, string[]][] = [
  ['objdump', ['-d', '-r', '-w', '-z']],
  ['readelf', ['-S', '-W']],
  ['readelf', ['-s', '-W']],
  ['readelf', ['-r', '-W']],
  ['readelf', ['--debug-dump=frames-interp', '-W']],
];
const listings = new Map<string, string>();
const listingKey = (cmd: string, args: string[], file: string) => `${cmd} ${args.join(' ')} ${file}`;

/** `cmd args file`'s output: prefetched, or run now. */
function listing(cmd: string, args: string[], file: string): string {
  return listings.get(listingKey(cmd, args, file)) ?? tool(cmd, [...args, file]);
}

/**
 * Runs every listing the checks read over `files`, in batches of files per process, `jobs` processes at
 * a time, and splits the outputs by file (objdump heads each with `FILE:     file format`, readelf with
 * `File: FILE` when given several): a few dozen processes instead of a dozen per object.
 */
export async function prefetch(files: string[], jobs = 2, batch = 64): Promise<void> {
  const work: (() => Promise<void>)[] = [];
  for (let k = 0; k < files.length; k += batch) {
    const group = files.slice(k, k + batch);
    for (const [cmd, args] of LISTINGS) {
      work.push(async () => {
        const out = await new Promise<string>((res, rej) =>
          execFile(cmd, [...args, ...group], { encoding: 'latin1', maxBuffer: 1 << 30, env: { ...process.env, LC_ALL: 'C' } }, (e, so) => (e ? rej(e) : res(so))),
        );
        const head = cmd === 'objdump' ? (l: string) => /^(.*):\s+file format \S+$/.exec(l)?.[1] : (l: string) => /^File: (.*)$/.exec(l)?.[1];
        let cur: string | undefined;
        let lines: string[] = [];
        const flush = () => {
          if (cur !== undefined) listings.set(listingKey(cmd, args, cur), (cmd === 'objdump' ? '\n' + `${cur}:     file format elf64-x86-64\n` : '') + lines.join('\n') + '\n');
        };
        for (const l of out.split('\n')) {
          const f = head(l);
          if (f !== undefined && group.includes(f)) {
            flush();
            cur = f;
            lines = [];
          } else lines.push(l);
        }
        flush();
        for (const f of group) if (!listings.has(listingKey(cmd, args, f))) throw new Error(`${cmd} ${args.join(' ')}: no listing for ${f}`);
      });
    }
  }
  let next = 0;
  await Promise.all(Array.from({ length: jobs }, async () => {
    while (next < work.length) await work[next++]!();
  }));
}

// ---------------------------------------------------------------------------------------------------
// objdump -d -r -w -z

export interface OdReloc {
  offset: number;
  type: string;
  /** as objdump prints it: `sym+0x10`, `.rodata-0x4` */
  target: string;
}

export interface OdInsn {
  section: string;
  /** the enclosing label objdump printed */
  func: string;
  addr: number;
  bytes: number[];
  /** mnemonic and operands, with objdump's `# ...` comment */
  text: string;
  /** the instruction's mnemonic, prefixes such as `notrack`/`bnd`/`rep` removed */
  mnem: string;
  /** a direct branch's (jmp/jcc/call/loop) target as objdump decodes it */
  target?: number;
  relocs: OdReloc[];
}

const RELOC_RE = /^([0-9a-f]+): (R_X86_64_\w+)\t(.*)$/;
const BRANCH_RE = /^(?:(?:bnd|notrack|ds|cs)\s+)*(j[a-z]+|call|loop[a-z]*|jrcxz|jecxz|xbegin)\s+([0-9a-f]+)(?: <[^>]*>)?\s*$/;
const PREFIXES = new Set(['bnd', 'notrack', 'rep', 'repz', 'repnz', 'repe', 'repne', 'lock', 'data16', 'cs', 'ds', 'es', 'ss', 'fs', 'gs', 'addr32', 'rex', 'rex.W', 'xacquire', 'xrelease']);

/**
 * Instructions of every executable section, by section name. Lines objdump prints under an STT_OBJECT
 * label (data in code: objdump shows bytes and ASCII there) get mnem '.data'.
 */
export function objdump(file: string): Map<string, OdInsn[]> {
  const objects = new Set(symbols(file).filter((s) => s.type === 'OBJECT').map((s) => s.name));
  const out = new Map<string, OdInsn[]>();
  let sec = '';
  let func = '';
  let list: OdInsn[] = [];
  for (const line of listing('objdump', ['-d', '-r', '-w', '-z'], file).split('\n')) {
    let m = /^Disassembly of section (.*):$/.exec(line);
    if (m) {
      sec = m[1]!;
      list = out.get(sec) ?? [];
      out.set(sec, list);
      continue;
    }
    m = /^[0-9a-f]+ <(.*)>:$/.exec(line);
    if (m) {
      func = m[1]!;
      continue;
    }
    m = /^\t\t\t([0-9a-f]+: R_X86_64_\w+\t.*)$/.exec(line);
    if (m) {
      const r = RELOC_RE.exec(m[1]!)!;
      list[list.length - 1]!.relocs.push({ offset: parseInt(r[1]!, 16), type: r[2]!, target: r[3]! });
      continue;
    }
    m = /^ *([0-9a-f]+):\t([0-9a-f ]+?) *\t(.*)$/.exec(line);
    if (!m && objects.has(func)) {
      // data under an object label: bytes, then the ASCII column after a run of spaces
      const d = /^ *([0-9a-f]+):\t((?:[0-9a-f]{2} )*[0-9a-f]{2}) {2,}(.*)$/.exec(line);
      if (d) {
        list.push({ section: sec, func, addr: parseInt(d[1]!, 16), bytes: d[2]!.split(' ').map((x) => parseInt(x, 16)), text: d[3]!, mnem: '.data', relocs: [] });
        continue;
      }
    }
    if (!m) {
      // a continuation line of raw bytes (not with -w), or `...`
      if (/^ *[0-9a-f]+:\t/.test(line)) throw new Error(`objdump line not understood: ${line}`);
      continue;
    }
    const parts = m[3]!.split('\t');
    const text = parts[0]!.trim();
    const relocs: OdReloc[] = [];
    for (const p of parts.slice(1).join('\t').split(/\t(?=[0-9a-f]+: R_X86_64_)/)) {
      const r = RELOC_RE.exec(p);
      if (r) relocs.push({ offset: parseInt(r[1]!, 16), type: r[2]!, target: r[3]! });
    }
    const words = text.split(/\s+/);
    let k = 0;
    while (k < words.length - 1 && PREFIXES.has(words[k]!)) k++;
    const data = objects.has(func);
    const b = data ? null : BRANCH_RE.exec(text.replace(/\s+#.*$/, ''));
    const insn: OdInsn = {
      section: sec, func, addr: parseInt(m[1]!, 16), bytes: m[2]!.split(' ').map((x) => parseInt(x, 16)), text,
      mnem: data ? '.data' : words[k]!, relocs,
    };
    if (b) insn.target = parseInt(b[2]!, 16);
    list.push(insn);
  }
  return out;
}

export const isSyscall = (i: OdInsn): boolean => i.text === 'syscall';
export const isLeaDown = (i: OdInsn): boolean => /^lea\s+-0x80\(%rsp\),%rsp$/.test(i.text) && i.bytes.join(',') === [0x48, 0x8d, 0x64, 0x24, 0x80].join(',');
export const isLeaUp = (i: OdInsn): boolean => /^lea\s+0x80\(%rsp\),%rsp$/.test(i.text) && i.bytes.join(',') === [0x48, 0x8d, 0xa4, 0x24, 0x80, 0, 0, 0].join(',');
export const isBranch = (i: OdInsn): boolean => i.target !== undefined;
/** A relative jump/jcc/call whose displacement the assembler resolved (no relocation on it). */
export const isLocalBranch = (i: OdInsn): boolean => i.target !== undefined && i.relocs.length === 0;
export const isRel8 = (i: OdInsn): boolean => isLocalBranch(i) && i.mnem.startsWith('j') && i.bytes.length >= 2 && (i.bytes[i.bytes.length - 2] === 0xeb || (i.bytes[i.bytes.length - 2]! >= 0x70 && i.bytes[i.bytes.length - 2]! <= 0x7f));

/** The 18-byte call sequence of a rewritten site starts at list[k]. */
export function isCallSequence(list: OdInsn[], k: number, entry = '__ukl_syscall'): boolean {
  const a = list[k];
  const c = list[k + 1];
  const b = list[k + 2];
  if (!a || !c || !b || !isLeaDown(a) || !isLeaUp(b)) return false;
  if (c.bytes.length !== 5 || c.bytes[0] !== 0xe8 || c.mnem !== 'call' || c.addr !== a.addr + 5 || b.addr !== a.addr + 10) return false;
  return c.relocs.length === 1 && c.relocs[0]!.offset === c.addr + 1 && c.relocs[0]!.type === 'R_X86_64_PLT32' && c.relocs[0]!.target === `${entry}-0x4`;
}

/** Text with everything that may legitimately change when code moves replaced by placeholders. */
export function normalised(i: OdInsn): string {
  let t = i.text.replace(/\s+#.*$/, '');
  if (i.target !== undefined) t = t.replace(/\s+[0-9a-f]+(?: <[^>]*>)?$/, ' TARGET');
  t = t.replace(/-?0x[0-9a-f]+\(%rip\)/, 'X(%rip)');
  return t;
}

/** The same instruction, as far as moving code may change it (displacements, rel8 -> rel32). */
export function sameInstruction(a: OdInsn, b: OdInsn): boolean {
  if (normalised(a) !== normalised(b)) return false;
  if (a.target !== undefined || /\(%rip\)/.test(a.text)) return true;
  return a.bytes.join(',') === b.bytes.join(',');
}

export interface Site {
  /** address of the `syscall` in the input */
  old: number;
  /** address of the rewritten sequence (its first lea), or of the syscall left in place */
  at: number;
  rewritten: boolean;
}

export interface Alignment {
  /** old instruction address (or section end) -> new; inside an instruction: same distance from its start */
  map: (old: number) => number;
  pairs: [OdInsn, OdInsn][];
  sites: Site[];
  /** new addresses of the instructions that are not in the input (the two leas and the call of each site) */
  inserted: Set<number>;
  oldByAddr: Map<number, OdInsn>;
  newByAddr: Map<number, OdInsn>;
}

/**
 * Old -> new address map of a code section from objdump's instruction sequences: the same instructions in
 * order, except that each rewritten `syscall` is the 3-instruction call sequence and local branches may
 * have a wider encoding. Throws when the sequences do not correspond.
 */
export function align(oldI: OdInsn[], newI: OdInsn[], oldSize: number, newSize: number): Alignment {
  const pairs: [OdInsn, OdInsn][] = [];
  const sites: Site[] = [];
  const inserted = new Set<number>();
  const m = new Map<number, number>();
  let j = 0;
  for (const o of oldI) {
    const n = newI[j];
    if (!n) throw new Error(`output ends before ${hex(o.addr)}: ${o.text}`);
    if (isSyscall(o) && isCallSequence(newI, j)) {
      m.set(o.addr, n.addr);
      sites.push({ old: o.addr, at: n.addr, rewritten: true });
      inserted.add(n.addr).add(newI[j + 1]!.addr).add(newI[j + 2]!.addr);
      j += 3;
      continue;
    }
    if (!sameInstruction(o, n)) throw new Error(`instruction ${hex(o.addr)} '${o.text}' became ${hex(n.addr)} '${n.text}'`);
    if (isSyscall(o)) sites.push({ old: o.addr, at: n.addr, rewritten: false });
    m.set(o.addr, n.addr);
    pairs.push([o, n]);
    j++;
  }
  if (j !== newI.length) throw new Error(`output has ${newI.length - j} extra instructions from ${hex(newI[j]!.addr)}`);
  m.set(oldSize, newSize);
  const starts = [...m.keys()].sort((a, b) => a - b);
  const map = (old: number): number => {
    const v = m.get(old);
    if (v !== undefined) return v;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= old) lo = mid;
      else hi = mid - 1;
    }
    const s = starts[lo]!;
    if (s > old) throw new Error(`no instruction before ${hex(old)}`);
    return m.get(s)! + (old - s);
  };
  return { map, pairs, sites, inserted, oldByAddr: new Map(oldI.map((i) => [i.addr, i])), newByAddr: new Map(newI.map((i) => [i.addr, i])) };
}

// ---------------------------------------------------------------------------------------------------
// readelf

export interface ShdrRow {
  index: number;
  name: string;
  type: string;
  size: number;
  flags: string;
  link: number;
  info: number;
}

export function sections(file: string): ShdrRow[] {
  const rows: ShdrRow[] = [];
  for (const line of listing('readelf', ['-S', '-W'], file).split('\n')) {
    const m = /^\s*\[\s*(\d+)\]\s+(\S*)\s+(\S+)\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([A-Za-z]*)\s+(\d+)\s+(\d+)\s+\d+$/.exec(line);
    if (m) rows.push({ index: +m[1]!, name: m[2]!, type: m[3]!, size: parseInt(m[4]!, 16), flags: m[5]!, link: +m[6]!, info: +m[7]! });
  }
  return rows;
}

export interface SymRow {
  num: number;
  value: number;
  size: number;
  type: string;
  bind: string;
  vis: string;
  ndx: string;
  name: string;
}

export function symbols(file: string): SymRow[] {
  const rows: SymRow[] = [];
  for (const line of listing('readelf', ['-s', '-W'], file).split('\n')) {
    const m = /^\s*(\d+):\s+([0-9a-f]+)\s+(\d+|0x[0-9a-f]+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s?(.*)$/.exec(line);
    if (m) rows.push({ num: +m[1]!, value: parseInt(m[2]!, 16), size: Number(m[3]!), type: m[4]!, bind: m[5]!, vis: m[6]!, ndx: m[7]!, name: m[8]! });
  }
  return rows;
}

export interface RelRow {
  offset: number;
  type: string;
  symValue: number;
  sym: string;
  addend: number;
}

/** Relocations by the name of the section they apply to. */
export function relocations(file: string): Map<string, RelRow[]> {
  const secs = sections(file);
  const out = new Map<string, RelRow[]>();
  let cur: RelRow[] | null = null;
  for (const line of listing('readelf', ['-r', '-W'], file).split('\n')) {
    const h = /^Relocation section '(.*)' at offset/.exec(line);
    if (h) {
      const rs = secs.find((s) => s.name === h[1]);
      const target = rs ? secs[rs.info]!.name : h[1]!;
      cur = [];
      out.set(target, cur);
      continue;
    }
    const m = /^([0-9a-f]{16})\s+[0-9a-f]{16}\s+(R_X86_64_\w+)\s+(?:([0-9a-f]{16})\s+(.*?)\s+([+-])\s+([0-9a-f]+)|([+-]?[0-9a-f]+))\s*$/.exec(line);
    if (m && cur) {
      if (m[3] !== undefined) cur.push({ offset: parseInt(m[1]!, 16), type: m[2]!, symValue: parseInt(m[3], 16), sym: m[4]!, addend: (m[5] === '-' ? -1 : 1) * parseInt(m[6]!, 16) });
      else cur.push({ offset: parseInt(m[1]!, 16), type: m[2]!, symValue: 0, sym: '', addend: parseInt(m[7]!, 16) });
    }
  }
  return out;
}

export interface CfiRow {
  loc: number;
  /** column name (CFA, ra, rbx, ...) -> rule as readelf prints it */
  cols: Record<string, string>;
}

export interface Fde {
  /** offset of the FDE in .eh_frame */
  offset: number;
  cie: number;
  pcBegin: number;
  pcEnd: number;
  rows: CfiRow[];
}

/** readelf --debug-dump=frames-interp: CIEs (initial rows) and FDEs. */
export function frames(file: string): { cies: Map<number, CfiRow[]>; fdes: Fde[] } {
  const cies = new Map<number, CfiRow[]>();
  const fdes: Fde[] = [];
  let rows: CfiRow[] | null = null;
  let header: string[] = [];
  for (const line of listing('readelf', ['--debug-dump=frames-interp', '-W'], file).split('\n')) {
    let m = /^([0-9a-f]{8}) [0-9a-f]+ ([0-9a-f]{8}) CIE/.exec(line);
    if (m) {
      rows = [];
      cies.set(parseInt(m[1]!, 16), rows);
      continue;
    }
    m = /^([0-9a-f]{8}) [0-9a-f]+ [0-9a-f]{8} FDE cie=([0-9a-f]{8}) pc=([0-9a-f]+)\.\.([0-9a-f]+)/.exec(line);
    if (m) {
      rows = [];
      fdes.push({ offset: parseInt(m[1]!, 16), cie: parseInt(m[2]!, 16), pcBegin: parseInt(m[3]!, 16), pcEnd: parseInt(m[4]!, 16), rows });
      continue;
    }
    if (/^\s+LOC\s+CFA/.test(line)) {
      header = line.trim().split(/\s+/).slice(1);
      continue;
    }
    m = /^([0-9a-f]{16}) (.*)$/.exec(line);
    if (m && rows) {
      const vals = m[2]!.trim().split(/\s+/);
      const cols: Record<string, string> = {};
      header.forEach((h, k) => (cols[h] = vals[k] ?? ''));
      rows.push({ loc: parseInt(m[1]!, 16), cols });
    }
  }
  return { cies, fdes };
}

/** The rule row in force at `pc` in an FDE (the CIE's initial row when the FDE has none). */
export function rowAt(fde: Fde, cies: Map<number, CfiRow[]>, pc: number): Record<string, string> {
  let cur: Record<string, string> | undefined;
  for (const r of fde.rows) if (r.loc <= pc) cur = r.cols;
  if (!cur) cur = cies.get(fde.cie)?.[0]?.cols ?? {};
  // columns that are not listed are undefined
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(cur)) if (v !== 'u') out[k] = v;
  return out;
}
