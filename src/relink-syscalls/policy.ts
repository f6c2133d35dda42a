// Which syscall sites the rewriter leaves as `syscall`, and why: the ones that do not return to the
// site in the ordinary way or that change the stack under the caller (syscall-rewriting.md §5.5).
import { syscallNumber } from './syscall-table.ts';

const LEAVE: Record<string, string> = {
  rt_sigreturn: 'rt_sigreturn restores every register from the signal frame at %rsp: a pushed return address would shift the frame (and libgcc recognises __restore_rt by its bytes)',
  clone: 'clone resumes the child on a new stack that holds no return address for a call',
  clone3: 'clone3 resumes the child on a new stack that holds no return address for a call',
  vfork: 'vfork shares the stack with the child until exec/exit: the call sequence\'s stack slots would be overwritten by the child',
};

const LEAVE_BY_NR = new Map<number, string>();
for (const [name, why] of Object.entries(LEAVE)) LEAVE_BY_NR.set(syscallNumber(name)!, why);

/** Functions whose raw syscall must stay where it is. */
const LEAVE_FUNCTIONS: Record<string, string> = {
  // glibc >= 2.39: the cancellation handler compares the interrupted PC with markers around this syscall.
  __syscall_cancel_arch: 'glibc\'s cancellation checks the interrupted PC against markers around this syscall',
};

const CLONE_VM = 0x100;
const CLONE_VFORK = 0x4000;

/** Why a site must be left alone, or undefined when it may be rewritten. */
export function leaveReason(nr: number | null, symbol: string | null, args?: { rdi: number | null; rsi: number | null }): string | undefined {
  // A fork-style clone (no new stack, no shared memory: glibc's _Fork) returns in the child on a copy
  // of the parent's stack, return address included: a call works like the syscall.
  if (nr === 56 && args && args.rsi === 0 && args.rdi !== null && (args.rdi & (CLONE_VM | CLONE_VFORK)) === 0) return undefined;
  if (nr !== null) {
    const r = LEAVE_BY_NR.get(nr);
    if (r) return r;
  }
  if (symbol !== null && LEAVE_FUNCTIONS[symbol]) return LEAVE_FUNCTIONS[symbol];
  return undefined;
}
