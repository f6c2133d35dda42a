/* Signals for one thread: kill/tgkill/tkill of itself make a signal pending; it is delivered when the
 * system call that made it deliverable returns (every generic entry ends in ukl_signal_deliver). A
 * handler runs on a Linux-layout rt_sigframe and comes back through rt_sigreturn (glibc's
 * __restore_rt keeps its `syscall`, which enters through LSTAR). Default actions are Linux's; a
 * fatal signal ends the machine with status 128 + signal, as a shell reports it. */
#include "syscall.h"

#define NSIG 64
#define SIGKILL 9
#define SIGSTOP 19
#define SA_SIGINFO 0x4
#define SA_ONSTACK 0x08000000
#define SA_RESTORER 0x04000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000UL
#define SIG_DFL 0
#define SIG_IGN 1
#define BIT(s) (1UL << ((s) - 1))
#define UNBLOCKABLE (BIT(SIGKILL) | BIT(SIGSTOP))

struct ksigaction { u64 handler, flags, restorer, mask; };
static struct ksigaction actions[NSIG + 1];
static u64 blocked, pending;
static struct ksiginfo_raw { u8 b[128]; } pending_info[NSIG + 1];
/* rt_sigsuspend: the mask the next signal frame saves, instead of the current one. */
static u64 frame_mask;
static int frame_mask_set;
static struct { u64 sp; i32 flags, pad; u64 size; } altstack = { 0, 2 /* SS_DISABLE */, 0, 0 };

struct sigcontext {
	u64 r8, r9, r10, r11, r12, r13, r14, r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	u16 cs, gs, fs, ss;
	u64 err, trapno, oldmask, cr2, fpstate, reserved1[8];
};
struct kucontext {
	u64 flags, link;
	struct { u64 sp; i32 flags, pad; u64 size; } stack;
	struct sigcontext mc;
	u64 sigmask;
};
struct ksiginfo { i32 signo, err, code, pad; i32 pid; u32 uid; u8 rest[104]; };
struct rt_sigframe { u64 pretcode; struct kucontext uc; struct ksiginfo info; };

NORETURN void ukl_die_by_signal(int sig) { ukl_shutdown(128 + sig); }

static int default_ignores(int sig) {
	/* SIGCHLD, SIGCONT, SIGURG, SIGWINCH; the stop signals too (there is nobody to continue us). */
	return sig == 17 || sig == 18 || sig == 23 || sig == 28 || sig == 19 || sig == 20 || sig == 21 || sig == 22;
}

void ukl_signal_deliver(struct ukl_regs *r) {
	while (pending & ~blocked) {
		int sig = __builtin_ctzl(pending & ~blocked) + 1;
		pending &= ~BIT(sig);
		struct ksigaction *a = &actions[sig];
		if (a->handler == SIG_IGN) continue;
		if (a->handler == SIG_DFL) {
			if (default_ignores(sig)) continue;
			ukl_die_by_signal(sig);
		}
		u64 sp = r->rsp - 128; /* the red zone */
		int on_alt = 0;
		if ((a->flags & SA_ONSTACK) && !(altstack.flags & 2) &&
		    !(r->rsp > altstack.sp && r->rsp <= altstack.sp + altstack.size)) {
			sp = altstack.sp + altstack.size;
			on_alt = 1;
		}
		sp = ALIGN_DOWN(sp - 512, 64);
		u64 fpstate = sp;
		if (!ukl_addr_mapped(fpstate) || !ukl_addr_mapped(fpstate + 511)) ukl_die_by_signal(11);
		__asm__ volatile("fxsave64 (%0)" : : "r"(fpstate) : "memory");
		sp = ALIGN_DOWN(sp - sizeof(struct rt_sigframe), 16) - 8;
		/* No room for the frame (a stack overflow into the guard page): Linux kills with SIGSEGV. */
		if (!ukl_addr_mapped(sp) || !ukl_addr_mapped(fpstate) || !ukl_addr_mapped(fpstate + 511)) ukl_die_by_signal(11);
		struct rt_sigframe *f = (struct rt_sigframe *)sp;
		ukl_memset(f, 0, sizeof *f);
		f->pretcode = a->restorer;
		f->uc.stack.sp = altstack.sp;
		f->uc.stack.flags = on_alt ? 1 : altstack.flags;
		f->uc.stack.size = altstack.size;
		struct sigcontext *m = &f->uc.mc;
		m->r8 = r->r8; m->r9 = r->r9; m->r10 = r->r10; m->r11 = r->r11;
		m->r12 = r->r12; m->r13 = r->r13; m->r14 = r->r14; m->r15 = r->r15;
		m->rdi = r->rdi; m->rsi = r->rsi; m->rbp = r->rbp; m->rbx = r->rbx;
		m->rdx = r->rdx; m->rax = r->rax; m->rcx = r->rcx; m->rsp = r->rsp;
		m->rip = r->rip; m->eflags = r->rflags; m->cs = 0x08; m->ss = 0x10;
		u64 saved_mask = frame_mask_set ? frame_mask : blocked;
		frame_mask_set = 0;
		m->oldmask = saved_mask;
		m->fpstate = fpstate;
		f->uc.sigmask = saved_mask;
		ukl_memcpy(&f->info, &pending_info[sig], sizeof f->info);
		f->info.signo = sig;
		blocked |= a->mask | ((a->flags & SA_NODEFER) ? 0 : BIT(sig));
		blocked &= ~UNBLOCKABLE;
		if (a->flags & SA_RESETHAND) a->handler = SIG_DFL;
		r->rdi = (u64)sig;
		r->rsi = (u64)&f->info;
		r->rdx = (u64)&f->uc;
		r->rax = 0;
		r->rsp = sp;
		r->rip = a->handler;
		r->rflags &= ~0x400UL; /* DF clear for the handler */
	}
}

SYSCALL_FRAME(rt_sigreturn) {
	struct kucontext *uc = (struct kucontext *)r->rsp; /* the handler's `ret` popped pretcode */
	struct sigcontext *m = &uc->mc;
	r->r8 = m->r8; r->r9 = m->r9; r->r10 = m->r10; r->r11 = m->r11;
	r->r12 = m->r12; r->r13 = m->r13; r->r14 = m->r14; r->r15 = m->r15;
	r->rdi = m->rdi; r->rsi = m->rsi; r->rbp = m->rbp; r->rbx = m->rbx;
	r->rdx = m->rdx; r->rax = m->rax; r->rcx = m->rcx; r->rsp = m->rsp;
	r->rip = m->rip;
	r->rflags = (r->rflags & ~0x40dd5UL) | (m->eflags & 0x40dd5UL);
	if (m->fpstate) __asm__ volatile("fxrstor64 (%0)" : : "r"(m->fpstate) : "memory");
	blocked = uc->sigmask & ~UNBLOCKABLE;
	return (long)r->rax;
}

SYSCALL(rt_sigaction) {
	UNUSED_ARGS;
	int sig = (int)a0;
	if (sig < 1 || sig > NSIG || a3 != 8) return -EINVAL;
	if (a2) ukl_memcpy((void *)a2, &actions[sig], sizeof actions[sig]);
	if (a1) {
		if (sig == SIGKILL || sig == SIGSTOP) return -EINVAL;
		ukl_memcpy(&actions[sig], (void *)a1, sizeof actions[sig]);
		actions[sig].mask &= ~UNBLOCKABLE;
	}
	return 0;
}

SYSCALL_FRAME(rt_sigprocmask) {
	int how = (int)r->rdi;
	const u64 *set = (const u64 *)r->rsi;
	u64 *old = (u64 *)r->rdx;
	if (r->r10 != 8) return -EINVAL;
	u64 prev = blocked;
	if (set) {
		if (how == 0) blocked |= *set;
		else if (how == 1) blocked &= ~*set;
		else if (how == 2) blocked = *set;
		else return -EINVAL;
		blocked &= ~UNBLOCKABLE;
	}
	if (old) *old = prev;
	return 0;
}

SYSCALL(rt_sigpending) { UNUSED_ARGS; *(u64 *)a0 = pending & blocked; return 0; }

SYSCALL(sigaltstack) {
	UNUSED_ARGS;
	typeof(altstack) *ss = (typeof(altstack) *)a0, *old = (typeof(altstack) *)a1;
	if (old) *old = altstack;
	if (ss) {
		if (ss->flags & 2) { altstack.flags = 2; altstack.sp = 0; altstack.size = 0; }
		else if (ss->flags != 0 && ss->flags != (i32)0x80000000) return -EINVAL;
		else if (ss->size < 2048) return -ENOMEM;
		else { altstack.sp = ss->sp; altstack.size = ss->size; altstack.flags = 0; }
	}
	return 0;
}

#define SI_USER 0
#define SI_TKILL (-6)
static long send_self_info(int sig, const void *info) {
	if (sig < 0 || sig > NSIG) return -EINVAL;
	if (sig == 0) return 0;
	/* A standard signal already pending is not queued again (real-time ones would be; one slot each here). */
	if (!(pending & BIT(sig))) ukl_memcpy(&pending_info[sig], info, sizeof pending_info[sig]);
	pending |= BIT(sig);
	return 0;
}
static long send_self(int sig, int code) {
	struct ksiginfo i;
	ukl_memset(&i, 0, sizeof i);
	i.signo = sig;
	i.code = code;
	i.pid = 1;
	return send_self_info(sig, &i);
}
static int is_self(long pid) { return pid == 1 || pid == 0 || pid == -1; }
SYSCALL_FRAME(kill) { return is_self((long)r->rdi) ? send_self((int)r->rsi, SI_USER) : -ESRCH; }
SYSCALL_FRAME(tgkill) { return (is_self((long)r->rdi) && (long)r->rsi == (long)ukl_tid) ? send_self((int)r->rdx, SI_TKILL) : -ESRCH; }
SYSCALL_FRAME(tkill) { return (long)r->rdi == (long)ukl_tid ? send_self((int)r->rsi, SI_TKILL) : -ESRCH; }
SYSCALL_FRAME(rt_sigqueueinfo) {
	if (!is_self((long)r->rdi)) return -ESRCH;
	struct ksiginfo i;
	ukl_memcpy(&i, (const void *)r->rdx, sizeof i);
	return send_self_info((int)r->rsi, &i);
}
SYSCALL_FRAME(rt_tgsigqueueinfo) {
	if (!is_self((long)r->rdi) || (long)r->rsi != (long)ukl_tid) return -ESRCH;
	struct ksiginfo i;
	ukl_memcpy(&i, (const void *)r->r10, sizeof i);
	return send_self_info((int)r->rdx, &i);
}
SYSCALL_FRAME(rt_sigsuspend) {
	if (r->rsi != 8) return -EINVAL;
	u64 saved = blocked;
	blocked = *(const u64 *)r->rdi & ~UNBLOCKABLE;
	if (!(pending & ~blocked)) ukl_panic("rt_sigsuspend with no signal that could arrive (deadlock)");
	/* The handler's frame records the mask from before the call, so rt_sigreturn restores it. */
	r->rax = (u64)-EINTR;
	frame_mask = saved;
	frame_mask_set = 1;
	ukl_signal_deliver(r);
	frame_mask_set = 0;
	return -EINTR;
}
SYSCALL_FRAME(pause) { (void)r; ukl_panic("pause() with no signal that could arrive (deadlock)"); }

/* A CPU exception in the application (trap.c): if the application handles the signal, deliver it as
 * Linux would (si_code, si_addr) and resume in the handler; returns only if the signal is fatal. */
extern char ukl_kstack_top[];
extern NORETURN void ukl_resume(struct ukl_regs *r);
void ukl_signal_fault(const struct ukl_exc_frame *x, int sig, int code, u64 addr) {
	struct ksigaction *a = &actions[sig];
	if (a->handler == SIG_DFL || a->handler == SIG_IGN || (blocked & BIT(sig))) return;
	struct ukl_regs *r = (struct ukl_regs *)((u64)ukl_kstack_top - sizeof(struct ukl_regs));
	r->r15 = x->r15; r->r14 = x->r14; r->r13 = x->r13; r->r12 = x->r12; r->rbp = x->rbp; r->rbx = x->rbx;
	r->r11 = x->r11; r->r10 = x->r10; r->r9 = x->r9; r->r8 = x->r8; r->rax = x->rax; r->rcx = x->rcx;
	r->rdx = x->rdx; r->rsi = x->rsi; r->rdi = x->rdi; r->orig_rax = ~0UL;
	r->rip = x->rip; r->rflags = x->rflags; r->rsp = x->rsp;
	struct ksiginfo i;
	ukl_memset(&i, 0, sizeof i);
	i.signo = sig;
	i.code = code;
	ukl_memcpy((u8 *)&i + 16, &addr, 8); /* si_addr */
	ukl_memcpy(&pending_info[sig], &i, sizeof i);
	pending |= BIT(sig);
	ukl_signal_deliver(r);
	ukl_resume(r);
}
