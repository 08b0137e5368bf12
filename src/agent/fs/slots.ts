/**
 * At most `size` holders at a time; the rest wait their turn in order. Each file worker is a
 * node process of some tens of MiB in the sprite's own memory and pid limits, so a burst of
 * file operations must not start one each at once.
 */
export class Slots {
  private used = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.used >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.used++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next in line, so the count stays as it is.
      if (next === undefined) this.used--;
      else next();
    }
  }
}
