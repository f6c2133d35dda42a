// ukl-objcopy: object rewriting. `ukl-objcopy --rewrite-syscalls IN [OUT]` turns every syscall site of an
// object or of every member of an archive into a call to the kernel entry symbol.
import { writeFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { FormatError } from '../elf/errors.ts';
import { ElfFile, isElf } from '../elf/reader.ts';
import { openInput } from '../elf/input.ts';
import { writeArchive, type ArchiveMemberInput } from '../elf/writer.ts';
import { writeOutputFile } from '../link/output-file.ts';
import { LinkError } from '../link/errors.ts';
import { hostedEntryObject } from '../relink-syscalls/hosted-entry.ts';
import { makeReport } from '../relink-syscalls/report.ts';
import { DEFAULT_ENTRY, rewriteObject, type SiteRecord } from '../relink-syscalls/rewrite-object.ts';
import { VERSION } from './version.ts';

const PROG = 'ukl-objcopy';

interface Opts {
  rewriteSyscalls?: boolean;
  syscallEntry: string;
  syscallDirect?: boolean;
  rewriteReport?: string;
  hostedEntry?: boolean;
}

export function main(argv: string[]): number {
  const p = new Command(PROG)
    .usage('[options] in-file [out-file]')
    .description('Copy an x86-64 ELF object or archive, rewriting it on the way.')
    .option('--rewrite-syscalls', 'rewrite every syscall instruction into a call to the kernel entry symbol')
    .option('--syscall-entry <sym>', 'the entry symbol rewritten sites call', DEFAULT_ENTRY)
    .option('--syscall-direct', 'call <entry>_<name> (e.g. __ukl_syscall_write) where the syscall number is known')
    .option('--rewrite-report <file>', 'write a JSON record of every site (status, reason) to <file>')
    .option('--hosted-entry', 'write the hosted entry object (its entry performs the real syscall) to in-file; no input is read')
    .version(VERSION, '-V, --version')
    .helpOption('-h, --help')
    .argument('<in-file>')
    .argument('[out-file]')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), outputError: (s, w) => w(`${PROG}: ${s.replace(/^error: /, '')}`) });
  try {
    p.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : 1;
    throw e;
  }
  const o = p.opts<Opts>();
  const [inFile, outArg] = p.args as [string, string | undefined];
  try {
    if (o.hostedEntry) {
      writeOutputFile(inFile, hostedEntryObject(o.syscallEntry, !!o.syscallDirect));
      return 0;
    }
    const outFile = outArg ?? inFile;
    const opts = { entry: o.syscallEntry, direct: !!o.syscallDirect };
    const input = openInput(inFile);
    const sites: SiteRecord[] = [];
    const notes: string[] = [];
    const rewrite = (elf: ElfFile): Uint8Array => {
      if (!o.rewriteSyscalls) return elf.bytes;
      const r = rewriteObject(elf, opts);
      sites.push(...r.sites);
      notes.push(...r.notes);
      return r.bytes ?? elf.bytes;
    };
    let out: Uint8Array;
    if (input.kind === 'elf') out = rewrite(input.elf);
    else {
      const ar = input.archive;
      const members: ArchiveMemberInput[] = [];
      for (const m of ar.members) {
        const d = ar.data(m);
        const data = isElf(d) ? rewrite(new ElfFile(d, { file: inFile, member: m.name })) : d;
        members.push({ name: m.name, data, date: m.date, uid: m.uid, gid: m.gid, mode: m.mode });
      }
      out = writeArchive(members, { symbolIndex: ar.symbols !== undefined });
    }
    writeOutputFile(outFile, out);
    if (o.rewriteReport) writeFileSync(o.rewriteReport, JSON.stringify(makeReport(sites, notes), null, 1) + '\n');
    for (const n of notes) process.stderr.write(`${PROG}: note: ${n}\n`);
    return 0;
  } catch (e) {
    if (e instanceof FormatError || e instanceof LinkError) {
      process.stderr.write(`${PROG}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}
