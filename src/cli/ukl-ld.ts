// ukl-ld: a GNU-ld-compatible static linker. Usage is GNU ld's: `ukl-ld [options] file...`.
import { FormatError } from '../elf/errors.ts';
import { Context } from '../link/context.ts';
import { link } from '../link/driver.ts';
import { LinkError } from '../link/errors.ts';
import { helpText, parseArgs, versionText, type LinkOptions } from '../link/options.ts';
import { demanglingWanted, renderText } from '../link/demangle.ts';

const PROG = 'ukl-ld';

export async function main(argv: string[]): Promise<number> {
  let options: LinkOptions;
  try {
    options = parseArgs(argv);
  } catch (e) {
    if (e instanceof LinkError) {
      process.stderr.write(`${PROG}: ${e.message}\n${PROG}: use the --help option for usage information\n`);
      return 1;
    }
    throw e;
  }
  if (options.help) {
    process.stdout.write(helpText());
    return 0;
  }
  if (options.version) {
    process.stdout.write(versionText());
    if (options.exitAfterInfo || options.inputs.length === 0) return 0;
  }
  if (options.exitAfterInfo) return 0;
  for (const w of options.warnings ?? []) if (!options.noWarnings) process.stderr.write(`${PROG}: warning: ${w}\n`);
  if (options.inputs.length === 0) {
    process.stderr.write(`${PROG}: no input files\n`);
    return 1;
  }
  const ctx = new Context(options);
  const demangle = demanglingWanted(options.demangle);
  try {
    // The rewriter (and the x86 decoder it needs) is loaded only when asked for.
    if (options.rewriteSyscalls) (await import('../link/syscall-rewrite.ts')).prepareSyscallRewrite(ctx);
    await link(ctx);
  } catch (e) {
    if (e instanceof LinkError || e instanceof FormatError) {
      process.stderr.write(await renderText(`${PROG}: error: ${e.message}\n`, demangle));
      return 1;
    }
    throw e;
  } finally {
    if (!options.noWarnings) for (const line of ctx.diags.printed(PROG)) process.stderr.write(await renderText(`${line}\n`, demangle));
  }
  return 0;
}
