/* A PVH image that reaches long mode (boot64.S) and exercises the machine's devices the way a small
   kernel does: COM1 output, the CMOS clock's status registers, the PIT channel 2 countdown gated
   through port 0x61, the local APIC timer (one-shot and periodic, through an IDT interrupt gate and
   hlt), a #DE delivered through the IDT and resumed, and the end of the run chosen by the command
   line: "reboot" resets through the i8042, anything else exits through isa-debug-exit with
   0x20 + the number of failed checks. Everything printed is the same on QEMU and ukl-run. */
#include <stdint.h>

struct start_info {
    uint32_t magic, version, flags, nr_modules;
    uint64_t modlist, cmdline, rsdp, memmap;
    uint32_t memmap_entries, reserved;
};

struct frame { uint64_t rip, cs, rflags, rsp, ss; };

static inline void outb(uint16_t p, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(p)); }
static inline void outl(uint16_t p, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(p)); }
static inline uint8_t inb(uint16_t p) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(p)); return v; }

#define APIC ((volatile uint32_t *)0xfee00000UL)
#define APIC_REG(off) APIC[(off) / 4]

static int failed;
static volatile int ticks;
static volatile int divide_errors;

static void putc(char c) {
    while (!(inb(0x3fd) & 0x20)) {}
    outb(0x3f8, (uint8_t)c);
}
static void puts(const char *s) { while (*s) putc(*s++); }
static void puthex(uint32_t v, int digits) {
    for (int i = digits - 1; i >= 0; i--) putc("0123456789abcdef"[(v >> (4 * i)) & 15]);
}
static void putdec(uint32_t v) {
    char b[12]; int n = 0;
    do { b[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n) putc(b[--n]);
}
static void check(int ok, const char *what) {
    puts(ok ? "ok   " : "FAIL ");
    puts(what);
    putc('\n');
    if (!ok) failed++;
}
static int streq(const char *a, const char *b) {
    while (*a && *a == *b) { a++; b++; }
    return *a == *b;
}

struct gate { uint16_t off0, sel; uint8_t ist, type; uint16_t off1; uint32_t off2, zero; };
static struct gate idt[256] __attribute__((aligned(16)));

static void set_gate(int v, void (*h)(struct frame *)) {
    uint64_t a = (uint64_t)h;
    idt[v] = (struct gate){ (uint16_t)a, 0x08, 0, 0x8e, (uint16_t)(a >> 16), (uint32_t)(a >> 32), 0 };
}

__attribute__((interrupt)) static void on_timer(struct frame *f) {
    (void)f;
    ticks++;
    APIC_REG(0xb0) = 0;
}

__attribute__((interrupt)) static void on_divide(struct frame *f) {
    divide_errors++;
    f->rip += 2; /* skip the 2-byte div */
}

static uint8_t cmos(uint8_t r) { outb(0x70, r); return inb(0x71); }

void main(struct start_info *si) {
    puts("long64: in long mode\n");
    check(si->magic == 0x336ec578, "start_info magic");
    const char *cmd = (const char *)(uintptr_t)si->cmdline;
    puts("long64: cmdline [");
    if (cmd) puts(cmd);
    puts("]\n");

    struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr = { sizeof idt - 1, (uint64_t)idt };
    set_gate(0, on_divide);
    set_gate(0x40, on_timer);
    __asm__ volatile("lidt %0" : : "m"(idtr));

    /* CMOS: register D says the clock is valid; B is BCD/24-hour after firmware; A is 0x26 once the
       update-in-progress bit is masked off. */
    check(cmos(0x0d) == 0x80, "cmos register D = 0x80");
    check((cmos(0x0a) & 0x7f) == 0x26, "cmos register A = 0x26");
    uint8_t month = cmos(0x08);
    check(month >= 1 && (month & 15) <= 9 && month <= 0x12, "cmos month is BCD 1..12");

    /* PIT channel 2, mode 0, 1193 ticks (1 ms), gated through port 0x61; wait for OUT2. */
    outb(0x61, (inb(0x61) & ~0x02) | 0x01);
    outb(0x43, 0xb0);
    outb(0x42, 1193 & 0xff);
    outb(0x42, 1193 >> 8);
    uint32_t spins = 0;
    while (!(inb(0x61) & 0x20) && spins < 100000000) spins++;
    check(inb(0x61) & 0x20, "pit channel 2 output rose");

    /* Local APIC. Firmware may have left the 8259 PICs unmasked with the PIT on IRQ 0 (SeaBIOS under
       QEMU does): mask them so only the APIC timer interrupts. */
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    check((APIC_REG(0x30) & 0xff) == 0x14, "apic version 0x14");
    APIC_REG(0xf0) = 0x1ff;          /* software enable, spurious vector 0xff */
    APIC_REG(0x3e0) = 0x3;           /* divide by 16 */
    APIC_REG(0x320) = 0x40;          /* one-shot, vector 0x40 */
    APIC_REG(0x380) = 10000;
    /* sti's one-instruction shadow covers the hlt, so the interrupt cannot slip in between the
       test of ticks and the hlt (which would then wait for an interrupt that never comes). */
    while (ticks < 1) __asm__ volatile("sti; hlt; cli");
    check(ticks == 1, "apic one-shot timer interrupt");
    check(APIC_REG(0x390) == 0, "apic current count 0 after one-shot");
    APIC_REG(0x320) = 0x20040;       /* periodic */
    APIC_REG(0x380) = 5000;
    while (ticks < 4) __asm__ volatile("sti; hlt; cli");
    APIC_REG(0x320) = 0x10040;       /* mask */
    check(ticks == 4, "apic periodic timer, 3 more interrupts");

    /* #DE through the IDT, resumed after the faulting div. */
    uint32_t zero = 0;
    __asm__ volatile("mov $1, %%eax; xor %%edx, %%edx; div %0" : : "c"(zero) : "eax", "edx");
    check(divide_errors == 1, "divide error delivered and resumed");

    if (cmd && streq(cmd, "reboot")) {
        puts("long64: reset through the i8042\n");
        while (inb(0x64) & 0x02) {}
        outb(0x64, 0xfe);
    }
    puts("long64: ");
    putdec((uint32_t)failed);
    puts(" failed, exit 0x");
    puthex(0x20 + failed, 2);
    putc('\n');
    outl(0xf4, 0x20 + failed);
}
