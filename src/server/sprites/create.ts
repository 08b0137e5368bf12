import type { Logger } from 'pino';
import { HobError } from '../../shared/errors.js';
import { assertValidName } from '../../shared/names.js';
import type { SpriteSourceJson } from '../../shared/protocol.js';
import type { ImageRegistry } from '../images/registry.js';
import type { SpriteConfig, SpriteRecord } from '../store/sprites.js';
import type { CapacityMonitor } from '../volumes/capacity.js';
import { crashPoint } from '../util/crash-point.js';
import type { RunAdmission } from './admission.js';
import type { CheckpointService } from './checkpoints.js';
import type { SpritePaths } from './layout.js';
import { newSpriteRecord } from './records.js';
import type { SpriteRegistry } from './registry.js';
import { errorMessage, type SpriteSandboxes } from './sandboxes.js';
import type { Spares } from './spares.js';
import type { ValidCreate } from './validate.js';

export interface CreatorDeps {
  registry: SpriteRegistry;
  sandboxes: SpriteSandboxes;
  spares: Spares;
  checkpoints: CheckpointService;
  images: ImageRegistry;
  /** Refuses creates while the pool or the host disk under it is nearly full. */
  capacity: Pick<CapacityMonitor, 'requireRoomToCreate'>;
  /** Spend limits and the cap on running sprites: a new sprite runs. */
  admission: Pick<RunAdmission, 'admit'>;
  defaultImage: string;
  spriteDefaults: Omit<SpriteConfig, 'region'>;
  log: Logger;
}

/**
 * How long a create waits for its image to be built (a fresh install builds the default image
 * in the background at start: ~70 s for debian with a warm package cache, minutes without).
 */
export const IMAGE_WAIT_MS = 10 * 60_000;

/**
 * New sprites: from an image (a warm spare handed over when one is ready, else a cold boot) or
 * as a fork of another sprite. A new sprite is recorded `creating` before anything is made, so
 * a crash at any point is rolled back at the next start.
 */
export class SpriteCreator {
  constructor(private readonly deps: CreatorDeps) {}

  /**
   * Creates a sprite. An image that is not built yet is built (or its build joined) and waited
   * for, up to IMAGE_WAIT_MS or until `signal` aborts because the client went away: a sprite
   * nobody waits for any more is not made.
   */
  async create(input: ValidCreate, signal?: AbortSignal): Promise<SpriteRecord> {
    assertValidName(input.name);
    this.deps.capacity.requireRoomToCreate();
    if (this.deps.registry.store.getByName(input.name) !== undefined) throw new HobError('already_exists', `sprite ${input.name} already exists`);
    const release = await this.deps.admission.admit({ name: input.name }, { wait: input.waitForCapacity, signal });
    try {
      return await this.createAdmitted(input, signal);
    } finally {
      release();
    }
  }

  private async createAdmitted(input: ValidCreate, signal?: AbortSignal): Promise<SpriteRecord> {
    if (input.source !== undefined) return this.fork(input.name, input.source, input);
    const image = input.image ?? this.deps.defaultImage;
    if (this.deps.registry.store.getByName(input.name) !== undefined) throw new HobError('already_exists', `sprite ${input.name} already exists`);
    await this.deps.images.awaitReady(image, { timeoutMs: IMAGE_WAIT_MS, signal });
    const record = newSpriteRecord({
      name: input.name,
      image,
      state: 'creating',
      config: input.config(this.deps.spriteDefaults),
      environment: input.environment ?? {},
      labels: input.labels,
      urlSettings: input.urlSettings,
      // A claimed spare keeps its own quota group; a cold create gets one below.
      qgroup: null,
      forkedFrom: null,
    });
    const handedOver = await this.deps.spares.claim(record);
    if (handedOver !== undefined) return handedOver;
    const cold = { ...record, qgroup: this.deps.registry.store.nextCounter('qgroup') };
    return this.createWith(cold, (paths) => this.deps.sandboxes.rootFromImage(paths, cold));
  }

  /**
   * The Sprites quick-start's body-less `PUT /v1/sprites/{name}`: the sprite as it is if it
   * exists, else a new one made from `input` (the server's defaults). Two at once make one
   * sprite; the one that loses the race answers it as existing.
   */
  async ensure(input: ValidCreate, signal?: AbortSignal): Promise<{ record: SpriteRecord; created: boolean }> {
    assertValidName(input.name);
    const existing = this.deps.registry.store.getByName(input.name);
    if (existing !== undefined) return { record: existing, created: false };
    try {
      return { record: await this.create(input, signal), created: true };
    } catch (error) {
      if (!(error instanceof HobError) || error.code !== 'already_exists') throw error;
      return { record: this.deps.registry.get(input.name), created: false };
    }
  }

  /**
   * A new sprite whose root is a copy-on-write snapshot of another sprite's files, now or at
   * one of its checkpoints. It takes the source's image, config and environment unless told
   * otherwise, and shares every block with it until either side writes.
   */
  private async fork(name: string, source: SpriteSourceJson, input: ValidCreate): Promise<SpriteRecord> {
    if (input.image !== undefined) throw new HobError('bad_request', 'give either image or source, not both: a fork takes its files from its source');
    const from = this.deps.registry.get(source.sprite);
    if (source.checkpoint !== undefined) this.deps.checkpoints.get(from.name, source.checkpoint);
    const record = newSpriteRecord({
      name,
      image: from.image,
      state: 'creating',
      config: input.config(from.config),
      environment: input.environment ?? from.environment,
      labels: input.labels,
      urlSettings: input.urlSettings,
      qgroup: this.deps.registry.store.nextCounter('qgroup'),
      forkedFrom: source.checkpoint === undefined ? { sprite: from.name } : { sprite: from.name, checkpoint: source.checkpoint },
    });
    return this.createWith(record, async (paths) => {
      await this.deps.checkpoints.snapshotFor(from.name, source.checkpoint, paths.root, record.qgroup);
      crashPoint('fork:snapshotted');
    });
  }

  /** Records a new sprite as `creating`, makes its root with `makeRoot` and boots it; undoes all of it on failure. */
  private async createWith(record: SpriteRecord, makeRoot: (paths: SpritePaths) => Promise<void>): Promise<SpriteRecord> {
    const { registry, sandboxes, log } = this.deps;
    const name = record.name;
    if (!registry.store.insert(record)) throw new HobError('already_exists', `sprite ${name} already exists`);
    return registry.locked(name, async () => {
      try {
        await sandboxes.provision(record, name, makeRoot);
        registry.transition(record, 'running');
        log.info({ sprite: name, id: record.id, image: record.image, forkedFrom: record.forkedFrom }, 'sprite created');
        return registry.get(name);
      } catch (error) {
        log.error({ sprite: name, err: error }, 'sprite creation failed; rolling back');
        await sandboxes.remove(record);
        registry.store.delete(record.id);
        throw error instanceof HobError ? error : new HobError('internal', `creating sprite ${name} failed: ${errorMessage(error)}`, { cause: error });
      }
    });
  }
}
