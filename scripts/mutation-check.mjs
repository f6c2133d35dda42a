#!/usr/bin/env node
// Mutation check of the static tests: plant one bug at a time in a scratch git worktree of HEAD (the
// working tree you run this from is never touched), build, run the tests meant to catch it, and report
// which tests failed. A mutation no test catches is a hole in the suite. The unmutated tree must pass
// the same tests first, or the run stops.
//
//   node scripts/mutation-check.mjs [--only ID,ID] [--keep]
//
// Each mutation is an exact text replacement that must match once (so a change to the source makes the
// script say so instead of silently testing nothing).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MUTATIONS = [
  {
    id: 'reloc-pc32',
    what: 'R_X86_64_PC32/PLT32: S + A - P computed as S + A - P - 1',
    file: 'src/link/relocations.ts',
    from: 'const v = target(ctx, s, addend) - (secAddr + off);',
    to: 'const v = target(ctx, s, addend) - (secAddr + off) - 1;',
    tests: ['tests/link-relocs-gnu.test.ts'],
  },
  {
    id: 'reloc-size32',
    what: 'R_X86_64_SIZE32: the addend dropped (Z instead of Z + A)',
    file: 'src/link/relocations.ts',
    from: 'v = s.size + A;',
    to: 'v = s.size;',
    tests: ['tests/link-relocs-gnu.test.ts'],
  },
  {
    id: 'relayout-branch',
    what: 'a re-encoded branch (same width) lands one byte past its target',
    file: 'src/relink-syscalls/relayout.ts',
    from: 'const disp = target - end;\n        if (insn.relSize === 1)',
    to: 'const disp = target - end + 1;\n        if (insn.relSize === 1)',
    tests: ['tests/relink-hazards.test.ts'],
  },
  {
    id: 'relayout-riprel',
    what: 'a RIP-relative operand keeps its old target offset (not mapped through the new layout)',
    file: 'src/relink-syscalls/relayout.ts',
    from: 'dv.setInt32(field, newOffset(insn.ripTarget!) - (at + insn.length), true);',
    to: 'dv.setInt32(field, insn.ripTarget! - (at + insn.length), true);',
    tests: ['tests/relink-hazards.test.ts'],
  },
  {
    id: 'ehframe-advance',
    what: 'the advance to a CFA adjustment row one byte too far',
    file: 'src/relink-syscalls/eh-frame.ts',
    from: 'advance(at - curNew, 0);',
    to: 'advance(at - curNew + 1, 0);',
    tests: ['tests/relink-hazards.test.ts', 'tests/relink-eh-frame.test.ts'],
  },
  {
    id: 'sysnr-mov-rax',
    what: 'syscall number: mov $imm32,%rax (48 c7 c0) no longer read as a constant',
    file: 'src/relink-syscalls/sites.ts',
    from: "if (c === Code.Mov_rm64_imm32 && insn.op0Kind === OpKind.Register && r0 === f.r64) return",
    to: "if (false && c === Code.Mov_rm64_imm32 && insn.op0Kind === OpKind.Register && r0 === f.r64) return",
    tests: ['tests/objdump.test.ts', 'tests/relink-coverage.test.ts'],
  },
  {
    id: 'sysnr-block-start',
    what: 'syscall number: the walk back crosses a block start (a jump target between the mov and the syscall)',
    file: 'src/relink-syscalls/sites.ts',
    from: "if (starts.has(i.offset)) return { value: null, how: `block starts before ${f.name} is set` };",
    to: '',
    tests: ['tests/objdump.test.ts', 'tests/relink-coverage.test.ts'],
  },
];

const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : undefined;
const keep = args.includes('--keep');
const repo = execFileSync('git', ['rev-parse', '--show-toplevel'], { encoding: 'utf8' }).trim();
const wt = mkdtempSync(join(tmpdir(), 'ukl-mutation-'));
const sh = (cmd, a, opts = {}) => spawnSync(cmd, a, { cwd: wt, encoding: 'utf8', maxBuffer: 1 << 30, ...opts });

execFileSync('git', ['worktree', 'add', '--detach', wt, 'HEAD'], { cwd: repo, stdio: 'ignore' });
symlinkSync(join(repo, 'node_modules'), join(wt, 'node_modules'));

/** Builds and runs the tests; the names of the failed tests, or null when the build failed. */
function runTests(tests) {
  const b = sh('npx', ['tsc', '-p', '.']);
  if (b.status !== 0) return { build: b.stdout + b.stderr, failed: [] };
  const out = join(wt, 'vitest.json');
  rmSync(out, { force: true });
  sh('npx', ['vitest', 'run', ...tests, '--reporter=json', `--outputFile=${out}`], { stdio: 'ignore' });
  if (!existsSync(out)) return { build: 'vitest wrote no report', failed: [] };
  const j = JSON.parse(readFileSync(out, 'utf8'));
  const failed = [];
  for (const f of j.testResults) {
    const file = f.name.slice(wt.length + 1);
    const before = failed.length;
    for (const t of f.assertionResults) if (t.status === 'failed') failed.push(`${file} > ${t.ancestorTitles.concat(t.title).join(' > ')}`);
    // a beforeAll that throws fails the file and leaves its tests "skipped": that is caught too
    if (f.status === 'failed' && failed.length === before) failed.push(`${file} (the file fails: ${String(f.message).split('\n').find((l) => l.trim()) ?? ''})`);
  }
  return { build: '', failed, seconds: (Date.now() - j.startTime) / 1000 };
}

const rows = [];
try {
  const todo = MUTATIONS.filter((m) => !only || only.includes(m.id));
  const all = [...new Set(todo.flatMap((m) => m.tests))];
  const base = runTests(all);
  if (base.build || base.failed.length) {
    console.error(`the unmutated tree does not pass ${all.join(' ')}:\n${base.build}${base.failed.join('\n')}`);
    process.exit(2);
  }
  console.log(`baseline: ${all.join(' ')} pass (${base.seconds.toFixed(0)} s)`);
  for (const m of todo) {
    const path = join(wt, m.file);
    const src = readFileSync(path, 'utf8');
    const n = src.split(m.from).length - 1;
    if (n !== 1) {
      rows.push({ ...m, line: '?', result: `NOT APPLIED: the text matches ${n} times` });
      continue;
    }
    const line = src.slice(0, src.indexOf(m.from)).split('\n').length;
    writeFileSync(path, src.replace(m.from, m.to));
    const r = runTests(m.tests);
    writeFileSync(path, src);
    const result = r.build ? `build failed: ${r.build.split('\n')[0]}` : r.failed.length ? `CAUGHT by ${r.failed.length} test(s):\n      ${r.failed.join('\n      ')}` : 'NOT CAUGHT';
    rows.push({ ...m, line, result });
    console.log(`${m.id} (${m.file}:${line}) ${m.what}\n    ${result}`);
  }
} finally {
  if (!keep) {
    spawnSync('git', ['worktree', 'remove', '--force', wt], { cwd: repo });
    rmSync(wt, { recursive: true, force: true });
  } else console.log(`scratch worktree kept: ${wt}`);
}
const missed = rows.filter((r) => !r.result.startsWith('CAUGHT'));
console.log(`\n${rows.length - missed.length} of ${rows.length} mutations caught`);
process.exit(missed.length ? 1 : 0);
