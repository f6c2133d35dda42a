// ukl-run: the x86-64 emulator. `ukl-run --linux PROG ARGS` runs a static Linux executable in user mode with
// its system calls served by the host. The machine itself lives in src/emu; this file only parses options
// and reports how the guest ended.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { FormatError } from '../elf/errors.ts';
import type { LinuxProcess } from '../emu/linux/process.ts';
import { EXIT_INSTRUCTION_LIMIT, EXIT_SIGNAL_BASE, EXIT_TIMEOUT, EXIT_UNIMPLEMENTED, EXIT_USAGE } from '../emu/exit-status.ts';
import { VERSION } from './version.ts';
import { DEFAULT_MEMORY, runSystem } from '../emu/system-run.ts';
import { PvhError } from '../emu/pvh-boot.ts';
import type { JitMode } from '../emu/jit/block.ts';

const PROG = 'ukl-run';

interface Opts {
  linux?: boolean;
  maxInstructions?: string;
  timeout?: string;
  stats?: boolean;
  memory?: string;
  argv0?: string;
  realTsc?: boolean;
  append?: string;
  trace?: string;
  jit?: string;
}

/** A bad command line: one line on stderr and status 2 (EXIT_USAGE), like commander's own errors. */
class UsageError extends Error {}

export function main(argv: string[], reordered = false): number | Promise<number> {
  try {
    const r = parseAndRun(argv, reordered);
    return typeof r === 'number' ? r : r.catch(usage);
  } catch (e) {
    return usage(e);
  }
}

function usage(e: unknown): number {
  if (!(e instanceof UsageError)) throw e;
  process.stderr.write(`${PROG}: ${e.message}\n`);
  return EXIT_USAGE;
}

function parseAndRun(argv: string[], reordered: boolean): number | Promise<number> {
  const p = new Command(PROG)
    .usage('[options] IMAGE | --linux [options] program [args...]')
    .description('Boot a PVH image (ELF64 vmlinux with a Xen PVH note) on the built-in x86-64 PC, or run a static Linux executable with --linux.')
    .option('--append <args>', 'the image\'s kernel command line')
    .option('--trace <file>', 'write every executed instruction (address, symbol, bytes, disassembly) to file (images)')
    .option('--linux', 'run a static Linux executable in user mode, its system calls served by the host')
    .option('--max-instructions <n>', 'stop after n guest instructions (exit status 125)')
    .option('--timeout <seconds>', 'stop after this much wall time (exit status 124)')
    .option('--stats', 'print instructions executed, wall time and MIPS on stderr at the end')
    .option('--memory <MiB>', 'guest RAM in MiB (default 1024 for --linux, 128 for images)')
    .option('--argv0 <name>', 'argv[0] given to the program (default: the program path)')
    .option('--real-tsc', 'rdtsc reads the host clock instead of counting instructions')
    .option('--jit <mode>', 'block translation: off, eager (every block at once), or N: compile the region around a block after N runs (default 40)')
    .version(VERSION, '-V, --version')
    .helpOption('-h, --help')
    .argument('<program>')
    .argument('[args...]')
    .passThroughOptions()
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), outputError: (s, w) => w(`${PROG}: ${s.replace(/^error: /, '')}`) });
  try {
    p.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : EXIT_USAGE;
    throw e;
  }
  const o = p.opts<Opts>();
  const [prog, ...args] = p.args;
  const num = (v: string | undefined, what: string): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${what}: not a positive number: ${v}`);
    return n;
  };
  // QEMU-style `ukl-run IMAGE --append ARGS`: options after the image are read as options (the pass-through
  // that keeps a --linux program's own options for it stops parsing at the first word).
  if (!o.linux && !reordered && args.length > 0 && args[0]!.startsWith('-')) return main([...argv.slice(0, argv.indexOf(prog!)), ...args, prog!], true);
  if (!o.linux) return runImage(prog!, args, o, num);
  return runLinux(prog!, args, o, num);
}

// ---- user mode: `ukl-run --linux PROG ARGS` (loaded only for it: a plain image run never needs it)

async function runLinux(prog: string, args: string[], o: Opts, num: (v: string | undefined, what: string) => number | undefined): Promise<number> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(prog);
  } catch (e) {
    process.stderr.write(`${PROG}: ${prog}: ${(e as Error).message.replace(/^[A-Z]+: /, '')}\n`);
    return EXIT_USAGE;
  }
  const maxInsns = num(o.maxInstructions, '--max-instructions') ?? Infinity;
  const timeout = num(o.timeout, '--timeout');
  const memory = num(o.memory, '--memory');
  const { LinuxProcess } = await import('../emu/linux/process.ts');
  let proc: LinuxProcess;
  try {
    proc = new LinuxProcess(bytes, {
      path: prog,
      argv: [o.argv0 ?? prog, ...args],
      envp: Object.entries(process.env).map(([k, v]) => `${k}=${v ?? ''}`),
      execfn: prog,
      uid: process.getuid?.() ?? 0,
      gid: process.getgid?.() ?? 0,
      memory: memory !== undefined ? memory * 1024 * 1024 : undefined,
      realTimeTsc: o.realTsc,
      jit: jitMode(o.jit),
    });
  } catch (e) {
    if (e instanceof FormatError) {
      process.stderr.write(`${PROG}: ${e.message}\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
  proc.cpu.code.timing = o.stats === true;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const r = proc.run(maxInsns, timeout !== undefined ? t0 + timeout * 1000 : Infinity);
  const ms = performance.now() - t0;
  if (o.stats) {
    const n = proc.cpu.icount;
    const cu = process.cpuUsage(cpu0);
    const cpuMs = (cu.user + cu.system) / 1000;
    process.stderr.write(`${PROG}: ${n} instructions in ${(ms / 1000).toFixed(3)} s wall (${(n / ms / 1000).toFixed(2)} MIPS), ${(cpuMs / 1000).toFixed(3)} s CPU (${(n / cpuMs / 1000).toFixed(2)} MIPS); ${proc.cpu.code.decodeCount} instructions decoded in ${(proc.cpu.code.decodeMs / 1000).toFixed(3)} s, ${proc.cpu.blocks.compiled} blocks compiled in ${(proc.cpu.blocks.compileMs / 1000).toFixed(3)} s\n`);
  }
  switch (r.kind) {
    case 'exit':
      return r.status;
    case 'signal':
      process.stderr.write(`${PROG}: ${prog}: ${r.diagnosis}\n`);
      return EXIT_SIGNAL_BASE + r.signal;
    default:
      process.stderr.write(`${PROG}: ${prog}: ${r.diagnosis}\n`);
      if (r.reason.kind === 'limit') return EXIT_INSTRUCTION_LIMIT;
      if (r.reason.kind === 'requested' && r.reason.reason === 'timeout') return EXIT_TIMEOUT;
      return EXIT_UNIMPLEMENTED;
  }
}

/** --jit's value as a JitMode. */
function jitMode(v: string | undefined): JitMode | undefined {
  if (v === undefined) return undefined;
  if (v === 'off' || v === 'eager') return v;
  if (/^\d+$/.test(v)) return Number(v);
  throw new UsageError(`--jit must be off, eager or a number of runs, not '${v}'`);
}

// ---- system mode: `ukl-run IMAGE` (src/emu/system-run.ts boots and runs it)

async function runImage(image: string, args: string[], o: Opts, num: (v: string | undefined, what: string) => number | undefined): Promise<number> {
  if (args.length > 0) {
    process.stderr.write(`${PROG}: ${image}: an image takes no arguments (give the command line with --append "${args.join(' ')}")\n`);
    return EXIT_USAGE;
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(image);
  } catch (e) {
    process.stderr.write(`${PROG}: ${image}: ${(e as Error).message.replace(/^[A-Z]+: /, '')}\n`);
    return EXIT_USAGE;
  }
  const memory = num(o.memory, '--memory');
  const stdin = process.stdin;
  try {
    const r = await runSystem({
      file: image,
      bytes,
      append: o.append ?? '',
      memoryBytes: memory !== undefined ? Math.round(memory * 1024 * 1024) : DEFAULT_MEMORY,
      timeoutSeconds: num(o.timeout, '--timeout'),
      maxInstructions: num(o.maxInstructions, '--max-instructions'),
      traceFile: o.trace,
      realTime: o.realTsc,
      jit: jitMode(o.jit),
      stats: o.stats,
      serialOut: (b) => process.stdout.write(b),
      serialIn: (feed) => {
        const onData = (d: Buffer) => feed(d);
        stdin.on('data', onData);
        stdin.on('error', () => {});
        return () => {
          stdin.off('data', onData);
          stdin.pause();
          stdin.unref?.();
        };
      },
    });
    if (r.diagnosis !== undefined) process.stderr.write(`${PROG}: ${image}: ${r.diagnosis}\n`);
    if (o.stats) {
      const s = r.stats;
      const p = s.parts;
      process.stderr.write(
        `${PROG}: ${s.instructions} instructions in ${s.wallSeconds.toFixed(3)} s: ${s.mips.toFixed(2)} MIPS ` +
          `(boot ${p.boot.toFixed(1)} ms, decode ${p.decode.toFixed(1)} ms for ${s.decoded} instructions, translate ${p.translate.toFixed(1)} ms for ${s.compiled} blocks, execute ${p.execute.toFixed(1)} ms, devices ${p.devices.toFixed(1)} ms)\n`,
      );
    }
    return r.status;
  } catch (e) {
    if (e instanceof PvhError) {
      process.stderr.write(`${PROG}: ${e.message}\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
}
