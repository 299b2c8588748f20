/**
 * Counts items (spans, data points) refused individually and keeps the first reason, which becomes the
 * partial_success error_message: one concrete example tells a sender more than a list of thousands.
 */
export class Rejections {
  count = 0;
  private first = '';

  reject(what: string, n = 1): void {
    if (n <= 0) return;
    if (this.count === 0) this.first = what;
    this.count += n;
  }

  /** '' when nothing was rejected. */
  message(noun: string): string {
    if (this.count === 0) return '';
    return this.count === 1
      ? `1 ${noun} rejected: ${this.first}`
      : `${this.count} ${noun}s rejected; first: ${this.first}`;
  }
}
