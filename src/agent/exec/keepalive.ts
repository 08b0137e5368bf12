/**
 * The SDK drops an exec socket that has received no message for 45 s, and protocol pings do
 * not count, so a socket that has sent nothing for `intervalMs` gets an application frame.
 */
export class Keepalive {
  private timer: NodeJS.Timeout | undefined;

  constructor(intervalMs: number, ping: () => void) {
    this.timer = setTimeout(ping, intervalMs);
  }

  /** Called on every send; refresh also re-arms a timer that has already fired. */
  touch(): void {
    this.timer?.refresh();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
