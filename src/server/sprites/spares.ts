import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { HobError } from '../../shared/errors.js';
import type { ImageRegistry } from '../images/registry.js';
import type { Runtime } from '../runtimes/runtime.js';
import type { SpriteRecord } from '../store/sprites.js';
import type { BtrfsPool } from '../volumes/pool.js';
import { newSpriteRecord } from './records.js';
import type { SpriteRegistry } from './registry.js';
import { errorMessage, limitsOf, type SpriteSandboxes } from './sandboxes.js';
import { assertTransition } from './states.js';
import { WarmPool } from './warm-pool.js';

export interface SparesDeps {
  registry: SpriteRegistry;
  sandboxes: SpriteSandboxes;
  runtime: Runtime;
  images: ImageRegistry;
  pool: BtrfsPool;
  size: number;
  image: string;
  defaults: { ramMiB: number; cpus: number; pidsMax: number; storageGiB: number };
  log: Logger;
}

/** The host name of a spare until it is handed over and takes its sprite's name. */
const SPARE_HOSTNAME = 'sprite';

/**
 * Booted sprites of the default image waiting to be handed over, so a create skips the boot
 * (runc and the agent's Node are most of a cold create). A spare is recorded `spare-booting`
 * until its agent answers and only then `spare`, so a half-booted one is never handed out.
 */
export class Spares {
  private readonly pool: WarmPool;

  constructor(private readonly deps: SparesDeps) {
    this.pool = new WarmPool({
      size: deps.size,
      count: () => deps.registry.store.spares(deps.image).length,
      ready: () => deps.images.toJson(deps.image).status === 'ready',
      makeSpare: () => this.make(),
      log: deps.log,
    });
    deps.images.onReady((image) => {
      if (image === deps.image) void this.replace();
    });
  }

  refill(): void {
    this.pool.refill();
  }

  stop(): Promise<void> {
    return this.pool.stop();
  }

  /**
   * Hands a booted spare of the record's image to a new sprite: it takes the sprite's name,
   * host name and limits. Returns undefined when no spare can be had (the caller boots one cold).
   */
  async claim(record: SpriteRecord): Promise<SpriteRecord | undefined> {
    const { registry, runtime, sandboxes, log } = this.deps;
    const spare = registry.store.spares(record.image)[0];
    if (spare === undefined) return undefined;
    const claimed = { ...record, id: spare.id, qgroup: spare.qgroup };
    // The claim writes the new sprite's own state over the spare's in one statement.
    assertTransition(record.name, spare.state, claimed.state);
    try {
      if (!registry.store.claimSpare(spare.id, claimed)) return undefined;
    } catch (error) {
      if (isUniqueViolation(error)) throw new HobError('already_exists', `sprite ${record.name} already exists`);
      throw error;
    }
    this.pool.refill();
    return registry.locked(record.name, async () => {
      const containerId = registry.containerId(spare);
      try {
        await runtime.setHostname(containerId, record.name);
        sandboxes.updateSettings(claimed);
        const limits = limitsOf(record.config);
        const spareLimits = limitsOf(spare.config);
        if (limits.memoryMiB !== spareLimits.memoryMiB || limits.cpus !== spareLimits.cpus || limits.pidsMax !== spareLimits.pidsMax) {
          await runtime.updateResources(containerId, limits);
        }
        // The spare was made with the default disk limit; the sprite may have asked for another.
        if (spare.qgroup !== null) await this.deps.pool.setQgroupLimit(spare.qgroup, record.config.storageGiB);
        registry.transition(claimed, 'running');
        log.info({ sprite: record.name, id: spare.id, image: record.image }, 'sprite created from a warm spare');
        return registry.get(record.name);
      } catch (error) {
        log.error({ sprite: record.name, err: error }, 'handing over a warm spare failed; rolling back');
        await sandboxes.remove(spare);
        registry.store.delete(spare.id);
        throw new HobError('internal', `creating sprite ${record.name} failed: ${errorMessage(error)}`, { cause: error });
      }
    });
  }

  /** Boots one spare of the default image. */
  private async make(): Promise<void> {
    const { registry, sandboxes, defaults } = this.deps;
    const id = randomBytes(8).toString('hex');
    const record = newSpriteRecord({
      id,
      // Not a valid sprite name, so it can never collide with one.
      name: `.spare-${id}`,
      image: this.deps.image,
      state: 'spare-booting',
      config: { ...defaults, region: 'local' },
      environment: {},
      labels: [],
      urlSettings: { auth: 'sprite' },
      qgroup: registry.store.nextCounter('qgroup'),
      forkedFrom: null,
    });
    registry.store.insert(record);
    try {
      await sandboxes.provision(record, SPARE_HOSTNAME, (paths) => sandboxes.rootFromImage(paths, record));
      registry.transition(record, 'spare');
    } catch (error) {
      await sandboxes.remove(record).catch(() => undefined);
      registry.store.delete(id);
      throw error;
    }
  }

  /** Spares made from an image that has been rebuilt are thrown away and made again. */
  private async replace(): Promise<void> {
    const { registry, sandboxes, log } = this.deps;
    for (const spare of registry.store.spares(this.deps.image)) {
      if (!registry.store.retireSpare(spare.id)) continue;
      await sandboxes.remove(spare).catch((error: unknown) => log.warn({ err: error }, 'could not remove an old spare'));
      registry.store.delete(spare.id);
    }
    this.pool.refill();
  }
}

function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE'; // better-sqlite3's SqliteError carries the SQLite code
}
