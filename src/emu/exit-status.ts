// ukl-run's exit statuses when the guest itself did not choose one (docs/emulator.md lists them).

/** Bad command line or a program/image that cannot be loaded. */
export const EXIT_USAGE = 2;
/** --timeout expired. */
export const EXIT_TIMEOUT = 124;
/** --max-instructions reached. */
export const EXIT_INSTRUCTION_LIMIT = 125;
/** An instruction (or system call) the emulator does not implement, or guest memory exhausted. */
export const EXIT_UNIMPLEMENTED = 126;
/** Triple fault (system mode). */
export const EXIT_TRIPLE_FAULT = 127;
/** An unhandled guest exception with no IDT to deliver it (system mode), or hlt with interrupts off. */
export const EXIT_UNHANDLED_EXCEPTION = 123;
/** A user-mode guest killed by signal N exits with 128 + N (as a shell reports it). */
export const EXIT_SIGNAL_BASE = 128;
