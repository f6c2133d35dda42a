// Runs a command's main with the toolchain's contract: a one-line error and a non-zero exit on any
// failure, never a stack trace (UKL_DEBUG=1 shows one for developers).
import { FormatError } from '../elf/errors.ts';

export function run(prog: string, main: (argv: string[]) => number | Promise<number>): void {
  const fail = (e: unknown) => {
    if (e instanceof FormatError) process.stderr.write(`${prog}: ${e.message}\n`);
    else {
      process.stderr.write(`${prog}: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
      if (process.env.UKL_DEBUG) process.stderr.write(`${e instanceof Error ? e.stack : ''}\n`);
    }
    process.exitCode = 1;
  };
  try {
    const r = main(process.argv.slice(2));
    if (typeof r === 'number') process.exitCode = r;
    else r.then((c) => { process.exitCode = c; }, fail);
  } catch (e) {
    fail(e);
  }
}
