import type { Static } from '@sinclair/typebox';
import type { CostToDate, ServerUsage, SpriteUsage, SpriteUsageTotal, UsageAmounts } from '../../shared/schemas/usage.js';
import type { UsageStore } from '../store/usage.js';
import { addUsage, totalCost, zeroUsage, type Usage } from './cost.js';
import type { Prices } from './prices.js';
import type { UsageRange } from './range.js';

type AmountsJson = Static<typeof UsageAmounts>;
/** What the API adds to a report from outside the usage store: disk use now and the spend limit. */
type Current = 'disk' | 'spend_limit';
type ReportJson = Omit<Static<typeof SpriteUsage>, 'sprite' | Current>;
export type ServerReportJson = Omit<Static<typeof ServerUsage>, 'sprites' | Current> & { sprites: Omit<Static<typeof SpriteUsageTotal>, 'disk'>[] };

/** Cost so far today and this month (UTC), as a spend limit reads it. */
export interface SpentSoFar {
  today: number;
  month: number;
  dayStartMs: number;
  monthStartMs: number;
}

export function amountsJson(usage: Usage): AmountsJson {
  return {
    running_seconds: usage.runningSeconds,
    cpu_seconds: usage.cpuSeconds,
    billed_cpu_seconds: usage.billedCpuSeconds,
    memory_gb_seconds: usage.memoryGbSeconds,
    memory_peak_bytes: Math.round(usage.memoryPeakBytes),
    billed_memory_gb_seconds: usage.billedMemoryGbSeconds,
    hot_storage_gb_seconds: usage.hotStorageGbSeconds,
    storage_gb_seconds: usage.storageGbSeconds,
    cost: { cpu: usage.costCpu, memory: usage.costMemory, hot_storage: usage.costHotStorage, storage: usage.costStorage, total: totalCost(usage) },
  };
}

/**
 * Usage as the API reports it: points of a range, their totals, and the cost so far today and
 * this month. Rows longer than a step (hourly storage, compacted compute) are spread over the
 * steps of the time they were sampled in, in proportion, so the points always add up to the totals.
 */
export class UsageReports {
  constructor(private readonly deps: { store: UsageStore; prices: Prices; now?: () => number }) {}

  private get nowMs(): number {
    return (this.deps.now ?? Date.now)();
  }

  forSprite(spriteId: string, range: UsageRange): ReportJson {
    return this.report(range, spriteId);
  }

  forServer(range: UsageRange): ServerReportJson {
    const sprites = this.deps.store
      .bySprite(range.fromSec, range.toSec)
      .map((entry) => ({ name: entry.name, id: entry.spriteId, deleted: entry.deleted, totals: amountsJson(entry.usage) }))
      .sort((a, b) => b.totals.cost.total - a.totals.cost.total || a.name.localeCompare(b.name));
    return { ...this.report(range), sprites };
  }

  /** Spent today and this month, by one sprite or by all: a sum over at most 31 daily rows each. */
  spentSoFar(spriteId?: string, nowMs = this.nowMs): SpentSoFar {
    const now = new Date(nowMs);
    const dayStartMs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    const monthStartMs = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
    const { day, month } = this.deps.store.costSince(dayStartMs / 1000, monthStartMs / 1000, spriteId);
    return { today: day, month, dayStartMs, monthStartMs };
  }

  private report(range: UsageRange, spriteId?: string): ReportJson {
    const { fromSec, toSec, stepSec } = range;
    const points = Array.from({ length: (toSec - fromSec) / stepSec }, () => zeroUsage());
    for (const row of this.deps.store.buckets(fromSec, toSec, spriteId)) {
      // Spread over the time it was sampled in; a row sampled at one instant goes to that step whole.
      const { fromSec: spanStart, untilSec: spanEnd } = row.covered;
      const first = Math.floor((spanStart - fromSec) / stepSec);
      if (spanEnd <= spanStart) {
        const point = points[first];
        if (point !== undefined) addUsage(point, row.usage);
        continue;
      }
      for (let index = Math.max(0, first); index < points.length && fromSec + index * stepSec < spanEnd; index++) {
        const start = fromSec + index * stepSec;
        const overlap = Math.min(spanEnd, start + stepSec) - Math.max(spanStart, start);
        const point = points[index];
        if (overlap > 0 && point !== undefined) addUsage(point, row.usage, overlap / (spanEnd - spanStart));
      }
    }
    const totals = zeroUsage();
    for (const point of points) addUsage(totals, point);
    const spent = this.spentSoFar(spriteId);
    return {
      from: new Date(fromSec * 1000).toISOString(),
      to: new Date(toSec * 1000).toISOString(),
      step_seconds: stepSec,
      currency: this.deps.prices.currency,
      totals: amountsJson(totals),
      points: points.map((point, index) => ({ start: new Date((fromSec + index * stepSec) * 1000).toISOString(), ...amountsJson(point) })),
      to_date: costToDateJson(spent),
    };
  }
}

export function costToDateJson(spent: SpentSoFar): Static<typeof CostToDate> {
  return { day_start: new Date(spent.dayStartMs).toISOString(), month_start: new Date(spent.monthStartMs).toISOString(), today: spent.today, month: spent.month };
}
