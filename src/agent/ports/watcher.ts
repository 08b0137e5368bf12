import type { PortEventJson } from '../../shared/protocol.js';
import { diffPorts, event, sortPorts, type ListeningPort } from './diff.js';

export interface PortSubscriber {
  /** Every port listening now, given once, before any event. */
  snapshot(ports: readonly ListeningPort[]): void;
  event(event: PortEventJson): void;
}

/**
 * Shares one look at the sprite's ports among all watchers. It looks every `intervalMs` only
 * while someone watches: with no subscriber there is no timer at all, so an idle sprite stays
 * idle (and can be frozen without a poll waking it).
 */
export class PortWatcher {
  private readonly subscribers = new Set<PortSubscriber>();
  private current: ListeningPort[] = [];
  private timer: NodeJS.Timeout | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly scan: () => Promise<ListeningPort[]>,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /**
   * Takes a fresh look (changes since the last one go to the other subscribers first), gives the
   * subscriber its snapshot, and from then on every change. Resolves with the way to stop.
   */
  async subscribe(subscriber: PortSubscriber): Promise<() => void> {
    await this.refresh(true);
    subscriber.snapshot(this.current);
    this.subscribers.add(subscriber);
    this.schedule();
    return () => {
      this.subscribers.delete(subscriber);
      if (this.subscribers.size === 0) this.stop();
    };
  }

  /** Whether a look is scheduled; false whenever nobody watches. */
  get polling(): boolean {
    return this.timer !== undefined;
  }

  private schedule(): void {
    if (this.timer !== undefined || this.subscribers.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh(false).finally(() => this.schedule());
    }, this.intervalMs);
  }

  private stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One look at a time, in order; a failed look on the timer is reported and the next one tried. */
  private refresh(failLoudly: boolean): Promise<void> {
    const look = this.queue.then(async () => {
      const next = sortPorts(await this.scan());
      const events = diffPorts(this.current, next);
      this.current = next;
      for (const change of events) for (const subscriber of this.subscribers) subscriber.event(change);
    });
    this.queue = look.catch(() => undefined);
    return failLoudly ? look : look.catch(this.onError);
  }
}

export function snapshotMessage(ports: readonly ListeningPort[]): { type: 'port_list'; ports: PortEventJson[] } {
  return { type: 'port_list', ports: ports.map((entry) => event('port_opened', entry)) };
}
