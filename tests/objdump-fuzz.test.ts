// Mutated objects, archives and executables through ukl-objdump's printers (in process, as the command
// runs them): each case either prints or raises the toolchain's FormatError; nothing else may escape.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FormatError } from '../src/elf/errors.ts';
import { ElfFile, isElf } from '../src/elf/reader.ts';
import { parseInput } from '../src/elf/input.ts';
import { printFileHeader, printPrivateHeaders, printSectionHeaders } from '../src/objdump/headers.ts';
import { printSymbolTable } from '../src/objdump/symbols.ts';
import { printRelocations } from '../src/objdump/relocs.ts';
import { printContents } from '../src/objdump/contents.ts';
import { printDisassembly } from '../src/objdump/disassemble.ts';
import { collectSyscallSites, printSyscallSites } from '../src/objdump/syscalls.ts';
import { StringSink } from '../src/objdump/output.ts';
import { fuzzCases, type FuzzInput } from './helpers/mutate.ts';
import { LIBC_A, ROOT } from './helpers/tools.ts';

function corpus(): FuzzInput[] {
  const dir = mkdtempSync(join(tmpdir(), 'ukl-objdump-fuzz-'));
  const members = ['write.o', 'libc_sigaction.o', 'vfprintf-internal.o', 'clone.o'];
  execFileSync('ar', ['x', LIBC_A, ...members], { cwd: dir });
  const inputs: FuzzInput[] = members.map((m) => ({ name: m, bytes: new Uint8Array(readFileSync(join(dir, m))) }));
  for (const o of ['rel8.o', 'cxx-syscall-eh.o', 'switch-pie.o']) inputs.push({ name: o, bytes: new Uint8Array(readFileSync(join(ROOT, 'test-objects', o))) });
  execFileSync('ar', ['rcs', join(dir, 'small.a'), ...members.slice(0, 2).map((m) => join(dir, m))]);
  inputs.push({ name: 'small.a', bytes: new Uint8Array(readFileSync(join(dir, 'small.a'))) });
  writeFileSync(join(dir, 't.c'), 'int main(void){return 0;}\n');
  execFileSync('gcc', ['-static', '-O2', '-o', join(dir, 't'), join(dir, 't.c')]);
  // The executable is large; mutate only its first 64 KiB (headers) and keep it whole otherwise.
  inputs.push({ name: 'static-exe', bytes: new Uint8Array(readFileSync(join(dir, 't'))) });
  return inputs;
}

const dis = { syntax: 'att' as const, relocs: true, rawInsn: true, all: false, zeroes: false, start: undefined, stop: undefined };

function dump(elf: ElfFile): void {
  const out = new StringSink();
  printFileHeader(out, elf);
  printPrivateHeaders(out, elf);
  printSectionHeaders(out, elf);
  printSymbolTable(out, elf);
  printRelocations(out, elf);
  const big = elf.bytes.length > 200_000;
  if (!big) printContents(out, elf);
  printDisassembly(out, elf, big ? { ...dis, start: 0x401000n, stop: 0x401400n } : dis);
  printSyscallSites(out, collectSyscallSites(elf), true);
}

describe('ukl-objdump fuzzing', () => {
  it('every mutated input prints or raises FormatError (seeded)', () => {
    const failures: string[] = [];
    let cases = 0;
    let errors = 0;
    const inputs = corpus();
    const small = inputs.filter((i) => i.bytes.length < 200_000);
    const large = inputs.filter((i) => i.bytes.length >= 200_000);
    const all = [...fuzzCases(small, { seed: 0x51ca11, perInput: 300 }), ...fuzzCases(large, { seed: 0x51ca12, perInput: 40 })];
    for (const c of all) {
      cases++;
      try {
        const input = parseInput(c.bytes, 'fuzz');
        if (input.kind === 'elf') dump(input.elf);
        else {
          for (const m of input.archive.members) {
            const d = input.archive.data(m);
            if (isElf(d)) dump(new ElfFile(d, { file: 'fuzz', member: m.name }));
          }
        }
      } catch (e) {
        if (e instanceof FormatError) {
          errors++;
          expect(e.message.includes('\n')).toBe(false);
          continue;
        }
        failures.push(`${c.name}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
        if (failures.length > 20) break;
      }
    }
    console.log(`objdump fuzzing: ${cases} cases, ${errors} format errors, ${failures.length} failures`);
    expect(cases).toBeGreaterThan(2000);
    expect(failures).toEqual([]);
  });
});
