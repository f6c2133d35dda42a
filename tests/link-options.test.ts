// ukl-ld's command line (src/link/options.ts): every option form, GNU's getopt_long_only corners, response
// files, position state, groups, errors, and the argument lists gcc 12's collect2 really passes. Where GNU ld is
// on the machine, accept/reject decisions are checked against it (`ld ARGS --help` exits 0 iff ARGS parse).
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, buildArgv, expandResponseFiles, helpText, versionText, type InputItem, type LinkOptions } from '../src/link/options.ts';
import { LinkError } from '../src/link/errors.ts';
import { lacking } from './helpers/tools.ts';

const noState = { wholeArchive: false, asNeeded: false, static: false, lazy: false };

function err(argv: string[]): string {
  try {
    parseArgs(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(LinkError);
    return (e as Error).message;
  }
  throw new Error(`parseArgs(${JSON.stringify(argv)}) did not throw`);
}

function files(o: LinkOptions): string[] {
  return o.inputs.flatMap((i) => (i.kind === 'file' ? [i.path] : []));
}

function libs(o: LinkOptions): string[] {
  return o.inputs.flatMap((i) => (i.kind === 'library' ? [i.name] : []));
}

/** The inputs in a compact form: paths, -lNAME, ( and ). */
function shape(o: LinkOptions): string[] {
  return o.inputs.map((i) => (i.kind === 'file' ? i.path : i.kind === 'library' ? `-l${i.name}` : i.kind === 'group-start' ? '(' : ')'));
}

function attrsOf(o: LinkOptions, name: string): InputItem & { kind: 'file' | 'library' } {
  const it = o.inputs.find((i) => (i.kind === 'file' && i.path === name) || (i.kind === 'library' && i.name === name));
  if (!it || (it.kind !== 'file' && it.kind !== 'library')) throw new Error(`no input ${name}`);
  return it;
}

describe('defaults', () => {
  it('match GNU ld on x86-64 Debian and the documented ukl defaults', () => {
    const o = parseArgs([]);
    expect(o.output).toBe('a.out');
    expect(o.entry).toBeUndefined();
    expect(o.inputs).toEqual([]);
    expect(o.strip).toBe('none');
    expect(o.gcSections).toBe(false);
    expect(o.buildId).toBeUndefined();
    expect(o.ehFrameHdr).toBe(false);
    expect(o.z.relro).toBe(true);
    expect(o.z.now).toBe(false);
    expect(o.z.maxPageSize).toBe(4096);
    expect(o.z.commonPageSize).toBe(4096);
    expect(o.z.separateCode).toBe(true);
    expect(o.z.execstack).toBeUndefined();
    expect(o.z.muldefs).toBe(false);
    expect(o.syscallEntry).toBe('__ukl_syscall');
    expect(o.rewriteSyscalls).toBe(false);
    expect(o.ukl).toBe(false);
    expect(o.plugin).toEqual({ opts: [] });
    expect(o.sectionStart).toEqual({});
    expect(o.warnings).toEqual([]);
    expect(o.version || o.help || o.exitAfterInfo || o.verbose).toBe(false);
  });
});

describe('short options: attached or separate values', () => {
  it('-o', () => {
    expect(parseArgs(['-o', 'out']).output).toBe('out');
    expect(parseArgs(['-oout']).output).toBe('out');
    expect(parseArgs(['--output=out']).output).toBe('out');
    expect(parseArgs(['--output', 'out']).output).toBe('out');
    // --output is two-dashes-only in GNU ld: -output is -o utput (the documented -omagic rule).
    const o = parseArgs(['-output', 'x.o']);
    expect(o.output).toBe('utput');
    expect(files(o)).toEqual(['x.o']);
  });

  it('-L and -l', () => {
    const o = parseArgs(['-L/a', '-L', '/b', '--library-path=/c', '--library-path', '/d', '-L=/e', '-lc', '-l', 'm', '--library=pthread', '--library', 'dl', '-l:libfoo.a']);
    expect(o.libraryPaths).toEqual(['/a', '/b', '/c', '/d', '=/e']);
    expect(libs(o)).toEqual(['c', 'm', 'pthread', 'dl', ':libfoo.a']);
    // GNU rewrites -lNAME to --library=NAME before parsing: -library is the library "ibrary".
    expect(libs(parseArgs(['-library']))).toEqual(['ibrary']);
    expect(libs(parseArgs(['-lstatic']))).toEqual(['static']);
  });

  it('-e / --entry', () => {
    for (const argv of [['-e', 'go'], ['-ego'], ['--entry=go'], ['--entry', 'go'], ['-entry', 'go'], ['-entry=go']]) {
      expect(parseArgs(argv).entry, argv.join(' ')).toBe('go');
    }
  });

  it('-T, -u, -m', () => {
    const o = parseArgs(['-T', 'a.ld', '-Tb.ld', '--script=c.ld', '--script', 'd.ld', '-u', 'x', '-uy', '--undefined=z', '--undefined', 'w', '-m', 'elf_x86_64']);
    expect(o.scripts).toEqual(['a.ld', 'b.ld', 'c.ld', 'd.ld']);
    expect(o.undefinedSymbols).toEqual(['x', 'y', 'z', 'w']);
    expect(o.emulation).toBe('elf_x86_64');
    expect(parseArgs(['-melf_x86_64']).emulation).toBe('elf_x86_64');
  });

  it('-O<n>, -g, -w, -s, -S, -t, -q, -x, -X, -E', () => {
    const o = parseArgs(['-O1', '-O', '2', '-g', '-w', '-t', '-q', '-E', '-x']);
    expect(o.noWarnings).toBe(true);
    expect(o.trace).toBe(true);
    expect(o.emitRelocs).toBe(true);
    expect(o.discard).toBe('all');
    expect(o.inputs).toEqual([]); // -O took "2"
    expect(parseArgs(['-s']).strip).toBe('all');
    expect(parseArgs(['-S']).strip).toBe('debug');
    expect(parseArgs(['-s', '-S']).strip).toBe('debug');
    expect(parseArgs(['--strip-debug', '--strip-all']).strip).toBe('all');
    expect(parseArgs(['-X']).discard).toBe('locals');
    expect(parseArgs(['--discard-none']).discard).toBe('none');
  });

  it('grouped short options: a warning, or an error when a later letter takes an argument (GNU ld 2.40)', () => {
    const o = parseArgs(['-sx']);
    expect(o.strip).toBe('all');
    expect(o.discard).toBe('all');
    expect(o.warnings).toEqual(['grouped short command line options are deprecated: -sx']);
    expect(err(['-tT', 'x'])).toBe('unable to disambiguate: -tT (did you mean --tT ?)');
    expect(err(['-tTfoo'])).toBe('unable to disambiguate: -tTfoo (did you mean --tTfoo ?)');
    // -so is no cluster: it is an ambiguous abbreviation (--soname, --sort-common, ...).
    expect(err(['-so', 'x'])).toMatch(/^option '-so' is ambiguous; .*'-soname'/);
  });
});

describe('long options', () => {
  it('one or two dashes, = or a separate argument', () => {
    for (const argv of [['-static'], ['--static'], ['-Bstatic'], ['--Bstatic'], ['-dn'], ['-non_shared']]) {
      expect(parseArgs([...argv, 'a.o']).inputs[0], argv[0]).toEqual({ kind: 'file', path: 'a.o', attrs: { ...noState, static: true } });
    }
    for (const m of [['-Map=m'], ['-Map', 'm'], ['--Map=m'], ['--Map', 'm']]) expect(parseArgs(m).mapFile, m.join(' ')).toBe('m');
    expect(parseArgs(['-M']).mapFile).toBe('-');
    expect(parseArgs(['--print-map']).mapFile).toBe('-');
    expect(parseArgs(['-Map=-']).mapFile).toBe('-');
  });

  it('unambiguous abbreviations, as getopt_long allows', () => {
    expect(parseArgs(['--whole', 'a.a']).inputs[0]).toMatchObject({ attrs: { wholeArchive: true } });
    expect(parseArgs(['-Bdyn', 'a.a']).inputs[0]).toMatchObject({ attrs: { static: false } });
    expect(parseArgs(['--gc-s']).gcSections).toBe(true);
    expect(parseArgs(['--entr=f']).entry).toBe('f');
    // Ambiguous with one dash: -en could be --entry, --end-group, --emit-relocs, ... (GNU ld rejects it too).
    expect(err(['-en'])).toMatch(/^option '-en' is ambiguous; possibilities: .*'-entry'.*'-end-group'.*write '-e n'/);
    // -pi matches -pie and -pic-executable, two names of one option: still ambiguous for getopt_long_only.
    expect(err(['--pi'])).toBe("option '--pi' is ambiguous; possibilities: '--pie' '--pic-executable'");
    expect(parseArgs(['--pic']).pie).toBe(true);
    expect(err(['-Bs'])).toMatch(/^option '-Bs' is ambiguous; possibilities: .*'-Bstatic'/);
  });

  it('ukl extensions need two dashes, so GNU single-dash spellings keep their meaning', () => {
    const o = parseArgs(['-ukl']);
    expect(o.ukl).toBe(false);
    expect(o.undefinedSymbols).toEqual(['kl']);
    const u = parseArgs(['--ukl', '--rewrite-syscalls', '--rewrite-report=r.json', '--syscall-entry=my_entry', '--syscall-direct']);
    expect(u.ukl).toBe(true);
    expect(u.rewriteSyscalls).toBe(true);
    expect(u.rewriteReport).toBe('r.json');
    expect(u.syscallEntry).toBe('my_entry');
    expect(u.syscallDirect).toBe(true);
    expect(parseArgs(['--syscall-entry', 'e2']).syscallEntry).toBe('e2');
    expect(err(['--rewrite'])).toMatch(/^option '--rewrite' is ambiguous/);
  });

  it('--defsym', () => {
    const o = parseArgs(['--defsym=a=1', '--defsym', 'b=c+0x10', '-defsym', 'd = e']);
    expect(o.defsyms).toEqual([{ name: 'a', expr: '1' }, { name: 'b', expr: 'c+0x10' }, { name: 'd', expr: 'e' }]);
    expect(err(['--defsym', 'foo'])).toBe('--defsym foo: expected SYMBOL=EXPRESSION');
    expect(err(['--defsym=foo='])).toBe('--defsym foo=: expected SYMBOL=EXPRESSION');
  });

  it('--build-id', () => {
    expect(parseArgs(['--build-id']).buildId).toBe('sha1');
    for (const s of ['md5', 'sha1', 'uuid', 'fast', '0x0123abcd']) expect(parseArgs([`--build-id=${s}`]).buildId).toBe(s);
    expect(parseArgs(['--build-id', '--build-id=none']).buildId).toBeUndefined();
    // The optional argument must be attached: the next word is an input.
    expect(files(parseArgs(['--build-id', 'md5']))).toEqual(['md5']);
    const bad = parseArgs(['--build-id=sha3']);
    expect(bad.buildId).toBeUndefined();
    expect(bad.warnings).toEqual(['unrecognized --build-id style ignored']);
  });

  it('--hash-style, --orphan-handling, --sort-common, --verbose', () => {
    for (const h of ['sysv', 'gnu', 'both']) expect(parseArgs([`--hash-style=${h}`]).hashStyle).toBe(h);
    expect(err(['--hash-style=fast'])).toBe("invalid hash style `fast'");
    for (const m of ['place', 'warn', 'error', 'discard']) expect(parseArgs([`--orphan-handling=${m}`]).orphanHandling).toBe(m);
    expect(parseArgs(['--orphan-handling', 'ERROR']).orphanHandling).toBe('error');
    expect(err(['--orphan-handling=keep'])).toBe('invalid argument to option "--orphan-handling"');
    expect(parseArgs(['--sort-common']).sortCommon).toBe('descending');
    expect(parseArgs(['--sort-common=ascending']).sortCommon).toBe('ascending');
    expect(err(['--sort-common=up'])).toBe('invalid common section sorting option: up');
    const v = parseArgs(['--verbose=2']);
    expect(v.verbose && v.version && !v.exitAfterInfo).toBe(true);
    expect(err(['--verbose=x'])).toBe("invalid number `x'");
  });

  it('addresses: -Ttext/-Tdata/-Tbss/--section-start are hex (as GNU), --image-base is C-style', () => {
    const o = parseArgs(['-Ttext=401000', '-Tdata', '0x600000', '-Tbss=0X700000', '--section-start=.init=1000', '--section-start', '.foo=0xffffffff81000000']);
    expect(o.sectionStart).toEqual({ '.text': 0x401000n, '.data': 0x600000n, '.bss': 0x700000n, '.init': 0x1000n, '.foo': 0xffffffff81000000n });
    expect(parseArgs(['-Ttext-segment=0x400000']).imageBase).toBe(0x400000n);
    expect(parseArgs(['-Ttext-segment', '200000']).imageBase).toBe(0x200000n);
    expect(parseArgs(['--image-base=0x10000']).imageBase).toBe(0x10000n);
    expect(parseArgs(['--image-base', '65536']).imageBase).toBe(65536n);
    expect(err(['-Ttext=zz'])).toBe("invalid hex number `zz'");
    expect(err(['--section-start=.text=zz'])).toBe("invalid hex number `zz'");
    expect(err(['--section-start', '.text'])).toBe('invalid argument to option "--section-start"');
    expect(err(['--section-start=.text='])).toBe('missing argument(s) to option "--section-start"');
    expect(err(['--image-base=lots'])).toBe("invalid --image-base value `lots'");
  });

  it('plugin options are recorded; -plugin-opt values that look like -l are not libraries', () => {
    const o = parseArgs(['-plugin', '/p.so', '-plugin-opt=/lto-wrapper', '-plugin-opt=-pass-through=-lgcc', '--plugin-opt', '-fresolution=x.res']);
    expect(o.plugin).toEqual({ path: '/p.so', opts: ['/lto-wrapper', '-pass-through=-lgcc', '-fresolution=x.res'] });
    expect(o.inputs).toEqual([]);
    expect(err(['-plugin-opt=x', '-plugin', '/p.so'])).toBe('bad -plugin-opt option (no -plugin before it)');
  });

  it('flags', () => {
    const o = parseArgs([
      '--gc-sections', '--print-gc-sections', '--eh-frame-hdr', '--allow-multiple-definition', '--no-undefined', '--fatal-warnings',
      '--warn-common', '--sysroot=/sr', '--wrap=malloc', '--wrap', 'free', '-q', '-r', '-shared', '-pie', '-nostdlib', '--no-warnings',
      '--no-relax', '--cref', '--warn-unresolved-symbols', '-dynamic-linker', '/lib64/ld.so',
    ]);
    expect(o.gcSections && o.printGcSections && o.ehFrameHdr && o.allowMultipleDefinition && o.noUndefined && o.fatalWarnings).toBe(true);
    expect(o.warnCommon && o.emitRelocs && o.relocatable && o.shared && o.pie && o.nostdlib && o.noWarnings && o.noRelax && o.cref).toBe(true);
    expect(o.warnUnresolvedSymbols).toBe(true);
    expect(o.sysroot).toBe('/sr');
    expect(o.wrap).toEqual(['malloc', 'free']);
    expect(o.dynamicLinker).toBe('/lib64/ld.so');
    expect(parseArgs(['--gc-sections', '--no-gc-sections']).gcSections).toBe(false);
    expect(parseArgs(['-pie', '-no-pie']).pie).toBe(false);
    expect(parseArgs(['--pic-executable']).pie).toBe(true);
    expect(parseArgs(['-i']).relocatable).toBe(true);
    expect(parseArgs(['--relocatable']).relocatable).toBe(true);
    expect(parseArgs(['-Bshareable']).shared).toBe(true);
    expect(parseArgs(['--eh-frame-hdr', '--no-eh-frame-hdr']).ehFrameHdr).toBe(false);
    expect(parseArgs(['--warn-unresolved-symbols', '--error-unresolved-symbols']).warnUnresolvedSymbols).toBe(false);
    expect(parseArgs(['--dynamic-linker=/x', '--no-dynamic-linker']).dynamicLinker).toBeUndefined();
  });

  it('--version stops parsing (GNU exits there); -v and -V do not', () => {
    const v = parseArgs(['--version', '--frobnicate']);
    expect(v.version && v.exitAfterInfo).toBe(true);
    const h = parseArgs(['--help', '--frobnicate']);
    expect(h.help && h.exitAfterInfo).toBe(true);
    const s = parseArgs(['-v', 'a.o']);
    expect(s.version).toBe(true);
    expect(s.exitAfterInfo).toBe(false);
    expect(files(s)).toEqual(['a.o']);
    expect(parseArgs(['-V']).version).toBe(true);
    expect(err(['-v', '--frobnicate'])).toBe("unrecognized option '--frobnicate'");
  });
});

describe('-z keywords', () => {
  it('attached or separate, each keyword', () => {
    expect(parseArgs(['-z', 'norelro']).z.relro).toBe(false);
    expect(parseArgs(['-znorelro']).z.relro).toBe(false);
    expect(parseArgs(['-z', 'norelro', '-z', 'relro']).z.relro).toBe(true);
    expect(parseArgs(['-z', 'now']).z.now).toBe(true);
    expect(parseArgs(['-z', 'now', '-z', 'lazy']).z.now).toBe(false);
    expect(parseArgs(['-z', 'execstack']).z.execstack).toBe(true);
    expect(parseArgs(['-z', 'noexecstack']).z.execstack).toBe(false);
    expect(parseArgs(['-z', 'noseparate-code']).z.separateCode).toBe(false);
    expect(parseArgs(['-z', 'noseparate-code', '-zseparate-code']).z.separateCode).toBe(true);
    expect(parseArgs(['-z', 'notext']).z.textOff).toBe(true);
    expect(parseArgs(['-z', 'textoff']).z.textOff).toBe(true);
    expect(parseArgs(['-z', 'text']).z.textOff).toBe(false);
    const m = parseArgs(['-z', 'muldefs']);
    expect(m.z.muldefs && m.allowMultipleDefinition).toBe(true);
    expect(parseArgs(['-z', 'defs']).noUndefined).toBe(true);
    expect(parseArgs(['-z', 'defs', '-z', 'undefs']).noUndefined).toBe(false);
    expect(parseArgs(['-z', 'max-page-size=0x200000']).z.maxPageSize).toBe(0x200000);
    expect(parseArgs(['-zmax-page-size=4096']).z.maxPageSize).toBe(4096);
    expect(parseArgs(['-z', 'common-page-size=010000']).z.commonPageSize).toBe(4096); // octal, as strtoul(…, 0)
    expect(parseArgs(['-z', 'stack-size=0x100000']).z.stackSize).toBe(0x100000n);
    expect(parseArgs(['-z', 'start-stop-visibility=hidden']).z.startStopVisibility).toBe('hidden');
    expect(parseArgs(['-z', 'start-stop-gc']).z.startStopGc).toBe(true);
    expect(parseArgs(['-z', 'noreloc-overflow']).z.noRelocOverflow).toBe(true);
    const cet = parseArgs(['-z', 'ibt', '-z', 'shstk', '-z', 'cet-report=warning']);
    expect(cet.z.ibt && cet.z.shstk).toBe(true);
  });

  it('accepted keywords that change nothing for a static link', () => {
    for (const k of ['nodelete', 'nodlopen', 'noextern-protected-data', 'origin', 'combreloc', 'nocombreloc', 'cet-report=none', 'x86-64-baseline', 'x86-64-v3', 'pack-relative-relocs', 'nopack-relative-relocs', 'call-nop=prefix-addr', 'call-nop=suffix-0x90', 'global', 'nocopyreloc', 'lam-u48-report=error']) {
      expect(parseArgs(['-z', k]).warnings, k).toEqual([]);
    }
  });

  it('errors and warnings worded as GNU ld 2.40', () => {
    expect(err(['-z', 'max-page-size=abc'])).toBe("invalid maximum page size `abc'");
    expect(err(['-z', 'max-page-size=0x3000'])).toBe("invalid maximum page size `0x3000'");
    expect(err(['-z', 'common-page-size=3'])).toBe("invalid common page size `3'");
    expect(err(['-z', 'stack-size=big'])).toBe("invalid stack size `big'");
    expect(err(['-z', 'cet-report=loud'])).toBe('invalid option for -z cet-report=: loud');
    expect(err(['-z', 'x86-64-v5'])).toBe('invalid x86-64 ISA level: x86-64-v5');
    expect(err(['-z', 'call-nop=middle'])).toBe('unsupported option: -z call-nop=middle');
    expect(err(['-z', 'start-stop-visibility=public'])).toBe("invalid visibility in `-z start-stop-visibility=public'; must be default, internal, hidden, or protected");
    expect(parseArgs(['-z', 'frob', '-z', 'nodefs']).warnings).toEqual(['-z frob ignored', '-z nodefs ignored']);
    expect(err(['-z'])).toBe("option requires an argument -- 'z'");
  });
});

describe('position state', () => {
  it('--whole-archive, --as-needed, -Bstatic/-Bdynamic apply to what follows', () => {
    const o = parseArgs(['a.o', '--whole-archive', 'b.a', '--no-whole-archive', 'c.a', '--as-needed', '-lx', '--no-as-needed', '-ly', '-Bstatic', '-lz', '-Bdynamic', '-lw', '-dn', '-lv', '-dy', '-lu', '-static', '-lt', '-call_shared', '-ls']);
    expect(attrsOf(o, 'a.o').attrs).toEqual(noState);
    expect(attrsOf(o, 'b.a').attrs).toEqual({ ...noState, wholeArchive: true });
    expect(attrsOf(o, 'c.a').attrs).toEqual(noState);
    expect(attrsOf(o, 'x').attrs).toEqual({ ...noState, asNeeded: true });
    expect(attrsOf(o, 'y').attrs).toEqual(noState);
    expect(attrsOf(o, 'z').attrs.static).toBe(true);
    expect(attrsOf(o, 'w').attrs.static).toBe(false);
    expect(attrsOf(o, 'v').attrs.static).toBe(true);
    expect(attrsOf(o, 'u').attrs.static).toBe(false);
    expect(attrsOf(o, 't').attrs.static).toBe(true);
    expect(attrsOf(o, 's').attrs.static).toBe(false);
  });

  it('--push-state / --pop-state', () => {
    const o = parseArgs(['--whole-archive', '--push-state', '--no-whole-archive', '--as-needed', '-Bstatic', '-la', '--push-state', '-Bdynamic', '-lb', '--pop-state', '-lc', '--pop-state', '-ld']);
    expect(attrsOf(o, 'a').attrs).toEqual({ ...noState, asNeeded: true, static: true });
    expect(attrsOf(o, 'b').attrs).toEqual({ ...noState, asNeeded: true, static: false });
    expect(attrsOf(o, 'c').attrs).toEqual({ ...noState, asNeeded: true, static: true });
    expect(attrsOf(o, 'd').attrs).toEqual({ ...noState, wholeArchive: true });
    expect(err(['--pop-state'])).toBe('no state pushed before popping');
  });

  it('--start-lib / --end-lib mark inputs lazy', () => {
    const o = parseArgs(['a.o', '--start-lib', 'b.o', 'c.o', '--end-lib', 'd.o']);
    expect(o.inputs.map((i) => (i.kind === 'file' ? i.attrs.lazy : null))).toEqual([false, true, true, false]);
    expect(err(['--start-lib', '--start-lib'])).toBe('nested --start-lib');
    expect(err(['--end-lib'])).toBe('stray --end-lib');
  });

  it('attributes are copied, not shared', () => {
    const o = parseArgs(['a.o', 'b.o']);
    const [a, b] = o.inputs;
    expect(a !== b && a!.kind === 'file' && b!.kind === 'file' && a.attrs !== b.attrs).toBe(true);
  });
});

describe('groups', () => {
  it('-( -) and --start-group --end-group, nested', () => {
    const o = parseArgs(['a.o', '-(', '-lc', '--start-group', 'x.a', '--end-group', '-lgcc', '-)', 'z.o']);
    expect(shape(o)).toEqual(['a.o', '(', '-lc', '(', 'x.a', ')', '-lgcc', ')', 'z.o']);
    expect(o.warnings).toEqual([]);
  });

  it('unbalanced groups', () => {
    expect(err(['a.o', '--end-group'])).toBe('group ended before it began (--help for usage)');
    expect(err(['-)'])).toBe('group ended before it began (--help for usage)');
    const o = parseArgs(['--start-group', '-lc', '-(', '-lm']);
    expect(shape(o)).toEqual(['(', '-lc', '(', '-lm', ')', ')']);
    expect(o.warnings).toEqual(['missing --end-group; added as last command line option']);
  });
});

describe('inputs', () => {
  it('non-options, "-" and everything after "--" are files', () => {
    const o = parseArgs(['a.o', '-', '--', '-lc', '--whole-archive']);
    expect(shape(o)).toEqual(['a.o', '-', '-lc', '--whole-archive']);
  });
});

describe('accepted for compatibility', () => {
  it('each option the brief lists', () => {
    const argv = [
      '-O2', '--no-undefined-version', '--discard-none', '-X', '-x', '--discard-all', '--discard-locals', '--no-warn-mismatch',
      '--warn-shared-textrel', '-nostdlib', '--no-copy-dt-needed-entries', '--enable-new-dtags', '--disable-new-dtags',
      '--no-dynamic-linker', '-dynamic-linker', '/lib64/ld-linux-x86-64.so.2', '--dynamic-linker=/x', '--export-dynamic', '-E',
      '-rpath', '/r', '-rpath-link', '/rl', '--push-state', '--pop-state', '--color-diagnostics', '--no-add-needed',
      '--no-keep-memory', '--reduce-memory-overheads', '--threads', '--no-threads', '--relax', '--no-ld-generated-unwind-info',
      '--build-id=none', '-g', '--error-unresolved-symbols', '--warn-unresolved-symbols', '--fatal-warnings',
      '--no-warn-rwx-segments', '--no-warn-execstack', '-flto', '-fuse-ld=bfd', '-Qy', '--hash-style=gnu', '--as-needed',
      '--no-as-needed', '--compress-debug-sections=none', '--exclude-libs=ALL', '-Bsymbolic', '--no-demangle', '--demangle',
    ];
    const o = parseArgs(argv);
    expect(o.inputs).toEqual([]);
    expect(o.warnings).toEqual([]);
  });
});

describe('errors', () => {
  it('unknown options', () => {
    expect(err(['--frobnicate'])).toBe("unrecognized option '--frobnicate'");
    expect(err(['--frobnicate=3'])).toBe("unrecognized option '--frobnicate=3'");
    // GNU ld reads -frobnicate as -f robnicate (--auxiliary), which ukl-ld does not implement.
    expect(err(['-frobnicate'])).toBe("option '-f' is not supported by ukl-ld");
    expect(err(['-k'])).toBe("unrecognized option '-k'");
    expect(err(['-Wl,--foo'])).toBe("unrecognized option '-Wl,--foo'");
    expect(err(['--=x'])).toBe("unrecognized option '--=x'");
    expect(err(['-=x'])).toBe("unrecognized option '-=x'");
  });

  it('missing and unwanted arguments', () => {
    expect(err(['-o'])).toBe("option requires an argument -- 'o'");
    expect(err(['-L'])).toBe("option requires an argument -- 'L'");
    expect(err(['-l'])).toBe("option requires an argument -- 'l'");
    expect(err(['a.o', '-e'])).toBe("option requires an argument -- 'e'");
    expect(err(['--entry'])).toBe("option '--entry' requires an argument");
    expect(err(['-Map'])).toBe("option '-Map' requires an argument");
    expect(err(['--wrap'])).toBe("option '--wrap' requires an argument");
    expect(err(['-plugin'])).toBe("option '-plugin' requires an argument");
    expect(err(['--as-needed=yes'])).toBe("option '--as-needed' doesn't allow an argument");
    expect(err(['--whole=1'])).toBe("option '--whole-archive' doesn't allow an argument");
  });

  it('GNU ld options ukl-ld does not implement are named', () => {
    expect(err(['--version-script=v.map'])).toBe("option '--version-script' is not supported by ukl-ld");
    expect(err(['-y', 'sym'])).toBe("option '-y' is not supported by ukl-ld");
    expect(err(['--just-symbols=syms.o'])).toBe("option '--just-symbols' is not supported by ukl-ld");
    expect(err(['-R', 'syms.o'])).toBe("option '-R' is not supported by ukl-ld");
    expect(err(['-Trodata-segment=0x1000'])).toBe("option '-Trodata-segment' is not supported by ukl-ld");
    expect(err(['--compress-debug-sections=lzma'])).toBe("invalid --compress-debug-sections option: `lzma'");
  });

  it('emulations other than elf_x86_64', () => {
    expect(err(['-m', 'elf_i386'])).toBe('unrecognised emulation mode: elf_i386; supported emulations: elf_x86_64');
    expect(err(['-melf32_x86_64'])).toMatch(/^unrecognised emulation mode: elf32_x86_64; .*elf_x86_64$/);
  });
});

describe('response files', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ukl-ld-rsp-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('buildargv: whitespace, quotes, backslashes (libiberty argv.c)', () => {
    expect(buildArgv('  a\tb\n\nc  ')).toEqual(['a', 'b', 'c']);
    expect(buildArgv(`'a b' "c d" e\\ f 'it\\'s' "q\\"q" x''y ""`)).toEqual(['a b', 'c d', 'e f', "it's", 'q"q', 'xy', '']);
    expect(buildArgv('"unterminated x')).toEqual(['unterminated x']);
    expect(buildArgv('')).toEqual([]);
    expect(buildArgv(' \n ')).toEqual([]);
  });

  it('expands @file in place, recursively, relative to cwd', () => {
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'inner.rsp'), '-lm\n"my file.o"\n');
    writeFileSync(join(dir, 'sub', 'outer.rsp'), '-o out\n--start-group @inner.rsp --end-group\n');
    const o = parseArgs(['a.o', '@sub/outer.rsp', 'z.o'], { cwd: dir });
    expect(o.output).toBe('out');
    expect(shape(o)).toEqual(['a.o', '(', '-lm', 'my file.o', ')', 'z.o']);
    // An option's value can come from the next file word.
    writeFileSync(join(dir, 'o.rsp'), '-o');
    expect(parseArgs(['@o.rsp', 'x'], { cwd: dir }).output).toBe('x');
  });

  it('an unreadable @file stays a word; empty files give nothing; a directory is an error', () => {
    expect(files(parseArgs(['@missing.rsp'], { cwd: dir }))).toEqual(['@missing.rsp']);
    writeFileSync(join(dir, 'empty.rsp'), '   \n');
    expect(parseArgs(['@empty.rsp', 'a.o'], { cwd: dir }).inputs.length).toBe(1);
    expect(err2(() => parseArgs(['@sub'], { cwd: dir }))).toBe('@-file refers to a directory');
  });

  it('a response file that includes itself stops at 2000 expansions', () => {
    writeFileSync(join(dir, 'loop.rsp'), '@loop.rsp');
    expect(err2(() => parseArgs(['@loop.rsp'], { cwd: dir }))).toBe('too many @-files encountered');
  });

  it('readFile can be injected', () => {
    const seen: string[] = [];
    const args = expandResponseFiles(['@/virtual/x', 'b'], {
      readFile: (p) => {
        seen.push(p);
        if (p === '/virtual/x') return '-lc @y';
        throw Object.assign(new Error('nope'), { code: 'ENOENT' });
      },
      cwd: '/virtual',
    });
    expect(args).toEqual(['-lc', '@y', 'b']);
    expect(seen).toEqual(['/virtual/x', '/virtual/y']);
  });
});

function err2(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(LinkError);
    return (e as Error).message;
  }
  throw new Error('did not throw');
}

// ---------------------------------------------------------------------------------------------------------
// What gcc 12 really passes

/** collect2's argument list (without collect2 itself) for `DRIVER FLAGS hello.o -o h`, from `-###`. */
function collect2Args(driver: string, flags: string[]): string[] {
  const r = spawnSync(driver, [...flags, '-###', 'hello.o', '-o', 'h'], { encoding: 'utf8', cwd: tmpdir() });
  const line = r.stderr.split('\n').find((l) => /collect2"? /.test(l));
  if (!line) throw new Error(`no collect2 line in: ${r.stderr}`);
  const words = [...line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => (m[1] ?? m[2]!).replace(/\\(.)/g, '$1'));
  expect(words[0]).toMatch(/collect2$/);
  return words.slice(1);
}

const NO_GCC = lacking('gcc');

describe.skipIf(NO_GCC !== '')(`collect2 argument lists (gcc on this machine)${NO_GCC}`, () => {
  it('gcc -static', () => {
    const argv = collect2Args('gcc', ['-static']);
    const o = parseArgs(argv);
    expect(o.output).toBe('h');
    expect(o.emulation).toBe('elf_x86_64');
    expect(o.buildId).toBe('sha1');
    expect(o.hashStyle).toBe('gnu');
    expect(o.warnings).toEqual([]);
    // Every -L, in order.
    expect(o.libraryPaths).toEqual(argv.filter((a) => a.startsWith('-L')).map((a) => a.slice(2)));
    // The plugin and its options (which include -pass-through=-lc, not a library).
    expect(o.plugin.path).toBe(argv[argv.indexOf('-plugin') + 1]);
    expect(o.plugin.opts).toEqual(argv.filter((a) => a.startsWith('-plugin-opt=')).map((a) => a.slice('-plugin-opt='.length)));
    // Inputs: the non-option words (after -o's and -plugin's values), and the group in place.
    const expected: string[] = [];
    for (let k = 0; k < argv.length; k++) {
      const a = argv[k]!;
      if (a === '-o' || a === '-m' || a === '-plugin') k++;
      else if (a === '--start-group') expected.push('(');
      else if (a === '--end-group') expected.push(')');
      else if (/^-l./.test(a)) expected.push(a);
      else if (!a.startsWith('-')) expected.push(a);
    }
    expect(shape(o)).toEqual(expected);
    expect(shape(o)).toContain('hello.o');
    expect(libs(o)).toEqual(['gcc', 'gcc_eh', 'c']);
    // -static and --as-needed come before every input.
    for (const i of o.inputs) if (i.kind === 'file' || i.kind === 'library') expect(i.attrs).toEqual({ ...noState, static: true, asNeeded: true });
  });

  it('gcc -static with -Wl options and libraries', () => {
    const argv = collect2Args('gcc', ['-static', '-Wl,--gc-sections', '-s', '-pthread', '-lm', '-Wl,-Map=x.map', '-Wl,-z,relro,-z,now', '-Wl,-v']);
    const o = parseArgs(argv);
    expect(o.gcSections && o.z.relro && o.z.now && o.version).toBe(true);
    expect(o.strip).toBe('all');
    expect(o.mapFile).toBe('x.map');
    expect(o.exitAfterInfo).toBe(false);
    expect(libs(o)).toEqual(argv.filter((a) => /^-l./.test(a)).map((a) => a.slice(2)));
    expect(libs(o)).toContain('pthread');
  });

  it('g++ -static, gcc -static -flto, gcc -static -nostdlib, gcc -static-pie', () => {
    const gpp = parseArgs(collect2Args('g++', ['-static']));
    expect(libs(gpp).slice(0, 2)).toEqual(['stdc++', 'm']);
    const lto = collect2Args('gcc', ['-static', '-flto']);
    expect(lto).toContain('-flto');
    expect(parseArgs(lto).warnings).toEqual([]);
    const nostd = parseArgs(collect2Args('gcc', ['-static', '-nostdlib']));
    expect(shape(nostd)).toEqual(['hello.o']);
    const spie = parseArgs(collect2Args('gcc', ['-static-pie']));
    expect(spie.pie).toBe(true);
    expect(spie.z.textOff).toBe(false);
    expect(spie.dynamicLinker).toBeUndefined();
  });

  it('dynamic links (default PIE, -no-pie, -shared) parse too, for the driver to reject', () => {
    const dyn = parseArgs(collect2Args('gcc', []));
    expect(dyn.pie).toBe(true);
    expect(dyn.ehFrameHdr).toBe(true);
    expect(dyn.dynamicLinker).toMatch(/ld-linux-x86-64\.so\.2$/);
    // -lgcc --push-state --as-needed -lgcc_s --pop-state -lc
    expect(attrsOf(dyn, 'gcc_s').attrs.asNeeded).toBe(true);
    const after = dyn.inputs.filter((i) => i.kind === 'library' && i.name === 'c');
    expect(after.length).toBe(1);
    expect(parseArgs(collect2Args('gcc', ['-no-pie'])).pie).toBe(false);
    expect(parseArgs(collect2Args('gcc', ['-shared'])).shared).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Accept/reject decisions against GNU ld itself

const NO_LD = lacking('ld');

/** GNU ld parses the options in order and exits 0 at --help if none failed. */
function gnuAccepts(argv: string[]): boolean {
  return spawnSync('ld', [...argv, '--help'], { encoding: 'utf8', cwd: tmpdir() }).status === 0;
}

/** Whether ukl-ld parses argv; 'unsupported' for GNU options it knows it does not implement. */
function ours(argv: string[]): 'ok' | 'unsupported' | 'error' {
  try {
    parseArgs([...argv, '--help']);
    return 'ok';
  } catch (e) {
    if (!(e instanceof LinkError)) throw e;
    return /is not supported by ukl-ld/.test(e.message) ? 'unsupported' : 'error';
  }
}

describe.skipIf(NO_LD !== '')(`agreement with GNU ld on what parses${NO_LD}`, () => {
  const vdir = mkdtempSync(join(tmpdir(), 'ukl-ld-vs-'));
  const vmap = join(vdir, 'v.map');
  writeFileSync(vmap, '{ global: *; };\n');
  afterAll(() => rmSync(vdir, { recursive: true, force: true }));
  const cases: string[][] = [
    ['-static'], ['--static'], ['-Bstatic'], ['-Bdyn'], ['-Bs'], ['-en'], ['-e', 'x'], ['-ex'], ['-entry', 'x'], ['-entry=x'],
    ['--whole'], ['--whole-archive=1'], ['--as-needed=x'], ['-Tt'], ['-Ttext=0x1000'], ['-Ttext', '1000'], ['-Ttext=zz'],
    ['-Map=x'], ['--Map=x'], ['-M'], ['-zrelro'], ['-z', 'frob'], ['-z', 'max-page-size=0x3000'], ['-z', 'cet-report=foo'],
    ['-z', 'x86-64-v5'], ['-O1'], ['-g'], ['-w'], ['-sx'], ['-so', 'x'], ['-(', '-)'], ['-)'], ['--end-group'],
    ['--push-state', '--pop-state'], ['--pop-state'], ['-plugin-opt=-pass-through=-lc'], ['--frobnicate'],
    ['-k'], ['--=x'], ['-=x'], ['-ukl'], ['--build-id'], ['--build-id=md5'], ['--hash-style=gnu'], ['--hash-style=foo'],
    ['--orphan-handling=error'], ['--orphan-handling=foo'], ['--sort-common=descending'], ['--sort-common=up'],
    ['--section-start=.text=0x1000'], ['--section-start', '.text'], ['--defsym=a=1'], ['-nostdlib'], ['-no-pie'],
    ['-dynamic-linker', '/x'], ['-rpath', '/x'], ['-rpath-link=/x'], ['--no-warn-rwx-segments'], ['-Qy'], ['-Q'],
    ['--gc-s'], ['-pi'], ['--pi'], ['--pic'], ['--no-undefined'], ['--allow-multiple-definition'], ['-z', 'muldefs'], ['-z', 'defs'], ['--eh-frame-hdr'],
    ['--no-relax'], ['--cref'], ['-t'], ['--trace'], ['-q'], ['--emit-relocs'], ['-x'], ['-X'], ['--discard-none'],
    ['--verbose=x'], ['-m', 'elf_x86_64'], ['-melf_x86_64'], ['-soname', 'x'], ['-h', 'x'], ['-E'], ['--export-dynamic'],
    ['--fatal-warnings'], ['--no-fatal-warnings'], ['--warn-common'], ['--print-gc-sections'], ['--wrap=x'], ['-u', 'x'],
    ['--library-path=/x'], ['-L/x'], ['--sysroot=/'], ['-flto'], ['-fuse-ld=gold'], ['-S'], ['-s'],
  ];
  for (const argv of cases) {
    it(argv.join(' '), () => {
      expect(ours(argv) === 'ok').toBe(gnuAccepts(argv));
    });
  }

  // GNU options ukl-ld rejects by name: GNU ld accepts them.
  for (const argv of [['-frobnicate'], ['-R', '/etc/hostname'], [`--version-script=${vmap}`], ['-y', 'x'], ['-d'], ['--just-symbols=x'], ['-Tldata-segment=0']]) {
    it(`${argv.join(' ')} (not supported by ukl-ld)`, () => {
      expect(ours(argv)).toBe('unsupported');
      expect(gnuAccepts(argv)).toBe(true);
    });
  }

  it("GNU's grouped-option warning and its -z warning are the same text", () => {
    const r = spawnSync('ld', ['-sx', '-z', 'frob', '--help'], { encoding: 'utf8' });
    const ours = parseArgs(['-sx', '-z', 'frob']).warnings;
    for (const w of ours) expect(r.stderr.toLowerCase()).toContain(w.toLowerCase());
  });
});

describe('--help and --version text', () => {
  it('the version line is what configure scripts look for', () => {
    const first = versionText().split('\n')[0]!;
    expect(first).toMatch(/^ukl-ld \d+\.\d+\.\d+ \(compatible with GNU ld 2\.40\)$/);
    expect(first).toContain('GNU ld');
  });

  it('help lists the supported options and none of the unsupported ones', () => {
    const h = helpText();
    expect(h.startsWith('Usage: ukl-ld [options] file...\n')).toBe(true);
    for (const o of ['--start-group', '--whole-archive', '-Bstatic', '--gc-sections', '-Map', '--build-id', '--rewrite-syscalls', '--defsym', '-z KEYWORD', '@FILE', '--push-state', '--section-start', '-Ttext']) {
      expect(h, o).toContain(o);
    }
    for (const o of ['--version-script', '--trace-symbol', '-Trodata-segment', '--just-symbols']) expect(h, o).not.toContain(o);
    // Every option mentioned is recognised (its value may be refused: 'x' is no hash style).
    let n = 0;
    for (const m of h.matchAll(/^ {2}(-[^\s,]+)/gm)) {
      const flag = m[1]!.replace(/[=[].*$/, '');
      n++;
      try {
        parseArgs([flag, 'x']);
      } catch (e) {
        expect((e as Error).message, flag).not.toMatch(/unrecognized option|^option '[^']*' is not supported|is ambiguous/);
      }
    }
    expect(n).toBeGreaterThan(60);
  });
});
