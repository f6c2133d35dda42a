// --dependency-file=FILE: a Makefile rule, as GNU ld writes it (ldmain.c), naming the output and every input
// file the link read (objects, archives, linker scripts, in the order first read), then an empty rule for
// each input so that make does not fail when one disappears.
import { writeFileSync } from 'node:fs';
import { LinkError } from './errors.ts';

function escape(name: string): string {
  return name.replace(/[ #\\]/g, (c) => `\\${c}`).replace(/\$/g, '$$$$');
}

export function writeDependencyFile(path: string, output: string, inputs: readonly string[]): void {
  const files = [...new Set(inputs)].map(escape);
  let text = `${escape(output)}:`;
  for (const f of files) text += ` \\\n  ${f}`;
  text += '\n';
  for (const f of files) text += `\n${f}:\n`;
  try {
    writeFileSync(path, text);
  } catch (e) {
    throw new LinkError(`cannot open dependency file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}
