import type { Logger } from 'pino';
import { HobError } from '../../shared/errors.js';
import { AGENT_VERSION } from '../../shared/version.js';
import type { AgentLink } from '../agent-link/link.js';
import { crashPoint } from '../util/crash-point.js';
import { AgentConnectionLost, AgentUnreachable } from '../agent-link/transport.js';
import type { Runtime } from '../runtimes/runtime.js';
import type { SpriteConfig, SpriteRecord } from '../store/sprites.js';
import type { RunAdmission } from './admission.js';
import type { SpriteRegistry } from './registry.js';
import type { SpriteSandboxes } from './sandboxes.js';
import { busyMessage } from './states.js';
import type { SpriteChanges } from './validate.js';

/** A socket or a response: in use until it closes. */
interface Closable {
  readonly destroyed: boolean;
  once(event: 'close', listener: () => void): unknown;
}

export interface LifecycleDeps {
  registry: SpriteRegistry;
  sandboxes: SpriteSandboxes;
  runtime: Runtime;
  /** Whether a sprite may start running: spend limits and the cap on running sprites. */
  admission: Pick<RunAdmission, 'admit'>;
  log: Logger;
  /** Told how long each wake took (for the wake-time histogram of /metrics). */
  onWake?: (from: 'warm' | 'cold', durationMs: number) => void;
}

/** How long a live agent under memory pressure may take to answer whether it is still there. */
const AGENT_PROBE_TIMEOUT_MS = 2000;
/** A process stuck in the kernel (D state) can keep a cgroup from freezing; then the sprite stays up. */
const FREEZE_TIMEOUT_MS = 2000;

/**
 * Moves existing sprites between states: start, stop, sleep (warm: frozen; cold: stopped), wake
 * on use, recover a sprite whose agent died, destroy. Every change goes through the registry's
 * state table and is recorded before (or, for starts, right after) the work it names, under
 * the sprite's lock.
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

  /**
   * The sprite, running: a warm one is thawed, a cold one booted; concurrent wakes share one.
   * Counts as activity, so a sprite just woken is not put back to sleep at once.
   */
  async wake(name: string): Promise<SpriteRecord> {
    this.deps.registry.activity.touch(name);
    const current = this.deps.registry.get(name);
    if (current.state === 'running') return current;
    return this.admitted(current, () => this.wakeLocked(name));
  }

  /**
   * Runs `task`, which makes the sprite run, once it may: no spend limit stops it and the cap
   * on running sprites has room (waited for if the sprite was made with `wait_for_capacity`).
   * Wakes, restarts and restores all pass here, outside the sprite's lock, so a wait never
   * holds up other operations on it.
   */
  async admitted<T>(record: Pick<SpriteRecord, 'id' | 'name' | 'config'>, task: () => Promise<T>): Promise<T> {
    const release = await this.deps.admission.admit(record, { wait: record.config.waitForCapacity === true });
    try {
      return await task();
    } finally {
      release();
    }
  }

  private wakeLocked(name: string): Promise<SpriteRecord> {
    return this.deps.registry.locked(name, async () => {
      const record = this.deps.registry.get(name);
      if (record.state === 'running') return record;
      const startedAt = performance.now();
      if (record.state === 'warm') {
        // Recorded first: a restart that finds it running and frozen thaws it.
        this.deps.registry.transition(record, 'running');
        crashPoint('wake:recorded');
        await this.deps.runtime.thaw(this.deps.registry.containerId(record));
      } else if (record.state === 'stopped') {
        await this.start(record);
      } else {
        throw new HobError('conflict', busyMessage(name, record.state));
      }
      this.deps.registry.activity.touch(name);
      const from = record.state === 'warm' ? 'warm' : 'cold';
      const durationMs = performance.now() - startedAt;
      this.deps.onWake?.(from, durationMs);
      this.deps.log.info({ sprite: name, from, ms: Math.round(durationMs) }, 'sprite woke');
      return this.deps.registry.get(name);
    });
  }

  /**
   * Puts a sprite to sleep at once, as asked: warm or cold. Operations under way on it (an
   * exec being opened) finish first, so none meets a frozen agent half-way; attached clients
   * wait until it wakes. False if it was asleep at least that deep already.
   */
  async sleepNow(name: string, cold: boolean): Promise<boolean> {
    const { activity } = this.deps.registry;
    const deadline = Date.now() + FREEZE_TIMEOUT_MS;
    while (activity.busy(name) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    return cold ? this.cool(name) : this.freeze(name, () => !activity.busy(name));
  }

  /**
   * Puts a running sprite to sleep warm: recorded first, then its processes frozen (memory
   * kept, no CPU). `stillIdle` is asked again under the lock, so a use that came in meanwhile
   * wins. False if it stayed running (in use, not running, or it would not freeze).
   */
  async freeze(name: string, stillIdle: () => boolean = () => true): Promise<boolean> {
    return this.deps.registry.locked(name, async () => {
      const record = this.deps.registry.get(name);
      if (record.state !== 'running' || !stillIdle()) return false;
      const id = this.deps.registry.containerId(record);
      this.deps.registry.transition(record, 'warm');
      crashPoint('freeze:recorded');
      const frozen = await this.deps.runtime.freeze(id, FREEZE_TIMEOUT_MS).catch(() => false);
      if (!frozen) {
        await this.deps.runtime.thaw(id);
        this.deps.registry.transition({ ...record, state: 'warm' }, 'running');
        this.deps.log.warn({ sprite: name }, 'sprite would not freeze; it stays running');
        return false;
      }
      this.deps.log.info({ sprite: name }, 'sprite went warm');
      return true;
    });
  }

  /**
   * Puts a warm (or running) sprite to sleep cold: recorded first, then its processes stopped;
   * its files stay. False if it was neither (already cold, or busy), or `stillIdle` says no.
   */
  async cool(name: string, stillIdle: () => boolean = () => true): Promise<boolean> {
    return this.deps.registry.locked(name, async () => {
      const record = this.deps.registry.get(name);
      if ((record.state !== 'warm' && record.state !== 'running') || !stillIdle()) return false;
      this.deps.registry.transition(record, 'stopped');
      crashPoint('cool:recorded');
      await this.deps.sandboxes.halt(record);
      this.deps.log.info({ sprite: name, from: record.state }, 'sprite went cold');
      return true;
    });
  }

  /**
   * Puts a running sprite to sleep whoever is using it (a spend limit is reached): warm, or
   * cold if it will not freeze. False if it was not running.
   */
  async forceSleep(name: string): Promise<boolean> {
    if (await this.freeze(name)) return true;
    return this.cool(name, () => this.deps.registry.get(name).state === 'running');
  }

  /** Stops and boots a sprite again (a sleeping one is just booted); returns its container id. */
  async restart(name: string): Promise<string> {
    return this.admitted(this.deps.registry.get(name), () =>
      this.deps.registry.exclusive(name, async (record) => {
        if (record.state !== 'stopped') await this.stop(record);
        await this.start({ ...record, state: 'stopped' });
        this.deps.log.info({ sprite: name }, 'sprite restarted');
        return this.deps.registry.containerId(record);
      }),
    );
  }

  /**
   * Whether a running sprite's agent answers, and how fast; a sleeping sprite is reported as
   * asleep, not woken.
   */
  async check(name: string): Promise<{ state: SpriteRecord['state']; answered?: boolean; elapsedMs?: number; id: string }> {
    const record = this.deps.registry.get(name);
    if (record.state !== 'running') return { state: record.state, id: record.id };
    const startedAt = performance.now();
    const answered = await this.deps.sandboxes.link(record).answers(AGENT_PROBE_TIMEOUT_MS);
    return { state: record.state, answered, elapsedMs: performance.now() - startedAt, id: record.id };
  }

  /** Restarts a running sprite whose agent is older than this server's; true if it did. */
  async upgrade(name: string): Promise<boolean> {
    const record = this.deps.registry.get(name);
    if (record.state !== 'running') return false;
    const current = await this.deps.sandboxes
      .link(record)
      .health(AGENT_PROBE_TIMEOUT_MS)
      .then(
        (health) => health.agent_version >= AGENT_VERSION,
        (error: unknown) => {
          if (error instanceof HobError && error.code === 'agent_incompatible') return false;
          throw error;
        },
      );
    if (current) return false;
    await this.restart(name);
    return true;
  }

  /** Keeps the sprite awake until `socket` closes (an attached exec, a proxy connection, a URL request). */
  holdWhileOpen(name: string, socket: Closable): void {
    const release = this.deps.registry.activity.hold(name);
    if (socket.destroyed) release();
    else socket.once('close', release);
  }

  /**
   * Runs `use` with the link to a sprite's agent, waking the sprite if it is stopped. If its
   * agent turns out not to be listening (or to have died under the connection), the sprite is
   * recovered and `use` tried once more.
   */
  async withAgent<T>(name: string, use: (link: AgentLink) => Promise<T>): Promise<T> {
    const release = this.deps.registry.activity.hold(name, 'operation');
    try {
      const link = this.deps.sandboxes.link(await this.wake(name));
      try {
        return await use(link);
      } catch (error) {
        if (!(error instanceof AgentUnreachable)) throw error;
        // A reset from an agent that still answers was not its death; restarting would kill the
        // sprite's processes for nothing.
        if (error instanceof AgentConnectionLost && (await link.answers(AGENT_PROBE_TIMEOUT_MS))) return await use(link);
      }
      return await use(this.deps.sandboxes.link(await this.recover(name)));
    } finally {
      release();
    }
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

  update(name: string, changes: SpriteChanges): SpriteRecord {
    const record = this.deps.registry.get(name);
    const { idleTimeoutMs, waitForCapacity, ...rest } = changes;
    // A new idle timeout counts from now, not from the last activity under the old one.
    if (idleTimeoutMs !== undefined) this.deps.registry.activity.touch(name);
    let config: SpriteConfig | undefined;
    if (idleTimeoutMs !== undefined) config = withIdleTimeout(record.config, idleTimeoutMs);
    if (waitForCapacity !== undefined) config = withWaitForCapacity(config ?? record.config, waitForCapacity);
    this.deps.registry.store.update(record.id, config === undefined ? rest : { ...rest, config });
    return this.deps.registry.get(name);
  }

  async destroy(name: string): Promise<void> {
    await this.deps.registry.locked(name, async () => {
      const record = this.deps.registry.get(name);
      this.deps.registry.transition(record, 'destroying');
      await this.deps.sandboxes.remove(record);
      this.deps.registry.store.delete(record.id);
      this.deps.registry.activity.forget(name);
      this.deps.log.info({ sprite: name, id: record.id }, 'sprite destroyed');
    });
  }
}

function withIdleTimeout(config: SpriteConfig, idleTimeoutMs: number | null): SpriteConfig {
  const changed = { ...config };
  if (idleTimeoutMs === null) delete changed.idleTimeoutMs;
  else changed.idleTimeoutMs = idleTimeoutMs;
  return changed;
}

function withWaitForCapacity(config: SpriteConfig, wait: boolean): SpriteConfig {
  const changed = { ...config };
  if (wait) changed.waitForCapacity = true;
  else delete changed.waitForCapacity;
  return changed;
}
