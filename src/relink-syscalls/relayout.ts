// Re-laying out a code section in which some `syscall` instructions grow into a call sequence:
// every instruction keeps its bytes except relative fields that the assembler resolved without a
// relocation (branches and RIP-relative operands inside the section), which are re-encoded for the
// new distances; a rel8 branch that no longer reaches becomes its rel32 form, to a fixpoint.
import { decodeSection, type DecodedInstruction } from '../asm/decode.ts';
import { RewriteRefused } from './errors.ts';

import type { OffsetMap } from './dwarf.ts';
import type { CfaAdjustment } from './eh-frame.ts';

export type { OffsetMap, CfaAdjustment };

/** What replaces one syscall: bytes, and where the call's rel32 field sits in them. */
export interface Replacement {
  bytes: Uint8Array;
  /** Offset of the call's rel32 field within `bytes`. */
  callField: number;
  /** CFA changes relative to the start of the replacement. */
  cfa: CfaAdjustment[];
}

/** lea -0x80(%rsp),%rsp; call ENTRY; lea 0x80(%rsp),%rsp — steps over the red zone without touching the flags. */
export function callSequence(): Replacement {
  const bytes = Uint8Array.from([0x48, 0x8d, 0x64, 0x24, 0x80, 0xe8, 0, 0, 0, 0, 0x48, 0x8d, 0xa4, 0x24, 0x80, 0x00, 0x00, 0x00]);
  return { bytes, callField: 6, cfa: [{ at: 5, delta: 128 }, { at: 18, delta: 0 }] };
}

export interface RelayoutInput {
  code: Uint8Array;
  /** Offsets of the syscall instructions to replace. */
  sites: Set<number>;
  /** Offsets (in the section) of fields that carry a relocation: left alone, only moved. */
  relocatedFields: Set<number>;
  /** Offsets where symbols of this section start (functions whose address code may take). */
  symbolStarts: Set<number>;
  replacement: Replacement;
}

export interface RelayoutResult {
  code: Uint8Array;
  map: OffsetMap;
  /** New offsets of the call rel32 fields, one per rewritten site, keyed by the site's old offset. */
  callFields: Map<number, number>;
  cfa: CfaAdjustment[];
  /** How many rel8 branches had to become rel32. */
  widened: number;
  instructions: DecodedInstruction[];
}

interface Item {
  insn: DecodedInstruction;
  /** New encoded length. */
  length: number;
  kind: 'copy' | 'site' | 'branch' | 'riprel';
  /** For branches: currently encoded as rel32 (possibly widened). */
  wide: boolean;
}

function relField(insn: DecodedInstruction): { at: number; size: number } | undefined {
  if (insn.relSize === 1 || insn.relSize === 4) return { at: insn.offset + insn.length - insn.relSize, size: insn.relSize };
  return undefined;
}

/** Decode and check a code section; throws RewriteRefused when it cannot be proven safe to move. */
export function analyse(code: Uint8Array, relocatedFields: Set<number>): DecodedInstruction[] {
  const insns = decodeSection(code, 0, { fields: true });
  const fieldStarts = new Set<number>();
  for (const i of insns) {
    if (i.invalid) throw new RewriteRefused(`undecodable bytes at 0x${i.offset.toString(16)} (data in code?)`);
    if (i.disp) fieldStarts.add(i.offset + i.disp.offset);
    if (i.imm) fieldStarts.add(i.offset + i.imm.offset);
    if (i.imm2) fieldStarts.add(i.offset + i.imm2.offset);
  }
  for (const f of relocatedFields) {
    if (!fieldStarts.has(f)) throw new RewriteRefused(`a relocation at 0x${f.toString(16)} is not on an instruction field (data in code?)`);
  }
  return insns;
}

export function relayout(input: RelayoutInput, insns: DecodedInstruction[]): RelayoutResult {
  const { code, sites, relocatedFields, replacement } = input;
  const boundaries = new Set<number>(insns.map((i) => i.offset));
  boundaries.add(code.length);
  const items: Item[] = insns.map((insn) => {
    if (sites.has(insn.offset)) {
      if (!insn.isSyscall) throw new Error(`internal: site 0x${insn.offset.toString(16)} is not a syscall`);
      return { insn, length: replacement.bytes.length, kind: 'site', wide: false };
    }
    const rf = relField(insn);
    if (rf && !relocatedFields.has(rf.at)) {
      const t = insn.branchTarget!;
      if (t < 0 || t > code.length || !boundaries.has(t)) throw new RewriteRefused(`branch at 0x${insn.offset.toString(16)} targets 0x${t.toString(16)}, which is not an instruction in this section`);
      return { insn, length: insn.length, kind: 'branch', wide: rf.size === 4 };
    }
    if (insn.ripTarget !== undefined && insn.disp && !relocatedFields.has(insn.offset + insn.disp.offset)) {
      const t = insn.ripTarget;
      if (t < 0 || t > code.length) throw new RewriteRefused(`RIP-relative operand at 0x${insn.offset.toString(16)} points outside the section without a relocation`);
      // A function's address taken in the same section (lea fn(%rip)) is fine: re-encode it. Any
      // other code address taken without a relocation is a computed-goto base whose tables of label
      // differences elsewhere cannot be found and fixed.
      if (!input.symbolStarts.has(t) || !boundaries.has(t)) throw new RewriteRefused(`code address 0x${t.toString(16)} taken at 0x${insn.offset.toString(16)} without a relocation, not a symbol (computed goto?)`);
      return { insn, length: insn.length, kind: 'riprel', wide: false };
    }
    return { insn, length: insn.length, kind: 'copy', wide: false };
  });

  // Lay out, widen the rel8 branches that no longer reach, repeat until nothing changes.
  const starts = new Array<number>(items.length + 1);
  const indexOf = new Map<number, number>();
  items.forEach((it, k) => indexOf.set(it.insn.offset, k));
  const newOffset = (old: number): number => {
    const k = indexOf.get(old);
    if (k !== undefined) return starts[k]!;
    if (old === code.length) return starts[items.length]!;
    // inside an instruction: same distance from its start
    let lo = 0;
    let hi = items.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (items[mid]!.insn.offset <= old) lo = mid;
      else hi = mid - 1;
    }
    return starts[lo]! + (old - items[lo]!.insn.offset);
  };
  let widened = 0;
  for (let round = 0; ; round++) {
    let pos = 0;
    for (let k = 0; k < items.length; k++) {
      starts[k] = pos;
      pos += items[k]!.length;
    }
    starts[items.length] = pos;
    let changed = false;
    for (let k = 0; k < items.length; k++) {
      const it = items[k]!;
      if (it.kind !== 'branch' || it.wide) continue;
      const disp = newOffset(it.insn.branchTarget!) - (starts[k]! + it.length);
      if (disp >= -128 && disp <= 127) continue;
      const op = code[it.insn.offset + it.insn.length - 2]!;
      if (op === 0xeb) it.length = it.insn.length - 2 + 5;
      else if (op >= 0x70 && op <= 0x7f) it.length = it.insn.length - 2 + 6;
      else throw new RewriteRefused(`${op >= 0xe0 && op <= 0xe3 ? 'loop/jrcxz' : 'short branch'} at 0x${it.insn.offset.toString(16)} can no longer reach its target and has no rel32 form`);
      it.wide = true;
      widened++;
      changed = true;
    }
    if (!changed) break;
    if (round > 64) throw new RewriteRefused('branch widening did not settle');
  }

  const out = new Uint8Array(starts[items.length]!);
  const dv = new DataView(out.buffer);
  const callFields = new Map<number, number>();
  const cfa: CfaAdjustment[] = [];
  for (let k = 0; k < items.length; k++) {
    const it = items[k]!;
    const { insn } = it;
    const at = starts[k]!;
    const src = code.subarray(insn.offset, insn.offset + insn.length);
    if (it.kind === 'site') {
      out.set(replacement.bytes, at);
      callFields.set(insn.offset, at + replacement.callField);
      for (const c of replacement.cfa) cfa.push({ at: at + c.at, delta: c.delta });
      continue;
    }
    if (it.kind === 'branch') {
      const target = newOffset(insn.branchTarget!);
      const end = at + it.length;
      if (it.length === insn.length) {
        out.set(src, at);
        const disp = target - end;
        if (insn.relSize === 1) dv.setInt8(end - 1, disp);
        else dv.setInt32(end - 4, disp, true);
      } else {
        // rel8 -> rel32: keep the prefixes, change the opcode
        const prefixes = src.subarray(0, src.length - 2);
        out.set(prefixes, at);
        const op = src[src.length - 2]!;
        let p = at + prefixes.length;
        if (op === 0xeb) out[p++] = 0xe9;
        else {
          out[p++] = 0x0f;
          out[p++] = 0x80 + (op - 0x70);
        }
        dv.setInt32(p, target - end, true);
      }
      continue;
    }
    out.set(src, at);
    if (it.kind === 'riprel') {
      const field = at + insn.disp!.offset;
      dv.setInt32(field, newOffset(insn.ripTarget!) - (at + insn.length), true);
    }
  }
  return { code: out, map: newOffset, callFields, cfa, widened, instructions: insns };
}
