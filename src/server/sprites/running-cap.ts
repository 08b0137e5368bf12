import { HobError } from '../../shared/errors.js';

export interface RunningCapDeps {
  /** The most users' sprites that may run at once (`--max-running`); null: no cap. */
  max: number | null;
  /** How long a create or wake that asked to wait for room waits before it is refused (`--capacity-wait`). */
  waitMs: number;
  /** Names of users' sprites running or about to (being created or restored); spares are nobody's and not counted. */
  awake: () => Set<string>;
}

/** What a refusal tells the client to wait before trying again: sprites go to sleep after seconds to minutes idle. */
export const RETRY_AFTER_SECONDS = 5;
/** Waiters also look again this often, in case room came without a state change this server saw (a failed create's rollback). */
const RECHECK_MS = 1000;

interface Waiter {
  name: string;
  resolve: (release: () => void) => void;
  /** Stops its timer and its abort listener. */
  done: () => void;
}

/**
 * The server's cap on running sprites. A sprite is let in to run (created, woken, restarted,
 * restored) while fewer than the cap of the *other* sprites run or are being let in, so a
 * sprite that already runs is never refused its own restart. Over the cap, a caller that asked
 * to wait queues (first come, first served) until a sprite goes to sleep or is destroyed;
 * otherwise it is refused with 429 and Retry-After, as Sprites answers.
 */
export class RunningCap {
  /** Names let in that may not show as awake in the store yet, with how many claims each has. */
  private readonly entering = new Map<string, number>();
  private readonly waiters: Waiter[] = [];
  private recheck: NodeJS.Timeout | undefined;

  constructor(private readonly deps: RunningCapDeps) {}

  get max(): number | null {
    return this.deps.max;
  }

  get waitMs(): number {
    return this.deps.waitMs;
  }

  /** Sprites running now, or being let in. */
  count(): number {
    return this.occupied().size;
  }

  /**
   * Lets `name` in to run, waiting for room if `wait` (until `waitMs` passes or `signal`
   * aborts); the returned release ends the claim once the sprite shows as awake in the store
   * (or failed to start).
   */
  async admit(name: string, options: { wait: boolean; signal?: AbortSignal }): Promise<() => void> {
    if (this.deps.max === null) return () => undefined;
    if (this.waiters.length === 0 && this.hasRoom(name)) return this.enter(name);
    if (!options.wait) throw this.refusal(`try again in ${RETRY_AFTER_SECONDS}s, put a sprite to sleep, or ask to wait (wait_for_capacity)`);
    return this.queue(name, options.signal);
  }

  /** A sprite's state changed (it slept, woke, was destroyed): let in whoever now fits. */
  changed(): void {
    while (this.waiters.length > 0) {
      const first = this.waiters[0];
      if (first === undefined || !this.hasRoom(first.name)) break;
      this.waiters.shift();
      first.done();
      first.resolve(this.enter(first.name));
    }
    if (this.waiters.length === 0 && this.recheck !== undefined) {
      clearInterval(this.recheck);
      this.recheck = undefined;
    }
  }

  /** Whether `name` fits: the others running or being let in are fewer than the cap. */
  private hasRoom(name: string): boolean {
    const others = this.occupied();
    others.delete(name);
    return others.size < (this.deps.max ?? Infinity);
  }

  /** Names running or being let in. */
  private occupied(): Set<string> {
    const names = this.deps.awake();
    for (const name of this.entering.keys()) names.add(name);
    return names;
  }

  private enter(name: string): () => void {
    this.entering.set(name, (this.entering.get(name) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.entering.get(name) ?? 1) - 1;
      if (left === 0) this.entering.delete(name);
      else this.entering.set(name, left);
      this.changed();
    };
  }

  private queue(name: string, signal: AbortSignal | undefined): Promise<() => void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        remove();
        reject(this.refusal(`waited ${Math.round(this.deps.waitMs / 1000)}s (--capacity-wait) and no sprite went to sleep; try again later`));
      }, this.deps.waitMs);
      const onAbort = () => {
        remove();
        reject(abortReason(signal));
      };
      const waiter: Waiter = {
        name,
        resolve,
        done: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
        },
      };
      const remove = () => {
        waiter.done();
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        // The one behind may fit where this one did not.
        this.changed();
      };
      if (signal?.aborted === true) {
        reject(abortReason(signal));
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      this.recheck ??= setInterval(() => this.changed(), RECHECK_MS);
      this.recheck.unref();
      this.changed();
    });
  }

  private refusal(advice: string): HobError {
    const running = this.count();
    return new HobError('concurrent_sprite_limit_exceeded', `this server runs at most ${this.deps.max ?? 0} sprites at once and ${running} are running; ${advice}`, {
      details: { limit: this.deps.max, current_count: running, retry_after_seconds: RETRY_AFTER_SECONDS },
    });
  }
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new HobError('conflict', 'the caller went away while it waited for room to run');
}
