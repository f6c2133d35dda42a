// Helpers for the syscall-rewriting tests from the outside (tests/relink-hosted.test.ts,
// tests/relink-coverage.test.ts): running bin/ukl-objcopy.js, reading its JSON report, parsing GNU
// objdump's disassembly (executables and archives, with relocations), the .eh_frame table readelf prints,
// and GNU ld's --trace output.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Report, ReportSite } from '../../src/relink-syscalls/report.ts';
import { ROOT, describeExec, exec, type ExecResult, type Pool } from './link.ts';

export type { Report, ReportSite };

/** Time spent in each kind of command (ms, summed; excluding waits for the pool), for UKL_RELINK_TIMING. */
export const commandTimes = new Map<string, number>();
export function noteTime(what: string, r: ExecResult): ExecResult {
  commandTimes.set(what, (commandTimes.get(what) ?? 0) + r.ms);
  return r;
}

export const UKL_OBJCOPY_JS = join(ROOT, 'bin', 'ukl-objcopy.js');
export const ENTRY = '__ukl_syscall';

/** `node bin/ukl-objcopy.js ARGS` through `pool`; throws with the output when it fails. */
export async function objcopy(args: string[], pool: Pool, cwd?: string): Promise<ExecResult> {
  const r = noteTime('ukl-objcopy', await pool.run(() => exec(process.execPath, [UKL_OBJCOPY_JS, ...args], { cwd, timeoutMs: 300_000 })));
  if (r.status !== 0) throw new Error(`ukl-objcopy failed:\n${describeExec(r)}`);
  return r;
}

export function readReport(path: string): Report {
  return JSON.parse(readFileSync(path, 'utf8')) as Report;
}

/** The place of a site in its input: archive member (or null), section, offset. */
export function siteKey(member: string | null, section: string, offset: number): string {
  return `${member ?? '-'}:${section}+0x${offset.toString(16)}`;
}

// ------------------------------------------------------------------------------------------------
// objdump -d [-r] --no-show-raw-insn

export interface Insn {
  /** The archive member (or the file name objdump prints for a plain file). */
  member: string;
  section: string;
  /** The symbol objdump shows as the enclosing label, and its address. */
  func: string;
  funcAddr: number;
  addr: number;
  /** The instruction as objdump prints it (mnemonic and operands), whitespace collapsed. */
  text: string;
  /** Relocations objdump -r printed after this instruction: `R_X86_64_PLT32 __ukl_syscall-0x4`. */
  relocs: { offset: number; type: string; target: string }[];
  /** The instruction's ordinal in the whole listing (consecutive instructions differ by 1, also when
   * `keep` dropped others). */
  ord: number;
}

/** Parse `objdump -d [-r] --no-show-raw-insn` output (of an object, an archive or an executable); with
 * `keep`, only the instructions whose text it accepts are returned (to save memory on big outputs). */
export function parseObjdump(text: string, keep?: (text: string) => boolean): Insn[] {
  const out: Insn[] = [];
  let ord = 0;
  let member = '';
  let section = '';
  let func = '';
  let funcAddr = 0;
  let last: Insn | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('\t\t\t')) {
      const m = /^\t\t\t([0-9a-f]+): (R_\S+)\t(.*)$/.exec(line);
      if (m && last) last.relocs.push({ offset: parseInt(m[1], 16), type: m[2], target: m[3].trim() });
      continue;
    }
    let m = /^ *([0-9a-f]+):\t(.*)$/.exec(line);
    if (m) {
      const text = m[2].replace(/\s+/g, ' ').trim();
      if (keep && !keep(text)) {
        last = undefined;
        ord++;
        continue;
      }
      last = { member, section, func, funcAddr, addr: parseInt(m[1], 16), text, relocs: [], ord: ord++ };
      out.push(last);
      continue;
    }
    m = /^([0-9a-f]+) <(.*)>:$/.exec(line);
    if (m) {
      funcAddr = parseInt(m[1], 16);
      func = m[2];
      continue;
    }
    m = /^Disassembly of section (.*):$/.exec(line);
    if (m) {
      section = m[1];
      func = '';
      funcAddr = 0;
      continue;
    }
    m = /^(\S.*?):\s+file format /.exec(line);
    if (m) {
      member = m[1];
      section = '';
      continue;
    }
  }
  return out;
}

export const isSyscall = (i: Insn): boolean => i.text === 'syscall';
/** `lea -0x80(%rsp),%rsp`: the first instruction of a rewritten site. */
export const isRedZoneSkip = (i: Insn): boolean => i.text === 'lea -0x80(%rsp),%rsp';
export const isRedZoneBack = (i: Insn): boolean => i.text === 'lea 0x80(%rsp),%rsp';

/** The symbol a linked direct call goes to (`call 478ac0 <__ukl_syscall>` → `__ukl_syscall`). */
export function callTarget(i: Insn): string | undefined {
  return /^call [0-9a-f]+ <([^>+]+)>$/.exec(i.text)?.[1];
}

/** Does this linked instruction call the entry (or, with `direct`, an `<entry>_<name>`)? */
export function callsEntry(i: Insn, entry = ENTRY): boolean {
  const t = callTarget(i);
  return t !== undefined && (t === entry || t.startsWith(`${entry}_`));
}

/** objdump (GNU) with relocations, no raw bytes, through `pool`. */
export async function objdump(file: string, pool: Pool, extra: string[] = []): Promise<string> {
  const r = noteTime('objdump', await pool.run(() => exec('objdump', ['-d', '--no-show-raw-insn', ...extra, file], { timeoutMs: 300_000 })));
  if (r.status !== 0) throw new Error(`objdump failed:\n${describeExec(r)}`);
  return r.stdout;
}

// ------------------------------------------------------------------------------------------------
// readelf --debug-dump=frames

export interface FrameTable {
  /** FDE ranges [begin, end) before the first ZERO terminator (what libgcc's unwinder walks in a static
   * executable: crtbeginT.o registers __EH_FRAME_BEGIN__ and the walk stops at crtend.o's terminator). */
  reachable: [number, number][];
  /** FDE ranges after it, which the unwinder never sees. */
  unreachable: [number, number][];
}

export function parseFrames(text: string): FrameTable {
  const t: FrameTable = { reachable: [], unreachable: [] };
  let after = false;
  for (const line of text.split('\n')) {
    if (/^[0-9a-f]+ ZERO terminator$/.test(line)) {
      after = true;
      continue;
    }
    const m = /^[0-9a-f]+ [0-9a-f]+ [0-9a-f]+ FDE cie=[0-9a-f]+ pc=([0-9a-f]+)\.\.([0-9a-f]+)$/.exec(line);
    if (m) (after ? t.unreachable : t.reachable).push([parseInt(m[1], 16), parseInt(m[2], 16)]);
  }
  return t;
}

export const covers = (ranges: [number, number][], addr: number): boolean => ranges.some(([b, e]) => addr >= b && addr < e);

// ------------------------------------------------------------------------------------------------
// nm and ld --trace

/** Every symbol name → its values, from `nm` (locals included; aliases share a value). */
export async function symbolValues(file: string, pool: Pool): Promise<Map<string, number[]>> {
  const r = noteTime('nm', await pool.run(() => exec('nm', ['--defined-only', file])));
  if (r.status !== 0) throw new Error(`nm failed:\n${describeExec(r)}`);
  const m = new Map<string, number[]>();
  for (const line of r.stdout.split('\n')) {
    const x = /^([0-9a-f]+) \S (.+)$/.exec(line);
    if (!x) continue;
    const v = parseInt(x[1], 16);
    const l = m.get(x[2]);
    if (l) l.push(v);
    else m.set(x[2], [v]);
  }
  return m;
}

/** Archive members GNU ld loaded from `archive` (the path as ld found it: give -L an absolute directory),
 * from `-Wl,-t,-t` output (`(/dir/libc.a)member.o` lines). */
export function tracedMembers(traceOut: string, archive: string): Set<string> {
  const s = new Set<string>();
  for (const line of traceOut.split('\n')) {
    const m = /^\((.*)\)(.+)$/.exec(line.trim());
    if (m && m[1] === archive) s.add(m[2]);
  }
  return s;
}

/** Count by key. */
export function countBy<T>(xs: T[], key: (x: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return m;
}
