// A buffered writer for standard output: objdump over a whole libc.a prints tens of megabytes, and one
// write per line would dominate the run time.
import { writeSync } from 'node:fs';

export interface Sink {
  write(s: string): void;
}

export class BufferedStdout implements Sink {
  private parts: string[] = [];
  private size = 0;

  constructor(private readonly fd = 1) {}

  write(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size > 1 << 20) this.flush();
  }

  flush(): void {
    if (this.parts.length === 0) return;
    const buf = Buffer.from(this.parts.join(''), 'utf8');
    this.parts = [];
    this.size = 0;
    let off = 0;
    while (off < buf.length) {
      try {
        off += writeSync(this.fd, buf, off, buf.length - off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') continue; // a non-blocking pipe is full: try again
        if (code === 'EPIPE') return; // reader went away (objdump ... | head)
        throw e;
      }
    }
  }
}

/** Collects output in memory (tests, JSON). */
export class StringSink implements Sink {
  private parts: string[] = [];
  write(s: string): void {
    this.parts.push(s);
  }
  toString(): string {
    return this.parts.join('');
  }
}
