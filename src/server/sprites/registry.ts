import { EventEmitter } from 'node:events';
import { HobError } from '../../shared/errors.js';
import { assertValidName } from '../../shared/names.js';
import type { SpriteRecord, SpriteState, SpriteStore } from '../store/sprites.js';
import { KeyedMutex } from '../util/mutex.js';
import { ActivityTracker } from './activity.js';
import { spritePaths, type SpritePaths } from './layout.js';
import { assertTransition, busyMessage, isSettled } from './states.js';

export interface RegistryDeps {
  store: SpriteStore;
  dataDir: string;
  /** The pool directory holding every sprite's subvolumes. */
  poolSpritesDir: string;
  containerPrefix: string;
}

/**
 * What every per-sprite feature starts from: finding a sprite by name, its host paths and
 * container id, the lock that orders lifecycle operations on it, and recording its state
 * changes, each checked against the state table before it is written.
 */
export class SpriteRegistry {
  private readonly locks = new KeyedMutex();
  /** What keeps each sprite awake (see sleeper.ts). */
  readonly activity = new ActivityTracker();
  private readonly changes = new EventEmitter().setMaxListeners(0);

  constructor(private readonly deps: RegistryDeps) {}

  get store(): SpriteStore {
    return this.deps.store;
  }

  get(name: string): SpriteRecord {
    assertValidName(name);
    const record = this.deps.store.getByName(name);
    if (record === undefined) throw new HobError('not_found', `sprite ${name} not found`);
    return record;
  }

  paths(record: Pick<SpriteRecord, 'id'>): SpritePaths {
    return spritePaths(this.deps.dataDir, this.deps.poolSpritesDir, record.id);
  }

  containerId(record: Pick<SpriteRecord, 'id'>): string {
    return `${this.deps.containerPrefix}-${record.id}`;
  }

  /** Runs `task` holding the sprite's lock (operations on one sprite run one at a time). */
  locked<T>(name: string, task: () => Promise<T>): Promise<T> {
    return this.locks.run(name, task);
  }

  /**
   * Runs a user's operation holding the lock, on a fresh record of a sprite that is settled
   * (running, warm or stopped). The sprite counts as in use until it is done.
   */
  async exclusive<T>(name: string, task: (record: SpriteRecord) => Promise<T>): Promise<T> {
    const release = this.activity.hold(name, 'operation');
    try {
      return await this.locks.run(name, async () => {
        const record = this.get(name);
        if (!isSettled(record.state)) throw new HobError('conflict', busyMessage(name, record.state));
        return task(record);
      });
    } finally {
      release();
    }
  }

  /** Records a state change that the state table allows; anything else is a bug and throws. */
  transition(record: Pick<SpriteRecord, 'id' | 'name' | 'state'>, to: SpriteState): void {
    assertTransition(record.name, record.state, to);
    this.deps.store.setState(record.id, to);
    // Spares are nobody's sprites yet: their changes are not news.
    if (to !== 'spare' && to !== 'spare-booting') this.changes.emit('change', record.name);
  }

  /** Calls `listener` with a sprite's name after each of its state changes; returns the unsubscribe. */
  onChange(listener: (name: string) => void): () => void {
    this.changes.on('change', listener);
    return () => this.changes.off('change', listener);
  }

  /** Waits for lifecycle operations in flight (a restore, a checkpoint) to finish, for a graceful shutdown. */
  drain(): Promise<void> {
    return this.locks.idle();
  }

  counts(): { running: number; warm: number; cold: number } {
    const counts = this.deps.store.countByState();
    return { running: counts.running, warm: counts.warm, cold: counts.stopped + counts.creating + counts.restoring + counts.destroying };
  }
}
