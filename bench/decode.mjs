#!/usr/bin/env node
// Benchmark: decoding every executable section of libc.a with src/asm (with and without the
// displacement/immediate field offsets). Median of N runs; no assertions.
import { openInput, elfMembers } from '../dist/elf/index.js';
import { decodeSection } from '../dist/asm/decode.js';

const libc = process.argv[2] ?? '/usr/lib/x86_64-linux-gnu/libc.a';
const runs = Number(process.env.RUNS ?? 7);
const sections = [];
for (const elf of elfMembers(openInput(libc))) for (const s of elf.sections) if ((s.flags & 4) && s.type !== 8 && s.size) sections.push(s.data);

function median(fields) {
  const times = [];
  let n = 0;
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    n = 0;
    for (const d of sections) n += decodeSection(d, 0x400000n, { fields }).length;
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(runs / 2)], n };
}
for (const fields of [false, true]) {
  const { ms, n } = median(fields);
  console.log(`decode ${n} instructions (${sections.length} sections), fields ${fields}: ${ms.toFixed(0)} ms, ${(n / ms / 1000).toFixed(2)} M insn/s`);
}
