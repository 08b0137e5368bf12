import type { Prices } from './prices.js';

/** The GB of the price list: 2^30 bytes. */
export const GB_BYTES = 2 ** 30;

/** What one sprite did during one sampling interval, as measured. */
export interface IntervalSample {
  /** The part of the interval it was running: compute minimums apply to these seconds. */
  readonly runningSeconds: number;
  /** CPU time its processes used. */
  readonly cpuSeconds: number;
  /** Memory it held while running. */
  readonly memoryBytes: number;
  /** The whole interval: storage is charged for all of it, whatever the sprite's state. */
  readonly elapsedSeconds: number;
  /** Its bytes in the local pool. */
  readonly hotStorageBytes: number;
  /** Its bytes in the durable tier (none until that tier exists). */
  readonly storageBytes: number;
}

/** Usage as it is stored and reported: quantities measured, quantities billed and their cost. */
export interface Usage {
  runningSeconds: number;
  cpuSeconds: number;
  billedCpuSeconds: number;
  memoryGbSeconds: number;
  /** The highest memory sample; for many sprites at once, the sum of theirs. */
  memoryPeakBytes: number;
  billedMemoryGbSeconds: number;
  hotStorageGbSeconds: number;
  storageGbSeconds: number;
  costCpu: number;
  costMemory: number;
  costHotStorage: number;
  costStorage: number;
}

export const USAGE_FIELDS = [
  'runningSeconds',
  'cpuSeconds',
  'billedCpuSeconds',
  'memoryGbSeconds',
  'memoryPeakBytes',
  'billedMemoryGbSeconds',
  'hotStorageGbSeconds',
  'storageGbSeconds',
  'costCpu',
  'costMemory',
  'costHotStorage',
  'costStorage',
] as const satisfies readonly (keyof Usage)[];

export function zeroUsage(): Usage {
  return { runningSeconds: 0, cpuSeconds: 0, billedCpuSeconds: 0, memoryGbSeconds: 0, memoryPeakBytes: 0, billedMemoryGbSeconds: 0, hotStorageGbSeconds: 0, storageGbSeconds: 0, costCpu: 0, costMemory: 0, costHotStorage: 0, costStorage: 0 };
}

export function totalCost(usage: Usage): number {
  return usage.costCpu + usage.costMemory + usage.costHotStorage + usage.costStorage;
}

/** Adds usage that came later in time, weighted (the share of a longer bucket); the peak is the higher of the two. */
export function addUsage(into: Usage, part: Usage, weight = 1): void {
  for (const field of USAGE_FIELDS) {
    if (field === 'memoryPeakBytes') into[field] = Math.max(into[field], part[field]);
    else into[field] += part[field] * weight;
  }
}

/**
 * The compute part of an interval: CPU and memory, each billed at least at its minimum for
 * the seconds the sprite ran. The minimum is applied per interval (a few seconds), which is
 * what "for every second it runs" comes to at that resolution.
 */
export function meterCompute(sample: IntervalSample, prices: Prices): Usage {
  const billedCpuSeconds = Math.max(sample.cpuSeconds, prices.cpuMinimumCpus * sample.runningSeconds);
  const memoryGb = sample.memoryBytes / GB_BYTES;
  const billedMemoryGbSeconds = Math.max(memoryGb, prices.memoryMinimumGb) * sample.runningSeconds;
  return {
    ...zeroUsage(),
    runningSeconds: sample.runningSeconds,
    cpuSeconds: sample.cpuSeconds,
    billedCpuSeconds,
    memoryGbSeconds: memoryGb * sample.runningSeconds,
    memoryPeakBytes: sample.runningSeconds > 0 ? sample.memoryBytes : 0,
    billedMemoryGbSeconds,
    costCpu: (billedCpuSeconds / 3600) * prices.cpuPerCpuHour,
    costMemory: (billedMemoryGbSeconds / 3600) * prices.memoryPerGbHour,
  };
}

/** The storage part of an interval: bytes held for all of it, in whatever state. */
export function meterStorage(sample: IntervalSample, prices: Prices): Usage {
  const hotStorageGbSeconds = (sample.hotStorageBytes / GB_BYTES) * sample.elapsedSeconds;
  const storageGbSeconds = (sample.storageBytes / GB_BYTES) * sample.elapsedSeconds;
  return {
    ...zeroUsage(),
    hotStorageGbSeconds,
    storageGbSeconds,
    costHotStorage: (hotStorageGbSeconds / 3600) * prices.hotStoragePerGbHour,
    costStorage: (storageGbSeconds / 3600) * prices.storagePerGbHour,
  };
}

export function hasCompute(usage: Usage): boolean {
  return usage.runningSeconds > 0 || usage.cpuSeconds > 0;
}

export function hasStorage(usage: Usage): boolean {
  return usage.hotStorageGbSeconds > 0 || usage.storageGbSeconds > 0;
}
