/* How handlers are declared. kernel/build.mjs scans the sources for these two forms and generates the
 * dispatch table and the --syscall-direct entries:
 *   SYSCALL(name)        long ukl_sys_name(a0..a5): gets arguments only; also reachable directly
 *   SYSCALL_FRAME(name)  long ukl_sysf_name(struct ukl_regs *): may rewrite the frame (signals), so
 *                        its direct entry is the generic one. */
#ifndef UKL_SYSCALL_H
#define UKL_SYSCALL_H
#include "ukl.h"
#define SYSCALL(name) long ukl_sys_##name(long a0, long a1, long a2, long a3, long a4, long a5)
#define SYSCALL_FRAME(name) long ukl_sysf_##name(struct ukl_regs *r)
#define UNUSED_ARGS (void)a0; (void)a1; (void)a2; (void)a3; (void)a4; (void)a5
#endif
