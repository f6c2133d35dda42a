// Link diagnostics. A LinkError is fatal and prints as one line (or an lld-style block); warnings are
// collected and printed as they come, prefixed like GNU ld's.

/** A link failure: one line for the user (exit status 1). */
export class LinkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LinkError';
  }
}

/** Errors that do not stop the link at once (undefined symbols, duplicates): reported together at the end of a pass. */
export class Diagnostics {
  readonly errors: string[] = [];
  readonly warnings: string[] = [];
  maxErrors = 20;

  error(msg: string): void {
    this.errors.push(msg);
  }

  /** Warnings (by index) whose text already places the word "warning:" itself, as GNU ld's located ones do. */
  private readonly placed = new Set<number>();

  warn(msg: string): void {
    this.warnings.push(msg);
  }

  /** A warning laid out as GNU ld prints a located one: `file: in function \`f':` / `src:(sec+off): warning: text`. */
  warnPlaced(msg: string): void {
    this.placed.add(this.warnings.length);
    this.warnings.push(msg);
  }

  /** The warnings as printed, each line of a warning after `prog: `. */
  printed(prog: string): string[] {
    return this.warnings.map((w, i) => (this.placed.has(i) ? `${prog}: ${w}` : `${prog}: warning: ${w}`));
  }

  /** Throw the collected errors as one LinkError (one per paragraph). */
  check(): void {
    if (this.errors.length === 0) return;
    const shown = this.errors.slice(0, this.maxErrors);
    let text = shown.join('\nukl-ld: error: ');
    if (this.errors.length > shown.length) text += `\nukl-ld: error: too many errors emitted, stopping now (${this.errors.length - shown.length} more)`;
    throw new LinkError(text);
  }
}
