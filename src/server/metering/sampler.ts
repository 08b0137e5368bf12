import type { Logger } from 'pino';
import type { MeterableSprite, SpriteState } from '../store/sprites.js';
import type { UsageBucket, UsageStore, UsageTick } from '../store/usage.js';
import type { CgroupReading } from './cgroups.js';
import { hasCompute, hasStorage, meterCompute, meterStorage, totalCost, type Usage } from './cost.js';
import type { Prices } from './prices.js';

export interface SamplerDeps {
  /** Every user's sprite as the store has it now (spares are nobody's and are not metered). */
  sprites: () => MeterableSprite[];
  /** The cgroup of a sprite's sandbox, or null if its runtime keeps none on this host. */
  cgroupOf: (spriteId: string) => string | null;
  cgroups: { read(path: string): CgroupReading | undefined };
  /** A reader, for one sample, of the bytes charged to a quota group in the pool (null when the host cannot count them). */
  hotStorage: () => (qgroup: number) => number | null;
  store: Pick<UsageStore, 'record'>;
  prices: Prices;
  intervalMs: number;
  /** Called after each sample is stored (spend limits are checked against it). */
  afterSample?: () => void;
  log: Logger;
  /** Wall-clock milliseconds; tests drive time themselves. */
  now?: () => number;
}

/** What the last sample saw of a sprite, for /metrics. */
export interface SpriteMeterSnapshot {
  id: string;
  name: string;
  state: SpriteState;
  /** CPU time metered since this server started. */
  cpuSecondsTotal: number;
  /** Memory its processes hold (a warm sprite keeps its memory; it is not charged for it). */
  memoryBytes: number;
  hotStorageBytes: number;
}

interface Seen {
  name: string;
  state: SpriteState;
  /** The cgroup's own counter at the last sample; undefined while it has no cgroup. */
  cgroupCpuSeconds: number | undefined;
  memoryBytes: number;
  hotStorageBytes: number;
  cpuSecondsTotal: number;
  /** The name this process last wrote to the usage store for it, so a name is written once, not every sample. */
  recordedName: string | undefined;
}

/** A gap between samples longer than this or ten intervals (a suspended host, a clock set back or forward) is not charged. */
const LONGEST_METERED_GAP_MS = 60_000;

function timeOf(iso: string | null): number | undefined {
  return iso === null ? undefined : Date.parse(iso);
}

/**
 * The seconds of (fromMs, toMs] a sprite was running, from the state it is in now and the
 * times the store recorded: running since it last woke; if warm now, until it froze; if
 * stopped now after running at the last sample, until it stopped.
 */
export function runningSecondsBetween(sprite: MeterableSprite, previousState: SpriteState | undefined, fromMs: number, toMs: number): number {
  const span = (startMs: number, endMs: number) => Math.max(0, Math.min(toMs, endMs) - Math.max(fromMs, startMs)) / 1000;
  if (sprite.state === 'running') return span(timeOf(sprite.lastRunningAt) ?? fromMs, toMs);
  if (sprite.state === 'warm') return span(fromMs, timeOf(sprite.lastWarmingAt) ?? fromMs);
  return previousState === 'running' ? span(fromMs, timeOf(sprite.updatedAt) ?? fromMs) : 0;
}

/**
 * Samples every sprite every few seconds and adds what it used to the usage store: CPU and
 * memory of running sprites from their cgroups, storage of all of them from the pool's quota
 * groups. Warm sprites are frozen, so their CPU counter stands still and they pay no compute
 * (their memory is kept but not charged); cold ones have no cgroup at all. Each sample reads a
 * few small files per sprite and writes one transaction.
 */
export class UsageSampler {
  private readonly seen = new Map<string, Seen>();
  private lastTickMs: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly deps: SamplerDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Takes the first readings (nothing is charged for the time before the server started), then samples on a timer. */
  start(): void {
    this.safeTick();
    this.timer = setInterval(() => this.safeTick(), this.deps.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer after one last sample, so usage up to the shutdown is kept. */
  stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.safeTick();
  }

  snapshot(): SpriteMeterSnapshot[] {
    return [...this.seen].map(([id, seen]) => ({ id, name: seen.name, state: seen.state, cpuSecondsTotal: seen.cpuSecondsTotal, memoryBytes: seen.memoryBytes, hotStorageBytes: seen.hotStorageBytes }));
  }

  private safeTick(): void {
    try {
      this.tick();
    } catch (error) {
      this.deps.log.warn({ err: error }, 'usage sample failed; the next one will try again');
    }
    this.deps.afterSample?.();
  }

  tick(nowMs = this.now()): void {
    const lastMs = this.lastTickMs;
    this.lastTickMs = nowMs;
    const gapMs = lastMs === undefined ? 0 : nowMs - lastMs;
    const counting = lastMs !== undefined && gapMs > 0 && gapMs <= Math.max(LONGEST_METERED_GAP_MS, 10 * this.deps.intervalMs);
    if (lastMs !== undefined && !counting) this.deps.log.warn({ gapMs }, 'the clock jumped between usage samples; that time is not metered');
    const elapsedSeconds = gapMs / 1000;
    const midSec = ((lastMs ?? nowMs) + nowMs) / 2000;
    const tick: UsageTick = { buckets: [], daily: [], names: [] };
    // The interval's usage goes to the bucket its middle falls in, covering the part of the interval inside it.
    const bucket = (spriteId: string, bucketSeconds: number, usage: Usage): UsageBucket => {
      const bucketStart = Math.floor(midSec / bucketSeconds) * bucketSeconds;
      const covered = { fromSec: Math.max(bucketStart, (lastMs ?? nowMs) / 1000), untilSec: Math.min(bucketStart + bucketSeconds, nowMs / 1000) };
      return { spriteId, bucketStart, bucketSeconds, covered, usage };
    };
    const present = new Set<string>();
    const hotStorageOf = this.deps.hotStorage();
    for (const sprite of this.deps.sprites()) {
      present.add(sprite.id);
      const seen = this.seen.get(sprite.id);
      const cgroup = sprite.state === 'running' || sprite.state === 'warm' ? this.deps.cgroupOf(sprite.id) : null;
      const reading = cgroup === null ? undefined : this.deps.cgroups.read(cgroup);
      const hotStorageBytes = sprite.qgroup === null ? 0 : (hotStorageOf(sprite.qgroup) ?? 0);
      let cpuSeconds = 0;
      if (reading !== undefined && counting) {
        const before = seen?.cgroupCpuSeconds;
        // A cgroup not seen before (a sprite just booted or woken cold) counts from its start; a
        // counter that went back belongs to a new sandbox.
        cpuSeconds = before === undefined || reading.cpuSeconds < before ? reading.cpuSeconds : reading.cpuSeconds - before;
      }
      let recordedName = seen?.recordedName;
      if (counting) {
        const sample = {
          runningSeconds: runningSecondsBetween(sprite, seen?.state, lastMs, nowMs),
          cpuSeconds,
          // A sprite stopped since the last sample ran with the memory it had then.
          memoryBytes: reading?.memoryBytes ?? seen?.memoryBytes ?? 0,
          elapsedSeconds,
          hotStorageBytes,
          storageBytes: 0,
        };
        const compute = meterCompute(sample, this.deps.prices);
        const storage = meterStorage(sample, this.deps.prices);
        if (hasCompute(compute)) tick.buckets.push(bucket(sprite.id, 60, compute));
        if (hasStorage(storage)) tick.buckets.push(bucket(sprite.id, 3600, storage));
        const cost = totalCost(compute) + totalCost(storage);
        if (cost > 0) tick.daily.push({ spriteId: sprite.id, dayStart: Math.floor(midSec / 86400) * 86400, cost });
        if (recordedName !== sprite.name && (hasCompute(compute) || hasStorage(storage))) {
          tick.names.push({ spriteId: sprite.id, name: sprite.name });
          recordedName = sprite.name;
        }
      }
      this.seen.set(sprite.id, {
        name: sprite.name,
        state: sprite.state,
        cgroupCpuSeconds: reading?.cpuSeconds,
        memoryBytes: reading?.memoryBytes ?? 0,
        hotStorageBytes,
        cpuSecondsTotal: (seen?.cpuSecondsTotal ?? 0) + cpuSeconds,
        recordedName,
      });
    }
    for (const id of this.seen.keys()) if (!present.has(id)) this.seen.delete(id);
    if (tick.buckets.length > 0 || tick.names.length > 0) this.deps.store.record(tick);
  }
}
