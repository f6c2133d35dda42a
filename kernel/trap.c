/* CPU exceptions: one line on the console, then the machine stops with status 128 + the signal Linux
 * would send for the fault (SIGFPE for #DE, SIGSEGV for #PF/#GP/#SS, SIGILL for #UD, ...). */
#include "ukl.h"

static const char *const names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow", "#BR bound range",
	"#UD invalid opcode", "#NM device not available", "#DF double fault", "coprocessor overrun",
	"#TS invalid TSS", "#NP segment not present", "#SS stack fault", "#GP general protection",
	"#PF page fault", "reserved", "#MF x87 error", "#AC alignment check", "#MC machine check",
	"#XM SIMD error", "#VE virtualization", "#CP control protection",
};
/* SIGFPE 8, SIGTRAP 5, SIGSEGV 11, SIGILL 4, SIGBUS 7; #DF and the rest are fatal to any kernel. */
static const u8 sigs[32] = { 8, 5, 0, 5, 11, 11, 4, 4, 0, 11, 11, 7, 7, 11, 11, 0, 8, 7, 0, 8, 0, 11 };

/* The image's function symbols, sorted by address (.ukl.ksyms, written by ukl-ld, which stores its
 * address here): u64 count, u64 names offset, then { u64 address; u32 name; u32 size } entries. */
u64 ukl_ksyms __attribute__((section(".data.ukl_image_name")));

const char *ukl_symbolize(u64 addr, u64 *off) {
	if (!ukl_ksyms) return NULL;
	const u64 *hdr = (const u64 *)ukl_ksyms;
	u64 n = hdr[0];
	const char *names = (const char *)ukl_ksyms + hdr[1];
	struct ent { u64 addr; u32 name, size; };
	const struct ent *e = (const struct ent *)(hdr + 2);
	long lo = 0, hi = (long)n - 1, best = -1;
	while (lo <= hi) {
		long mid = (lo + hi) / 2;
		if (e[mid].addr <= addr) { best = mid; lo = mid + 1; }
		else hi = mid - 1;
	}
	if (best < 0) return NULL;
	/* Past the function's end (a symbol with a size): no name rather than a wrong one. */
	if (e[best].size && addr >= e[best].addr + e[best].size) return NULL;
	*off = addr - e[best].addr;
	return names + e[best].name;
}

int ukl_app_started;
u64 ukl_stack_guard;

NORETURN void ukl_exception(struct ukl_exc_frame *f) {
	extern char ukl_kstack_bottom[], ukl_kstack_top[];
	unsigned v = (unsigned)f->vector;
	int sig0 = v < 32 ? sigs[v] : 0;
	/* A fault in the application (not on the kernel stack, after start-up) goes to its handler if it
	 * has one: SEGV_MAPERR 1 / SEGV_ACCERR 2, FPE_INTDIV 1, ILL_ILLOPN 2, BUS_ADRALN 1. */
	int in_kernel = !ukl_app_started || (f->rsp >= (u64)ukl_kstack_bottom && f->rsp <= (u64)ukl_kstack_top);
	if (sig0 && !in_kernel && v != 8) {
		u64 addr = f->rip;
		int code = 1;
		if (v == 14) { __asm__ volatile("mov %%cr2, %0" : "=r"(addr)); code = (f->error & 1) ? 2 : 1; }
		if (v == 13) addr = 0;
		if (v == 6) code = 2;
		ukl_signal_fault(f, sig0, code, addr);
	}
	u64 off = 0;
	const char *sym = ukl_symbolize(f->rip, &off);
	ukl_printf("ukl: %s (vector %u) error 0x%lx at rip 0x%lx", v < 32 && names[v] ? names[v] : "exception", v, f->error, f->rip);
	if (sym) ukl_printf(" <%s+0x%lx>", sym, off);
	if (v == 14) {
		u64 cr2;
		__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
		ukl_printf(" cr2 0x%lx", cr2);
		if (cr2 >= ukl_stack_guard && cr2 < ukl_stack_guard + PAGE) ukl_printf(" (stack overflow into the guard page)");
	}
	ukl_printf(" rsp 0x%lx\n", f->rsp);
	int sig = v < 32 ? sigs[v] : 0;
	ukl_shutdown(sig ? 128 + sig : 128 + 64 + (int)(v & 63));
}
