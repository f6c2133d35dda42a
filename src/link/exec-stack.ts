// PT_GNU_STACK as GNU ld 2.40 decides it (bfd elflink.c, bfd_elf_size_dynamic_sections), with its warnings:
//   -z execstack / -z noexecstack decide (a warning for -z execstack only under --warn-execstack);
//   otherwise an input whose .note.GNU-stack is executable makes the stack executable ("requires executable
//   stack"), and so does an input with no .note.GNU-stack at all ("missing .note.GNU-stack section implies
//   executable stack", plus GNU's deprecation NOTE); --no-warn-execstack silences both.
// The segment's size is -z stack-size (0 when not given). When no input has a .note.GNU-stack at all and
// neither -z execstack/noexecstack nor -z stack-size is given, GNU ld writes no PT_GNU_STACK (and no warning):
// the kernel's default then applies.
import type { Context } from './context.ts';

/** Whether the stack is executable; null: no PT_GNU_STACK at all. */
export function executableStack(ctx: Context): boolean | null {
  const o = ctx.options;
  if (o.z.execstack === true) {
    if (o.warnExecstack === true) ctx.diags.warn('enabling an executable stack because of -z execstack command line option');
    return true;
  }
  if (o.z.execstack === false) return false;
  const warn = o.warnExecstack !== false;
  // Files without sections (none in practice) are skipped, as GNU ld skips them.
  const files = ctx.files.filter((f) => f.elf.shdrs.count > 1);
  if (files.length === 0) return o.z.stackSize === undefined ? null : false;
  const asks = files.find((f) => f.gnuStackExec);
  if (asks) {
    if (warn) ctx.diags.warn(`${asks.displayName}: requires executable stack (because the .note.GNU-stack section is executable)`);
    return true;
  }
  const lacking = files.filter((f) => !f.hasGnuStack);
  if (lacking.length === 0) return false;
  if (lacking.length === files.length && o.z.stackSize === undefined) return null;
  if (warn) {
    ctx.diags.warn(`${lacking[lacking.length - 1]!.displayName}: missing .note.GNU-stack section implies executable stack`);
    ctx.diags.warnPlaced('NOTE: This behaviour is deprecated and will be removed in a future version of the linker');
  }
  return true;
}

/** PT_GNU_STACK's p_memsz. */
export function stackSize(ctx: Context): number {
  return Number(ctx.options.z.stackSize ?? 0n);
}
