/* The UKL kernel: shared declarations. Every global symbol is prefixed ukl_ so it never meets glibc's. */
#ifndef UKL_H
#define UKL_H

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long u64;
typedef long i64;
typedef int i32;
typedef unsigned long size_t;
#define NULL ((void *)0)
#define PAGE 4096UL
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((u64)(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((u64)(a) - 1))
#define NORETURN __attribute__((noreturn))

/* The frame the generic entries build (entry.S pushes it in reverse). */
struct ukl_regs {
	u64 r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8, rax, rcx, rdx, rsi, rdi;
	u64 orig_rax, rip, rflags, rsp;
};

struct ukl_exc_frame {
	u64 r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8, rax, rcx, rdx, rsi, rdi;
	u64 vector, error, rip, cs, rflags, rsp, ss;
};

/* Port I/O and CPU helpers. */
static inline void ukl_outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void ukl_outl(u16 port, u32 v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline u8 ukl_inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u64 ukl_rdtsc(void) { u32 lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return ((u64)hi << 32) | lo; }
static inline u64 ukl_rdmsr(u32 msr) { u32 lo, hi; __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr)); return ((u64)hi << 32) | lo; }
static inline void ukl_wrmsr(u32 msr, u64 v) { __asm__ volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32))); }
static inline void ukl_cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d) {
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}
static inline void ukl_pause(void) { __asm__ volatile("pause"); }

/* lib.c */
void *ukl_memcpy(void *d, const void *s, size_t n);
void *ukl_memset(void *d, int c, size_t n);
void *ukl_memmove(void *d, const void *s, size_t n);
int ukl_memcmp(const void *a, const void *b, size_t n);
size_t ukl_strlen(const char *s);
int ukl_strcmp(const char *a, const char *b);
int ukl_strncmp(const char *a, const char *b, size_t n);
/* console.c */
void ukl_uart_init(void);
void ukl_uart_putc(char c);
void ukl_uart_write(const char *s, size_t n);
void ukl_uart_flush(void);
int ukl_uart_ready(void);
int ukl_uart_getc(void);
void ukl_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* main.c */
extern char ukl_image_name[256];
extern u64 ukl_tid;
NORETURN void ukl_shutdown(int status);
NORETURN void ukl_panic(const char *msg);
/* mm.c */
void ukl_mm_init(u64 ram_top_hint);
u64 ukl_phys_alloc_early(u64 size);
u64 ukl_map_region(u64 size, u64 guard, int exec);
extern u64 ukl_ram_total, ukl_heap_start;
u64 ukl_mm_free_bytes(void);
int ukl_addr_mapped(u64 addr);
/* time.c */
void ukl_time_init(void);
u64 ukl_now_ns(void);
u64 ukl_wall_base_ns(void);
void ukl_delay_until_ns(u64 t);
/* random */
void ukl_random_fill(void *buf, size_t n);
/* signal.c */
void ukl_signal_deliver(struct ukl_regs *r);
NORETURN void ukl_die_by_signal(int sig);
void ukl_signal_fault(const struct ukl_exc_frame *x, int sig, int code, u64 addr);
extern int ukl_app_started;
extern u64 ukl_stack_guard;
/* trap.c */
const char *ukl_symbolize(u64 addr, u64 *off);
/* syscall.c */
long ukl_syscall_dispatch(struct ukl_regs *r);
extern const char *const ukl_syscall_names[];
extern const unsigned ukl_syscall_count;

/* Linux errno values. */
#define EPERM 1
#define ENOENT 2
#define ESRCH 3
#define EINTR 4
#define EIO 5
#define EBADF 9
#define ECHILD 10
#define EAGAIN 11
#define ENOMEM 12
#define EFAULT 14
#define EEXIST 17
#define ENODEV 19
#define ENOTDIR 20
#define EINVAL 22
#define ENOTTY 25
#define ESPIPE 29
#define ERANGE 34
#define ENOSYS 38
#define ETIMEDOUT 110

#endif
