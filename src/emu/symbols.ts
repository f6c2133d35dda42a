// Nearest-symbol lookup for diagnoses, from an ELF's .symtab (functions and objects, sorted by address).
import type { ElfFile } from '../elf/index.ts';
import type { AddressNamer } from './diagnose.ts';

const STT_OBJECT = 1, STT_FUNC = 2, STT_NOTYPE = 0;

/** A namer giving `sym+0xoff` for addresses inside (or just after) a symbol of `elf`, loaded at `bias`. */
export function symbolizer(elf: ElfFile, bias = 0): AddressNamer {
  // Sorted on the first lookup: a run that names no address (no diagnosis, no trace) never reads .symtab.
  let table: { name: string; addr: bigint; size: bigint; func: boolean }[] | undefined;
  const sorted = () =>
    (table ??= elf
      .symbols()
      .filter((s) => s.name !== '' && s.shndx !== 0 && [STT_OBJECT, STT_FUNC, STT_NOTYPE].includes(s.info & 15) && s.value !== 0n && !s.name.startsWith('.L'))
      .map((s) => ({ name: s.name, addr: s.value + BigInt(bias), size: s.size, func: (s.info & 15) === STT_FUNC }))
      .sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : Number(b.func) - Number(a.func))));
  return (address: bigint) => {
    const syms = sorted();
    let lo = 0, hi = syms.length - 1, best = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (syms[mid].addr <= address) {
        best = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (best < 0) return undefined;
    // Prefer the first symbol at that address that is a function.
    let b = best;
    while (b > 0 && syms[b - 1].addr === syms[best].addr) b--;
    const s = syms[b].func ? syms[b] : syms[best];
    const off = address - s.addr;
    if (s.size > 0n && off >= s.size && off > 0x10000n) return undefined;
    return off === 0n ? s.name : `${s.name}+0x${off.toString(16)}`;
  };
}
