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

  warn(msg: string): void {
    this.warnings.push(msg);
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
