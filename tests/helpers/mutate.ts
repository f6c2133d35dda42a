// Deterministic mutations of ELF objects and ar archives for fuzzing anything that reads them (the
// reader in src/elf, and the CLIs built on it). Every case comes from a seeded PRNG, so a failing case
// is reproduced by its name and the seed.
//
//   for (const c of fuzzCases(corpus, { seed: 1, perInput: 200 })) parse(c.bytes)
//
// Families: truncations at every structure boundary and at random lengths; random bit flips and byte
// overwrites; targeted corruption of the size/offset/index/count fields of the ELF header, section and
// program headers, symbols, relocations, group sections and notes; and, for archives, of member headers
// (name, size, numeric fields, terminator), the long-name table and the symbol index (count, offsets,
// names), plus ELF mutations of a member's data in place.
import { Archive, ElfFile, PHDR_SIZE, RELA_SIZE, SHDR_SIZE, SHT_GROUP, SHT_NOTE, SHT_RELA, SHT_SYMTAB, SYM_SIZE } from '../../src/elf/index.ts';

/** mulberry32: small, fast, good enough, and the same everywhere. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** A uint32. */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return n <= 0 ? 0 : Math.floor((this.next() / 0x100000000) * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() / 0x100000000 < p;
  }
}

export interface FuzzInput {
  name: string;
  bytes: Uint8Array;
}

export interface FuzzCase {
  /** Input name, mutation family and parameters: enough to find the case again. */
  name: string;
  kind: 'elf' | 'archive';
  bytes: Uint8Array;
}

interface Field {
  at: number;
  width: 1 | 2 | 4 | 8;
  what: string;
}

/** Values that break size/offset/index/count fields: zero, one, all-ones, sign bits, the file size around. */
function interesting(rng: Rng, width: number, fileSize: number, counts: number[]): bigint {
  const max = (1n << BigInt(width * 8)) - 1n;
  const c: bigint[] = [
    0n, 1n, 2n, 3n, 4n, 7n, 8n, 16n, 24n, 63n, 64n, 0x7fn, 0x80n, 0xffn, 0x7fffn, 0x8000n, 0xff00n, 0xfff1n, 0xfff2n, 0xffffn,
    0x7fffffffn, 0x80000000n, 0xffffffffn, 1n << 53n, (1n << 53n) + 1n, 1n << 63n, max, max - 1n,
    BigInt(fileSize), BigInt(fileSize) - 1n, BigInt(fileSize) + 1n, BigInt(Math.floor(fileSize / 2)),
    BigInt(rng.next()), (BigInt(rng.next()) << 32n) | BigInt(rng.next()), BigInt(rng.int(fileSize + 64)),
  ];
  for (const n of counts) c.push(BigInt(n), BigInt(n + 1), BigInt(Math.max(n - 1, 0)), BigInt(n * 2));
  return BigInt.asUintN(width * 8, rng.pick(c)) & max;
}

function setField(b: Uint8Array, f: Field, v: bigint): void {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (f.at + f.width > b.length) return;
  if (f.width === 1) dv.setUint8(f.at, Number(v & 0xffn));
  else if (f.width === 2) dv.setUint16(f.at, Number(v & 0xffffn), true);
  else if (f.width === 4) dv.setUint32(f.at, Number(v & 0xffffffffn), true);
  else dv.setBigUint64(f.at, v, true);
}

/** The fields of a (valid) ELF file worth corrupting, and its structure boundaries. */
function elfMap(bytes: Uint8Array): { fields: Field[]; boundaries: number[]; counts: number[] } {
  const fields: Field[] = [
    { at: 4, width: 1, what: 'EI_CLASS' }, { at: 5, width: 1, what: 'EI_DATA' }, { at: 16, width: 2, what: 'e_type' },
    { at: 18, width: 2, what: 'e_machine' }, { at: 32, width: 8, what: 'e_phoff' }, { at: 40, width: 8, what: 'e_shoff' },
    { at: 52, width: 2, what: 'e_ehsize' }, { at: 54, width: 2, what: 'e_phentsize' }, { at: 56, width: 2, what: 'e_phnum' },
    { at: 58, width: 2, what: 'e_shentsize' }, { at: 60, width: 2, what: 'e_shnum' }, { at: 62, width: 2, what: 'e_shstrndx' },
  ];
  const boundaries = [0, 1, 4, 5, 16, 18, 20, 32, 40, 48, 52, 58, 60, 62, 63, 64, bytes.length - 1];
  const counts: number[] = [];
  let elf: ElfFile;
  try {
    elf = new ElfFile(bytes, { file: 'corpus' });
  } catch {
    return { fields, boundaries, counts };
  }
  const h = elf.header;
  counts.push(h.shnum, h.phnum);
  boundaries.push(h.shoff, h.shoff + h.shnum * SHDR_SIZE, h.phoff, h.phoff + h.phnum * PHDR_SIZE);
  for (let i = 0; i < h.shnum; i++) {
    const o = h.shoff + i * SHDR_SIZE;
    boundaries.push(o, o + 32);
    const w = `shdr[${i}]`;
    fields.push(
      { at: o, width: 4, what: `${w}.sh_name` }, { at: o + 4, width: 4, what: `${w}.sh_type` }, { at: o + 8, width: 8, what: `${w}.sh_flags` },
      { at: o + 24, width: 8, what: `${w}.sh_offset` }, { at: o + 32, width: 8, what: `${w}.sh_size` }, { at: o + 40, width: 4, what: `${w}.sh_link` },
      { at: o + 44, width: 4, what: `${w}.sh_info` }, { at: o + 48, width: 8, what: `${w}.sh_addralign` }, { at: o + 56, width: 8, what: `${w}.sh_entsize` },
    );
  }
  for (let i = 0; i < h.phnum; i++) {
    const o = h.phoff + i * PHDR_SIZE;
    const w = `phdr[${i}]`;
    fields.push(
      { at: o, width: 4, what: `${w}.p_type` }, { at: o + 8, width: 8, what: `${w}.p_offset` }, { at: o + 32, width: 8, what: `${w}.p_filesz` },
      { at: o + 40, width: 8, what: `${w}.p_memsz` }, { at: o + 48, width: 8, what: `${w}.p_align` },
    );
  }
  for (const s of elf.sections) {
    if (s.index === 0) continue;
    boundaries.push(s.offset, s.offset + s.size, s.offset + s.size - 1, s.offset + (s.size >> 1));
    // A bounded sample of entries per table keeps the field list small for big files.
    const sample = (n: number, per: (i: number) => void): void => {
      const step = Math.max(1, Math.floor(n / 16));
      for (let i = 0; i < n; i += step) per(i);
      if (n > 0) per(n - 1);
    };
    if (s.type === SHT_SYMTAB && s.entsize === SYM_SIZE) {
      counts.push(s.size / SYM_SIZE);
      sample(Math.floor(s.size / SYM_SIZE), (i) => {
        const o = s.offset + i * SYM_SIZE;
        fields.push({ at: o, width: 4, what: `sym[${i}].st_name` }, { at: o + 4, width: 1, what: `sym[${i}].st_info` }, { at: o + 6, width: 2, what: `sym[${i}].st_shndx` });
      });
    }
    if (s.type === SHT_RELA && s.entsize === RELA_SIZE) {
      sample(Math.floor(s.size / RELA_SIZE), (i) => {
        const o = s.offset + i * RELA_SIZE;
        fields.push({ at: o + 8, width: 4, what: `${s.name}[${i}].type` }, { at: o + 12, width: 4, what: `${s.name}[${i}].sym` }, { at: o, width: 8, what: `${s.name}[${i}].r_offset` });
      });
    }
    if (s.type === SHT_GROUP) {
      for (let o = 0; o + 4 <= s.size; o += 4) fields.push({ at: s.offset + o, width: 4, what: `group[${s.index}]+${o}` });
    }
    if (s.type === SHT_NOTE) {
      fields.push({ at: s.offset, width: 4, what: `${s.name}.namesz` }, { at: s.offset + 4, width: 4, what: `${s.name}.descsz` });
    }
  }
  for (const p of elf.programHeaders) boundaries.push(p.offset, p.offset + p.filesz);
  return { fields, boundaries: [...new Set(boundaries)].filter((b) => b >= 0 && b < bytes.length).sort((a, b) => a - b), counts };
}

function truncate(bytes: Uint8Array, n: number): Uint8Array {
  return bytes.slice(0, Math.max(0, Math.min(n, bytes.length)));
}

function flipBits(bytes: Uint8Array, rng: Rng, n: number, region?: [number, number]): Uint8Array {
  const b = bytes.slice();
  const [lo, hi] = region ?? [0, b.length];
  for (let i = 0; i < n && hi > lo; i++) {
    const at = lo + rng.int(hi - lo);
    b[at]! ^= 1 << rng.int(8);
  }
  return b;
}

/** `count` mutations of one ELF file. */
export function* mutateElf(input: FuzzInput, rng: Rng, count: number): Generator<FuzzCase> {
  const bytes = input.bytes;
  const { fields, boundaries, counts } = elfMap(bytes);
  // Truncation at every boundary first (bounded), then the mix.
  const cuts = boundaries.length > count / 4 ? boundaries.filter(() => rng.chance(count / 4 / boundaries.length)) : boundaries;
  let made = 0;
  for (const c of cuts) {
    if (made++ >= count) return;
    yield { name: `${input.name}: truncated to ${c}`, kind: 'elf', bytes: truncate(bytes, c) };
  }
  while (made < count) {
    made++;
    const r = rng.int(100);
    if (r < 8) {
      const n = rng.int(bytes.length);
      yield { name: `${input.name}: truncated to ${n} (random)`, kind: 'elf', bytes: truncate(bytes, n) };
    } else if (r < 25) {
      const n = 1 + rng.int(8);
      const hdr = rng.chance(0.5);
      yield { name: `${input.name}: ${n} bit flips${hdr ? ' in the headers' : ''} #${made}`, kind: 'elf', bytes: flipBits(bytes, rng, n, hdr ? [0, 64] : undefined) };
    } else if (r < 85) {
      // One to three targeted fields.
      const b = bytes.slice();
      const what: string[] = [];
      for (let k = 1 + rng.int(rng.chance(0.7) ? 1 : 3); k > 0; k--) {
        const f = rng.pick(fields);
        const v = interesting(rng, f.width, bytes.length, counts);
        setField(b, f, v);
        what.push(`${f.what}=0x${v.toString(16)}`);
      }
      yield { name: `${input.name}: ${what.join(', ')}`, kind: 'elf', bytes: b };
    } else if (r < 92) {
      // A whole section header copied over another (types and links that do not fit).
      const b = bytes.slice();
      const dv = new DataView(b.buffer);
      const shoff = bytes.length >= 64 ? Number(dv.getBigUint64(40, true)) : 0;
      const shnum = bytes.length >= 64 ? dv.getUint16(60, true) : 0;
      if (shnum > 1 && shoff + shnum * SHDR_SIZE <= b.length) {
        const from = rng.int(shnum);
        const to = 1 + rng.int(shnum - 1);
        b.copyWithin(shoff + to * SHDR_SIZE, shoff + from * SHDR_SIZE, shoff + (from + 1) * SHDR_SIZE);
        yield { name: `${input.name}: shdr[${from}] copied over shdr[${to}]`, kind: 'elf', bytes: b };
      } else yield { name: `${input.name}: 3 bit flips #${made}`, kind: 'elf', bytes: flipBits(bytes, rng, 3) };
    } else {
      // Random bytes over a random span.
      const b = bytes.slice();
      const at = rng.int(b.length);
      const len = 1 + rng.int(32);
      for (let i = at; i < Math.min(b.length, at + len); i++) b[i] = rng.int(256);
      yield { name: `${input.name}: ${len} random bytes at ${at}`, kind: 'elf', bytes: b };
    }
  }
}

function putText(b: Uint8Array, at: number, width: number, text: string): void {
  for (let i = 0; i < width; i++) b[at + i] = i < text.length ? text.charCodeAt(i) & 0xff : 0x20;
}

/** `count` mutations of one ar archive. */
export function* mutateArchive(input: FuzzInput, rng: Rng, count: number): Generator<FuzzCase> {
  const bytes = input.bytes;
  let ar: Archive | undefined;
  try {
    ar = new Archive(bytes, 'corpus.a');
  } catch {
    ar = undefined;
  }
  // Every header in the archive (the index and "//" too), found by walking it.
  const headers: { at: number; size: number; name: string }[] = [];
  for (let off = 8; off + 60 <= bytes.length; ) {
    const size = parseInt(Buffer.from(bytes.subarray(off + 48, off + 58)).toString('latin1').trim(), 10);
    if (!Number.isFinite(size)) break;
    headers.push({ at: off, size, name: Buffer.from(bytes.subarray(off, off + 16)).toString('latin1').trim() });
    off += 60 + size + (size & 1);
  }
  const boundaries = new Set<number>([0, 1, 7, 8, 9, bytes.length - 1]);
  for (const h of headers) for (const d of [0, 1, 16, 48, 58, 59, 60, 61, 60 + h.size - 1, 60 + h.size, 60 + h.size + 1]) boundaries.add(h.at + d);
  const index = headers.find((h) => h.name === '/' || h.name === '/SYM64/');
  const longNames = headers.find((h) => h.name === '//');
  const elfMembers = ar ? ar.members.filter((m) => m.size >= 64 && bytes[m.dataOffset] === 0x7f) : [];
  const cutList = [...boundaries].filter((c) => c < bytes.length).sort((a, b) => a - b);
  const cuts = cutList.length > count / 4 ? cutList.filter(() => rng.chance(count / 4 / cutList.length)) : cutList;
  let made = 0;
  for (const c of cuts) {
    if (made++ >= count) return;
    yield { name: `${input.name}: truncated to ${c}`, kind: 'archive', bytes: truncate(bytes, c) };
  }
  const badNumbers = ['', '-1', '9999999999', '99999999999999', 'abc', '1e9', '0x10', ' 12', '1 2', String(bytes.length), String(bytes.length + 1), '4294967296'];
  while (made < count) {
    made++;
    const r = rng.int(100);
    const b = bytes.slice();
    const h = headers.length > 0 ? rng.pick(headers) : undefined;
    if (r < 8 || !h) {
      const n = rng.int(bytes.length);
      yield { name: `${input.name}: truncated to ${n} (random)`, kind: 'archive', bytes: truncate(bytes, n) };
    } else if (r < 20) {
      const v = rng.pick(badNumbers);
      putText(b, h.at + 48, 10, v);
      yield { name: `${input.name}: size of header at ${h.at} = "${v}"`, kind: 'archive', bytes: b };
    } else if (r < 30) {
      const [at, width, what] = rng.pick([[16, 12, 'date'], [28, 6, 'uid'], [34, 6, 'gid'], [40, 8, 'mode']] as const);
      const v = rng.pick([...badNumbers, '8', '9', '777777777']);
      putText(b, h.at + at, width, v);
      yield { name: `${input.name}: ${what} of header at ${h.at} = "${v}"`, kind: 'archive', bytes: b };
    } else if (r < 42) {
      const v = rng.pick(['/', '//', '/SYM64/', '/SYM64', '/0', '/1', '/99999', `/${longNames?.size ?? 0}`, `/${(longNames?.size ?? 1) - 1}`, '/abc', '#1/0', '#1/20', '#1/99999999', '#1/x', '', 'x/', '/ 5']);
      putText(b, h.at, 16, v);
      yield { name: `${input.name}: name of header at ${h.at} = "${v}"`, kind: 'archive', bytes: b };
    } else if (r < 46) {
      b[h.at + 58 + rng.int(2)] = rng.int(256);
      yield { name: `${input.name}: terminator of header at ${h.at}`, kind: 'archive', bytes: b };
    } else if (r < 62 && index) {
      // The symbol index: count, an offset, or a name's terminator.
      const w = index.name === '/' ? 4 : 8;
      const dv = new DataView(b.buffer);
      const start = index.at + 60;
      const n = w === 4 ? dv.getUint32(start, false) : Number(dv.getBigUint64(start, false));
      const k = rng.int(3);
      if (k === 0) {
        const v = rng.pick([0, 1, n - 1, n + 1, n * 2, 0x7fffffff, 0xffffffff, Math.floor(index.size / w), Math.floor(index.size / w) + 1]);
        if (w === 4) dv.setUint32(start, v >>> 0, false);
        else dv.setBigUint64(start, rng.chance(0.3) ? 0xffffffffffffffffn : BigInt(v >>> 0), false);
        yield { name: `${input.name}: index count = ${v}`, kind: 'archive', bytes: b };
      } else if (k === 1 && n > 0) {
        const i = rng.int(Math.min(n, Math.floor((index.size - w) / w)));
        const v = rng.pick([0, 1, 8, 68, bytes.length, bytes.length + 100, 0xffffffff, rng.next(), (headers[1]?.at ?? 8) + 1]);
        if (w === 4) dv.setUint32(start + w + i * w, v >>> 0, false);
        else dv.setBigUint64(start + w + i * w, BigInt(v >>> 0), false);
        yield { name: `${input.name}: index offset ${i} = ${v}`, kind: 'archive', bytes: b };
      } else {
        // Overwrite NULs in the string area so names run on.
        const strStart = start + w + n * w;
        let hits = 0;
        for (let p = strStart; p < start + index.size && hits < 1 + rng.int(4); p++) {
          if (b[p] === 0 && rng.chance(0.2)) {
            b[p] = 0x41;
            hits++;
          }
        }
        b[start + index.size - 1] = 0x42;
        yield { name: `${input.name}: index names unterminated`, kind: 'archive', bytes: b };
      }
    } else if (r < 68 && longNames) {
      // Long-name table: drop terminators.
      for (let p = longNames.at + 60; p < longNames.at + 60 + longNames.size; p++) if ((b[p] === 0x0a || b[p] === 0x2f) && rng.chance(0.5)) b[p] = 0x41;
      yield { name: `${input.name}: long-name table damaged`, kind: 'archive', bytes: b };
    } else if (r < 90 && elfMembers.length > 0) {
      // ELF mutations of one member, in place (the archive structure stays valid).
      const m = rng.pick(elfMembers);
      const data = bytes.slice(m.dataOffset, m.dataOffset + m.size);
      const sub = mutateElf({ name: m.name, bytes: data }, rng, 1 + rng.int(4));
      let last: FuzzCase | undefined;
      for (const c of sub) last = c;
      if (last && last.bytes.length === data.length) {
        b.set(last.bytes, m.dataOffset);
        yield { name: `${input.name}(${last.name})`, kind: 'archive', bytes: b };
      } else {
        b.fill(0, m.dataOffset, m.dataOffset + m.size);
        yield { name: `${input.name}: member ${m.name} zeroed`, kind: 'archive', bytes: b };
      }
    } else {
      const n = 1 + rng.int(8);
      yield { name: `${input.name}: ${n} bit flips #${made}`, kind: 'archive', bytes: flipBits(bytes, rng, n) };
    }
  }
}

/** Mutations of every input (archives recognized by their magic), `perInput` each, from one seed. */
export function* fuzzCases(corpus: readonly FuzzInput[], opts: { seed: number; perInput: number }): Generator<FuzzCase> {
  for (let i = 0; i < corpus.length; i++) {
    const input = corpus[i]!;
    const rng = new Rng((opts.seed * 0x9e3779b1 + i * 0x85ebca6b) >>> 0);
    const isArchive = input.bytes.length >= 8 && Buffer.from(input.bytes.subarray(0, 8)).toString('latin1').match(/^!<(arch|thin)>\n$/) !== null;
    yield* isArchive ? mutateArchive(input, rng, opts.perInput) : mutateElf(input, rng, opts.perInput);
  }
}
