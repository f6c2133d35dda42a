/* Memory: an identity map (virtual = physical) of the RAM the boot memory map reports above 1 MiB.
 * RAM is mapped with 2 MiB pages wherever a 2 MiB-aligned block lies wholly in RAM and outside the
 * image (as Linux maps its direct map with large pages); the image's blocks and partial blocks get
 * 4 KiB pages so permissions follow the image's segments (text read-only, rodata and data
 * non-executable) and page 0 (everything below 1 MiB) stays unmapped. A 2 MiB page is split into
 * 4 KiB pages when a protection change covers only part of it (the stack's guard page, mprotect,
 * mmap, brk). Free RAM is a sorted list of extents; brk grows upward from the end of the image, mmap
 * takes from the top. */
#include "syscall.h"

#define PTE_P 0x1UL
#define PTE_W 0x2UL
#define PTE_PS 0x80UL
#define PTE_NX (1UL << 63)
#define PTE_ADDR 0x000ffffffffff000UL
#define LARGE (1UL << 21)

extern char __ehdr_start[], _end[], etext[];

struct extent { u64 start, end; };
#define MAX_EXTENTS 512
static struct extent free_list[MAX_EXTENTS];
static int nfree;
static u64 *pml4;
static u64 nx_bit;
static int mm_ready;
u64 ukl_ram_total;
u64 ukl_heap_start;

struct ram { u64 start, end; };
static struct ram ram[64];
static int nram;
static u64 early_next;

void ukl_mm_add_ram(u64 start, u64 end) {
	if (end <= 0x100000) return;
	if (start < 0x100000) start = 0x100000;
	start = ALIGN_UP(start, PAGE);
	end = ALIGN_DOWN(end, PAGE);
	if (end <= start || nram == 64) return;
	ram[nram].start = start;
	ram[nram].end = end;
	nram++;
	ukl_ram_total += end - start;
}

static void free_range(u64 start, u64 end);

u64 ukl_phys_alloc_early(u64 size) {
	u64 p = early_next;
	early_next += ALIGN_UP(size, PAGE);
	ukl_memset((void *)p, 0, size);
	return p;
}

/* A zeroed page for a page table, after the image (only while the map is built: later tables are splits). */
static u64 table_page(void) {
	return mm_ready ? 0 : ukl_phys_alloc_early(PAGE);
}

/* Pages reserved at boot for splitting 2 MiB pages, one per 2 MiB page mapped: a split never fails, and
 * page tables stay below the heap, out of reach of mmap(MAP_FIXED) and munmap. */
static u64 split_next, split_end;

static inline void invlpg(u64 va) { __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory"); }

/* The page directory entry for va, creating the upper tables (NULL if out of memory). */
static u64 *pde_of(u64 va) {
	u64 *t = pml4;
	for (int level = 3; level > 1; level--) {
		u64 *e = &t[(va >> (12 + 9 * level)) & 511];
		if (!(*e & PTE_P)) {
			u64 p = table_page();
			if (!p) return NULL;
			*e = p | PTE_P | PTE_W;
		}
		t = (u64 *)(*e & PTE_ADDR);
	}
	return &t[(va >> 21) & 511];
}

/* A 2 MiB entry is PS with its identity address; one made PROT_NONE keeps PS with P clear (the CPU
 * ignores the other bits of a non-present entry), so it still counts as mapped memory. */
static int is_large(u64 pde) { return (pde & PTE_PS) != 0; }

/* Replace the 2 MiB page at *pde by a table of 512 4 KiB pages with the same permissions. */
static int split_large(u64 *pde, u64 va) {
	u64 base = va & ~(LARGE - 1);
	if (split_next == split_end) return 0;
	u64 p = split_next;
	split_next += PAGE;
	u64 *pt = (u64 *)p, flags = *pde & (PTE_P | PTE_W | PTE_NX);
	for (int i = 0; i < 512; i++) pt[i] = (base + i * PAGE) | flags;
	*pde = p | PTE_P | PTE_W;
	/* One invlpg anywhere in a large page drops all of its translations. */
	invlpg(base);
	return 1;
}

/* The 4 KiB entry for va, splitting a 2 MiB page that covers it. Without `create`, NULL where no page
 * table covers va (memory the kernel never mapped); with it, the tables are made. */
static u64 *pte_of(u64 va, int create) {
	u64 *t = pml4;
	for (int level = 3; level > 1; level--) {
		unsigned idx = (va >> (12 + 9 * level)) & 511;
		if (!(t[idx] & PTE_P)) {
			if (!create) return NULL;
			u64 p = table_page();
			if (!p) return NULL;
			t[idx] = p | PTE_P | PTE_W;
		}
		t = (u64 *)(t[idx] & PTE_ADDR);
	}
	u64 *pde = &t[(va >> 21) & 511];
	if (is_large(*pde)) {
		if (!split_large(pde, va)) return NULL;
	} else if (!(*pde & PTE_P)) {
		if (!create) return NULL;
		u64 p = table_page();
		if (!p) return NULL;
		*pde = p | PTE_P | PTE_W;
	}
	return &((u64 *)(*pde & PTE_ADDR))[(va >> 12) & 511];
}

/* Whether the kernel mapped va at some time (present or PROT_NONE), without splitting anything. */
static int covered(u64 va) {
	u64 *t = pml4;
	for (int level = 3; level > 0; level--) {
		u64 e = t[(va >> (12 + 9 * level)) & 511];
		if (level == 1 && is_large(e)) return 1;
		if (!(e & PTE_P)) return 0;
		t = (u64 *)(e & PTE_ADDR);
	}
	return 1;
}

/* Page permissions: up to etext (headers and code) read-only and executable; after it, the PT_LOAD
 * segment's flags, never executable (ukl-ld puts text and rodata in one segment, so the split is
 * etext, not the segments). */
struct phdr { u32 type, flags; u64 offset, vaddr, paddr, filesz, memsz, align; };

/* The flags of the image page at va (*found = 0: in no segment), and in *until the end of the run of
 * pages that have the same answer (the next segment or etext boundary), so callers ask once per run. */
static u64 image_flags(u64 va, u64 *found, u64 *until) {
	const u8 *eh = (const u8 *)__ehdr_start;
	u64 phoff = *(const u64 *)(eh + 32);
	u16 phnum = *(const u16 *)(eh + 56);
	const struct phdr *ph = (const struct phdr *)(eh + phoff);
	u64 flags = 0, text_end = ALIGN_UP((u64)etext, PAGE);
	*found = 0;
	*until = ~0UL;
	if (va >= (u64)__ehdr_start && va < text_end) { *found = 1; *until = text_end; return 0; }
	for (int i = 0; i < phnum; i++) {
		if (ph[i].type != 1) continue;
		u64 s = ALIGN_DOWN(ph[i].vaddr, PAGE), e = ALIGN_UP(ph[i].vaddr + ph[i].memsz, PAGE);
		if (va < s) { if (s < *until) *until = s; continue; }
		if (va >= e) continue;
		if (e < *until) *until = e;
		*found = 1;
		if (ph[i].flags & 2) flags |= PTE_W;
		flags |= nx_bit;
	}
	if (va < (u64)__ehdr_start && (u64)__ehdr_start < *until) *until = ALIGN_DOWN((u64)__ehdr_start, PAGE);
	return flags;
}

/* Whether [start, end) lies in one RAM range of the boot memory map. */
static int in_ram(u64 start, u64 end) {
	for (int i = 0; i < nram; i++) if (start >= ram[i].start && end <= ram[i].end) return 1;
	return 0;
}

void ukl_mm_init(u64 nx_supported) {
	nx_bit = nx_supported ? PTE_NX : 0;
	u64 img_start = ALIGN_DOWN((u64)__ehdr_start, PAGE);
	u64 img_end = ALIGN_UP((u64)_end, PAGE);
	early_next = img_end;
	pml4 = (u64 *)ukl_phys_alloc_early(PAGE);
	u64 nlarge = 0;
	/* 2 MiB pages where the block is all RAM and none of the image; else one table walk per 2 MiB and
	 * the segment lookup only for the image's pages (a per-page walk and lookup over 128 MiB of RAM
	 * were 5 of the hello image's 5.6 million boot instructions, 4 KiB pages 0.5 of the rest 0.7). */
	for (int i = 0; i < nram; i++) {
		for (u64 va = ram[i].start; va < ram[i].end;) {
			u64 stop = (va | (LARGE - 1)) + 1;
			if (!(va & (LARGE - 1)) && stop <= ram[i].end && (stop <= img_start || va >= img_end)) {
				u64 *pde = pde_of(va);
				*pde = va | PTE_P | PTE_W | PTE_PS | nx_bit;
				nlarge++;
				va = stop;
				continue;
			}
			u64 *pte = pte_of(va, 1);
			if (stop > ram[i].end) stop = ram[i].end;
			u64 f = 0, run_end = 0;
			for (; va < stop; va += PAGE, pte++) {
				if (va >= run_end) {
					/* The same flags up to run_end: the image's segments, or plain RAM around them. */
					u64 found = 0;
					if (va >= img_start && va < img_end) {
						u64 fl = image_flags(va, &found, &run_end);
						f = found ? fl : PTE_W | nx_bit;
						if (run_end > img_end) run_end = img_end;
					} else {
						f = PTE_W | nx_bit;
						run_end = va < img_start ? img_start : ~0UL;
					}
				}
				*pte = va | PTE_P | f;
			}
		}
	}
	/* Image pages outside the RAM map (should not happen) are mapped too. */
	if (!in_ram(img_start, img_end)) {
		for (u64 va = img_start; va < img_end; va += PAGE) {
			u64 *pte = pte_of(va, 1);
			if (!(*pte & PTE_P)) { u64 f, until; u64 fl = image_flags(va, &f, &until); *pte = va | PTE_P | fl; }
		}
	}
	/* The split pool (not zeroed: a split writes all 512 entries). */
	split_next = early_next;
	split_end = early_next + nlarge * PAGE;
	early_next = split_end;
	__asm__ volatile("mov %0, %%cr3" : : "r"((u64)pml4) : "memory");
	/* Everything after the page tables is free. */
	for (int i = 0; i < nram; i++) {
		u64 s = ram[i].start, e = ram[i].end;
		if (s < early_next && e > img_start) {
			if (s < img_start) free_range(s, img_start);
			if (e > early_next) free_range(early_next, e);
		} else {
			free_range(s, e);
		}
	}
	ukl_heap_start = early_next;
	mm_ready = 1;
}

static void free_range(u64 start, u64 end) {
	if (end <= start) return;
	int i = 0;
	while (i < nfree && free_list[i].start < start) i++;
	/* Merge with the previous and the next extent. */
	if (i > 0 && free_list[i - 1].end == start) {
		free_list[i - 1].end = end;
		if (i < nfree && free_list[i].start == end) {
			free_list[i - 1].end = free_list[i].end;
			for (int j = i; j < nfree - 1; j++) free_list[j] = free_list[j + 1];
			nfree--;
		}
		return;
	}
	if (i < nfree && free_list[i].start == end) { free_list[i].start = start; return; }
	if (nfree == MAX_EXTENTS) return; /* leak rather than fail */
	for (int j = nfree; j > i; j--) free_list[j] = free_list[j - 1];
	free_list[i].start = start;
	free_list[i].end = end;
	nfree++;
}

/* Take [start, end) out of the free list if all of it is free. */
static int take_range(u64 start, u64 end) {
	for (int i = 0; i < nfree; i++) {
		struct extent *x = &free_list[i];
		if (start < x->start || end > x->end) continue;
		u64 xs = x->start, xe = x->end;
		for (int j = i; j < nfree - 1; j++) free_list[j] = free_list[j + 1];
		nfree--;
		free_range(xs, start);
		free_range(end, xe);
		return 1;
	}
	return 0;
}

/* Highest free range of `size` bytes. */
static u64 alloc_top(u64 size) {
	for (int i = nfree - 1; i >= 0; i--) {
		if (free_list[i].end - free_list[i].start >= size) {
			u64 s = free_list[i].end - size;
			take_range(s, s + size);
			return s;
		}
	}
	return 0;
}

u64 ukl_mm_free_bytes(void) {
	u64 n = 0;
	for (int i = 0; i < nfree; i++) n += free_list[i].end - free_list[i].start;
	return n;
}

/* Protection `prot` (PROT_READ 1, PROT_WRITE 2, PROT_EXEC 4; 0 = not present) on [start, end): whole
 * 2 MiB pages in one entry, else 4 KiB entries (splitting a 2 MiB page the range covers in part).
 * Memory the kernel never mapped is skipped. */
static void set_prot(u64 start, u64 end, int prot) {
	u64 f = (prot ? PTE_P : 0) | (prot & 2 ? PTE_W : 0) | (prot & 4 ? 0 : nx_bit);
	for (u64 va = start; va < end;) {
		u64 stop = (va | (LARGE - 1)) + 1;
		if (stop > end) stop = end;
		if (!covered(va)) { va = stop; continue; }
		u64 *pde = pde_of(va);
		/* A 2 MiB page that already has these permissions needs no split (brk and mmap of fresh RAM). */
		if (is_large(*pde) && (*pde & (PTE_P | PTE_W | PTE_NX)) == f) { va = stop; continue; }
		if (is_large(*pde) && !(va & (LARGE - 1)) && stop - va == LARGE) {
			*pde = va | PTE_PS | f;
			invlpg(va);
			va = stop;
			continue;
		}
		/* One table for the whole block: walk it once. */
		u64 *pte = pte_of(va, 0);
		if (!pte) { va = stop; continue; }
		for (; va < stop; va += PAGE, pte++) { *pte = va | f; invlpg(va); }
	}
}

int ukl_addr_mapped(u64 addr) {
	u64 *t = pml4;
	for (int level = 3; level > 0; level--) {
		u64 e = t[(addr >> (12 + 9 * level)) & 511];
		if (!(e & PTE_P)) return 0;
		if (level == 1 && is_large(e)) return 1;
		t = (u64 *)(e & PTE_ADDR);
	}
	return (t[(addr >> 12) & 511] & PTE_P) != 0;
}

/* A region with `guard` unmapped bytes below it (for the stack); returns its start. */
u64 ukl_map_region(u64 size, u64 guard, int exec) {
	u64 p = alloc_top(size + guard);
	if (!p) return 0;
	set_prot(p, p + guard, 0);
	set_prot(p + guard, p + guard + size, exec ? 7 : 3);
	return p + guard;
}

/* ---- brk */
static u64 brk_cur;

SYSCALL(brk) {
	(void)a1; (void)a2; (void)a3; (void)a4; (void)a5;
	u64 want = (u64)a0;
	if (!brk_cur) brk_cur = ukl_heap_start;
	if (want == 0 || want < ukl_heap_start) return (long)brk_cur;
	u64 old_top = ALIGN_UP(brk_cur, PAGE), new_top = ALIGN_UP(want, PAGE);
	if (new_top > old_top) {
		if (!take_range(old_top, new_top)) return (long)brk_cur;
		ukl_memset((void *)old_top, 0, new_top - old_top);
		set_prot(old_top, new_top, 3);
	} else if (new_top < old_top) {
		free_range(new_top, old_top);
	}
	brk_cur = want;
	return (long)brk_cur;
}

/* ---- mmap family (anonymous memory only) */
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_FIXED_NOREPLACE 0x100000
#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2

long ukl_fd_is_open(int fd);

SYSCALL(mmap) {
	u64 addr = (u64)a0, len = (u64)a1;
	int prot = (int)a2, flags = (int)a3, fd = (int)a4;
	(void)a5;
	if (len == 0) return -EINVAL;
	if (!(flags & MAP_ANONYMOUS)) return ukl_fd_is_open(fd) ? -ENODEV : -EBADF;
	len = ALIGN_UP(len, PAGE);
	u64 p;
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (addr & (PAGE - 1)) return -EINVAL;
		if (take_range(addr, addr + len)) p = addr;
		else if (flags & MAP_FIXED_NOREPLACE) return -EEXIST;
		else {
			/* MAP_FIXED over memory the application already has: only within what is mapped. */
			for (u64 va = addr; va < addr + len; va += PAGE) {
				if (!covered(va) || va < ukl_heap_start) return -ENOMEM;
			}
			p = addr;
		}
	} else {
		p = alloc_top(len);
		if (!p) return -ENOMEM;
	}
	set_prot(p, p + len, 3);
	ukl_memset((void *)p, 0, len);
	set_prot(p, p + len, prot);
	return (long)p;
}

SYSCALL(munmap) {
	(void)a2; (void)a3; (void)a4; (void)a5;
	u64 addr = (u64)a0, len = ALIGN_UP((u64)a1, PAGE);
	if (addr & (PAGE - 1) || len == 0) return -EINVAL;
	if (addr < ukl_heap_start) return 0;
	set_prot(addr, addr + len, 3);
	free_range(addr, addr + len);
	return 0;
}

SYSCALL(mprotect) {
	(void)a3; (void)a4; (void)a5;
	u64 addr = (u64)a0, len = ALIGN_UP((u64)a1, PAGE);
	if (addr & (PAGE - 1)) return -EINVAL;
	for (u64 va = addr; va < addr + len; va += PAGE) if (!covered(va)) return -ENOMEM;
	set_prot(addr, addr + len, (int)a2);
	return 0;
}

SYSCALL(mremap) {
	(void)a4; (void)a5;
	u64 old = (u64)a0, olen = ALIGN_UP((u64)a1, PAGE), nlen = ALIGN_UP((u64)a2, PAGE);
	int flags = (int)a3;
	if (old & (PAGE - 1) || nlen == 0) return -EINVAL;
	if (flags & MREMAP_FIXED) return -EINVAL;
	if (nlen <= olen) {
		if (nlen < olen) free_range(old + nlen, old + olen);
		return (long)old;
	}
	if (take_range(old + olen, old + nlen)) {
		set_prot(old + olen, old + nlen, 3);
		ukl_memset((void *)(old + olen), 0, nlen - olen);
		return (long)old;
	}
	if (!(flags & MREMAP_MAYMOVE)) return -ENOMEM;
	u64 p = alloc_top(nlen);
	if (!p) return -ENOMEM;
	set_prot(p, p + nlen, 3);
	ukl_memcpy((void *)p, (void *)old, olen);
	ukl_memset((void *)(p + olen), 0, nlen - olen);
	free_range(old, old + olen);
	return (long)p;
}

#define MADV_DONTNEED 4
SYSCALL(madvise) {
	(void)a3; (void)a4; (void)a5;
	u64 addr = (u64)a0, len = ALIGN_UP((u64)a1, PAGE);
	if (addr & (PAGE - 1)) return -EINVAL;
	/* Anonymous private memory reads back as zeros after MADV_DONTNEED. */
	if (a2 == MADV_DONTNEED && addr >= ukl_heap_start) ukl_memset((void *)addr, 0, len);
	return 0;
}
