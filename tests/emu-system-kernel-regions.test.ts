// The kernel images of emu-system-kernel.test.ts booted again with `ukl-run --jit 2`: the region around a
// block is compiled after two runs, so regions hold several blocks of the kernel (ring 0: page-table
// set-up, trap entry, the syscall path, the fault handlers) and of glibc, with jumps between pages checked
// against translation changes, and the console bytes and the exit must still be QEMU's.
process.env.UKL_TEST_JIT = '2';
await import('./emu-system-kernel.test.ts');
