#!/usr/bin/env node
// Benchmark: how long the ELF reader takes on damaged input, and how much memory it grows by — the
// figures tests/elf-fuzz.test.ts used to assert (slowest case, RSS growth, refusing huge counts).
// Damage here is simple and seeded (truncations, byte overwrites in the headers, huge counts); the
// test's mutation families live in tests/helpers/mutate.ts. No assertions: it prints measurements.
//   node bench/elf-fuzz.mjs [libc.a]          (needs `npx tsc -p .` first)
import { readFileSync } from 'node:fs';
import { Archive, ElfFile, FormatError } from '../dist/elf/index.js';

const libc = process.argv[2] ?? '/usr/lib/x86_64-linux-gnu/libc.a';
const ar = new Archive(new Uint8Array(readFileSync(libc)), libc);
const inputs = ar.members.filter((_, i) => i % 40 === 0).map((m) => ({ name: m.name, bytes: ar.data(m).slice() }));

let seed = 20261126;
const rand = (n) => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed % n;
};
/** Every entry point the test exercises. */
function exercise(bytes) {
  try {
    const e = new ElfFile(bytes, { file: 'bench' });
    e.symbols();
    for (const s of e.sections) if (s.type === 4) e.relocations(s.index);
    e.groups();
  } catch (err) {
    if (!(err instanceof FormatError)) throw err;
  }
}

const rss0 = process.memoryUsage().rss;
let peak = rss0;
let slowest = { ms: 0, name: '' };
let cases = 0;
const t0 = performance.now();
for (const { name, bytes } of inputs) {
  for (let k = 0; k < 200; k++) {
    const b = k < 50 ? bytes.slice(0, rand(bytes.length)) : bytes.slice();
    if (k >= 50) for (let j = 0; j < 4; j++) b[rand(Math.min(b.length, 256 + (k & 1) * b.length))] = rand(256);
    const t = performance.now();
    exercise(b);
    const ms = performance.now() - t;
    cases++;
    if (ms > slowest.ms) slowest = { ms, name: `${name} #${k}` };
    if ((cases & 255) === 0) peak = Math.max(peak, process.memoryUsage().rss);
  }
}
const elapsed = performance.now() - t0;
peak = Math.max(peak, process.memoryUsage().rss);
console.log(`${cases} damaged libc.a members in ${(elapsed / 1000).toFixed(2)} s; slowest case ${slowest.ms.toFixed(1)} ms (${slowest.name}); RSS grew ${((peak - rss0) / 2 ** 20).toFixed(0)} MiB`);

// Huge counts: refusing them must not allocate (the test asserts the FormatError; this shows the time).
const base = inputs[0].bytes;
const hdr = new DataView(base.buffer, base.byteOffset);
const shoff = Number(hdr.getBigUint64(40, true));
const huge = [
  ['e_shnum 0, section 0 sh_size 2^40', (dv) => { dv.setUint16(60, 0, true); dv.setBigUint64(shoff + 32, 1n << 40n, true); }],
  ['e_phoff 2^53 - 1', (dv) => { dv.setUint16(56, 1, true); dv.setUint16(54, 56, true); dv.setBigUint64(32, (1n << 53n) - 1n, true); }],
  ['e_shoff 2^63', (dv) => dv.setBigUint64(40, 1n << 63n, true)],
];
for (const [what, poke] of huge) {
  const b = base.slice();
  poke(new DataView(b.buffer));
  const t = performance.now();
  let refused = false;
  try { new ElfFile(b, { file: 'bench' }); } catch (err) { refused = err instanceof FormatError; }
  console.log(`${what}: ${refused ? 'refused' : 'NOT refused'} in ${(performance.now() - t).toFixed(2)} ms`);
}
