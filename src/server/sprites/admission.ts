import type { SpendLimits } from '../metering/spend-limits.js';
import type { RunningCap } from './running-cap.js';

/** Who asks to run: an existing sprite, or (no id) one being created. */
export interface Entrant {
  id?: string;
  name: string;
}

/**
 * Whether a sprite may start running (be created, woken, restarted, restored): no spend limit
 * stops it, and the server's cap on running sprites has room, or comes to have it while the
 * caller waits (when it asked to).
 */
export class RunAdmission {
  constructor(private readonly deps: { spend: Pick<SpendLimits, 'assertMayRun'>; cap: Pick<RunningCap, 'admit'> }) {}

  /** Resolves with the release of its place once it may run; throws `spend_limit_reached` or `concurrent_sprite_limit_exceeded`. */
  async admit(entrant: Entrant, options: { wait: boolean; signal?: AbortSignal }): Promise<() => void> {
    this.check(entrant);
    const release = await this.deps.cap.admit(entrant.name, options);
    try {
      // A wait may have been long: a limit may have been reached meanwhile.
      this.check(entrant);
    } catch (error) {
      release();
      throw error;
    }
    return release;
  }

  private check(entrant: Entrant): void {
    this.deps.spend.assertMayRun(entrant.id === undefined ? undefined : { id: entrant.id, name: entrant.name });
  }
}
