// Linear → physical translation: IA-32e 4-level paging (4 KiB, 2 MiB and 1 GiB pages) with the present,
// write, user and NX checks, accessed/dirty bits, page faults with the architectural error code and CR2,
// and a direct-mapped software TLB. With paging off, linear = physical.
import type { Cpu } from './cpu.ts';
import { Fault, GP } from './types.ts';

const TLB_SIZE = 4096;
const TWO32 = 4294967296;
const TWO48 = 281474976710656;
const LIMIT47 = 140737488355328;
/** Physical pages the fast tags may name (int32 offsets into RAM). */
const FAST_LIMIT = 2147483648;

/** Permission bits in the TLB: read/write/execute for user (CPL 3) and supervisor accesses. */
const U_R = 1, U_W = 2, S_R = 4, S_W = 8, U_X = 16, S_X = 32;

export const ACC_READ = 0, ACC_WRITE = 1, ACC_EXEC = 2;

export class Mmu {
  private readonly tag = new Float64Array(TLB_SIZE).fill(NaN);
  /** Physical page of each TLB entry. */
  readonly phys = new Float64Array(TLB_SIZE);
  private readonly perm = new Uint8Array(TLB_SIZE);
  /** The fast tags that translated blocks test, on int32 halves of the linear address: an entry that the
   * current privilege may read and that is RAM below 2 GiB has readLo = bits 12-31 of the address and
   * readHi = bits 32-63 (else readLo = -1, which no address matches); writeLo/writeHi the same for writes
   * to pages that hold no decoded code; frame = the physical page. */
  readonly readLo = new Int32Array(TLB_SIZE).fill(-1);
  readonly readHi = new Int32Array(TLB_SIZE);
  readonly writeLo = new Int32Array(TLB_SIZE).fill(-1);
  readonly writeHi = new Int32Array(TLB_SIZE);
  readonly frame = new Int32Array(TLB_SIZE);
  /** The privilege the read/write tags were filled for (user or not). */
  private tagsUser = false;
  /** Paging enabled (CR0.PG). */
  paging = false;
  /** Needed permission bit per access kind for the current privilege. */
  private need = new Uint8Array([S_R, S_W, S_X]);
  private forceSupervisor = 0;
  /** Linear range covered by TLB entries filled from 2 MiB / 1 GiB pages: an invlpg inside it drops every
   * translation (the whole large page must go, and the TLB keeps only its 4 KiB pieces), as QEMU does. */
  private largeLo = Infinity;
  private largeHi = -Infinity;

  constructor(private readonly c: Cpu) {}

  /** Drop every translation (CR3/CR4/CR0 writes, EFER changes). `code` false: the caller knows that no
   * page holding decoded code changed its mapping (a user-mode runner unmapping data), so the code cache's
   * links and compiled regions stay valid. */
  flush(code = true): void {
    this.tag.fill(NaN);
    this.readLo.fill(-1);
    this.writeLo.fill(-1);
    this.largeLo = Infinity;
    this.largeHi = -Infinity;
    this.paging = (this.c.cr0 & 0x80000000) !== 0;
    if (code) this.c.code.resetFetch();
  }

  /** invlpg. */
  invalidate(la: number): void {
    if (la >= this.largeLo && la < this.largeHi) {
      this.flush();
      return;
    }
    const vpn = Math.floor(la / 4096);
    const i = vpn & (TLB_SIZE - 1);
    if (this.tag[i] === vpn) {
      this.tag[i] = NaN;
      this.readLo[i] = this.writeLo[i] = -1;
    }
    this.c.code.resetFetch();
  }

  /** Recompute the permission bits to check after a CPL change. */
  updateMasks(): void {
    const user = this.c.cpl === 3 && !this.forceSupervisor;
    this.need[0] = user ? U_R : S_R;
    this.need[1] = user ? U_W : S_W;
    this.need[2] = user ? U_X : S_X;
    if (user !== this.tagsUser) {
      this.tagsUser = user;
      this.refreshTags();
    }
    this.paging = (this.c.cr0 & 0x80000000) !== 0;
    this.c.code.resetFetch();
  }

  /** Run `f` with supervisor privilege for memory checks (descriptor tables, TSS, interrupt frames). */
  supervisor<T>(f: () => T): T {
    this.forceSupervisor++;
    this.updateMasks();
    try {
      return f();
    } finally {
      this.forceSupervisor--;
      this.updateMasks();
    }
  }

  /** Translate linear `la` for access kind `acc` (ACC_*), faulting as the hardware would. */
  tr(la: number, acc: number): number {
    if (!this.paging) return la;
    const vpn = Math.floor(la / 4096);
    const i = vpn & (TLB_SIZE - 1);
    if (this.tag[i] === vpn && this.perm[i] & this.need[acc]) return this.phys[i] + (la & 4095);
    return this.walk(la, acc, vpn, i);
  }

  /** Recompute the read/write tags from the TLB for the current privilege and code pages. */
  refreshTags(): void {
    for (let i = 0; i < TLB_SIZE; i++) this.setFastTags(i);
  }

  /** The fast tags of TLB entry i from its translation, permissions and the code pages. */
  private setFastTags(i: number): void {
    const c = this.c;
    const vpn = this.tag[i];
    const base = this.phys[i];
    const p = this.perm[i];
    this.readLo[i] = this.writeLo[i] = -1;
    if (vpn !== vpn || base + 4096 > c.ramSize || base + 4096 > FAST_LIMIT) return;
    const hi = Math.floor(vpn / 1048576);
    const lo = vpn - hi * 1048576;
    this.frame[i] = base;
    if (p & this.need[ACC_READ]) {
      this.readLo[i] = lo;
      this.readHi[i] = hi | 0;
    }
    if (p & this.need[ACC_WRITE] && !c.code.pages[base / 4096]) {
      this.writeLo[i] = lo;
      this.writeHi[i] = hi | 0;
    }
  }

  /** Physical page `ppn` no longer holds decoded code: writes to it may take the fast path again. */
  allowWrite(ppn: number): void {
    const base = ppn * 4096;
    for (let i = 0; i < TLB_SIZE; i++) if (this.phys[i] === base) this.setFastTags(i);
  }

  /** Physical page `ppn` now holds decoded code: writes to it must take the CPU's write path. */
  dropWrite(ppn: number): void {
    const base = ppn * 4096;
    const phys = this.phys, wl = this.writeLo;
    for (let i = 0; i < TLB_SIZE; i++) if (phys[i] === base) wl[i] = -1;
  }

  /** Translate without faulting or side effects: physical address or -1 (for debuggers and diagnoses). */
  probe(la: number): number {
    if (!this.paging) return la;
    try {
      const c = this.c;
      const saved = c.cr2;
      const r = this.walkRaw(la, ACC_READ, false);
      c.cr2 = saved;
      return r < 0 ? -1 : r;
    } catch {
      return -1;
    }
  }

  private walk(la: number, acc: number, vpn: number, i: number): number {
    const pa = this.walkRaw(la, acc, true);
    return pa;
  }

  private walkRaw(la: number, acc: number, fill: boolean): number {
    const c = this.c;
    if (la < -LIMIT47 || la >= LIMIT47) throw new Fault(GP, 0);
    if (!(c.efer & 0x400)) {
      // Paging without long mode (legacy 32-bit/PAE): not modelled.
      throw new Fault(GP, 0);
    }
    const u = la < 0 ? la + TWO48 : la;
    const user = c.cpl === 3 && !this.forceSupervisor;
    const nxe = (c.efer & 0x800) !== 0;
    const dv = c.dv;
    const ramSize = c.ramSize;
    let table = c.cr3 - (c.cr3 % 4096);
    let uOk = 1, wOk = 1, nx = 0;
    let div = 549755813888; // 2^39
    let pageBase = 0;
    let pageSize = 0;
    let entryAddr = 0;
    let elo = 0;
    const errBase = (acc === 1 ? 2 : 0) | (user ? 4 : 0) | (acc === 2 && nxe ? 16 : 0);
    for (let level = 4; level >= 1; level--) {
      const idx = Math.floor(u / div) % 512;
      entryAddr = table + idx * 8;
      if (entryAddr + 8 > ramSize) c.pageFault(la, errBase | 8);
      elo = dv.getUint32(entryAddr, true);
      const ehi = dv.getUint32(entryAddr + 4, true);
      if (!(elo & 1)) c.pageFault(la, errBase);
      if (ehi & 0x80000000 && !nxe) c.pageFault(la, errBase | 1 | 8);
      uOk &= (elo >>> 2) & 1;
      wOk &= (elo >>> 1) & 1;
      nx |= ehi >>> 31;
      if (!(elo & 0x20) && fill) dv.setUint32(entryAddr, elo | 0x20, true);
      const frame = (elo & 0xfffff000) >>> 0;
      const next = frame + (ehi & 0xfffff) * TWO32;
      if (level === 1 || ((level === 2 || level === 3) && elo & 0x80)) {
        pageSize = level === 1 ? 4096 : level === 2 ? 2097152 : 1073741824;
        const big = next - (next % pageSize);
        pageBase = big + (Math.floor((u % pageSize) / 4096) * 4096);
        break;
      }
      table = next;
      div /= 512;
    }
    // Permission checks.
    const wp = (c.cr0 & 0x10000) !== 0;
    const ok = acc === 1 ? (user ? uOk && wOk : wOk || !wp) && (!user || uOk) : acc === 2 ? !(nx && nxe) && (!user || uOk) : !user || uOk;
    if (!ok) c.pageFault(la, errBase | 1);
    let dirty = (elo & 0x40) !== 0;
    if (acc === 1 && !dirty && fill) {
      dv.setUint32(entryAddr, dv.getUint32(entryAddr, true) | 0x60, true);
      dirty = true;
    }
    if (fill) {
      const vpn = Math.floor(la / 4096);
      const i = vpn & (TLB_SIZE - 1);
      let p = S_R | (uOk ? U_R : 0);
      if (dirty) p |= (wOk || !wp ? S_W : 0) | (uOk && wOk ? U_W : 0);
      if (!(nx && nxe)) p |= S_X | (uOk ? U_X : 0);
      this.tag[i] = vpn;
      this.phys[i] = pageBase;
      this.perm[i] = p;
      this.setFastTags(i);
      if (pageSize > 4096) {
        const lo = la - (u % pageSize);
        if (lo < this.largeLo) this.largeLo = lo;
        if (lo + pageSize > this.largeHi) this.largeHi = lo + pageSize;
      }
    }
    return pageBase + (la & 4095);
  }
}
