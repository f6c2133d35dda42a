// Relocations: the scan that decides what each reference needs (GOT slot, IPLT entry, relaxation) and
// the pass that applies them to the output bytes, with the psABI formulas, the relaxations a static
// link must make (GOTPCRELX, TLS GD/LD/IE/TLSDESC to LE) and overflow checks.
import { R_X86_64, SHF_ALLOC, STT_GNU_IFUNC, STT_SECTION, relocTypeName } from '../elf/constants.ts';
import { put64 } from '../elf/bytes.ts';
import type { Context } from './context.ts';
import type { InputSection, ObjectFile } from './input-files.ts';
import type { RelaView } from '../elf/rela-view.ts';
import { SymKind, type Sym } from './symbol.ts';
import { reportUnresolved } from './unresolved.ts';
import { symbolName as shownName } from './demangle.ts';

const R = R_X86_64;

function place(sec: InputSection, off: number): string {
  return `${sec.file.displayName}:(${sec.name}+0x${off.toString(16)})`;
}

function isUndefinedWeak(s: Sym): boolean {
  return s.kind === SymKind.Undefined && !s.strongRef;
}

/** The instruction forms GOTPCRELX may be relaxed from, looked at in the bytes before the field. */
type GotRelax = 'call' | 'jmp' | 'lea' | 'mov-imm' | null;

function gotpcrelxForm(d: Uint8Array, off: number, type: number, s: Sym, addend: number): GotRelax {
  if (addend !== -4 || off < 2) return null;
  const op = d[off - 2];
  const modrm = d[off - 1]!;
  if (type === R.GOTPCRELX) {
    if (op === 0xff && modrm === 0x15) return isUndefinedWeak(s) ? null : 'call';
    if (op === 0xff && modrm === 0x25) return isUndefinedWeak(s) ? null : 'jmp';
  }
  if (op === 0x8b && (modrm & 0xc7) === 0x05) {
    if (type === R.REX_GOTPCRELX && off >= 3 && (d[off - 3]! & 0xf0) !== 0x40) return null;
    // An undefined weak symbol is 0: not reachable PC-relatively, so load the constant instead.
    if (isUndefinedWeak(s)) return type === R.REX_GOTPCRELX ? 'mov-imm' : null;
    return 'lea';
  }
  return null;
}

function gottpoffForm(d: Uint8Array, off: number): 'mov' | 'add' | null {
  if (off < 3) return null;
  const rex = d[off - 3]!;
  const op = d[off - 2];
  const modrm = d[off - 1]!;
  if ((rex & 0xfb) !== 0x48 || (modrm & 0xc7) !== 0x05) return null;
  if (op === 0x8b) return 'mov';
  if (op === 0x03) return 'add';
  return null;
}

/** First pass over relocations: GOT and IPLT needs, undefined references, unsupported types. */
export function scanRelocations(ctx: Context): void {
  const undefinedRefs = new Map<Sym, string[]>();
  const files = ctx.files;
  for (let fi = 0; fi < files.length; fi++) {
    const f = files[fi]!;
    const secs = f.sections;
    for (let si = 0; si < secs.length; si++) {
      const sec = secs[si];
      if (sec && sec.live && sec.rela) scanSection(ctx, f, sec, sec.rela, undefinedRefs);
    }
  }
  for (const [s, refs] of undefinedRefs) {
    let msg = `undefined symbol: ${shownName(s.name)}`;
    for (const w of refs.slice(0, 3)) msg += `\n>>> referenced by ${w}`;
    if (refs.length > 3) msg += `\n>>> referenced ${refs.length - 3} more times`;
    const hint = ctx.lazyDefinitionHint(s);
    if (hint) msg += `\n>>> ${hint}`;
    reportUnresolved(ctx, msg);
  }
}

/** One section's relocations (a function per section, so that V8 optimizes the loop early in a run). */
function scanSection(ctx: Context, f: ObjectFile, sec: InputSection, rt: RelaView, undefinedRefs: Map<Sym, string[]>): void {
  const alloc = (sec.flags & SHF_ALLOC) !== 0;
  for (let i = 0; i < rt.count; i++) {
    const type = rt.type(i);
    if (type === R.NONE) continue;
    const symIndex = rt.sym(i);
    const s = f.sym(symIndex);
    const off = rt.offset(i);
    if (!s) {
      if (symIndex !== 0) ctx.diags.error(`${place(sec, off)}: relocation ${relocTypeName(type)} refers to symbol index ${symIndex}, which is out of range`);
      continue;
    }
    if (!s.isLocal && s.kind === SymKind.Undefined && s.strongRef && alloc && !s.synthetic) {
      const l = undefinedRefs.get(s);
      const where = place(sec, off);
      if (!l) undefinedRefs.set(s, [where]);
      else if (l.length < 64) l.push(where);
    }
    if (!alloc) continue;
    if (off + relocSize(type) > sec.size) {
      ctx.diags.error(`${place(sec, off)}: relocation ${relocTypeName(type)} is outside its section (size 0x${sec.size.toString(16)})`);
      continue;
    }
    if (s.type === STT_GNU_IFUNC && s.kind === SymKind.Defined && !s.needsIplt) {
      s.needsIplt = true;
      ctx.ifuncs.push(s);
    }
    switch (type) {
      case R.PC32: case R.PLT32: case R['64']: case R['32S']: case R['32']:
        break; // most relocations: nothing to decide
      case R.GOT64: case R.GOTPLT64:
        ctx.needGotPlt = true;
        if (!s.needsGot) { s.needsGot = true; ctx.gotSymbols.push(s); }
        break;
      case R.GOTPCREL: case R.GOT32: case R.GOTPCREL64:
        if (!s.needsGot) { s.needsGot = true; ctx.gotSymbols.push(s); }
        break;
      case R.GOTOFF64: case R.GOTPC32: case R.GOTPC64: case R.PLTOFF64:
        ctx.needGotPlt = true;
        break;
      case R.GOTPCRELX: case R.REX_GOTPCRELX:
        if ((ctx.options.noRelax || gotpcrelxForm(sec.data, off, type, s, rt.addend(i)) === null) && !s.needsGot) { s.needsGot = true; ctx.gotSymbols.push(s); }
        break;
      case R.GOTTPOFF:
        if (gottpoffForm(sec.data, off) === null && !s.needsTpGot) { s.needsTpGot = true; ctx.tpGotSymbols.push(s); }
        break;
      case R.TLSGD: case R.TLSLD:
        i++; // the call to __tls_get_addr that follows is rewritten with it
        break;
      default:
        if (!(type < SUPPORTED.length && SUPPORTED[type] === 1)) ctx.diags.error(`${place(sec, off)}: unsupported relocation ${relocTypeName(type)} against symbol '${symbolName(s)}'`);
    }
  }
}

/** Relocation types applied as they are (those with a decision to make are cases of the scan). */
const SUPPORTED = (() => {
  const t = new Uint8Array(64);
  for (const r of [
    R.NONE, R['64'], R.PC32, R.PLT32, R['32'], R['32S'], R['16'], R.PC16, R['8'], R.PC8, R.PC64, R.GOTOFF64, R.GOTPC32, R.GOTPC64,
    R.SIZE32, R.SIZE64, R.TPOFF32, R.TPOFF64, R.DTPOFF32, R.DTPOFF64, R.DTPMOD64, R.GOTPC32_TLSDESC, R.TLSDESC_CALL,
    R.PLTOFF64,
  ]) t[r] = 1;
  return t;
})();

/** Field size of each relocation type (by number: a table lookup on the hot path, not a switch). */
const RELOC_SIZE = (() => {
  const t = new Uint8Array(64).fill(4);
  for (const r of [R['64'], R.PC64, R.GOTOFF64, R.GOTPC64, R.SIZE64, R.TPOFF64, R.DTPOFF64, R.DTPMOD64, R.GOT64, R.GOTPCREL64, R.GOTPLT64, R.PLTOFF64]) t[r] = 8;
  t[R['16']] = t[R.PC16] = 2;
  t[R['8']] = t[R.PC8] = 1;
  t[R.TLSDESC_CALL] = t[R.NONE] = 0;
  return t;
})();

function relocSize(type: number): number {
  return type < RELOC_SIZE.length ? RELOC_SIZE[type]! : 4;
}

function symbolName(s: Sym): string {
  if (s.name) return s.name;
  if (s.type === STT_SECTION && s.section) return s.section.name;
  return '';
}

/** Whether `v` fits the field; if not, report the overflow (object, section+offset, type, value, symbol). */
function fits(ctx: Context, v: number, lo: number, hi: number, sec: InputSection, offset: number, type: number, s: Sym): boolean {
  if (v >= lo && v <= hi) return true;
  ctx.diags.error(`${place(sec, offset)}: relocation ${relocTypeName(type)} out of range: ${v} is not in [${lo}, ${hi}]; references '${s.name ? shownName(s.name) : (s.section?.name ?? '')}'`);
  return false;
}

const I32_MIN = -0x80000000;
const I32_MAX = 0x7fffffff;
const U32_MAX = 0xffffffff;

/** Apply the relocations of an allocated input section whose bytes sit at `out[base...]`. */
export function applyAllocRelocations(ctx: Context, sec: InputSection, out: Uint8Array, view: DataView, base: number): void {
  const rt = sec.rela;
  if (!rt || rt.count === 0) return;
  const f = sec.file;
  const secAddr = sec.output!.addr + sec.offset;
  const ehFrame = sec.name === '.eh_frame';
  for (let i = 0; i < rt.count; i++) {
    const type = rt.type(i);
    if (type === R.NONE) continue;
    const s = f.sym(rt.sym(i));
    if (!s) continue;
    const off = rt.offset(i);
    const at = base + off;
    const addend = rt.addend(i);
    // The common types here, in a small loop V8 optimizes early; the others in applyOther.
    if (type === R.PC32 || type === R.PLT32) {
      // An FDE for a function whose section was discarded: a zero pc_begin is what unwinders skip.
      if (ehFrame && deadTarget(s)) {
        view.setInt32(at, 0, true);
        continue;
      }
      const v = target(ctx, s, addend) - (secAddr + off);
      if (fits(ctx, v, I32_MIN, I32_MAX, sec, off, type, s)) view.setInt32(at, v, true);
    } else if (type === R['64']) {
      put64(view, at, target(ctx, s, addend));
    } else if (type === R['32S']) {
      const v = target(ctx, s, addend);
      if (fits(ctx, v, I32_MIN, I32_MAX, sec, off, type, s)) view.setInt32(at, v, true);
    } else {
      i += applyOther(ctx, sec, type, s, off, addend, out, view, at, secAddr + off);
    }
  }
}

/** S + A: a section symbol of a merged section names its piece by the addend (as GNU ld), so A is folded in. */
function target(ctx: Context, s: Sym, addend: number): number {
  return mergedPiece(s) ? pieceAddress(s, addend) : ctx.addressOf(s) + addend;
}

/**
 * The other relocation types, with the relaxations; returns how many following entries it consumed
 * (the TLS sequences rewrite the __tls_get_addr call's relocation with them).
 */
function applyOther(ctx: Context, sec: InputSection, type: number, s: Sym, off: number, addend: number, out: Uint8Array, view: DataView, at: number, P: number): number {
  const tls = ctx.tls;
  const tp = tls ? tls.tp : 0;
  const merged = mergedPiece(s);
  const S = merged ? pieceAddress(s, addend) : ctx.addressOf(s);
  const A = merged ? 0 : addend;
  let v: number;
  switch (type) {
    case R.PC64:
      put64(view, at, S + A - P);
      return 0;
    case R['32']:
      v = S + A;
      if (fits(ctx, v, 0, U32_MAX, sec, off, type, s)) view.setUint32(at, v, true);
      return 0;
    // GNU ld checks 16, PC16 and 8 as bitfields (complain_overflow_bitfield): an n-bit field takes
    // [-2^n, 2^n - 1], signed or unsigned with one more bit of negative wrap; PC8 is checked as signed.
    case R['16']:
      v = S + A;
      if (fits(ctx, v, -0x10000, 0xffff, sec, off, type, s)) view.setUint16(at, v & 0xffff, true);
      return 0;
    case R.PC16:
      v = S + A - P;
      if (fits(ctx, v, -0x10000, 0xffff, sec, off, type, s)) view.setUint16(at, v & 0xffff, true);
      return 0;
    case R['8']:
      v = S + A;
      if (fits(ctx, v, -0x100, 0xff, sec, off, type, s)) out[at] = v & 0xff;
      return 0;
    case R.PC8:
      v = S + A - P;
      if (fits(ctx, v, -0x80, 0x7f, sec, off, type, s)) view.setInt8(at, v);
      return 0;
    case R.SIZE32:
      v = s.size + A;
      if (fits(ctx, v, 0, U32_MAX, sec, off, type, s)) view.setUint32(at, v, true);
      return 0;
    case R.SIZE64:
      put64(view, at, s.size + A);
      return 0;
    case R.GOTOFF64:
      put64(view, at, S + A - ctx.gotPlt!.addr);
      return 0;
    case R.GOTPC32:
      v = ctx.gotPlt!.addr + A - P;
      if (fits(ctx, v, I32_MIN, I32_MAX, sec, off, type, s)) view.setInt32(at, v, true);
      return 0;
    case R.GOTPC64:
      put64(view, at, ctx.gotPlt!.addr + A - P);
      return 0;
    case R.PLTOFF64:
      // No PLT in a static link except for IFUNCs, whose address already is their IPLT entry.
      put64(view, at, S + A - ctx.gotPlt!.addr);
      return 0;
    case R.GOT64: case R.GOTPLT64:
      put64(view, at, ctx.gotAddress(s) + A - ctx.gotPlt!.addr);
      return 0;
    case R.GOT32:
      v = ctx.gotAddress(s) + A - (ctx.gotPlt?.addr ?? 0);
      if (fits(ctx, v, I32_MIN, I32_MAX, sec, off, type, s)) view.setInt32(at, v, true);
      return 0;
    case R.GOTPCREL64:
      put64(view, at, ctx.gotAddress(s) + A - P);
      return 0;
    case R.GOTPCREL: case R.GOTPCRELX: case R.REX_GOTPCRELX: {
      // --no-relax: GOTPCRELX stays a GOT load (GNU ld on x86-64); the TLS relaxations a static link needs stay.
      const form = type === R.GOTPCREL || ctx.options.noRelax ? null : gotpcrelxForm(sec.data, off, type, s, addend);
      if (form === null || s.needsGot && form !== 'call' && form !== 'jmp' && form !== 'lea' && form !== 'mov-imm') {
        v = ctx.gotAddress(s) + A - P;
        if (fits(ctx, v, I32_MIN, I32_MAX, sec, off, type, s)) view.setInt32(at, v, true);
        return 0;
      }
      if (form === 'call') {
        out[at - 2] = 0x67; // addr32 call rel32: same length as call *disp32(%rip)
        out[at - 1] = 0xe8;
        v = S + A - P;
        if (fits(ctx, v, I32_MIN, I32_MAX, sec, off, type, s)) view.setInt32(at, v, true);
      } else if (form === 'jmp') {
        out[at - 2] = 0xe9; // jmp rel32; nop
        v = S + A - (P - 1);
        if (fits(ctx, v, I32_MIN, I32_MAX, sec, off, type, s)) view.setInt32(at - 1, v, true);
        out[at + 3] = 0x90;
      } else if (form === 'lea') {
        out[at - 2] = 0x8d;
        v = S + A - P;
        if (fits(ctx, v, I32_MIN, I32_MAX, sec, off, type, s)) view.setInt32(at, v, true);
      } else {
        // mov foo@GOTPCREL(%rip),%reg with foo = 0: mov $0,%reg (REX.R moves to REX.B).
        const rex = out[at - 3]!;
        const reg = (out[at - 1]! >> 3) & 7;
        out[at - 3] = 0x48 | ((rex & 4) >> 2);
        out[at - 2] = 0xc7;
        out[at - 1] = 0xc0 | reg;
        view.setInt32(at, 0, true);
      }
      return 0;
    }
    // DTPOFF: local-dynamic code was relaxed to load the thread pointer itself, so offsets are from TP.
    case R.TPOFF32: case R.DTPOFF32:
      v = S + A - tp;
      if (fits(ctx, v, I32_MIN, I32_MAX, sec, off, type, s)) view.setInt32(at, v, true);
      return 0;
    case R.TPOFF64: case R.DTPOFF64:
      put64(view, at, S + A - tp);
      return 0;
    case R.DTPMOD64:
      put64(view, at, 1);
      return 0;
    case R.GOTTPOFF: {
      const form = gottpoffForm(sec.data, off);
      if (form === null) {
        v = ctx.tpGotAddress(s) + A - P;
        if (fits(ctx, v, I32_MIN, I32_MAX, sec, off, type, s)) view.setInt32(at, v, true);
        return 0;
      }
      const rex = out[at - 3]!;
      const reg = (out[at - 1]! >> 3) & 7;
      out[at - 3] = 0x48 | ((rex & 4) >> 2);
      out[at - 2] = form === 'mov' ? 0xc7 : 0x81;
      out[at - 1] = 0xc0 | reg;
      v = S - tp;
      if (fits(ctx, v, I32_MIN, I32_MAX, sec, off, type, s)) view.setInt32(at, v, true);
      return 0;
    }
    case R.TLSGD: {
      // data16 lea x@tlsgd(%rip),%rdi; data16 data16 rex.W call __tls_get_addr (or call *GOTPCREL)
      // -> mov %fs:0,%rax; lea x@tpoff(%rax),%rax
      if (matchLargeTls(sec.data, off)) {
        // large model: lea x@tlsgd(%rip),%rdi; movabs $__tls_get_addr@pltoff,%rax; add %rbx,%rax; call *%rax
        out.set([0x64, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0, 0x48, 0x8d, 0x80, 0, 0, 0, 0, 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00], at - 3);
        v = ctx.addressOf(s) - tp;
        if (fits(ctx, v, I32_MIN, I32_MAX, sec, off, type, s)) view.setInt32(at - 3 + 12, v, true);
        return 1;
      }
      const start = at - 4;
      if (!matchTlsGd(sec.data, off)) {
        ctx.diags.error(`${place(sec, off)}: R_X86_64_TLSGD must be used in the general-dynamic code sequence (data16 lea; call __tls_get_addr)`);
        return 1;
      }
      out.set([0x64, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0, 0x48, 0x8d, 0x80], start);
      v = ctx.addressOf(s) - tp;
      if (fits(ctx, v, I32_MIN, I32_MAX, sec, off, type, s)) view.setInt32(start + 12, v, true);
      return 1;
    }
    case R.TLSLD: {
      // lea x@tlsld(%rip),%rdi; call __tls_get_addr -> data16 data16 data16 mov %fs:0,%rax
      if (matchLargeTls(sec.data, off)) {
        // large model: the 22-byte sequence becomes mov %fs:0,%rax and NOPs
        out.set([0x64, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0, 0x66, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0, 0x0f, 0x1f, 0x40, 0x00], at - 3);
        return 1;
      }
      const start = at - 3;
      const next = sec.data[off + 4];
      if (sec.data[off - 3] !== 0x48 || sec.data[off - 2] !== 0x8d || sec.data[off - 1] !== 0x3d || (next !== 0xe8 && next !== 0xff)) {
        ctx.diags.error(`${place(sec, off)}: R_X86_64_TLSLD must be used in the local-dynamic code sequence (lea; call __tls_get_addr)`);
        return 1;
      }
      out.set([0x66, 0x66, 0x66, 0x64, 0x48, 0x8b, 0x04, 0x25, 0, 0, 0, 0], start);
      if (next === 0xff) out[start + 12] = 0x90; // call *__tls_get_addr@GOTPCREL(%rip) is one byte longer
      return 1;
    }
    case R.GOTPC32_TLSDESC: {
      // lea x@tlsdesc(%rip),%reg -> mov $x@tpoff,%reg
      const rex = out[at - 3]!;
      const reg = (out[at - 1]! >> 3) & 7;
      if ((rex & 0xfb) !== 0x48 || out[at - 2] !== 0x8d) {
        ctx.diags.error(`${place(sec, off)}: R_X86_64_GOTPC32_TLSDESC must be on lea x@tlsdesc(%rip),%reg`);
        return 0;
      }
      out[at - 3] = 0x48 | ((rex & 4) >> 2);
      out[at - 2] = 0xc7;
      out[at - 1] = 0xc0 | reg;
      v = S - tp;
      if (fits(ctx, v, I32_MIN, I32_MAX, sec, off, type, s)) view.setInt32(at, v, true);
      return 0;
    }
    case R.TLSDESC_CALL:
      // call *x@tlsdesc(%rax) -> xchg %ax,%ax
      out[at] = 0x66;
      out[at + 1] = 0x90;
      return 0;
    default:
      // Reported by the scan.
      return 0;
  }
  return 0;
}

/** A section symbol of a merged section names its piece by the addend (as GNU ld): S moves, A becomes 0. */
function mergedPiece(s: Sym): boolean {
  return s.type === STT_SECTION && s.section !== null && s.section.mergeMap !== null && s.section.output !== null;
}

function pieceAddress(s: Sym, addend: number): number {
  const sec = s.section!;
  return sec.output!.addr + sec.offset + sec.mergeMap!(addend);
}

function deadTarget(s: Sym): boolean {
  return s.section !== null && (!s.section.live || s.section.output === null);
}

/** lea x@tlsgd/tlsld(%rip),%rdi; movabs $__tls_get_addr@PLTOFF,%rax; add %reg,%rax; call *%rax (-mcmodel=large). */
function matchLargeTls(d: Uint8Array, off: number): boolean {
  if (off < 3 || off + 19 > d.length) return false;
  return d[off - 3] === 0x48 && d[off - 2] === 0x8d && d[off - 1] === 0x3d && d[off + 4] === 0x48 && d[off + 5] === 0xb8
    && (d[off + 14] === 0x48 || d[off + 14] === 0x4c) && d[off + 15] === 0x01 && d[off + 17] === 0xff && d[off + 18] === 0xd0;
}

function matchTlsGd(d: Uint8Array, off: number): boolean {
  if (off < 4 || off + 12 > d.length) return false;
  if (d[off - 4] !== 0x66 || d[off - 3] !== 0x48 || d[off - 2] !== 0x8d || d[off - 1] !== 0x3d) return false;
  const a = d[off + 4];
  const b = d[off + 5];
  const c = d[off + 6];
  const e = d[off + 7];
  return (a === 0x66 && b === 0x66 && c === 0x48 && e === 0xe8) || (a === 0x66 && b === 0x48 && c === 0xff && e === 0x15);
}

/**
 * Relocations in non-allocated sections (debug info, .comment has none): absolute values only;
 * references into discarded sections get a tombstone (0, or -1 in .debug_loc/.debug_ranges as GNU ld).
 */
export function applyNonAllocRelocations(ctx: Context, sec: InputSection, out: Uint8Array, view: DataView, base: number): void {
  const rt = sec.rela;
  if (!rt) return;
  const f = sec.file;
  const tls = ctx.tls;
  const tombstone = sec.name === '.debug_loc' || sec.name === '.debug_ranges' ? -1 : 0;
  const r = { offset: 0, type: 0 };
  for (let i = 0; i < rt.count; i++) {
    const s = f.sym(rt.sym(i));
    r.type = rt.type(i);
    r.offset = rt.offset(i);
    if (!s || r.type === R.NONE) continue;
    const at = base + r.offset;
    const dead = s.section !== null && (!s.section.live || !s.section.output);
    const addend = rt.addend(i);
    const merged = mergedPiece(s);
    const S = merged ? pieceAddress(s, addend) : ctx.addressOf(s);
    const A = merged ? 0 : addend;
    switch (r.type) {
      case R['64']:
        put64(view, at, dead ? tombstone : S + A);
        break;
      case R['32']: {
        const v = dead ? tombstone >>> 0 : S + A;
        if (fits(ctx, v, 0, U32_MAX, sec, r.offset, r.type, s)) view.setUint32(at, v, true);
        break;
      }
      case R['32S']: {
        const v = dead ? tombstone : S + A;
        if (fits(ctx, v, I32_MIN, I32_MAX, sec, r.offset, r.type, s)) view.setInt32(at, v, true);
        break;
      }
      case R['16']:
        view.setUint16(at, (S + A) & 0xffff, true);
        break;
      case R['8']:
        out[at] = (S + A) & 0xff;
        break;
      case R.DTPOFF32:
        view.setInt32(at, tls ? S + A - tls.start : 0, true);
        break;
      case R.DTPOFF64:
        put64(view, at, tls ? S + A - tls.start : 0);
        break;
      case R.SIZE32:
        view.setUint32(at, s.size + A, true);
        break;
      case R.SIZE64:
        put64(view, at, s.size + A);
        break;
      case R.GOTOFF64:
        put64(view, at, S + A - (ctx.gotPlt?.addr ?? 0));
        break;
      case R.GOTPC64:
        break;
      case R.PC32: {
        const v = S + A - (sec.output!.addr + sec.offset + r.offset);
        if (fits(ctx, v, I32_MIN, I32_MAX, sec, r.offset, r.type, s)) view.setInt32(at, v, true);
        break;
      }
      default:
        ctx.diags.error(`${place(sec, r.offset)}: unsupported relocation ${relocTypeName(r.type)} in non-allocated section ${sec.name}`);
    }
  }
}
