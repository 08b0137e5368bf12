import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';

export interface WarmPoolDeps {
  /** How many spares to keep booted. */
  size: number;
  /** Spares that exist now. */
  count(): number;
  /** Whether spares can be made now (their image is built). */
  ready(): boolean;
  /** Boots one more spare. */
  makeSpare(): Promise<void>;
  log: Logger;
}

const MAX_BACKOFF_MS = 30_000;

/**
 * Keeps a few sprites of the default image booted and waiting, so that a create only has to
 * hand one over: starting runc and the agent's Node is most of a cold create. Spares are made
 * one at a time in the background and never delay a request.
 */
export class WarmPool {
  private filling: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly deps: WarmPoolDeps) {}

  /** Tops the pool up in the background; a call while it is filling does nothing more. */
  refill(): void {
    if (this.deps.size === 0 || this.stopped || this.filling !== undefined) return;
    this.filling = this.fill().finally(() => {
      this.filling = undefined;
    });
  }

  private async fill(): Promise<void> {
    let backoffMs = 1000;
    while (!this.stopped && this.deps.ready() && this.deps.count() < this.deps.size) {
      try {
        await this.deps.makeSpare();
        backoffMs = 1000;
      } catch (error) {
        this.deps.log.warn({ err: error, retryInMs: backoffMs }, 'could not boot a warm spare');
        await sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
      }
    }
  }

  /** Stops making spares and waits for the one being made. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.filling;
  }
}
