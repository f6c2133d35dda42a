// Part of emu-linux.test.ts's corpus run again under `ukl-run --linux --jit 2`: the region around a block
// is compiled after two runs (src/emu/jit/), so regions of several blocks, with calls and returns inside
// them, meet whole programs (signals, setjmp/longjmp, C++ exceptions, TLS threads, zlib) and must still
// match the native CPU byte for byte. emu-linux-jit.test.ts compiles every block alone on its first run;
// the default (40 runs) is emu-linux.test.ts itself.
process.env.UKL_TEST_JIT = '2';
process.env.UKL_EMU_CASES = [
  'zlib_roundtrip/O2', 'signals/O2', 'setjmp_longjmp/O0', 'cxx_exceptions/O2', 'tls_threads/O2', 'qsort_bsearch/O2', 'jumptable/O0', 'libm_funcs/O2', 'varargs_misc/O2',
].join(',');
await import('./emu-linux.test.ts');
