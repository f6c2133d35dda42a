// --package-metadata=JSON: the .note.package note (FDO packaging metadata, systemd's spec) GNU ld writes:
// owner "FDO", type NT_FDO_PACKAGING_METADATA (0xcafe1a7e), the JSON text NUL-terminated and padded to 4 bytes,
// in an allocated SHT_NOTE section (so that core dumps carry it).
import { SHF_ALLOC, SHT_NOTE } from '../elf/constants.ts';
import { OutputSection, orphanRank } from './output-section.ts';

export const NT_FDO_PACKAGING_METADATA = 0xcafe1a7e;

export function createPackageNote(json: string | undefined): OutputSection | null {
  if (json === undefined || json === '') return null;
  const desc = Buffer.from(json + '\0', 'utf8');
  const padded = (desc.length + 3) & ~3;
  const os = new OutputSection('.note.package', SHT_NOTE, SHF_ALLOC, orphanRank('.note.package', SHT_NOTE, SHF_ALLOC));
  os.align = 4;
  const bytes = new Uint8Array(16 + padded);
  const dv = new DataView(bytes.buffer);
  dv.setUint32(0, 4, true);
  dv.setUint32(4, padded, true); // GNU ld counts the padding in descsz
  dv.setUint32(8, NT_FDO_PACKAGING_METADATA, true);
  bytes.set([0x46, 0x44, 0x4f, 0], 12);
  bytes.set(desc, 16);
  os.synthetic = bytes;
  os.size = bytes.length;
  return os;
}
