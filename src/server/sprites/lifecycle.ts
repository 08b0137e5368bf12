import type { Logger } from 'pino';
import { HobError } from '../../shared/errors.js';
import type { UrlSettingsJson } from '../../shared/protocol.js';
import type { AgentLink } from '../agent-link/link.js';
import { AgentConnectionLost, AgentUnreachable } from '../agent-link/transport.js';
import type { Runtime } from '../runtimes/runtime.js';
import type { SpriteRecord } from '../store/sprites.js';
import type { SpriteRegistry } from './registry.js';
import type { SpriteSandboxes } from './sandboxes.js';
import { busyMessage } from './states.js';

export interface LifecycleDeps {
  registry: SpriteRegistry;
  sandboxes: SpriteSandboxes;
  runtime: Runtime;
  log: Logger;
}

/** How long a live agent under memory pressure may take to answer whether it is still there. */
const AGENT_PROBE_TIMEOUT_MS = 2000;

/**
 * Moves existing sprites between states: start, stop, wake on use, recover a sprite whose agent
 * died, destroy. Every change goes through the registry's state table and is recorded before
 * (or, for starts, right after) the work it names, under the sprite's lock.
 */
export class SpriteLifecycle {
  constructor(private readonly deps: LifecycleDeps) {}

  /** Stops a sprite's processes and records it stopped; its files stay. */
  async stop(record: SpriteRecord): Promise<void> {
    await this.deps.sandboxes.halt(record);
    this.deps.registry.transition(record, 'stopped');
  }

  /** Boots a stopped sprite and records it running. */
  async start(record: SpriteRecord): Promise<void> {
    await this.deps.sandboxes.boot(record);
    this.deps.registry.transition(record, 'running');
  }

  /** The sprite, running: a stopped one is booted first; concurrent wakes share one boot. */
  async wake(name: string): Promise<SpriteRecord> {
    const current = this.deps.registry.get(name);
    if (current.state === 'running') return current;
    return this.deps.registry.locked(name, async () => {
      const record = this.deps.registry.get(name);
      if (record.state === 'running') return record;
      if (record.state !== 'stopped') throw new HobError('conflict', busyMessage(name, record.state));
      await this.start(record);
      this.deps.log.info({ sprite: name }, 'sprite woke');
      return this.deps.registry.get(name);
    });
  }

  /**
   * Runs `use` with the link to a sprite's agent, waking the sprite if it is stopped. If its
   * agent turns out not to be listening (or to have died under the connection), the sprite is
   * recovered and `use` tried once more.
   */
  async withAgent<T>(name: string, use: (link: AgentLink) => Promise<T>): Promise<T> {
    const link = this.deps.sandboxes.link(await this.wake(name));
    try {
      return await use(link);
    } catch (error) {
      if (!(error instanceof AgentUnreachable)) throw error;
      // A reset from an agent that still answers was not its death; restarting would kill the
      // sprite's processes for nothing.
      if (error instanceof AgentConnectionLost && (await link.answers(AGENT_PROBE_TIMEOUT_MS))) return use(link);
    }
    return use(this.deps.sandboxes.link(await this.recover(name)));
  }

  /**
   * Called when the agent of a sprite recorded as running does not answer: finds out what
   * really happened, records it, and starts the sprite again.
   */
  async recover(name: string): Promise<SpriteRecord> {
    await this.deps.registry.locked(name, async () => {
      const record = this.deps.registry.get(name);
      if (record.state !== 'running') return;
      const state = await this.deps.runtime.state(this.deps.registry.containerId(record));
      this.deps.log.warn({ sprite: name, state }, 'agent did not answer; restarting the sprite');
      await this.stop(record);
    });
    return this.wake(name);
  }

  update(name: string, changes: { labels?: string[]; urlSettings?: UrlSettingsJson }): SpriteRecord {
    const record = this.deps.registry.get(name);
    this.deps.registry.store.update(record.id, changes);
    return this.deps.registry.get(name);
  }

  async destroy(name: string): Promise<void> {
    await this.deps.registry.locked(name, async () => {
      const record = this.deps.registry.get(name);
      this.deps.registry.transition(record, 'destroying');
      await this.deps.sandboxes.remove(record);
      this.deps.registry.store.delete(record.id);
      this.deps.log.info({ sprite: name, id: record.id }, 'sprite destroyed');
    });
  }
}
