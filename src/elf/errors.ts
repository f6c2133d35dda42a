/**
 * The toolchain's one error for malformed input. Every reader check raises it, so a caller can print
 * `String(err)` as a single line naming the file, the archive member and the offset.
 */
export class FormatError extends Error {
  readonly file: string;
  readonly member: string | undefined;
  readonly offset: number | undefined;
  readonly cause_: string;

  constructor(file: string, cause: string, offset?: number, member?: string) {
    const where = member !== undefined ? `${file}(${member})` : file;
    const at = offset !== undefined ? ` (at offset 0x${offset.toString(16)})` : '';
    super(`${where}: ${cause}${at}`);
    this.name = 'FormatError';
    this.file = file;
    this.member = member;
    this.offset = offset;
    this.cause_ = cause;
  }

  override toString(): string {
    return this.message;
  }
}

/** Where a piece of input came from, for error messages. */
export interface Origin {
  file: string;
  member?: string;
}

export function displayName(o: Origin): string {
  return o.member !== undefined ? `${o.file}(${o.member})` : o.file;
}
