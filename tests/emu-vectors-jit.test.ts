// The instruction vectors of emu-vectors.test.ts replayed once more with block translation forced on:
// every block (the vector's instructions up to its int3) is compiled into JavaScript on its first run
// (src/emu/jit/), so each inline translation in emit-int.ts/emit-branch.ts meets the host CPU's results,
// flags included, and every other form goes through its handler from translated code. The plain file
// replays the same vectors with translation off.
process.env.UKL_TEST_JIT = 'eager';
await import('./emu-vectors.test.ts');
