// Part of emu-linux.test.ts's corpus run again under `ukl-run --linux --jit eager`: every block is compiled
// into JavaScript on its first run (src/emu/jit/), so translated code meets whole programs (libc start-up,
// printf, malloc, setjmp/longjmp, signal delivery and sigreturn, C++ exceptions unwinding through translated
// frames, TLS through %fs, jump tables) and must still match the native CPU byte for byte. The default run
// (a block compiled after 40 runs) is emu-linux.test.ts itself.
process.env.UKL_TEST_JIT = 'eager';
process.env.UKL_EMU_CASES = [
  'zlib_roundtrip/O2', 'signals/O2', 'setjmp_longjmp/O0', 'cxx_exceptions/O2', 'tls_threads/O2', 'qsort_bsearch/O2', 'jumptable/O0', 'libm_funcs/O2', 'varargs_misc/O2',
].join(',');
await import('./emu-linux.test.ts');
