/* Boot: from the PVH start info to glibc's _start.
 *
 * Kernel command line (QEMU -append): words are separated by blanks; "double quotes" group blanks
 * into one word. Before a `--` word, `ukl.NAME[=VALUE]` words are kernel options and `NAME=VALUE`
 * words become environment variables (as Linux hands unknown parameters to init); every other word,
 * and every word after `--`, is an argument: argv[1..]. argv[0] is the image's name. */
#include "ukl.h"

struct hvm_start_info {
	u32 magic, version, flags, nr_modules;
	u64 modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
	u32 memmap_entries, reserved;
};
struct hvm_memmap_entry { u64 addr, size; u32 type, reserved; };

/* Filled in by ukl-ld with the output file's name (src/image); "vmlinux" otherwise. */
char ukl_image_name[256] __attribute__((section(".data.ukl_image_name"))) = "vmlinux";
u64 ukl_tid = 1;

static char cmdline[4096];
#define MAX_ARGS 256
static char *argv_list[MAX_ARGS];
static int argc;
static char *env_list[MAX_ARGS];
static int envc;
static u32 hwcap;
static int has_nx;

extern void ukl_syscall_lstar(void);
extern NORETURN void ukl_enter_app(u64 rsp, u64 entry);
extern void _start(void);
extern char __ehdr_start[];
extern u64 ukl_exc_stubs[32];
extern u64 ukl_gdt[5];
void ukl_mm_add_ram(u64 start, u64 end);
void ukl_mm_init(u64 nx);

NORETURN void ukl_shutdown(int status) {
	ukl_uart_flush();
	/* QEMU's isa-debug-exit (iobase 0xf4): QEMU exits with (value << 1) | 1. */
	ukl_outl(0xf4, (u32)status & 0xff);
	/* Firecracker: the i8042 reset command stops the microVM. */
	ukl_outb(0x64, 0xfe);
	for (;;) __asm__ volatile("cli; hlt");
}

NORETURN void ukl_panic(const char *msg) {
	ukl_printf("ukl: panic: %s\n", msg);
	ukl_shutdown(127);
}

/* ---- CPU setup */
static u8 ist_stack[16384] __attribute__((aligned(16)));
static struct __attribute__((packed)) {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3, iomap_base;
} tss;
static struct { u16 off0, sel; u8 ist, type; u16 off1; u32 off2, zero; } idt[32];

static void cpu_init(void) {
	u32 a, b, c, d;
	/* TSS: IST1 for every exception. */
	tss.ist[0] = (u64)(ist_stack + sizeof ist_stack);
	tss.iomap_base = sizeof tss;
	u64 base = (u64)&tss, limit = sizeof tss - 1;
	ukl_gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89UL << 40) | (((limit >> 16) & 0xf) << 48) |
		     (((base >> 24) & 0xff) << 56);
	ukl_gdt[4] = base >> 32;
	__asm__ volatile("ltr %w0" : : "r"(0x18));
	for (int v = 0; v < 32; v++) {
		u64 h = ukl_exc_stubs[v];
		idt[v].off0 = h & 0xffff;
		idt[v].sel = 0x08;
		idt[v].ist = 1;
		idt[v].type = 0x8e;
		idt[v].off1 = (h >> 16) & 0xffff;
		idt[v].off2 = h >> 32;
	}
	struct __attribute__((packed)) { u16 limit; u64 base; } idtr = { sizeof idt - 1, (u64)idt };
	__asm__ volatile("lidt %0" : : "m"(idtr));

	/* Control registers: WP (read-only pages hold in ring 0), MP/NE, no EM; SSE with OSFXSR and
	 * OSXMMEXCPT; XSAVE with AVX state when the CPU has it, so glibc may pick AVX routines. */
	u64 cr0, cr4;
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	cr0 |= (1UL << 16) | (1UL << 5) | (1UL << 1);
	cr0 &= ~((1UL << 2) | (1UL << 3) | (1UL << 30) | (1UL << 29));
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0));
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	cr4 |= (1UL << 9) | (1UL << 10);
	ukl_cpuid(1, 0, &a, &b, &c, &d);
	hwcap = d;
	int xsave = (c >> 26) & 1, avx = (c >> 28) & 1;
	if (xsave) cr4 |= 1UL << 18;
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4));
	if (xsave) {
		u32 xa, xb, xc, xd;
		ukl_cpuid(0xd, 0, &xa, &xb, &xc, &xd);
		u64 xcr0 = 3 | (avx ? 4 : 0);
		xcr0 &= ((u64)xd << 32) | xa;
		__asm__ volatile("xsetbv" : : "c"(0), "a"((u32)xcr0), "d"((u32)(xcr0 >> 32)));
	}
	__asm__ volatile("fninit");
	u32 mxcsr = 0x1f80;
	__asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));

	/* NX if the CPU has it; SYSCALL into ukl_syscall_lstar with CS 0x08 / SS 0x10. */
	ukl_cpuid(0x80000000, 0, &a, &b, &c, &d);
	if (a >= 0x80000001) {
		ukl_cpuid(0x80000001, 0, &a, &b, &c, &d);
		has_nx = (d >> 20) & 1;
	}
	u64 efer = ukl_rdmsr(0xc0000080) | 1 | (has_nx ? 1UL << 11 : 0);
	ukl_wrmsr(0xc0000080, efer);
	ukl_wrmsr(0xc0000081, (0x08UL << 32));		/* STAR */
	ukl_wrmsr(0xc0000082, (u64)ukl_syscall_lstar);	/* LSTAR */
	ukl_wrmsr(0xc0000084, 0x47700);			/* FMASK: TF, IF, DF, AC, NT */
}

/* ---- command line */
static int starts(const char *s, const char *p) { return ukl_strncmp(s, p, ukl_strlen(p)) == 0; }

static void parse_cmdline(void) {
	char *p = cmdline;
	int after_dashes = 0;
	argv_list[argc++] = ukl_image_name;
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == '\n') p++;
		if (!*p) break;
		char *w = p, *o = p;
		int quoted = 0;
		while (*p && (quoted || (*p != ' ' && *p != '\t' && *p != '\n'))) {
			if (*p == '"') { quoted = !quoted; p++; continue; }
			*o++ = *p++;
		}
		if (*p) p++;
		*o = 0;
		if (!after_dashes && ukl_strcmp(w, "--") == 0) { after_dashes = 1; continue; }
		if (!after_dashes && starts(w, "ukl.")) {
			if (ukl_strcmp(w, "ukl.strace") == 0) { extern u8 ukl_strace; ukl_strace = 1; }
			continue;
		}
		int is_env = 0;
		if (!after_dashes && ((*w >= 'A' && *w <= 'Z') || (*w >= 'a' && *w <= 'z') || *w == '_')) {
			char *q = w;
			while ((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '_') q++;
			is_env = *q == '=';
		}
		if (is_env) { if (envc < MAX_ARGS - 1) env_list[envc++] = w; }
		else if (argc < MAX_ARGS - 1) argv_list[argc++] = w;
	}
}

/* ---- the initial process stack (x86-64 psABI 3.4.1) */
#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_BASE 7
#define AT_FLAGS 8
#define AT_ENTRY 9
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_PLATFORM 15
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_HWCAP2 26
#define AT_EXECFN 31

#define STACK_SIZE (8UL << 20)

static u64 build_stack(void) {
	u64 base = ukl_map_region(STACK_SIZE, PAGE, 0);
	if (!base) ukl_panic("no memory for the stack");
	ukl_stack_guard = base - PAGE;
	u64 sp = base + STACK_SIZE;
	char *strp = (char *)sp;
	u64 argp[MAX_ARGS], envp[MAX_ARGS];
#define PUSH_STR(s) ({ size_t n_ = ukl_strlen(s) + 1; strp -= n_; ukl_memcpy(strp, (s), n_); (u64)strp; })
	u64 execfn = PUSH_STR(ukl_image_name);
	for (int i = argc - 1; i >= 0; i--) argp[i] = PUSH_STR(argv_list[i]);
	for (int i = envc - 1; i >= 0; i--) envp[i] = PUSH_STR(env_list[i]);
	u64 platform = PUSH_STR("x86_64");
	strp -= 16;
	ukl_random_fill(strp, 16);
	u64 random = (u64)strp;
	u64 *s = (u64 *)ALIGN_DOWN((u64)strp, 16);
	const u8 *eh = (const u8 *)__ehdr_start;
	u64 aux[][2] = {
		{ AT_PHDR, (u64)eh + *(const u64 *)(eh + 32) },
		{ AT_PHENT, 56 },
		{ AT_PHNUM, *(const u16 *)(eh + 56) },
		{ AT_PAGESZ, PAGE },
		{ AT_BASE, 0 },
		{ AT_FLAGS, 0 },
		{ AT_ENTRY, *(const u64 *)(eh + 24) }, /* e_entry, as Linux gives */
		{ AT_UID, 0 }, { AT_EUID, 0 }, { AT_GID, 0 }, { AT_EGID, 0 },
		{ AT_PLATFORM, platform },
		{ AT_HWCAP, hwcap },
		{ AT_CLKTCK, 100 },
		{ AT_SECURE, 0 },
		{ AT_RANDOM, random },
		{ AT_HWCAP2, 0 },
		{ AT_EXECFN, execfn },
		{ AT_NULL, 0 },
	};
	u64 nwords = 1 + argc + 1 + envc + 1 + 2 * (sizeof aux / sizeof aux[0]);
	if (nwords & 1) s--;
	s -= nwords;
	u64 *w = s;
	*w++ = argc;
	for (int i = 0; i < argc; i++) *w++ = argp[i];
	*w++ = 0;
	for (int i = 0; i < envc; i++) *w++ = envp[i];
	*w++ = 0;
	for (unsigned i = 0; i < sizeof aux / sizeof aux[0]; i++) { *w++ = aux[i][0]; *w++ = aux[i][1]; }
	return (u64)s;
}

NORETURN void ukl_main(u32 start_info_paddr) {
	ukl_uart_init();
	const struct hvm_start_info *si = (const struct hvm_start_info *)(u64)start_info_paddr;
	if (si->magic != 0x336ec578) ukl_panic("no PVH start info (boot through the PVH entry)");
	if (si->cmdline_paddr) {
		const char *c = (const char *)si->cmdline_paddr;
		size_t n = 0;
		while (c[n] && n < sizeof cmdline - 1) { cmdline[n] = c[n]; n++; }
	}
	if (si->version >= 1 && si->memmap_paddr && si->memmap_entries) {
		const struct hvm_memmap_entry *m = (const struct hvm_memmap_entry *)si->memmap_paddr;
		for (u32 i = 0; i < si->memmap_entries; i++)
			if (m[i].type == 1) ukl_mm_add_ram(m[i].addr, m[i].addr + m[i].size);
	} else {
		ukl_panic("the PVH start info has no memory map (version 0)");
	}
	cpu_init();
	ukl_mm_init(has_nx);
	ukl_time_init();
	parse_cmdline();
	u64 sp = build_stack();
	ukl_app_started = 1;
	ukl_enter_app(sp, (u64)_start);
}
