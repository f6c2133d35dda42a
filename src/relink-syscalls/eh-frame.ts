// Rewriting .eh_frame of a relocatable x86-64 object whose code sections grew (syscall sites replaced by
// longer call sequences): every FDE of a rewritten section gets its pc_begin (through its relocation's
// addend), pc_range and the location advances of its CFA program mapped through the section's OffsetMap,
// with wider advance opcodes where a delta no longer fits, and extra DW_CFA_def_cfa_offset rows where the
// new code runs with %rsp below what the CFI describes (CfaAdjustment). Records that grow push the later
// ones back; CIE pointers and relocation offsets follow.
//
// Invariant of the program rewrite: at every location L of the new code, the row the new program yields
// has the same rules as the old program's row at the corresponding old location, except that a CFA of the
// form rsp+N reads rsp+N+delta wherever an adjustment says rsp is `delta` lower. The rewrite copies the old
// program instruction by instruction (so an identity map reproduces it byte for byte), tracks the old and
// the new program's CFA rule side by side (remember/restore_state included) and, wherever a row begins,
// emits DW_CFA_def_cfa_offset when the two disagree with what the adjustment asks for.
//
// Refused (RewriteRefused): a CIE with a code alignment factor other than 1, an augmentation libgcc would
// not understand either, an FDE pointer encoding of variable size or with DW_EH_PE_aligned/indirect,
// DW_CFA_set_loc without a relocation, an opcode that is not DWARF CFA, a CFA expression or a register
// rule (expression, val_expression, register) that reads %rsp while an adjustment is active, and any
// malformed record (truncation, a CIE pointer that does not name a CIE, a relocation on an advance).
import { STT_SECTION } from '../elf/constants.ts';
import { RewriteRefused } from './errors.ts';
import {
  ByteReader, DW_EH_PE, encodeUleb, encodedSize, encodingKnown, fitsEncoded, hex, mapOffset, putLE,
  type MovedPiece, type OffsetMap, type Reloc,
} from './dwarf.ts';

export type { OffsetMap, Reloc } from './dwarf.ts';

/** From new offset `at` on, rsp is `delta` bytes lower than the surrounding CFI says (delta > 0), or back to normal (delta 0). */
export interface CfaAdjustment {
  at: number;
  delta: number;
}

/** A symbol of the object's symbol table, as far as the rewriter needs it (type = ELF64_ST_TYPE). */
export interface EhSymbol {
  name: string;
  type: number;
  shndx: number;
  value: number;
}

export interface EhFrameInput {
  /** The .eh_frame contents. */
  data: Uint8Array;
  /** Its .rela.eh_frame entries. */
  relocs: Reloc[];
  /** The object's symbol table, indexed by relocation symbol number. */
  symbols: EhSymbol[];
}

/** A code section that was re-laid out: its map, and the CFA adjustments (new offsets, sorted by `at`). */
export interface CodeRewrite {
  sectionIndex: number;
  map: OffsetMap;
  adjustments: CfaAdjustment[];
}

/** A non-code section whose contents moved (a .gcc_except_table after rewriteLsda): references into it follow. */
export interface MovedSection {
  sectionIndex: number;
  map: OffsetMap;
}

export interface EhFrameOutput {
  data: Uint8Array;
  /** Same order as the input relocations; offsets moved, addends of references into moved code updated. */
  relocs: Reloc[];
}

/** An FDE's language-specific data area, for rewriteLsda. */
export interface LsdaRef {
  /** Offset of the FDE in .eh_frame. */
  fdeOffset: number;
  /** Section index of the FDE's code, and the function's (old) start offset in it. */
  codeSection: number;
  functionStart: number;
  /** Section index of the LSDA (a .gcc_except_table), and its offset there. */
  lsdaSection: number;
  lsdaOffset: number;
}

// ---------------------------------------------------------------------------------------------------
// Records.

interface CieInfo {
  version: number;
  augmentation: string;
  codeAlign: number;
  dataAlign: number;
  raReg: number;
  hasZ: boolean;
  fdeEnc: number;
  lsdaEnc: number;
  instrStart: number;
}

interface RecordBase {
  start: number;
  end: number;
  /** Offset of the CIE id / CIE pointer field, and its size: 4 in .eh_frame, even after the 64-bit length escape
   *  (LSB "Exception Frames"; LLVM reads it so; libgcc and GNU ld do not take 64-bit records at all). */
  idField: number;
  idSize: 4;
}

interface CieRecord extends RecordBase {
  kind: 'cie';
  info: CieInfo | undefined;
  /** Why the CIE cannot be used for rewriting (its FDEs are copied as they are if not rewritten). */
  problem: string | undefined;
}

interface FdeRecord extends RecordBase {
  kind: 'fde';
  cie: CieRecord;
}

interface OtherRecord {
  kind: 'zero' | 'pad';
  start: number;
  end: number;
}

type EhRecord = CieRecord | FdeRecord | OtherRecord;

const WHAT = '.eh_frame';

function parseCie(data: Uint8Array, rec: RecordBase): CieInfo {
  const r: ByteReader = new ByteReader(data, rec.idField + rec.idSize, rec.end, `${WHAT} CIE at ${hex(rec.start)}`);
  const version = r.u8();
  if (version !== 1 && version !== 3 && version !== 4) r.fail(`unsupported CIE version ${version}`, r.pos - 1);
  const augmentation = r.cstring();
  if (version === 4) r.skip(2); // address_size, segment_selector_size
  if (augmentation.includes('eh')) r.fail(`unsupported augmentation "${augmentation}"`);
  const codeAlign = r.uleb();
  const dataAlign = r.sleb();
  const raReg = version === 1 ? r.u8() : r.uleb();
  let fdeEnc: number = DW_EH_PE.absptr;
  let lsdaEnc: number = DW_EH_PE.omit;
  const hasZ = augmentation.startsWith('z');
  if (hasZ) {
    const len = r.uleb();
    const augStart = r.pos;
    r.need(len);
    const a: ByteReader = new ByteReader(data, augStart, augStart + len, `${WHAT} CIE at ${hex(rec.start)} augmentation data`);
    for (const c of augmentation.slice(1)) {
      if (c === 'P') {
        const enc = a.u8();
        if (!encodingKnown(enc) || enc === DW_EH_PE.omit) a.fail(`personality encoding ${hex(enc)} is not supported`);
        a.encoded(enc);
      } else if (c === 'L') lsdaEnc = a.u8();
      else if (c === 'R') fdeEnc = a.u8();
      else if (c === 'S' || c === 'B' || c === 'G') continue;
      else a.fail(`unknown augmentation '${c}' in "${augmentation}"`);
    }
    r.pos = augStart + len;
  } else if (augmentation !== '') r.fail(`augmentation "${augmentation}" without 'z' is not supported`);
  return { version, augmentation, codeAlign, dataAlign, raReg, hasZ, fdeEnc, lsdaEnc, instrStart: r.pos };
}

function parseRecords(data: Uint8Array): EhRecord[] {
  const out: EhRecord[] = [];
  const ciesByStart = new Map<number, CieRecord>();
  const r: ByteReader = new ByteReader(data, 0, data.length, WHAT);
  while (r.pos < data.length) {
    const start = r.pos;
    if (data.length - start < 4) {
      if (data.subarray(start).some((b) => b !== 0)) r.fail(`${data.length - start} stray byte(s) after the last record`);
      out.push({ kind: 'pad', start, end: data.length });
      break;
    }
    let length = r.u32();
    const idSize = 4;
    if (length === 0) {
      out.push({ kind: 'zero', start, end: r.pos });
      continue;
    }
    if (length === 0xffffffff) length = r.u64();
    const end = r.pos + length;
    if (end > data.length) r.fail(`record at ${hex(start)} (length ${hex(length)}) runs past the end of the section (${hex(data.length)} bytes)`, start);
    if (length < idSize) r.fail(`record at ${hex(start)} is too short (length ${hex(length)})`, start);
    const idField = r.pos;
    const id = r.u32();
    const base: RecordBase = { start, end, idField, idSize };
    if (id === 0) {
      let info: CieInfo | undefined;
      let problem: string | undefined;
      try {
        info = parseCie(data, base);
        if (info.codeAlign !== 1) problem = `code alignment factor ${info.codeAlign} (only 1 is supported)`;
      } catch (e) {
        if (!(e instanceof RewriteRefused)) throw e;
        problem = e.message;
      }
      const cie: CieRecord = { kind: 'cie', ...base, info, problem };
      ciesByStart.set(start, cie);
      out.push(cie);
    } else {
      // The CIE pointer counts back from its own field (libgcc reads it as a signed word).
      const delta = id | 0;
      const cie = ciesByStart.get(idField - delta);
      if (!cie) r.fail(`FDE at ${hex(start)}: CIE pointer ${hex(id)} does not point at a CIE`, idField);
      out.push({ kind: 'fde', ...base, cie });
    }
    r.pos = end;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// CFA programs.

const DW_CFA = {
  advance_loc: 0x40, offset: 0x80, restore: 0xc0,
  nop: 0x00, set_loc: 0x01, advance_loc1: 0x02, advance_loc2: 0x03, advance_loc4: 0x04,
  offset_extended: 0x05, restore_extended: 0x06, undefined: 0x07, same_value: 0x08, register: 0x09,
  remember_state: 0x0a, restore_state: 0x0b, def_cfa: 0x0c, def_cfa_register: 0x0d, def_cfa_offset: 0x0e,
  def_cfa_expression: 0x0f, expression: 0x10, offset_extended_sf: 0x11, def_cfa_sf: 0x12, def_cfa_offset_sf: 0x13,
  val_offset: 0x14, val_offset_sf: 0x15, val_expression: 0x16, MIPS_advance_loc8: 0x1d,
  GNU_args_size: 0x2e, GNU_negative_offset_extended: 0x2f,
} as const;

const RSP = 7;

interface CfaInsn {
  /** Offset of the opcode byte, and of the byte after the instruction. */
  at: number;
  end: number;
  /** The opcode, with the operand bits of the three packed forms cleared (0x40, 0x80, 0xc0). */
  op: number;
  /** Register operand, or the advance delta (factored), or the set_loc raw operand. */
  a: number;
  /** Offset operand (unfactored value as encoded), or the second register. */
  b: number;
  /** For expressions: does the block read %rsp (or something this code does not understand)? */
  readsRsp: boolean;
  /** For advances: operand width in bytes (0 = packed in the opcode). */
  width: number;
}

/** Does a DWARF expression block read %rsp (register 7)? Unknown operations count as yes. */
function exprReadsRsp(data: Uint8Array, start: number, end: number): boolean {
  const r: ByteReader = new ByteReader(data, start, end, `${WHAT} DWARF expression`);
  while (r.pos < end) {
    const op = r.u8();
    if (op >= 0x30 && op <= 0x4f) continue; // lit0..31
    if (op >= 0x50 && op <= 0x6f) {
      if (op - 0x50 === RSP) return true; // reg0..31
      continue;
    }
    if (op >= 0x70 && op <= 0x8f) {
      if (op - 0x70 === RSP) return true; // breg0..31
      r.sleb();
      continue;
    }
    switch (op) {
      case 0x03: r.skip(8); break; // addr
      case 0x08: case 0x09: case 0x15: case 0x94: case 0x95: r.skip(1); break;
      case 0x0a: case 0x0b: case 0x28: case 0x2f: case 0x98: r.skip(2); break;
      case 0x0c: case 0x0d: case 0x99: r.skip(4); break;
      case 0x0e: case 0x0f: r.skip(8); break;
      case 0x10: case 0x23: case 0x93: r.uleb(); break;
      case 0x11: r.sleb(); break;
      case 0x90: if (r.uleb() === RSP) return true; break; // regx
      case 0x92: if (r.uleb() === RSP) return true; r.sleb(); break; // bregx
      case 0x9d: r.uleb(); r.uleb(); break; // bit_piece
      case 0x06: case 0x12: case 0x13: case 0x14: case 0x16: case 0x17: case 0x19: case 0x1a: case 0x1b: case 0x1c:
      case 0x1d: case 0x1e: case 0x1f: case 0x20: case 0x21: case 0x22: case 0x24: case 0x25: case 0x26: case 0x27:
      case 0x29: case 0x2a: case 0x2b: case 0x2c: case 0x2d: case 0x2e: case 0x96: case 0x9c: case 0x9f:
        break;
      default:
        return true;
    }
  }
  return false;
}

/** Decode a CFA program (instructions of a CIE or an FDE). set_loc operands use `fdeEnc`. */
function decodeProgram(data: Uint8Array, start: number, end: number, fdeEnc: number, what: string): CfaInsn[] {
  const r: ByteReader = new ByteReader(data, start, end, what);
  const out: CfaInsn[] = [];
  while (r.pos < end) {
    const at = r.pos;
    const byte = r.u8();
    const hi = byte & 0xc0;
    let op = byte;
    let a = 0;
    let b = 0;
    let readsRsp = false;
    let width = 0;
    if (hi !== 0) {
      op = hi;
      a = byte & 0x3f;
      if (hi === DW_CFA.offset) b = r.uleb();
    } else {
      switch (byte) {
        case DW_CFA.nop: case DW_CFA.remember_state: case DW_CFA.restore_state: break;
        case DW_CFA.set_loc: {
          const size = encodedSize(fdeEnc);
          if (!size || !encodingKnown(fdeEnc)) r.fail(`DW_CFA_set_loc with pointer encoding ${hex(fdeEnc)}`, at);
          width = size;
          a = r.encoded(fdeEnc);
          break;
        }
        case DW_CFA.advance_loc1: width = 1; a = r.u8(); break;
        case DW_CFA.advance_loc2: width = 2; a = r.u16(); break;
        case DW_CFA.advance_loc4: width = 4; a = r.u32(); break;
        case DW_CFA.MIPS_advance_loc8: width = 8; a = r.u64(); break;
        case DW_CFA.offset_extended: case DW_CFA.register: case DW_CFA.def_cfa: case DW_CFA.val_offset:
        case DW_CFA.GNU_negative_offset_extended:
          a = r.uleb();
          b = r.uleb();
          break;
        case DW_CFA.offset_extended_sf: case DW_CFA.def_cfa_sf: case DW_CFA.val_offset_sf:
          a = r.uleb();
          b = r.sleb();
          break;
        case DW_CFA.restore_extended: case DW_CFA.undefined: case DW_CFA.same_value: case DW_CFA.def_cfa_register:
          a = r.uleb();
          break;
        case DW_CFA.def_cfa_offset: case DW_CFA.GNU_args_size: b = r.uleb(); break;
        case DW_CFA.def_cfa_offset_sf: b = r.sleb(); break;
        case DW_CFA.def_cfa_expression: {
          const len = r.uleb();
          r.need(len);
          readsRsp = exprReadsRsp(data, r.pos, r.pos + len);
          r.skip(len);
          break;
        }
        case DW_CFA.expression: case DW_CFA.val_expression: {
          a = r.uleb();
          const len = r.uleb();
          r.need(len);
          readsRsp = exprReadsRsp(data, r.pos, r.pos + len);
          r.skip(len);
          break;
        }
        default:
          r.fail(`unknown CFA opcode ${hex(byte)}`, at);
      }
    }
    out.push({ at, end: r.pos, op, a, b, readsRsp, width });
  }
  return out;
}

function isAdvance(i: CfaInsn): boolean {
  return i.op === DW_CFA.advance_loc || i.op === DW_CFA.advance_loc1 || i.op === DW_CFA.advance_loc2 ||
    i.op === DW_CFA.advance_loc4 || i.op === DW_CFA.MIPS_advance_loc8;
}

/** The part of a row this rewriter must follow: the CFA rule, and the registers whose rule reads %rsp. */
interface RowState {
  how: 'undef' | 'reg' | 'expr';
  reg: number;
  offset: number;
  exprReadsRsp: boolean;
  rspRegs: Set<number>;
}

function cloneState(s: RowState): RowState {
  return { ...s, rspRegs: new Set(s.rspRegs) };
}

/** Apply one non-advance instruction, as libgcc's execute_cfa_program does. */
function applyInsn(s: RowState, i: CfaInsn, initial: RowState, stack: RowState[], dataAlign: number, what: string): RowState {
  switch (i.op) {
    case DW_CFA.offset: case DW_CFA.offset_extended: case DW_CFA.offset_extended_sf: case DW_CFA.val_offset:
    case DW_CFA.val_offset_sf: case DW_CFA.GNU_negative_offset_extended: case DW_CFA.undefined: case DW_CFA.same_value:
      s.rspRegs.delete(i.a);
      break;
    case DW_CFA.restore: case DW_CFA.restore_extended:
      if (initial.rspRegs.has(i.a)) s.rspRegs.add(i.a);
      else s.rspRegs.delete(i.a);
      break;
    case DW_CFA.register:
      if (i.b === RSP) s.rspRegs.add(i.a);
      else s.rspRegs.delete(i.a);
      break;
    case DW_CFA.expression: case DW_CFA.val_expression:
      if (i.readsRsp) s.rspRegs.add(i.a);
      else s.rspRegs.delete(i.a);
      break;
    case DW_CFA.remember_state:
      stack.push(cloneState(s));
      break;
    case DW_CFA.restore_state: {
      const top = stack.pop();
      if (!top) throw new RewriteRefused(`${what}: DW_CFA_restore_state without a remembered state (at ${hex(i.at)})`);
      return top;
    }
    case DW_CFA.def_cfa:
      s.how = 'reg';
      s.reg = i.a;
      s.offset = i.b;
      break;
    case DW_CFA.def_cfa_sf:
      s.how = 'reg';
      s.reg = i.a;
      s.offset = i.b * dataAlign;
      break;
    case DW_CFA.def_cfa_register:
      s.how = 'reg';
      s.reg = i.a;
      break;
    case DW_CFA.def_cfa_offset:
      s.offset = i.b; // libgcc: cfa_how deliberately not set
      break;
    case DW_CFA.def_cfa_offset_sf:
      s.offset = i.b * dataAlign;
      break;
    case DW_CFA.def_cfa_expression:
      s.how = 'expr';
      s.exprReadsRsp = i.readsRsp;
      break;
    default:
      break; // nop, GNU_args_size
  }
  return s;
}

function initialState(data: Uint8Array, cie: CieRecord, info: CieInfo): RowState {
  const s: RowState = { how: 'undef', reg: 0, offset: 0, exprReadsRsp: false, rspRegs: new Set() };
  const what = `${WHAT} CIE at ${hex(cie.start)}`;
  const prog = decodeProgram(data, info.instrStart, cie.end, info.fdeEnc, what);
  const stack: RowState[] = [];
  let st = s;
  for (const i of prog) {
    if (isAdvance(i) || i.op === DW_CFA.set_loc) throw new RewriteRefused(`${what}: location advance in the CIE's initial instructions`);
    st = applyInsn(st, i, s, stack, info.dataAlign, what);
  }
  return st;
}

// ---------------------------------------------------------------------------------------------------
// Relocations.

function relocSize(type: number): number {
  switch (type) {
    case 0: return 0;
    case 1: case 24: case 25: case 29: case 33: return 8; // 64, PC64, GOTOFF64, GOTPC64, SIZE64
    case 12: case 13: return 2;
    case 14: case 15: return 1;
    default: return 4;
  }
}

/** Symbol of a relocation; undefined for symbol 0. */
function relocSymbol(input: EhFrameInput, r: Reloc): EhSymbol | undefined {
  if (r.sym === 0) return undefined;
  const s = input.symbols[r.sym];
  if (!s) throw new RewriteRefused(`${WHAT}: relocation at ${hex(r.offset)} names symbol ${r.sym}, which does not exist`);
  return s;
}

// ---------------------------------------------------------------------------------------------------
// The FDE rewrite.

interface Emitted {
  bytes: number[];
  /** Pieces relative to the old section and the new record start. */
  pieces: MovedPiece[];
}

interface FdeContext {
  data: Uint8Array;
  fde: FdeRecord;
  info: CieInfo;
  initial: RowState;
  map: OffsetMap;
  adjustments: CfaAdjustment[];
  /** Old start offset of the function in its code section. */
  start: number;
  relocAt: Map<number, Reloc>;
  input: EhFrameInput;
  codeSection: number;
}

function deltaAt(adjs: CfaAdjustment[], loc: number): number {
  let d = 0;
  for (const a of adjs) {
    if (a.at > loc) break;
    d = a.delta;
  }
  return d;
}

function rewriteFde(c: FdeContext): Emitted {
  const { data, fde, info } = c;
  const what = `${WHAT} FDE at ${hex(fde.start)}`;
  const enc = info.fdeEnc;
  const size = encodedSize(enc);
  if (!size || !encodingKnown(enc) || (enc & DW_EH_PE.indirect) !== 0) throw new RewriteRefused(`${what}: FDE pointer encoding ${hex(enc)} is not supported`);
  const r: ByteReader = new ByteReader(data, fde.idField + fde.idSize, fde.end, what);
  r.skip(size); // pc_begin: relocated
  const rangeAt = r.pos;
  const range = r.encoded(enc & 0x0f);
  if (range < 0) r.fail(`negative pc_range ${range}`, rangeAt);
  if (info.hasZ) {
    const augLen = r.uleb();
    r.skip(augLen);
  }
  const instrStart = r.pos;
  const prog = decodeProgram(data, instrStart, fde.end, enc, what);

  const oldStart = c.start;
  const oldEnd = oldStart + range;
  const newStart = mapOffset(c.map, oldStart, what);
  const newEnd = mapOffset(c.map, oldEnd, what);
  if (newEnd < newStart) throw new RewriteRefused(`${what}: the offset map is not monotonic`);
  const newRange = newEnd - newStart;

  // Header: copied, pc_range patched.
  const bytes: number[] = Array.from(data.subarray(fde.start, instrStart));
  if (!fitsEncoded(enc, newRange)) throw new RewriteRefused(`${what}: new pc_range ${hex(newRange)} does not fit encoding ${hex(enc)}`);
  const rangeBytes = new Uint8Array(size);
  putLE(rangeBytes, 0, newRange, size);
  bytes.splice(rangeAt - fde.start, size, ...rangeBytes);
  const pieces: MovedPiece[] = [{ oldStart: fde.start, oldEnd: instrStart, newStart: 0 }];

  // The adjustments that matter: the delta in force at the start, then the changes inside the range.
  const adjs = c.adjustments;
  const events: CfaAdjustment[] = [];
  for (const a of adjs) {
    if (!Number.isSafeInteger(a.at) || !Number.isSafeInteger(a.delta)) throw new RewriteRefused(`${what}: CFA adjustment ${JSON.stringify(a)} is not integral`);
    if (a.at > newStart && a.at < newEnd) events.push(a);
  }
  let delta = deltaAt(adjs, newStart);

  let orig = cloneState(c.initial);
  let emit = cloneState(c.initial);
  const origStack: RowState[] = [];
  const emitStack: RowState[] = [];
  let curOld = oldStart;
  let curNew = newStart;
  let ev = 0;

  const copy = (from: number, to: number): void => {
    pieces.push({ oldStart: from, oldEnd: to, newStart: bytes.length });
    for (let k = from; k < to; k++) bytes.push(data[k]!);
  };
  const desired = (): RowState => {
    const d = cloneState(orig);
    if (delta !== 0) {
      if ((orig.how === 'expr' && orig.exprReadsRsp) || orig.rspRegs.size > 0) {
        const why = orig.how === 'expr' && orig.exprReadsRsp ? 'the CFA is a DWARF expression reading %rsp' : `the rule of register ${[...orig.rspRegs].join(', ')} reads %rsp`;
        throw new RewriteRefused(`${what}: cannot adjust the CFA at new offset ${hex(curNew)} (rsp lower by ${delta}): ${why}`);
      }
      if (orig.how === 'reg' && orig.reg === RSP) d.offset = orig.offset + delta;
    }
    return d;
  };
  const needsFixup = (): boolean => {
    const d = desired();
    if (d.how !== emit.how) throw new Error(`internal: ${what}: CFA rule kinds diverged`);
    if (d.how !== 'reg') return false;
    if (d.reg !== emit.reg) throw new Error(`internal: ${what}: CFA registers diverged`);
    return d.offset !== emit.offset;
  };
  const fixup = (): void => {
    const d = desired();
    if (d.how !== 'reg' || (d.reg === emit.reg && d.offset === emit.offset)) return;
    if (d.offset < 0) throw new RewriteRefused(`${what}: adjusted CFA offset ${d.offset} is negative`);
    bytes.push(DW_CFA.def_cfa_offset, ...encodeUleb(d.offset));
    emit.offset = d.offset;
  };
  /** Emit an advance of n bytes (code alignment 1), in the smallest form at least as wide as `minWidth`. */
  const advance = (n: number, minWidth: number, op?: number): void => {
    if (n < 0) throw new RewriteRefused(`${what}: the offset map is not monotonic`);
    if (op === DW_CFA.MIPS_advance_loc8) {
      bytes.push(op, ...encodeFixed(n, 8));
      return;
    }
    const w = n < 64 && minWidth === 0 ? 0 : n < 0x100 && minWidth <= 1 ? 1 : n < 0x10000 && minWidth <= 2 ? 2 : 4;
    if (n > 0xffffffff) throw new RewriteRefused(`${what}: advance of ${hex(n)} bytes is too large`);
    if (w === 0) bytes.push(DW_CFA.advance_loc | n);
    else if (w === 1) bytes.push(DW_CFA.advance_loc1, n);
    else if (w === 2) bytes.push(DW_CFA.advance_loc2, ...encodeFixed(n, 2));
    else bytes.push(DW_CFA.advance_loc4, ...encodeFixed(n, 4));
  };
  /** Process the adjustment changes strictly before new location `limit`, splitting the advance if a row must begin there. */
  const eventsBefore = (limit: number): void => {
    while (ev < events.length && events[ev]!.at < limit) {
      const at = events[ev]!.at;
      while (ev < events.length && events[ev]!.at === at) delta = events[ev++]!.delta;
      if (needsFixup()) {
        advance(at - curNew, 0);
        curNew = at;
        fixup();
      }
    }
  };
  const eventsAt = (loc: number): void => {
    while (ev < events.length && events[ev]!.at === loc) delta = events[ev++]!.delta;
  };

  // DW_CFA_nops after the last real instruction are padding: dropped here, re-added below.
  let progEnd = prog.length;
  while (progEnd > 0 && prog[progEnd - 1]!.op === DW_CFA.nop) progEnd--;
  for (let k = 0; k < progEnd; k++) {
    const i = prog[k]!;
    if (isAdvance(i) || i.op === DW_CFA.set_loc) {
      fixup(); // the row that ends here
      let targetOld: number;
      if (i.op === DW_CFA.set_loc) {
        const rel = c.relocAt.get(i.at + 1);
        const sym = rel ? relocSymbol(c.input, rel) : undefined;
        if (!rel || !sym || sym.shndx !== c.codeSection) throw new RewriteRefused(`${what}: DW_CFA_set_loc at ${hex(i.at)} without a relocation into the FDE's section`);
        targetOld = sym.value + rel.addend;
      } else targetOld = curOld + i.a * info.codeAlign;
      if (targetOld < curOld || targetOld > oldEnd) throw new RewriteRefused(`${what}: CFA program moves to ${hex(targetOld)}, outside ${hex(curOld)}..${hex(oldEnd)}`);
      const targetNew = mapOffset(c.map, targetOld, what);
      eventsBefore(targetNew);
      if (i.op === DW_CFA.set_loc) copy(i.at, i.end);
      else {
        for (let b = i.at; b < i.end; b++) if (c.relocAt.has(b)) throw new RewriteRefused(`${what}: relocation on a location advance at ${hex(i.at)}`);
        advance(targetNew - curNew, i.width, i.op);
      }
      curOld = targetOld;
      curNew = targetNew;
      eventsAt(curNew);
    } else {
      copy(i.at, i.end);
      orig = applyInsn(orig, i, c.initial, origStack, info.dataAlign, what);
      emit = applyInsn(emit, i, c.initial, emitStack, info.dataAlign, what);
    }
  }
  // The row after the last advance, and the adjustments up to the end of the function.
  fixup();
  eventsBefore(newEnd);
  // Pad to the old size, or to a multiple of 4 when the record grew.
  const oldTotal = fde.end - fde.start;
  let total = Math.max(bytes.length, oldTotal);
  if (total > oldTotal) total = Math.ceil(total / 4) * 4;
  while (bytes.length < total) bytes.push(DW_CFA.nop);
  // Length field.
  const lengthSize = fde.idField - fde.start;
  const len = total - lengthSize;
  if (lengthSize === 4) {
    if (len >= 0xfffffff0) throw new RewriteRefused(`${what}: grown FDE is too long`);
    bytes.splice(0, 4, ...encodeFixed(len, 4));
  } else bytes.splice(4, 8, ...encodeFixed(len, 8));
  return { bytes, pieces };
}

function encodeFixed(v: number, size: number): number[] {
  const b = new Uint8Array(size);
  putLE(b, 0, v, size);
  return Array.from(b);
}

// ---------------------------------------------------------------------------------------------------
// The section rewrite.

function relocIndex(relocs: Reloc[]): Map<number, Reloc> {
  const m = new Map<number, Reloc>();
  for (const r of relocs) {
    if (!Number.isSafeInteger(r.offset) || r.offset < 0) throw new RewriteRefused(`${WHAT}: relocation offset ${String(r.offset)} is not an offset`);
    if (m.has(r.offset)) throw new RewriteRefused(`${WHAT}: two relocations at ${hex(r.offset)}`);
    m.set(r.offset, r);
  }
  return m;
}

/** pc_begin of an FDE: its relocation's symbol and the function's start offset in that symbol's section. */
function fdeFunction(input: EhFrameInput, fde: FdeRecord, relocAt: Map<number, Reloc>): { shndx: number; start: number } | undefined {
  const rel = relocAt.get(fde.idField + fde.idSize);
  if (!rel) return undefined;
  const sym = relocSymbol(input, rel);
  if (!sym) return undefined;
  return { shndx: sym.shndx, start: sym.value + rel.addend };
}

/**
 * Rewrite .eh_frame for grown code sections. `code` lists the rewritten sections; `moved` lists other
 * sections whose contents moved (the .gcc_except_table sections rewriteLsda grew), so LSDA pointers follow.
 */
export function rewriteEhFrame(input: EhFrameInput, code: CodeRewrite[], moved: MovedSection[] = []): EhFrameOutput {
  const { data } = input;
  const records = parseRecords(data);
  const relocAt = relocIndex(input.relocs);
  const rewrites = new Map<number, CodeRewrite>();
  for (const c of code) {
    const adj = c.adjustments;
    for (let k = 1; k < adj.length; k++) {
      if (adj[k]!.at < adj[k - 1]!.at) throw new RewriteRefused(`${WHAT}: CFA adjustments of section ${c.sectionIndex} are not sorted by offset`);
    }
    rewrites.set(c.sectionIndex, c);
  }
  const movedBy = new Map<number, OffsetMap>();
  for (const m of moved) movedBy.set(m.sectionIndex, m.map);
  const initials = new Map<CieRecord, RowState>();

  // New bytes of every record.
  const parts: { rec: EhRecord; bytes: Uint8Array | number[]; pieces: MovedPiece[]; newStart: number }[] = [];
  let pos = 0;
  for (const rec of records) {
    let out: Emitted | undefined;
    if (rec.kind === 'fde') {
      const fn = fdeFunction(input, rec, relocAt);
      const rw = fn ? rewrites.get(fn.shndx) : undefined;
      if (fn && rw) {
        const cie = rec.cie;
        if (!cie.info || cie.problem) throw new RewriteRefused(`${WHAT} FDE at ${hex(rec.start)}: its CIE at ${hex(cie.start)} cannot be used: ${cie.problem ?? 'unparsed'}`);
        let initial = initials.get(cie);
        if (!initial) {
          initial = initialState(data, cie, cie.info);
          initials.set(cie, initial);
        }
        out = rewriteFde({
          data, fde: rec, info: cie.info, initial, map: rw.map, adjustments: rw.adjustments, start: fn.start,
          relocAt, input, codeSection: fn.shndx,
        });
      }
    }
    if (!out) out = { bytes: Array.from(data.subarray(rec.start, rec.end)), pieces: [{ oldStart: rec.start, oldEnd: rec.end, newStart: 0 }] };
    parts.push({ rec, bytes: out.bytes, pieces: out.pieces, newStart: pos });
    pos += out.bytes.length;
  }

  const result = new Uint8Array(pos);
  const newStartOf = new Map<number, number>();
  for (const p of parts) {
    result.set(p.bytes, p.newStart);
    newStartOf.set(p.rec.start, p.newStart);
  }
  // CIE pointers.
  for (const p of parts) {
    if (p.rec.kind !== 'fde') continue;
    const field = p.newStart + (p.rec.idField - p.rec.start);
    const cieNew = newStartOf.get(p.rec.cie.start)!;
    putLE(result, field, field - cieNew, p.rec.idSize);
  }

  // Relocations: offsets through the pieces, addends of references into moved sections through their maps.
  const relocs = input.relocs.map((r): Reloc => {
    const size = relocSize(r.type);
    let newOffset: number | undefined;
    for (const p of partsContaining(parts, r.offset)) {
      for (const piece of p.pieces) {
        if (r.offset >= piece.oldStart && r.offset + size <= piece.oldEnd) {
          newOffset = p.newStart + piece.newStart + (r.offset - piece.oldStart);
          break;
        }
      }
    }
    if (newOffset === undefined) throw new RewriteRefused(`${WHAT}: relocation at ${hex(r.offset)} is not in a field that can be moved`);
    let addend = r.addend;
    const sym = relocSymbol(input, r);
    if (sym) {
      const map = rewrites.get(sym.shndx)?.map ?? movedBy.get(sym.shndx);
      if (map) {
        const what = `${WHAT}: relocation at ${hex(r.offset)} against ${sym.name || `section ${sym.shndx}`}`;
        const target = mapOffset(map, sym.value + r.addend, what);
        if (sym.type === STT_SECTION) addend = target - sym.value;
        else if (rewrites.has(sym.shndx)) addend = target - mapOffset(map, sym.value, what); // the symbol moves with its code
        else if (target !== sym.value + r.addend || mapOffset(map, sym.value, what) !== sym.value) {
          throw new RewriteRefused(`${what}: a named symbol in a moved data section`);
        }
      }
    }
    return { offset: newOffset, type: r.type, sym: r.sym, addend };
  });
  return { data: result, relocs };
}

function* partsContaining<T extends { rec: EhRecord }>(parts: T[], offset: number): Generator<T> {
  // Records are in order: binary search for the one that contains the offset.
  let lo = 0;
  let hi = parts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const p = parts[mid]!;
    if (offset < p.rec.start) hi = mid - 1;
    else if (offset >= p.rec.end) lo = mid + 1;
    else {
      yield p;
      return;
    }
  }
}

/** The LSDA of every FDE that has one (an 'L' augmentation and a relocated, non-null LSDA pointer). */
export function lsdaRefsFromEhFrame(input: EhFrameInput): LsdaRef[] {
  const records = parseRecords(input.data);
  const relocAt = relocIndex(input.relocs);
  const out: LsdaRef[] = [];
  for (const rec of records) {
    if (rec.kind !== 'fde') continue;
    const info = rec.cie.info;
    if (!info || !info.hasZ || info.lsdaEnc === DW_EH_PE.omit) continue;
    const fn = fdeFunction(input, rec, relocAt);
    if (!fn) continue;
    const what = `${WHAT} FDE at ${hex(rec.start)}`;
    const size = encodedSize(info.fdeEnc);
    if (!size) throw new RewriteRefused(`${what}: FDE pointer encoding ${hex(info.fdeEnc)} is not supported`);
    const r: ByteReader = new ByteReader(input.data, rec.idField + rec.idSize, rec.end, what);
    r.skip(2 * size);
    const augLen = r.uleb();
    const lsdaAt = r.pos;
    r.need(augLen);
    if (augLen === 0) continue;
    const rel = relocAt.get(lsdaAt);
    if (!rel) {
      // No relocation: a null pointer means no LSDA; anything else we cannot place.
      const v = new ByteReader(input.data, lsdaAt, lsdaAt + augLen, what).encoded(info.lsdaEnc);
      if (v === 0) continue;
      throw new RewriteRefused(`${what}: LSDA pointer without a relocation`);
    }
    const sym = relocSymbol(input, rel);
    if (!sym) continue;
    out.push({ fdeOffset: rec.start, codeSection: fn.shndx, functionStart: fn.start, lsdaSection: sym.shndx, lsdaOffset: sym.value + rel.addend });
  }
  return out;
}

/** An FDE and the code it covers. */
export interface FdeInfo {
  /** Offset of the FDE record in .eh_frame, and of its CIE. */
  offset: number;
  cieOffset: number;
  /** The code section and old start offset, from pc_begin's relocation; undefined without one. */
  codeSection: number | undefined;
  functionStart: number | undefined;
  /** pc_range, when the CIE's pointer encoding is readable. */
  pcRange: number | undefined;
}

/** Every FDE of the section, in order. */
export function listFdes(input: EhFrameInput): FdeInfo[] {
  const relocAt = relocIndex(input.relocs);
  const out: FdeInfo[] = [];
  for (const rec of parseRecords(input.data)) {
    if (rec.kind !== 'fde') continue;
    const fn = fdeFunction(input, rec, relocAt);
    let pcRange: number | undefined;
    const info = rec.cie.info;
    const size = info ? encodedSize(info.fdeEnc) : undefined;
    if (info && size && encodingKnown(info.fdeEnc)) {
      const r: ByteReader = new ByteReader(input.data, rec.idField + rec.idSize + size, rec.end, `${WHAT} FDE at ${hex(rec.start)}`);
      pcRange = r.encoded(info.fdeEnc & 0x0f);
    }
    out.push({ offset: rec.start, cieOffset: rec.cie.start, codeSection: fn?.shndx, functionStart: fn?.start, pcRange });
  }
  return out;
}
