// The kernel images of emu-system-kernel.test.ts booted again with `ukl-run --jit eager`: every block of the
// kernel (ring 0: its page-table set-up, trap entry, the syscall path, the fault handlers) and of glibc is
// compiled into JavaScript on its first run, and the console bytes and the exit must still be QEMU's.
process.env.UKL_TEST_JIT = 'eager';
await import('./emu-system-kernel.test.ts');
