import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { SpriteRecord } from '../store/sprites.js';
import type { SpriteLifecycle } from './lifecycle.js';
import type { SpriteRegistry } from './registry.js';

export interface SleepPolicy {
  /** Running without activity this long → warm, unless the sprite has its own. 0: never. */
  idleTimeoutMs: number;
  /** Warm this long → cold. 0: never (only memory pressure). */
  coldAfterMs: number;
  /** Below this much available host memory, warm sprites go cold, least recently used first. 0: never. */
  minAvailableBytes: number;
}

export interface SleeperDeps {
  registry: SpriteRegistry;
  lifecycle: SpriteLifecycle;
  policy: SleepPolicy;
  /** Packets through the sprite's link so far (both ways), or undefined without one. */
  packets(spriteId: string): number | undefined;
  /** Whether something registered inside the sprite (a task) keeps it awake. */
  heldBySprite?(spriteId: string): boolean;
  /** The host's available memory (bytes); /proc/meminfo by default. */
  availableBytes?(): number;
  log: Logger;
}

/** The sweep runs this often at most, and at least four times per idle timeout. */
const MAX_SWEEP_INTERVAL_MS = 1000;
const MIN_SWEEP_INTERVAL_MS = 50;

/**
 * Puts idle sprites to sleep. A running sprite is idle when nothing holds it (see
 * ActivityTracker: attached execs, open URL requests and proxy connections, operations under
 * way, live tasks) and neither it nor its network has done anything for the idle timeout;
 * then it goes warm. A warm sprite goes cold after `coldAfterMs`, or sooner, least recently
 * used first, while the host is short of memory. Waking is not done here: any use wakes a
 * sprite (SpriteLifecycle.wake).
 */
export class Sleeper {
  private timer: NodeJS.Timeout | undefined;
  private sweeping = false;
  /** The packet count each running sprite had at the last sweep. */
  private readonly packetsSeen = new Map<string, number>();

  constructor(private readonly deps: SleeperDeps) {}

  get intervalMs(): number {
    const { idleTimeoutMs } = this.deps.policy;
    return Math.max(MIN_SWEEP_INTERVAL_MS, Math.min(MAX_SWEEP_INTERVAL_MS, idleTimeoutMs > 0 ? Math.floor(idleTimeoutMs / 4) : MAX_SWEEP_INTERVAL_MS));
  }

  /** Runs even when the server's policy never sleeps anything: a sprite may have its own idle timeout. */
  start(): void {
    this.timer = setInterval(() => void this.sweep(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One look at every sprite; a sweep still running when the next is due is not doubled. */
  async sweep(now = Date.now()): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const records = this.deps.registry.store.awake();
      for (const record of records) {
        try {
          if (record.state === 'running') await this.considerRunning(record, now);
          else if (record.state === 'warm') await this.considerWarm(record, now);
        } catch (error) {
          this.deps.log.warn({ sprite: record.name, err: error }, 'could not put an idle sprite to sleep');
        }
      }
      await this.relieveMemory(records);
    } finally {
      this.sweeping = false;
    }
  }

  private async considerRunning(record: SpriteRecord, now: number): Promise<void> {
    const { activity } = this.deps.registry;
    const packets = this.deps.packets(record.id);
    if (packets !== undefined && packets !== this.packetsSeen.get(record.id)) {
      // Traffic since the last look (or the first look since it woke) is activity.
      if (this.packetsSeen.has(record.id)) activity.touch(record.name);
      this.packetsSeen.set(record.id, packets);
    }
    if (this.deps.heldBySprite?.(record.id) === true) activity.touch(record.name);
    const idleTimeoutMs = record.config.idleTimeoutMs ?? this.deps.policy.idleTimeoutMs;
    if (idleTimeoutMs === 0 || activity.held(record.name) || now - activity.lastActive(record.name) < idleTimeoutMs) return;
    const stillIdle = () => !activity.held(record.name) && Date.now() - activity.lastActive(record.name) >= idleTimeoutMs;
    if (await this.deps.lifecycle.freeze(record.name, stillIdle)) this.packetsSeen.delete(record.id);
  }

  private async considerWarm(record: SpriteRecord, now: number): Promise<void> {
    const { coldAfterMs } = this.deps.policy;
    if (coldAfterMs === 0 || now - warmSince(record) < coldAfterMs) return;
    // Something on its way in (an exec waking it) keeps it from going cold under its feet.
    await this.deps.lifecycle.cool(record.name, () => this.deps.registry.get(record.name).state === 'warm' && !this.deps.registry.activity.held(record.name));
  }

  /** While memory is short, the warm sprite asleep longest goes cold (one per sweep, so the host can catch up). */
  private async relieveMemory(records: SpriteRecord[]): Promise<void> {
    const { minAvailableBytes } = this.deps.policy;
    if (minAvailableBytes === 0) return;
    const available = (this.deps.availableBytes ?? memAvailableBytes)();
    if (available >= minAvailableBytes) return;
    const oldest = records.filter((r) => r.state === 'warm').sort((a, b) => warmSince(a) - warmSince(b))[0];
    if (oldest === undefined) return;
    this.deps.log.info({ sprite: oldest.name, availableBytes: available, minAvailableBytes }, 'host memory is short; a warm sprite goes cold');
    await this.deps.lifecycle.cool(oldest.name, () => this.deps.registry.get(oldest.name).state === 'warm');
  }
}

function warmSince(record: SpriteRecord): number {
  return Date.parse(record.lastWarmingAt ?? record.updatedAt);
}

function memAvailableBytes(): number {
  const match = /^MemAvailable:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  return match === null ? Number.POSITIVE_INFINITY : Number(match[1]) * 1024;
}
