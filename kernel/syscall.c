/* The Linux system calls the kernel answers, and the dispatcher the generic entries call. */
#include "syscall.h"
#include "systab.h"

/* ---- dispatch */
/* ukl.strace: one line per call, after it returns: name(six arguments) = result. */
static void strace_line(const struct ukl_regs *r, long ret, int no_return) {
	u64 nr = r->orig_rax;
	const char *name = nr < ukl_syscall_count ? ukl_syscall_names[nr] : NULL;
	if (name) ukl_printf("%s(", name);
	else ukl_printf("syscall_%lu(", nr);
	ukl_printf("0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx, 0x%lx) = ", r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9);
	if (no_return) ukl_printf("?\n");
	else if (ret < 0 && ret > -4096) ukl_printf("-1 (errno %ld%s)\n", -ret, ret == -ENOSYS ? ", ENOSYS" : "");
	else ukl_printf("0x%lx\n", ret);
}

long ukl_syscall_dispatch(struct ukl_regs *r) {
	extern u8 ukl_strace;
	u64 nr = r->orig_rax;
	long ret;
	const struct ukl_systab_entry *e = nr < ukl_syscall_count ? &ukl_systab[nr] : NULL;
	if (ukl_strace && (nr == 60 || nr == 231)) strace_line(r, 0, 1);
	if (e && e->args) ret = e->args((long)r->rdi, (long)r->rsi, (long)r->rdx, (long)r->r10, (long)r->r8, (long)r->r9);
	else if (e && e->frame) ret = e->frame(r);
	else ret = -ENOSYS;
	r->rax = (u64)ret;
	if (ukl_strace) strace_line(r, ret, 0);
	ukl_signal_deliver(r);
	return ret;
}

/* ---- file descriptors: the console only */
#define NFD 64
#define FD_CONSOLE 1
static u8 fds[NFD] = { FD_CONSOLE, FD_CONSOLE, FD_CONSOLE };
static u8 fd_cloexec[NFD];

long ukl_fd_is_open(int fd) { return fd >= 0 && fd < NFD && fds[fd]; }
#define CHECK_FD(fd) do { if (!ukl_fd_is_open(fd)) return -EBADF; } while (0)

static long console_write(const char *buf, size_t n) {
	ukl_uart_write(buf, n);
	return (long)n;
}

/* A serial console in raw-ish mode: block for the first byte, then take what is there; CR reads as
 * NL (ICRNL). */
static long console_read(char *buf, size_t n) {
	if (n == 0) return 0;
	size_t got = 0;
	do {
		int c = ukl_uart_getc();
		if (c == '\r') c = '\n';
		buf[got++] = (char)c;
		if (c == '\n') break;
	} while (got < n && ukl_uart_ready());
	return (long)got;
}

struct iovec { void *base; size_t len; };

SYSCALL(read) { UNUSED_ARGS; CHECK_FD(a0); return console_read((char *)a1, (size_t)a2); }
SYSCALL(write) { UNUSED_ARGS; CHECK_FD(a0); return console_write((const char *)a1, (size_t)a2); }
SYSCALL(readv) {
	UNUSED_ARGS;
	CHECK_FD(a0);
	const struct iovec *v = (const struct iovec *)a1;
	for (long i = 0; i < a2; i++) if (v[i].len) return console_read(v[i].base, v[i].len);
	return 0;
}
SYSCALL(writev) {
	UNUSED_ARGS;
	CHECK_FD(a0);
	const struct iovec *v = (const struct iovec *)a1;
	long n = 0;
	for (long i = 0; i < a2; i++) n += console_write(v[i].base, v[i].len);
	return n;
}
SYSCALL(pread64) { UNUSED_ARGS; CHECK_FD(a0); return -ESPIPE; }
SYSCALL(pwrite64) { UNUSED_ARGS; CHECK_FD(a0); return -ESPIPE; }
SYSCALL(preadv) { UNUSED_ARGS; CHECK_FD(a0); return -ESPIPE; }
SYSCALL(pwritev) { UNUSED_ARGS; CHECK_FD(a0); return -ESPIPE; }
SYSCALL(lseek) { UNUSED_ARGS; CHECK_FD(a0); return -ESPIPE; }
SYSCALL(close) { UNUSED_ARGS; CHECK_FD(a0); fds[a0] = 0; fd_cloexec[a0] = 0; return 0; }

static long dup_from(int old, int min, int cloexec) {
	for (int fd = min; fd < NFD; fd++) {
		if (!fds[fd]) { fds[fd] = fds[old]; fd_cloexec[fd] = (u8)cloexec; return fd; }
	}
	return -24; /* EMFILE */
}
SYSCALL(dup) { UNUSED_ARGS; CHECK_FD(a0); return dup_from((int)a0, 0, 0); }
static long dup3_(long old, long new_, int cloexec) {
	CHECK_FD(old);
	if (new_ < 0 || new_ >= NFD) return -EBADF;
	fds[new_] = fds[old];
	fd_cloexec[new_] = (u8)cloexec;
	return new_;
}
SYSCALL(dup2) { UNUSED_ARGS; if (a0 == a1) { CHECK_FD(a0); return a1; } return dup3_(a0, a1, 0); }
SYSCALL(dup3) { UNUSED_ARGS; if (a0 == a1) return -EINVAL; return dup3_(a0, a1, (a2 & 02000000) != 0); }

#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_DUPFD_CLOEXEC 1030
SYSCALL(fcntl) {
	UNUSED_ARGS;
	CHECK_FD(a0);
	switch (a1) {
	case F_DUPFD: return dup_from((int)a0, (int)a2, 0);
	case F_DUPFD_CLOEXEC: return dup_from((int)a0, (int)a2, 1);
	case F_GETFD: return fd_cloexec[a0];
	case F_SETFD: fd_cloexec[a0] = a2 & 1; return 0;
	case F_GETFL: return 02; /* O_RDWR */
	case F_SETFL: return 0;
	default: return -EINVAL;
	}
}

/* struct stat of a serial console: a character device (4, 64), like /dev/ttyS0. */
struct kstat {
	u64 dev, ino, nlink;
	u32 mode, uid, gid, pad0;
	u64 rdev;
	i64 size, blksize, blocks;
	u64 atime, atime_ns, mtime, mtime_ns, ctime, ctime_ns;
	i64 unused[3];
};
static void console_stat(struct kstat *st) {
	ukl_memset(st, 0, sizeof *st);
	st->dev = 5;
	st->ino = 3;
	st->nlink = 1;
	st->mode = 0020620;
	st->gid = 5;
	st->rdev = (4 << 8) | 64;
	st->blksize = 1024;
}
SYSCALL(fstat) { UNUSED_ARGS; CHECK_FD(a0); console_stat((struct kstat *)a1); return 0; }
#define AT_EMPTY_PATH 0x1000
SYSCALL(newfstatat) {
	UNUSED_ARGS;
	const char *path = (const char *)a1;
	if ((a3 & AT_EMPTY_PATH) && path && !*path) { CHECK_FD(a0); console_stat((struct kstat *)a2); return 0; }
	return -ENOENT;
}
SYSCALL(stat) { UNUSED_ARGS; return -ENOENT; }
SYSCALL(lstat) { UNUSED_ARGS; return -ENOENT; }
struct statx_ts { i64 sec; u32 nsec; i32 pad; };
struct statx {
	u32 mask, blksize;
	u64 attributes;
	u32 nlink, uid, gid;
	u16 mode, pad1;
	u64 ino, size, blocks, attributes_mask;
	struct statx_ts atime, btime, ctime, mtime;
	u32 rdev_major, rdev_minor, dev_major, dev_minor;
	u64 spare[14];
};
SYSCALL(statx) {
	UNUSED_ARGS;
	const char *path = (const char *)a1;
	if (!((a2 & AT_EMPTY_PATH) && path && !*path)) return -ENOENT;
	CHECK_FD(a0);
	struct statx *s = (struct statx *)a4;
	ukl_memset(s, 0, sizeof *s);
	s->mask = 0x7ff;
	s->blksize = 1024;
	s->nlink = 1;
	s->gid = 5;
	s->mode = 0020620;
	s->ino = 3;
	s->rdev_major = 4;
	s->rdev_minor = 64;
	s->dev_minor = 5;
	return 0;
}
SYSCALL(open) { UNUSED_ARGS; return -ENOENT; }
SYSCALL(openat) { UNUSED_ARGS; return -ENOENT; }
SYSCALL(access) { UNUSED_ARGS; return -ENOENT; }
SYSCALL(faccessat) { UNUSED_ARGS; return -ENOENT; }
SYSCALL(faccessat2) { UNUSED_ARGS; return -ENOENT; }
SYSCALL(unlink) { UNUSED_ARGS; return -ENOENT; }
SYSCALL(mkdir) { UNUSED_ARGS; return -EPERM; }

#define TCGETS 0x5401
#define TCSETS 0x5402
#define TCSETSW 0x5403
#define TCSETSF 0x5404
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define TIOCGPGRP 0x540f
#define FIONREAD 0x541b
struct termios { u32 iflag, oflag, cflag, lflag; u8 line, cc[19]; };
static struct termios tty = {
	/* Linux's defaults for a serial port (tty_std_termios with 9600 baud). */
	.iflag = 0x500,		/* ICRNL | IXON */
	.oflag = 0x5,		/* OPOST | ONLCR */
	.cflag = 0xbd,		/* B9600 | CS8 | CREAD | HUPCL */
	.lflag = 0x8a3b,	/* ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN */
	.line = 0,
	.cc = { 3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0 },
};
SYSCALL(ioctl) {
	UNUSED_ARGS;
	CHECK_FD(a0);
	switch ((u32)a1) {
	case TCGETS: ukl_memcpy((void *)a2, &tty, sizeof tty); return 0;
	case TCSETS: case TCSETSW: case TCSETSF: ukl_memcpy(&tty, (void *)a2, sizeof tty); return 0;
	case TIOCGWINSZ: ukl_memset((void *)a2, 0, 8); return 0; /* a serial console has no size */
	case TIOCSWINSZ: return 0;
	case TIOCGPGRP: *(int *)a2 = 1; return 0;
	case FIONREAD: *(int *)a2 = ukl_uart_ready() ? 1 : 0; return 0;
	default: return -ENOTTY;
	}
}

/* ---- poll on the console */
struct pollfd { int fd; short events, revents; };
#define POLLIN 1
#define POLLOUT 4
#define POLLNVAL 0x20
static long do_poll(struct pollfd *p, u64 n, i64 timeout_ns) {
	u64 deadline = timeout_ns < 0 ? ~0UL : ukl_now_ns() + (u64)timeout_ns;
	for (;;) {
		long ready = 0;
		for (u64 i = 0; i < n; i++) {
			p[i].revents = 0;
			if (p[i].fd < 0) continue;
			if (!ukl_fd_is_open(p[i].fd)) p[i].revents = POLLNVAL;
			else {
				if ((p[i].events & POLLOUT)) p[i].revents |= POLLOUT;
				if ((p[i].events & POLLIN) && ukl_uart_ready()) p[i].revents |= POLLIN;
			}
			if (p[i].revents) ready++;
		}
		if (ready || ukl_now_ns() >= deadline) return ready;
		ukl_pause();
	}
}
SYSCALL(poll) { UNUSED_ARGS; return do_poll((struct pollfd *)a0, (u64)a1, a2 < 0 ? -1 : a2 * 1000000L); }
struct timespec { i64 sec, nsec; };
SYSCALL(ppoll) {
	UNUSED_ARGS;
	const struct timespec *t = (const struct timespec *)a2;
	return do_poll((struct pollfd *)a0, (u64)a1, t ? t->sec * 1000000000L + t->nsec : -1);
}

/* ---- process */
SYSCALL(exit) { UNUSED_ARGS; ukl_shutdown((int)a0 & 0xff); }
SYSCALL(exit_group) { UNUSED_ARGS; ukl_shutdown((int)a0 & 0xff); }
#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004
SYSCALL(arch_prctl) {
	UNUSED_ARGS;
	switch (a0) {
	case ARCH_SET_FS: ukl_wrmsr(0xc0000100, (u64)a1); return 0;
	case ARCH_GET_FS: *(u64 *)a1 = ukl_rdmsr(0xc0000100); return 0;
	case ARCH_SET_GS: ukl_wrmsr(0xc0000101, (u64)a1); return 0;
	case ARCH_GET_GS: *(u64 *)a1 = ukl_rdmsr(0xc0000101); return 0;
	default: return -EINVAL;
	}
}
SYSCALL(set_tid_address) { UNUSED_ARGS; return (long)ukl_tid; }
SYSCALL(set_robust_list) { UNUSED_ARGS; return 0; }
SYSCALL(rseq) { UNUSED_ARGS; return -ENOSYS; }
SYSCALL(getpid) { UNUSED_ARGS; return 1; }
SYSCALL(gettid) { UNUSED_ARGS; return (long)ukl_tid; }
SYSCALL(getppid) { UNUSED_ARGS; return 0; }
SYSCALL(getuid) { UNUSED_ARGS; return 0; }
SYSCALL(geteuid) { UNUSED_ARGS; return 0; }
SYSCALL(getgid) { UNUSED_ARGS; return 0; }
SYSCALL(getegid) { UNUSED_ARGS; return 0; }
SYSCALL(getpgrp) { UNUSED_ARGS; return 1; }
SYSCALL(getpgid) { UNUSED_ARGS; return 1; }
SYSCALL(getsid) { UNUSED_ARGS; return 1; }
SYSCALL(setsid) { UNUSED_ARGS; return -EPERM; }
SYSCALL(umask) { UNUSED_ARGS; return 022; }
SYSCALL(clone) { UNUSED_ARGS; return -EAGAIN; }
SYSCALL(clone3) { UNUSED_ARGS; return -ENOSYS; }
SYSCALL(fork) { UNUSED_ARGS; return -EAGAIN; }
SYSCALL(vfork) { UNUSED_ARGS; return -EAGAIN; }
SYSCALL(execve) { UNUSED_ARGS; return -ENOENT; }
SYSCALL(wait4) { UNUSED_ARGS; return -ECHILD; }

struct rlimit { u64 cur, max; };
#define RLIM_INFINITY (~0UL)
static void rlimit_of(int res, struct rlimit *r) {
	r->cur = r->max = RLIM_INFINITY;
	if (res == 3) { r->cur = 8UL << 20; }			/* RLIMIT_STACK */
	if (res == 7) { r->cur = r->max = 64; }			/* RLIMIT_NOFILE */
	if (res == 4) { r->cur = 0; }				/* RLIMIT_CORE */
}
SYSCALL(prlimit64) {
	UNUSED_ARGS;
	if (a0 != 0 && a0 != 1) return -ESRCH;
	if (a3) rlimit_of((int)a1, (struct rlimit *)a3);
	return 0;
}
SYSCALL(getrlimit) { UNUSED_ARGS; rlimit_of((int)a0, (struct rlimit *)a1); return 0; }
SYSCALL(setrlimit) { UNUSED_ARGS; return 0; }

struct utsname { char f[6][65]; };
static void put_field(char *dst, const char *s) { ukl_memset(dst, 0, 65); ukl_memcpy(dst, s, ukl_strlen(s)); }
SYSCALL(uname) {
	UNUSED_ARGS;
	struct utsname *u = (struct utsname *)a0;
	put_field(u->f[0], "Linux");
	put_field(u->f[1], "ukl");
	put_field(u->f[2], "6.1.0-ukl");
	put_field(u->f[3], "#1 ukl");
	put_field(u->f[4], "x86_64");
	put_field(u->f[5], "(none)");
	return 0;
}
struct sysinfo {
	i64 uptime;
	u64 loads[3], totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	u16 procs, pad;
	u64 totalhigh, freehigh;
	u32 mem_unit;
	char _f[0];
};
SYSCALL(sysinfo) {
	UNUSED_ARGS;
	struct sysinfo *s = (struct sysinfo *)a0;
	ukl_memset(s, 0, sizeof *s);
	s->uptime = (i64)(ukl_now_ns() / 1000000000UL);
	s->totalram = ukl_ram_total;
	s->freeram = ukl_mm_free_bytes();
	s->procs = 1;
	s->mem_unit = 1;
	return 0;
}
SYSCALL(getcwd) {
	UNUSED_ARGS;
	if ((u64)a1 < 2) return -ERANGE;
	((char *)a0)[0] = '/';
	((char *)a0)[1] = 0;
	return 2;
}
SYSCALL(chdir) { UNUSED_ARGS; return -ENOENT; }
SYSCALL(readlink) {
	UNUSED_ARGS;
	if (ukl_strcmp((const char *)a0, "/proc/self/exe") != 0) return -ENOENT;
	size_t n = ukl_strlen(ukl_image_name);
	char *b = (char *)a1;
	size_t i = 0;
	if ((size_t)a2 > 0) b[i++] = '/';
	for (size_t j = 0; j < n && i < (size_t)a2; j++) b[i++] = ukl_image_name[j];
	return (long)i;
}
SYSCALL(readlinkat) { UNUSED_ARGS; return ukl_sys_readlink(a1, a2, a3, 0, 0, 0); }

/* ---- time */
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_TAI 11
static long clock_ns(long clk, u64 *ns) {
	if (clk < 0 || clk > 11 || clk == 10) return -EINVAL;
	u64 t = ukl_now_ns();
	if (clk == CLOCK_REALTIME || clk == CLOCK_REALTIME_COARSE || clk == 8 || clk == CLOCK_TAI) t += ukl_wall_base_ns();
	*ns = t;
	return 0;
}
SYSCALL(clock_gettime) {
	UNUSED_ARGS;
	u64 ns;
	long e = clock_ns(a0, &ns);
	if (e) return e;
	struct timespec *t = (struct timespec *)a1;
	t->sec = (i64)(ns / 1000000000UL);
	t->nsec = (i64)(ns % 1000000000UL);
	return 0;
}
SYSCALL(clock_getres) {
	UNUSED_ARGS;
	u64 ns;
	long e = clock_ns(a0, &ns);
	if (e) return e;
	if (a1) { ((struct timespec *)a1)->sec = 0; ((struct timespec *)a1)->nsec = 1; }
	return 0;
}
struct timeval { i64 sec, usec; };
SYSCALL(gettimeofday) {
	UNUSED_ARGS;
	u64 ns = ukl_now_ns() + ukl_wall_base_ns();
	if (a0) { ((struct timeval *)a0)->sec = (i64)(ns / 1000000000UL); ((struct timeval *)a0)->usec = (i64)(ns % 1000000000UL / 1000); }
	if (a1) ukl_memset((void *)a1, 0, 8);
	return 0;
}
SYSCALL(time) {
	UNUSED_ARGS;
	i64 s = (i64)((ukl_now_ns() + ukl_wall_base_ns()) / 1000000000UL);
	if (a0) *(i64 *)a0 = s;
	return s;
}
static long sleep_ts(const struct timespec *t) {
	if (t->nsec < 0 || t->nsec >= 1000000000L || t->sec < 0) return -EINVAL;
	ukl_delay_until_ns(ukl_now_ns() + (u64)t->sec * 1000000000UL + (u64)t->nsec);
	return 0;
}
SYSCALL(nanosleep) { UNUSED_ARGS; return sleep_ts((const struct timespec *)a0); }
SYSCALL(clock_nanosleep) {
	UNUSED_ARGS;
	const struct timespec *t = (const struct timespec *)a2;
	if (a1 & 1) { /* TIMER_ABSTIME */
		u64 now;
		long e = clock_ns(a0, &now);
		if (e) return e;
		u64 target = (u64)t->sec * 1000000000UL + (u64)t->nsec;
		if (target > now) ukl_delay_until_ns(ukl_now_ns() + (target - now));
		return 0;
	}
	return sleep_ts(t);
}
SYSCALL(getrandom) { UNUSED_ARGS; ukl_random_fill((void *)a0, (size_t)a1); return a1; }
SYSCALL(sched_yield) { UNUSED_ARGS; return 0; }
SYSCALL(sched_getaffinity) {
	UNUSED_ARGS;
	if ((u64)a1 < 8) return -EINVAL;
	ukl_memset((void *)a2, 0, (size_t)a1);
	*(u8 *)a2 = 1;
	return 8;
}

/* futex for one thread: nobody else can change the word or wake us. */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
SYSCALL(futex) {
	UNUSED_ARGS;
	int op = (int)a1 & 0x7f;
	if (op == FUTEX_WAKE || op == FUTEX_WAKE_BITSET) return 0;
	if (op == FUTEX_WAIT || op == FUTEX_WAIT_BITSET) {
		if (*(volatile u32 *)a0 != (u32)a2) return -EAGAIN;
		if (a3) return -ETIMEDOUT;
		ukl_panic("futex wait with no other thread to wake it (deadlock)");
	}
	return -ENOSYS;
}
