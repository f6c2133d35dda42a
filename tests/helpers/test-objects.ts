// test-objects/: the prebuilt objects the tests read, and the programs (test-objects/programs.json) that
// link them and record what they print.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TEST_OBJECTS_DIR = fileURLToPath(new URL('../../test-objects/', import.meta.url));

/** A program of programs.json: its objects, the driver and flags that link it, and what it must do. */
export interface Program {
  name: string;
  objects: string[];
  driver: 'gcc' | 'g++';
  ldflags: string[];
  exitStatus: number;
  stdout: string;
}

export const PROGRAMS: readonly Program[] = JSON.parse(readFileSync(join(TEST_OBJECTS_DIR, 'programs.json'), 'utf8')).programs;

/** The program called `name` (a test naming one that does not exist is wrong). */
export function program(name: string): Program {
  const p = PROGRAMS.find((x) => x.name === name);
  if (!p) throw new Error(`no program ${name} in test-objects/programs.json`);
  return p;
}
