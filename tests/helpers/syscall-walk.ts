// The system call number at every `syscall` GNU objdump disassembles, read from objdump's own listing
// (objdump -d -w -r, AT&T): walk back from the site through its basic block to the instruction that last
// wrote %eax/%rax. A constant move or a zeroing idiom gives the number; any other writer, a control
// transfer, a label, a branch target or a jump-table entry (R_X86_64_64/32/32S into the section, from
// objdump -r) before that gives "unknown". Written from objdump's text, independently of src/.
import { execFileSync } from 'node:child_process';

export interface WalkedSite {
  member: string;
  section: string;
  offset: number;
  /** the number, or null when the block does not show a constant */
  nr: number | null;
  /** the instruction the number came from, or why there is none */
  how: string;
  /** how many instructions before the site the walk stopped */
  back: number;
}

interface Line {
  addr: number;
  text: string;
}

const RAX = /^%(rax|eax|ax|al|ah)$/;
const FLOW = /^(?:(?:bnd|notrack|rep[a-z]*|cs|ds)\s+)*(j[a-z]+|call[a-z]*|ret[a-z]*|loop[a-z]*|jrcxz|jecxz|ud2|hlt|int3?|iret[a-z]*|sysret[a-z]*|syscall|sysenter|lret[a-z]*|xbegin|xabort)\b/;
const BRANCH_TARGET = /^(?:(?:bnd|notrack|cs|ds)\s+)*(?:j[a-z]+|call|loop[a-z]*|jrcxz|jecxz|xbegin)\s+([0-9a-f]+)(?: <[^>]*>)?\s*$/;
/** Mnemonics that name %eax/%rax as their last operand without writing it. */
const READS_ONLY = /^(cmp[a-z]*|test[a-z]*|bt[a-z]?|push[a-z]*|out[a-z]*|ptest|ucomis[sd]|comis[sd]|prefetch[a-z0-9]*|nop[a-z]*|verr|verw|lgdt|lidt|ltr|lldt|wrmsr|wrpkru|clflush|clwb)$/;
/** Instructions that write %rax without naming it last (or at all). */
const IMPLICIT = /^(cltq|cwtl|cbtw|cwtd|cltd|cqto|cpuid|rdtscp?|rdpmc|rdmsr|rdpkru|xgetbv|lahf|lods[bwlq]?|mul[bwlq]?|div[bwlq]?|idiv[bwlq]?|scas[bwlq]?|in[bwl]?|cmpxchg[a-z0-9]*|xadd[a-z]?|xchg[a-z]?|rdrand|rdseed|rdpid|syscall|lsl|lar|xlat[b]?|movs[bwlq]?|imul[bwlq]?)$/;

function operands(text: string): { mnem: string; ops: string[] } {
  const t = text.replace(/\s+#.*$/, '').replace(/\s*<[^>]*>\s*$/, '');
  const words = t.split(/\s+/);
  let k = 0;
  while (k < words.length - 1 && /^(lock|rep[a-z]*|data16|addr32|rex[.\w]*|cs|ds|es|fs|gs|ss|bnd|notrack|xacquire|xrelease)$/.test(words[k]!)) k++;
  const mnem = words[k] ?? '';
  const rest = words.slice(k + 1).join(' ');
  // split on commas outside parentheses
  const ops: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of rest) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      ops.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) ops.push(cur.trim());
  return { mnem, ops };
}

/** What one listed instruction does to %rax: a constant, something else, or nothing. */
function effect(text: string): { kind: 'const'; value: number } | { kind: 'other' } | { kind: 'none' } {
  const { mnem, ops } = operands(text);
  const last = ops[ops.length - 1];
  if (/^mov[lq]?$/.test(mnem) && ops.length === 2 && /^\$/.test(ops[0]!) && /^%(eax|rax)$/.test(last!)) {
    const v = BigInt(ops[0]!.slice(1));
    // mov $imm32,%rax sign-extends (objdump prints the 64-bit value); mov $imm32,%eax zero-extends
    return { kind: 'const', value: last === '%rax' ? Number(BigInt.asIntN(64, v)) : Number(BigInt.asUintN(32, v)) };
  }
  if (mnem === 'movabs' && ops.length === 2 && /^\$/.test(ops[0]!) && last === '%rax') return { kind: 'const', value: Number(BigInt.asIntN(64, BigInt(ops[0]!.slice(1)))) };
  if (/^(xor|sub)[lq]?$/.test(mnem) && ops.length === 2 && ops[0] === ops[1] && /^%(eax|rax)$/.test(last!)) return { kind: 'const', value: 0 };
  if (mnem === 'xchg' && ops.length === 2 && ops[0] === ops[1]) return { kind: 'none' }; // 66 90 and friends: nops
  if (IMPLICIT.test(mnem)) {
    // these write %rax whatever their operands say, except a few forms that only name other registers
    if (/^(mul|div|idiv|imul)[bwlq]?$/.test(mnem) && ops.length !== 1) return last !== undefined && RAX.test(last) ? { kind: 'other' } : { kind: 'none' };
    if (/^(xchg|xadd)[a-z]?$/.test(mnem) && !ops.some((o) => RAX.test(o))) return { kind: 'none' };
    if (/^movs[bwlq]?$/.test(mnem) && ops.length === 2 && !/\(%[re]si\)/.test(ops[0]!)) return last !== undefined && RAX.test(last) ? { kind: 'other' } : { kind: 'none' };
    if (/^(lsl|lar)$/.test(mnem)) return last !== undefined && RAX.test(last) ? { kind: 'other' } : { kind: 'none' };
    if (/^in[bwl]?$/.test(mnem) || /^cmpxchg/.test(mnem) || /^(cltq|cwtl|cbtw|cwtd|cltd|cqto)$/.test(mnem)) {
      // cwtd/cltd/cqto write only %rdx
      return /^(cwtd|cltd|cqto)$/.test(mnem) ? { kind: 'none' } : { kind: 'other' };
    }
    return { kind: 'other' };
  }
  if (last !== undefined && RAX.test(last) && !READS_ONLY.test(mnem) && ops.length >= 1) return { kind: 'other' };
  return { kind: 'none' };
}

/** Every `syscall` objdump shows in `file` (an archive or an object), with the number its block shows. */
export function walkSyscalls(file: string): WalkedSite[] {
  const env = { ...process.env, LC_ALL: 'C' };
  const listing = execFileSync('objdump', ['-d', '-w', file], { encoding: 'latin1', maxBuffer: 1 << 30, env });
  const relocs = execFileSync('objdump', ['-r', '-w', file], { encoding: 'latin1', maxBuffer: 1 << 30, env });
  // jump-table entries: absolute relocations against a code section's symbol, per member
  const tables = new Map<string, Set<string>>();
  {
    let member = '';
    for (const line of relocs.split('\n')) {
      const m = /^(\S+):\s+file format /.exec(line);
      if (m) member = m[1]!;
      const r = /^[0-9a-f]+\s+R_X86_64_(?:64|32|32S)\s+(\.text[\w.]*)(?:\+0x([0-9a-f]+))?\s*$/.exec(line);
      if (r) {
        const set = tables.get(member) ?? new Set<string>();
        set.add(`${r[1]} ${parseInt(r[2] ?? '0', 16)}`);
        tables.set(member, set);
      }
    }
  }
  const out: WalkedSite[] = [];
  let member = '';
  let section = '';
  let lines: Line[] = [];
  let starts = new Set<number>();
  const finish = () => {
    const table = tables.get(member);
    for (const t of table ?? []) {
      const [sec, off] = t.split(' ');
      if (sec === section) starts.add(Number(off));
    }
    lines.forEach((l, k) => {
      if (!/^syscall\s*$/.test(l.text)) return;
      let nr: number | null = null;
      let how = 'the block starts at the site';
      let back = 0;
      if (!starts.has(l.addr)) {
        how = 'no writer of %rax in the listing before the site';
        for (let j = k - 1; j >= 0; j--) {
          const p = lines[j]!;
          back = k - j;
          if (FLOW.test(p.text) || p.text === '(bad)') {
            how = `control flow (${p.text}) before %rax is set`;
            break;
          }
          const e = effect(p.text);
          if (e.kind === 'const') {
            nr = e.value;
            how = p.text;
            break;
          }
          if (e.kind === 'other') {
            how = `%rax from ${p.text}`;
            break;
          }
          if (starts.has(p.addr)) {
            how = `block starts at ${p.addr.toString(16)} before %rax is set`;
            break;
          }
        }
      }
      out.push({ member, section, offset: l.addr, nr, how, back });
    });
    lines = [];
    starts = new Set<number>();
  };
  for (const line of listing.split('\n')) {
    let m = /^(\S+):\s+file format /.exec(line);
    if (m) {
      finish();
      member = m[1]!;
      continue;
    }
    m = /^Disassembly of section (\S+):/.exec(line);
    if (m) {
      finish();
      section = m[1]!;
      continue;
    }
    m = /^([0-9a-f]+) <.*>:$/.exec(line);
    if (m) {
      starts.add(parseInt(m[1]!, 16));
      continue;
    }
    m = /^ *([0-9a-f]+):\t[0-9a-f ]+\t(.*)$/.exec(line);
    if (m) {
      const text = m[2]!.trim();
      lines.push({ addr: parseInt(m[1]!, 16), text });
      const b = BRANCH_TARGET.exec(text.replace(/\s+#.*$/, ''));
      if (b) starts.add(parseInt(b[1]!, 16));
    }
  }
  finish();
  return out;
}
