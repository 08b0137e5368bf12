import { pino } from 'pino';
import type { MeterableSprite } from '../store/sprites.js';
import type { CgroupReading } from './cgroups.js';

export const silentLog = pino({ level: 'silent' });

/** A sprite as the sampler reads it from the store, running since `sinceMs` unless told otherwise. */
export function meterable(id: string, fields: Partial<MeterableSprite> & { sinceMs?: number } = {}): MeterableSprite {
  const since = new Date(fields.sinceMs ?? 0).toISOString();
  return { id, name: `sprite-${id}`, state: 'running', qgroup: null, lastRunningAt: since, lastWarmingAt: null, updatedAt: since, ...fields };
}

/** Cgroup counters a test moves by hand: CPU seconds accumulate, memory is what it is set to. */
export class FakeCgroups {
  readonly readings = new Map<string, CgroupReading>();

  set(path: string, reading: CgroupReading): void {
    this.readings.set(path, reading);
  }

  burn(path: string, cpuSeconds: number, memoryBytes: number): void {
    const before = this.readings.get(path)?.cpuSeconds ?? 0;
    this.readings.set(path, { cpuSeconds: before + cpuSeconds, memoryBytes });
  }

  read(path: string): CgroupReading | undefined {
    return this.readings.get(path);
  }
}
