// Opening an input file: an ELF object or executable, or an archive whose members are ELF objects.
import { readBytes } from './bytes.ts';
import { Archive, archiveKind } from './archive.ts';
import { FormatError } from './errors.ts';
import { ElfFile, isElf } from './reader.ts';

export type InputFile = { kind: 'elf'; path: string; elf: ElfFile } | { kind: 'archive'; path: string; archive: Archive };

export function readInputFile(path: string): Uint8Array {
  try {
    return readBytes(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'No such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'Permission denied' : String(code ?? e);
    throw new FormatError(path, why);
  }
}

/** Classify and parse bytes as an ELF file or an archive. */
export function parseInput(bytes: Uint8Array, path: string): InputFile {
  if (archiveKind(bytes)) return { kind: 'archive', path, archive: new Archive(bytes, path) };
  if (isElf(bytes)) return { kind: 'elf', path, elf: new ElfFile(bytes, { file: path }) };
  throw new FormatError(path, 'file format not recognized', 0);
}

export function openInput(path: string): InputFile {
  return parseInput(readInputFile(path), path);
}

/** Each ELF member of an archive (or the file itself), parsed. */
export function* elfMembers(input: InputFile): Generator<ElfFile> {
  if (input.kind === 'elf') {
    yield input.elf;
    return;
  }
  const ar = input.archive;
  for (const m of ar.members) {
    const d = ar.data(m);
    if (!isElf(d)) throw new FormatError(ar.file, 'member is not an ELF object: file format not recognized', m.headerOffset, m.name);
    yield new ElfFile(d, { file: ar.file, member: m.name });
  }
}
