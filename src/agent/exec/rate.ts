const WINDOW_SECONDS = 10;

/**
 * Bytes per second over the last ten seconds, kept in one counter per second of the window.
 * Nothing ticks: a second's counter is reset when output lands in it again, and stale ones are
 * left out when the rate is read, so an idle session costs no timer.
 */
export class RateMeter {
  private readonly counts = new Float64Array(WINDOW_SECONDS);
  private readonly seconds = new Float64Array(WINDOW_SECONDS).fill(-1);

  constructor(private readonly now: () => number = Date.now) {}

  add(bytes: number): void {
    const second = Math.floor(this.now() / 1000);
    const slot = second % WINDOW_SECONDS;
    if (this.seconds[slot] !== second) {
      this.seconds[slot] = second;
      this.counts[slot] = 0;
    }
    this.counts[slot] = (this.counts[slot] ?? 0) + bytes;
  }

  perSecond(): number {
    const second = Math.floor(this.now() / 1000);
    let total = 0;
    for (let slot = 0; slot < WINDOW_SECONDS; slot++) {
      const at = this.seconds[slot] ?? -1;
      if (at > second - WINDOW_SECONDS && at <= second) total += this.counts[slot] ?? 0;
    }
    return total / WINDOW_SECONDS;
  }
}
