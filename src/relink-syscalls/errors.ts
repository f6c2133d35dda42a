/** A section (or object) the rewriter will not touch, with the reason; its sites are left as `syscall`. */
export class RewriteRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RewriteRefused';
  }
}
