import type { Logger } from 'pino';
import type { SpendLimits } from './spend-limits.js';

export interface SpendEnforcerDeps {
  limits: Pick<SpendLimits, 'overLimit'>;
  /** Users' sprites running now, by id and name. */
  running: () => { id: string; name: string }[];
  /** Puts a sprite to sleep now, whoever is using it; false if it was not running. */
  sleep: (name: string) => Promise<boolean>;
  log: Logger;
}

/**
 * Puts sprites over a spend limit to sleep, after each usage sample. Warm keeps their memory
 * and processes, so raising the limit lets them carry on where they stopped; waking them is
 * refused (lifecycle.admitted) while the limit stands.
 */
export class SpendEnforcer {
  private checking: Promise<void> | undefined;

  constructor(private readonly deps: SpendEnforcerDeps) {}

  /** Starts a check unless one is under way (a slow freeze must not pile checks up); resolves when it is done. */
  check(): Promise<void> {
    this.checking ??= this.run().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  private async run(): Promise<void> {
    const over = this.deps.limits.overLimit();
    if (over.all === undefined && over.sprites.size === 0) return;
    for (const sprite of this.deps.running()) {
      const reached = over.all ?? over.sprites.get(sprite.id);
      if (reached === undefined) continue;
      try {
        if (await this.deps.sleep(sprite.name)) this.deps.log.warn({ sprite: sprite.name, limit: reached }, `sprite put to sleep: ${reached.scope === 'server' ? "the server's" : 'its'} spend limit for the ${reached.period} is reached`);
      } catch (error) {
        this.deps.log.error({ sprite: sprite.name, err: error }, 'could not put a sprite over its spend limit to sleep; the next sample tries again');
      }
    }
  }
}
