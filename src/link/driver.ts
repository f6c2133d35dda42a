// The linker's passes, in order (the shape of lld's Driver/Writer and mold's main): load and resolve
// inputs, common symbols, output sections, linker-defined symbols, relocation scan, synthetic
// sections, layout, symbol values, contents and relocation, output.
import type { Context } from './context.ts';
import { LinkError } from './errors.ts';
import { allocateCommons, assignAddresses, createOutputSections, sizeOutputSection } from './layout.ts';
import { assignLinkerSymbols, checkDefsymReferences, defineDefsyms, defineLinkerSymbols } from './linker-symbols.ts';
import { loadInputs } from './load-inputs.ts';
import { buildImage } from './output.ts';
import { writeOutputFile } from './output-file.ts';
import { scanRelocations } from './relocations.ts';
import { createBuildId, createGotPlt, fillGotPlt, mergeProperties } from './synthetic.ts';
import { SymKind } from './symbol.ts';
import { mergeSections } from './merge.ts';
import { placeEmptySections } from './empty-sections.ts';
import { resolveEntry } from './entry-point.ts';
import { gnuWarnings } from './gnu-warnings.ts';
import { pruneEhFrames } from './eh-frame-prune.ts';
import { checkRequiredSymbols } from './symbol-options.ts';
import { createPackageNote } from './package-note.ts';
import { writeDependencyFile } from './dependency-file.ts';
import { overlappingSections } from './section-start.ts';
import { ElfFile } from '../elf/reader.ts';
import { ObjectFile } from './input-files.ts';

/** With --rewrite-syscalls and no kernel that defines the entry: the built-in hosted entry. */
function addHostedEntry(ctx: Context): void {
  if (!ctx.hostedEntry) return;
  const o = ctx.options;
  const needed = [...ctx.symtab.undefs].some((s) => s.kind === SymKind.Undefined && (s.name === o.syscallEntry || s.name.startsWith(`${o.syscallEntry}_`)));
  if (!needed) return;
  const elf = new ElfFile(ctx.hostedEntry(), { file: '<ukl hosted entry>' });
  const f = new ObjectFile(elf, '<ukl hosted entry>', false);
  ctx.symtab.addObject(f);
  // Its FDE must sit between crtbegin's __EH_FRAME_BEGIN__ and crtend's terminator, or the unwinder
  // (which walks the registered .eh_frame to the zero word) never sees it: place it before crtend.
  const crtend = ctx.files.findIndex((x) => x.isCrtBeginEnd && /crtend/.test(x.member?.name ?? x.displayName));
  if (crtend >= 0) ctx.files.splice(crtend, 0, f);
  else ctx.files.push(f);
}

function checkOptions(ctx: Context): void {
  const o = ctx.options;
  if (o.relocatable) throw new LinkError('-r (relocatable output) is not supported by ukl-ld');
  if (o.shared) throw new LinkError('-shared is not supported: ukl-ld links static executables');
  if (o.pie) throw new LinkError('-pie is not supported: ukl-ld links static non-PIE executables (link with -static -no-pie)');
  if (o.emulation !== undefined && o.emulation !== 'elf_x86_64') throw new LinkError(`unrecognised emulation mode: ${o.emulation}\nSupported emulations: elf_x86_64`);
  if (o.imageBase !== undefined) ctx.imageBase = Number(o.imageBase);
}

/** UKL_LD_TIMING=1 prints how long each pass took (for profiling; not a GNU ld option). */
const timing = process.env.UKL_LD_TIMING === '1';
let last = performance.now();
function mark(pass: string): void {
  if (!timing) return;
  const now = performance.now();
  process.stderr.write(`ukl-ld: ${pass.padEnd(24)} ${(now - last).toFixed(1).padStart(7)} ms\n`);
  last = now;
}

/**
 * Link. Passes that only some links need (--gc-sections, --eh-frame-hdr, the syscall record, -Map) are
 * loaded when asked for: every module costs start-up time, and a small link is mostly start-up.
 */
export async function link(ctx: Context): Promise<void> {
  const o = ctx.options;
  mark('start-up');
  // A UKL image link (--ukl, or a kernel object among the inputs): src/image completes the options.
  const image = (await import('../image/ukl-inputs.ts')).planUklLink(o).image ? await import('../image/vmlinux.ts') : null;
  if (image && !ctx.syscallRewriter) (await import('./syscall-rewrite.ts')).prepareSyscallRewrite(ctx);
  checkOptions(ctx);
  const compress = o.compressDebug ? await import('./compress-debug.ts') : null;
  if (compress && o.compressDebug) compress.checkCodec(o.compressDebug);
  const st = ctx.symtab;
  for (const w of o.wrap) st.wrap.add(w);
  st.allowMultipleDefinition = o.allowMultipleDefinition || o.z.muldefs;
  st.warnCommon = o.warnCommon;
  const defsymRefs = defineDefsyms(ctx);
  const entryName = o.entry ?? '_start';
  for (const name of [...o.undefinedSymbols, ...o.requireDefined, entryName]) {
    st.strongRef(st.get(name));
  }

  loadInputs(ctx);
  addHostedEntry(ctx);
  gnuWarnings(ctx);
  checkRequiredSymbols(ctx);
  mark('load and resolve');
  ctx.diags.check();
  // (no object at all can be loaded, e.g. an archive nothing is taken from: GNU ld writes an empty program)

  allocateCommons(ctx);
  if (o.gcSections) (await import('./gc-sections.ts')).gcSections(ctx);
  mark('commons, gc');
  const sections = createOutputSections(ctx);
  mergeSections(sections);
  pruneEhFrames(ctx);
  mark('output sections, merge');
  defineLinkerSymbols(ctx, new Set(sections.map((s) => s.name)));
  // (after the linker's own symbols: --defsym=foo=_GLOBAL_OFFSET_TABLE_ names one of them)
  checkDefsymReferences(ctx, defsymRefs);
  scanRelocations(ctx);
  ctx.diags.check();
  mark('scan relocations');

  const gotPltUsed = st.find('_GLOBAL_OFFSET_TABLE_')?.referenced === true || ctx.needGotPlt;
  const synthetic = createGotPlt(ctx, gotPltUsed);
  const prop = mergeProperties(ctx);
  if (prop) synthetic.push(prop);
  const pkg = createPackageNote(o.packageMetadata);
  if (pkg) synthetic.push(pkg);
  const bid = o.buildId !== undefined ? createBuildId(o.buildId) : null;
  if (bid) synthetic.push(bid);
  const ehHdr = o.ehFrameHdr ? (await import('./eh-frame-hdr.ts')).createEhFrameHdr(ctx) : null;
  if (ehHdr) synthetic.push(ehHdr.section);
  const records = o.rewriteSyscalls ? (await import('./syscall-records.ts')).createSyscallRecords(ctx) : null;
  if (records) synthetic.push(records.section);
  const ksyms = image?.createKsyms(ctx);
  if (ksyms) synthetic.push(ksyms.section);
  const all = [...sections, ...synthetic];
  for (const os of all) sizeOutputSection(os);

  const layout = assignAddresses(ctx, all);
  const overlap = o.checkSections !== false ? overlappingSections(layout.sections) : undefined;
  if (overlap) throw new LinkError(overlap);
  placeEmptySections(all, layout, o.z.maxPageSize);
  image?.shapeImageHeaders(layout);
  ctx.outputSections = layout.sections;
  assignLinkerSymbols(ctx, layout);
  mark('layout');

  ctx.entry = resolveEntry(ctx, layout, o.entry ?? ctx.scriptEntry ?? '_start');

  fillGotPlt(ctx);
  ehHdr?.fill();
  records?.fill();
  ksyms?.fill();
  let bytes = buildImage(ctx, layout);
  image?.finishImage(ctx, layout, bytes);
  if (o.emitRelocs) bytes = [(await import('./emit-relocs.ts')).emitRelocations(ctx, layout, Buffer.concat(bytes))];
  if (compress && o.compressDebug) bytes = [compress.compressDebugSections(Buffer.concat(bytes), o.compressDebug, o.buildId)];
  if (o.binaryOutput) bytes = [(await import('./binary-output.ts')).binaryImage(Buffer.concat(bytes))];
  mark('copy, relocate, symtab');
  if (o.fatalWarnings && ctx.diags.warnings.length > 0) throw new LinkError(`--fatal-warnings: ${ctx.diags.warnings.length} warning(s)`);
  writeOutputFile(o.output, bytes);
  if (o.dependencyFile !== undefined) writeDependencyFile(o.dependencyFile, o.output, ctx.inputPaths);
  mark('write');
  const cref = o.cref ? (await import('./cref.ts')).crefText(ctx) : '';
  if (o.mapFile !== undefined) (await import('./map-file.ts')).writeMapFile(ctx, layout, o.mapFile, cref);
  else if (cref) process.stdout.write(cref);
  if (o.stats) {
    // GNU ld's two lines (ldmain.c): seconds since start-up, and the memory the link holds.
    process.stderr.write(`ukl-ld: total time in link: ${(process.uptime()).toFixed(6)}\nukl-ld: data size ${process.memoryUsage().heapUsed}\n`);
    // ukl's addition: the output's size by part and its syscall sites.
    process.stderr.write((await import('../image/stats.ts')).imageStats(ctx, layout, bytes.reduce((n, c) => n + c.length, 0)));
  }
}
