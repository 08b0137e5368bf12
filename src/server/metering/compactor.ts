import { setImmediate as yieldToEvents } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { UsageStore } from '../store/usage.js';

const HOUR_MS = 3_600_000;

/**
 * Keeps per-minute usage for the retention period and folds older minutes into hours, once an
 * hour (and at start). Nothing is thrown away: only the resolution of old usage drops.
 */
export class UsageCompactor {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(private readonly deps: { store: Pick<UsageStore, 'compact'>; retentionMs: number; log: Logger; now?: () => number }) {}

  start(): void {
    void this.compactNow();
    this.timer = setInterval(() => void this.compactNow(), HOUR_MS);
    this.timer.unref();
  }

  /** Stops the timer and waits for a compaction under way, which must not outlive the database. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Folds every minute row older than the retention; a day of rows per transaction, other work served in between. */
  compactNow(): Promise<number> {
    this.running ??= this.compactAll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async compactAll(): Promise<number> {
    const beforeSec = Math.floor(((this.deps.now ?? Date.now)() - this.deps.retentionMs) / HOUR_MS) * 3600;
    let folded = 0;
    try {
      for (;;) {
        const rows = this.deps.store.compact(beforeSec);
        if (rows === 0) break;
        folded += rows;
        await yieldToEvents();
      }
      if (folded > 0) this.deps.log.info({ rows: folded, before: new Date(beforeSec * 1000).toISOString() }, 'folded per-minute usage into hours');
    } catch (error) {
      this.deps.log.warn({ err: error }, 'compacting usage failed; the next run will try again');
    }
    return folded;
  }
}
