// A Linux process's address space on the emulated MMU: real 4-level page tables in guest RAM (user pages,
// NX for non-executable mappings), a physical page allocator, VMAs with protections, and demand paging:
// a page fault inside a VMA with the right permission maps a fresh zeroed page and the instruction restarts.
import type { Cpu } from '../cpu.ts';

export const PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;

export interface Vma {
  start: number;
  end: number;
  prot: number;
  name: string;
}

const PAGE = 4096;
const TWO32 = 4294967296;

export class AddressSpace {
  readonly vmas: Vma[] = [];
  private nextFree: number;
  private readonly freePages: number[] = [];
  readonly pml4: number;
  /** Pages in use (for diagnostics). */
  used = 0;

  constructor(private readonly c: Cpu, firstPhys = 0x100000) {
    this.nextFree = firstPhys;
    this.pml4 = this.allocPage();
  }

  /** A zeroed physical page. */
  allocPage(): number {
    let pa = this.freePages.pop();
    if (pa !== undefined) {
      this.c.ram.fill(0, pa, pa + PAGE); // its decoded code died when it was unmapped (unmapPage)
    } else {
      if (this.nextFree + PAGE > this.c.ramSize) throw new OutOfMemory();
      pa = this.nextFree;
      this.nextFree += PAGE;
    }
    this.used++;
    return pa;
  }

  private entry(table: number, idx: number): [number, number] {
    const dv = this.c.dv;
    return [dv.getUint32(table + idx * 8, true), dv.getUint32(table + idx * 8 + 4, true)];
  }

  /** Physical address of the page-table entry for `va` (creating intermediate tables when `create`), or -1. */
  private pte(va: number, create: boolean): number {
    const dv = this.c.dv;
    let table = this.pml4;
    let div = 549755813888;
    for (let level = 4; level > 1; level--) {
      const idx = Math.floor(va / div) % 512;
      const [lo, hi] = this.entry(table, idx);
      if (!(lo & 1)) {
        if (!create) return -1;
        const t = this.allocPage();
        dv.setUint32(table + idx * 8, t | 7, true);
        dv.setUint32(table + idx * 8 + 4, 0, true);
        table = t;
      } else table = ((lo & 0xfffff000) >>> 0) + (hi & 0xfffff) * TWO32;
      div /= 512;
    }
    return table + (Math.floor(va / PAGE) % 512) * 8;
  }

  /** Physical page mapped at va, or -1. */
  lookup(va: number): number {
    const e = this.pte(va, false);
    if (e < 0) return -1;
    const lo = this.c.dv.getUint32(e, true);
    return lo & 1 ? (lo & 0xfffff000) >>> 0 : -1;
  }

  private setPte(e: number, pa: number, prot: number): void {
    const dv = this.c.dv;
    dv.setUint32(e, (pa | 1 | 4 | (prot & PROT_WRITE ? 2 : 0)) >>> 0, true);
    dv.setUint32(e + 4, prot & PROT_EXEC ? 0 : 0x80000000, true);
  }

  /** Map a fresh zeroed page at va (page-aligned) with prot; returns its physical address. */
  mapNew(va: number, prot: number): number {
    const e = this.pte(va, true);
    const lo = this.c.dv.getUint32(e, true);
    if (lo & 1) {
      const pa = (lo & 0xfffff000) >>> 0;
      this.setPte(e, pa, prot);
      return pa;
    }
    const pa = this.allocPage();
    this.setPte(e, pa, prot);
    return pa;
  }

  /** Unmap and free the page at `va`; returns whether it held decoded code. */
  private unmapPage(va: number): boolean {
    const e = this.pte(va, false);
    if (e < 0) return false;
    const lo = this.c.dv.getUint32(e, true);
    if (!(lo & 1)) return false;
    const pa = (lo & 0xfffff000) >>> 0;
    const code = this.c.code.pages[pa / PAGE] === 1;
    this.c.dv.setUint32(e, 0, true);
    this.c.dv.setUint32(e + 4, 0, true);
    this.freePages.push(pa);
    // Its decoded code dies now; only a page holding code is invalidated (that bumps the code cache's
    // epoch, which unlinks every block and stops compiled regions at other pages).
    this.c.code.invalidateRange(pa, PAGE);
    this.used--;
    return code;
  }

  findVma(va: number): Vma | undefined {
    for (const v of this.vmas) if (va >= v.start && va < v.end) return v;
    return undefined;
  }

  /** Add a VMA (replacing whatever overlapped it). */
  addVma(start: number, end: number, prot: number, name: string): void {
    this.removeRange(start, end, false);
    this.vmas.push({ start, end, prot, name });
    this.vmas.sort((a, b) => a.start - b.start);
  }

  /** Remove [start, end) from the VMAs; unmaps and frees its pages when `free`. */
  removeRange(start: number, end: number, free = true): void {
    const out: Vma[] = [];
    for (const v of this.vmas) {
      if (v.end <= start || v.start >= end) {
        out.push(v);
        continue;
      }
      if (v.start < start) out.push({ ...v, end: start });
      if (v.end > end) out.push({ ...v, start: end });
    }
    this.vmas.length = 0;
    this.vmas.push(...out);
    let code = false;
    if (free) for (let va = start; va < end; va += PAGE) code = this.unmapPage(va) || code;
    // Unmapping data leaves every code translation as it was: blocks stay linked, regions stay whole.
    this.c.mmu.flush(code);
  }

  /** mprotect: change protections of [start, end) (which must be mapped). */
  protect(start: number, end: number, prot: number): boolean {
    for (let va = start; va < end; va += PAGE) if (!this.findVma(va)) return false;
    const out: Vma[] = [];
    for (const v of this.vmas) {
      if (v.end <= start || v.start >= end) {
        out.push(v);
        continue;
      }
      if (v.start < start) out.push({ ...v, end: start });
      out.push({ ...v, start: Math.max(v.start, start), end: Math.min(v.end, end), prot });
      if (v.end > end) out.push({ ...v, start: end });
    }
    this.vmas.length = 0;
    this.vmas.push(...out);
    for (let va = start; va < end; va += PAGE) {
      const e = this.pte(va, false);
      if (e >= 0 && this.c.dv.getUint32(e, true) & 1) this.setPte(e, (this.c.dv.getUint32(e, true) & 0xfffff000) >>> 0, prot);
    }
    this.c.mmu.flush();
    return true;
  }

  /** A free range of `len` bytes, searching down from `below`. */
  findFree(len: number, below: number): number {
    let top = below;
    const sorted = [...this.vmas].sort((a, b) => b.start - a.start);
    for (const v of sorted) {
      if (v.start >= top) continue;
      if (v.end <= top - len) return top - len;
      top = Math.min(top, v.start);
    }
    return top - len;
  }

  /** Handle a page fault: map a page if the access is allowed by a VMA. */
  fault(la: number, write: boolean, exec: boolean): boolean {
    const v = this.findVma(la);
    if (!v) return false;
    if (write && !(v.prot & PROT_WRITE)) return false;
    if (exec && !(v.prot & PROT_EXEC)) return false;
    if (!write && !exec && !(v.prot & (PROT_READ | PROT_WRITE | PROT_EXEC))) return false;
    const va = la - (((la % PAGE) + PAGE) % PAGE);
    if (this.lookup(va) >= 0) return false; // present: a real protection violation
    this.mapNew(va, v.prot);
    return true;
  }

  /** Write bytes at va, mapping pages as needed (the loader; ignores protections). */
  poke(va: number, data: Uint8Array): void {
    let i = 0;
    while (i < data.length) {
      const a = va + i;
      const off = a % PAGE;
      const page = a - off;
      let pa = this.lookup(page);
      if (pa < 0) {
        const v = this.findVma(page);
        pa = this.mapNew(page, v ? v.prot : PROT_READ | PROT_WRITE);
      }
      const n = Math.min(PAGE - off, data.length - i);
      this.c.ram.set(data.subarray(i, i + n), pa + off);
      this.c.code.invalidateRange(pa + off, n);
      i += n;
    }
  }
}

export class OutOfMemory extends Error {
  constructor() {
    super('guest physical memory exhausted (use --memory to give the emulator more)');
  }
}
