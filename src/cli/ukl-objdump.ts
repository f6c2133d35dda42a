// ukl-objdump: binutils-style inspection of objects, archives and executables, plus --syscalls.
import { Command, CommanderError, Option } from 'commander';
import { FormatError } from '../elf/errors.ts';
import { ElfFile, isElf } from '../elf/reader.ts';
import { openInput } from '../elf/input.ts';
import type { ArchiveMember } from '../elf/archive.ts';
import { printArchiveHeader, printFileHeader, printPrivateHeaders, printSectionHeaders } from '../objdump/headers.ts';
import { printSymbolTable } from '../objdump/symbols.ts';
import { printRelocations } from '../objdump/relocs.ts';
import { printContents } from '../objdump/contents.ts';
import { printDisassembly, type DisassembleOptions } from '../objdump/disassemble.ts';
import { collectSyscallSites, printSyscallSites, type ListedSite } from '../objdump/syscalls.ts';
import { BufferedStdout, type Sink } from '../objdump/output.ts';
import { VERSION } from './version.ts';

const PROG = 'ukl-objdump';

interface Opts {
  archiveHeaders?: boolean;
  fileHeaders?: boolean;
  privateHeaders?: boolean;
  sectionHeaders?: boolean;
  allHeaders?: boolean;
  disassemble?: boolean;
  disassembleAll?: boolean;
  fullContents?: boolean;
  syms?: boolean;
  reloc?: boolean;
  section: string[];
  disassemblerOptions: string[];
  wide?: boolean;
  showRawInsn: boolean;
  disassembleZeroes?: boolean;
  startAddress?: string;
  stopAddress?: string;
  syscalls?: boolean;
  json?: boolean;
}

function collect(v: string, prev: string[]): string[] {
  return prev.concat(v.split(',').filter((x) => x !== ''));
}

function buildCommand(): Command {
  const p = new Command(PROG);
  p.usage('<option(s)> <file(s)>')
    .description('Display information from x86-64 ELF object files, archives and executables (GNU objdump compatible), and the syscall sites in them.')
    .option('-a, --archive-headers', 'display archive header information')
    .option('-f, --file-headers', 'display the contents of the overall file header')
    .option('-p, --private-headers', 'display object format specific file header contents (program headers)')
    .option('-h, --section-headers', 'display the contents of the section headers')
    .addOption(new Option('--headers').hideHelp())
    .option('-x, --all-headers', 'display the contents of all headers (-a -f -h -p -r -t)')
    .option('-d, --disassemble', 'display assembler contents of executable sections')
    .option('-D, --disassemble-all', 'display assembler contents of all sections')
    .option('-s, --full-contents', 'display the full contents of all sections requested')
    .option('-t, --syms', 'display the contents of the symbol table(s)')
    .option('-r, --reloc', 'display the relocation entries in the file (with -d: interleaved)')
    .option('-j, --section <name>', 'only display information for section <name> (repeatable)', collect, [])
    .option('-M, --disassembler-options <opt>', 'pass options to the disassembler: intel, att (repeatable)', collect, [])
    .option('-w, --wide', 'format output for more than 80 columns (always on)')
    .option('--no-show-raw-insn', "don't display hex alongside symbolic disassembly")
    .option('-z, --disassemble-zeroes', "do not skip blocks of zeroes when disassembling")
    .option('--start-address <addr>', 'only process data whose address is >= <addr>')
    .option('--stop-address <addr>', 'only process data whose address is < <addr>')
    .option('--syscalls', 'list every syscall instruction site: file, section, offset, symbol, number and name')
    .option('--json', 'with --syscalls: print the sites as JSON ({ "sites": [...] })')
    .version(VERSION, '-v, --version', 'display this program\'s version number')
    .helpOption('-H, --help', 'display this information')
    .argument('[files...]', 'input files (default a.out)')
    .allowExcessArguments(true)
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      outputError: (s, write) => write(`${PROG}: ${s.replace(/^error: /, '')}`),
    });
  return p;
}

function parseAddress(s: string | undefined, what: string): bigint | undefined {
  if (s === undefined) return undefined;
  const t = s.trim();
  if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(t)) throw new UsageError(`${what}: bad address '${s}'`);
  return BigInt(t);
}

class UsageError extends Error {}

export function main(argv: string[]): number {
  const cmd = buildCommand();
  try {
    cmd.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 1;
    }
    throw e;
  }
  const o = cmd.opts<Opts>();
  const files = cmd.args.length > 0 ? cmd.args : ['a.out'];
  if (o.allHeaders) {
    o.archiveHeaders = o.fileHeaders = o.privateHeaders = o.sectionHeaders = o.reloc = o.syms = true;
  }
  if (o.disassembleAll) o.disassemble = true;
  const headers = o.sectionHeaders || (cmd.getOptionValue('headers') as boolean | undefined);
  const anything = o.archiveHeaders || o.fileHeaders || o.privateHeaders || headers || o.disassemble || o.fullContents || o.syms || o.reloc || o.syscalls;
  if (!anything) {
    process.stderr.write(`${PROG}: no dump option given: use one of -a -d -D -f -h -p -r -s -t -x --syscalls (see --help)\n`);
    return 1;
  }
  if (o.json && !o.syscalls) {
    process.stderr.write(`${PROG}: --json needs --syscalls\n`);
    return 1;
  }
  let syntax: 'att' | 'intel' = 'att';
  for (const m of o.disassemblerOptions) {
    if (m === 'intel' || m === 'intel-mnemonic') syntax = 'intel';
    else if (m === 'att' || m === 'att-mnemonic') syntax = 'att';
    else if (m === 'x86-64' || m === 'suffix') continue;
    else {
      process.stderr.write(`${PROG}: unrecognised disassembler option: ${m}\n`);
      return 1;
    }
  }
  let dis: DisassembleOptions;
  try {
    dis = {
      syntax,
      relocs: !!o.reloc,
      rawInsn: o.showRawInsn,
      all: !!o.disassembleAll,
      zeroes: !!o.disassembleZeroes,
      start: parseAddress(o.startAddress, '--start-address'),
      stop: parseAddress(o.stopAddress, '--stop-address'),
    };
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${PROG}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  const only = o.section.length > 0 ? new Set(o.section) : undefined;
  const out = new BufferedStdout();
  let status = 0;
  const sites: ListedSite[] = [];

  const dumpElf = (elf: ElfFile, name: string, member?: ArchiveMember) => {
    if (o.syscalls) {
      sites.push(...collectSyscallSites(elf));
      if (!(headers || o.archiveHeaders || o.fileHeaders || o.privateHeaders || o.disassemble || o.fullContents || o.syms || o.reloc)) return;
    }
    out.write(`\n${name}:     file format elf64-x86-64\n`);
    if (o.archiveHeaders) printArchiveHeader(out, name, member);
    if (o.fileHeaders) printFileHeader(out, elf);
    if (!o.fileHeaders) out.write('\n');
    if (o.privateHeaders) printPrivateHeaders(out, elf);
    if (headers) printSectionHeaders(out, elf, only);
    if (o.syms) printSymbolTable(out, elf);
    if (o.reloc && !o.disassemble) printRelocations(out, elf, only);
    if (o.fullContents) printContents(out, elf, only);
    if (o.disassemble) printDisassembly(out, elf, dis, only);
  };

  for (const f of files) {
    try {
      const input = openInput(f);
      if (input.kind === 'elf') {
        dumpElf(input.elf, f);
      } else {
        const ar = input.archive;
        if (!o.syscalls || o.disassemble || headers || o.syms || o.reloc || o.fullContents) out.write(`In archive ${f}:\n`);
        for (const m of ar.members) {
          try {
            const d = ar.data(m);
            if (!isElf(d)) throw new FormatError(f, 'file format not recognized', m.headerOffset, m.name);
            dumpElf(new ElfFile(d, { file: f, member: m.name }), m.name, m);
          } catch (e) {
            if (!(e instanceof FormatError)) throw e;
            out.flush();
            process.stderr.write(`${PROG}: ${e.message}\n`);
            status = 1;
          }
        }
      }
    } catch (e) {
      if (!(e instanceof FormatError)) throw e;
      out.flush();
      process.stderr.write(`${PROG}: ${e.message}\n`);
      status = 1;
    }
  }
  if (o.syscalls) printSyscallSites(out as Sink, sites, !!o.json);
  out.flush();
  return status;
}
