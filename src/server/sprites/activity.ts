/**
 * What keeps each sprite awake: holds (an attached exec or console, an open URL request or
 * proxy connection, an API operation under way) and the last moment anything touched it.
 * Keyed by sprite name, as every caller has it. In memory only: after a restart every sprite
 * counts as just touched, so nothing sleeps before its idle timeout has passed again.
 */
export class ActivityTracker {
  private readonly holds = new Map<string, number>();
  /** The holds that are operations under way (a subset of `holds`), as opposed to attached clients. */
  private readonly operations = new Map<string, number>();
  private readonly lastTouch = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Marks the sprite in use until the returned release is called (more calls do nothing).
   * An `operation` (reaching its agent, an API call) is short and must not meet a frozen
   * sprite half-way; an `attached` client may stay for hours.
   */
  hold(name: string, kind: 'attached' | 'operation' = 'attached'): () => void {
    const counters = kind === 'operation' ? [this.holds, this.operations] : [this.holds];
    for (const counter of counters) counter.set(name, (counter.get(name) ?? 0) + 1);
    this.touch(name);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const counter of counters) {
        const left = (counter.get(name) ?? 1) - 1;
        if (left === 0) counter.delete(name);
        else counter.set(name, left);
      }
      this.touch(name);
    };
  }

  /** Whether an operation on the sprite is under way (a forced sleep waits for it). */
  busy(name: string): boolean {
    return this.operations.has(name);
  }

  touch(name: string): void {
    this.lastTouch.set(name, this.now());
  }

  held(name: string): boolean {
    return this.holds.has(name);
  }

  /** When the sprite was last touched; a sprite never seen counts as touched now. */
  lastActive(name: string): number {
    let at = this.lastTouch.get(name);
    if (at === undefined) {
      at = this.now();
      this.lastTouch.set(name, at);
    }
    return at;
  }

  forget(name: string): void {
    this.lastTouch.delete(name);
  }
}
