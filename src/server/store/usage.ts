import { USAGE_FIELDS, zeroUsage, type Usage } from '../metering/cost.js';
import type { Db } from './db.js';

/** Usage of one sprite in one bucket of time: a minute of compute, or an hour of storage. */
export interface UsageBucket {
  spriteId: string;
  /** Unix seconds. */
  bucketStart: number;
  bucketSeconds: number;
  /**
   * The part of the bucket the usage was sampled in (unix seconds), which a report spreads it
   * over: an hour of storage that has run 10 minutes so far belongs to those 10 minutes, not to
   * the hour. Default: the whole bucket.
   */
  covered?: { fromSec: number; untilSec: number };
  usage: Usage;
}

/** A bucket as read back: its coverage always known. */
export type StoredBucket = Omit<UsageBucket, 'spriteId' | 'covered'> & { covered: { fromSec: number; untilSec: number } };

/** What one sampling tick adds, written all at once. */
export interface UsageTick {
  buckets: UsageBucket[];
  /** Each sprite's cost in the tick, by UTC day (unix seconds of its midnight). */
  daily: { spriteId: string; dayStart: number; cost: number }[];
  /** Sprites seen for the first time by this server process, so their usage keeps a name after they are gone. */
  names: { spriteId: string; name: string }[];
}

export interface SpriteUsageTotal {
  spriteId: string;
  name: string;
  /** The sprite has been destroyed; its usage stays. */
  deleted: boolean;
  usage: Usage;
}

/** Length of the longest bucket (an hour): rows that start this much before a range may reach into it. */
export const MAX_BUCKET_SECONDS = 3600;

const columnOf = (field: keyof Usage): string => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const COLUMNS = USAGE_FIELDS.map(columnOf);
/** Peaks are the largest of the parts, not their sum. */
const merge = (column: string, into: string, from: string): string => (column === 'memory_peak_bytes' ? `MAX(${into}, ${from})` : `${into} + ${from}`);
const ADD_ON_CONFLICT = [
  'covered_from = MIN(covered_from, excluded.covered_from)',
  'covered_until = MAX(covered_until, excluded.covered_until)',
  ...COLUMNS.map((c) => `${c} = ${merge(c, c, `excluded.${c}`)}`),
].join(', ');
/** Summed over sprites, peaks too: the most that all of them held at once, at most. */
const SUMS = COLUMNS.map((c) => `SUM(${c}) AS ${c}`).join(', ');

type Row = Record<string, number>;

function usageOf(row: Row): Usage {
  const usage = zeroUsage();
  for (const field of USAGE_FIELDS) usage[field] = row[columnOf(field)] ?? 0;
  return usage;
}

/**
 * Per-sprite usage: compute by the minute, storage by the hour, and each sprite's cost by day.
 * Minute rows older than the retention are folded into hourly ones (`compact`). The daily
 * costs make "spent today / this month" a sum of at most 31 rows a sprite, which is what a
 * spend limit reads.
 */
export class UsageStore {
  constructor(private readonly db: Db) {}

  record(tick: UsageTick): void {
    const bucket = this.db.prepare(
      `INSERT INTO usage_buckets (sprite_id, bucket_start, bucket_seconds, covered_from, covered_until, ${COLUMNS.join(', ')}) VALUES (?, ?, ?, ?, ?, ${COLUMNS.map(() => '?').join(', ')})
       ON CONFLICT (sprite_id, bucket_start, bucket_seconds) DO UPDATE SET ${ADD_ON_CONFLICT}`,
    );
    const daily = this.db.prepare('INSERT INTO usage_daily (sprite_id, day_start, cost) VALUES (?, ?, ?) ON CONFLICT (sprite_id, day_start) DO UPDATE SET cost = cost + excluded.cost');
    const name = this.db.prepare('INSERT INTO usage_sprites (sprite_id, name) VALUES (?, ?) ON CONFLICT (sprite_id) DO UPDATE SET name = excluded.name');
    this.db.transaction(() => {
      for (const row of tick.buckets) {
        const covered = row.covered ?? { fromSec: row.bucketStart, untilSec: row.bucketStart + row.bucketSeconds };
        bucket.run(row.spriteId, row.bucketStart, row.bucketSeconds, covered.fromSec, covered.untilSec, ...USAGE_FIELDS.map((field) => row.usage[field]));
      }
      for (const row of tick.daily) daily.run(row.spriteId, row.dayStart, row.cost);
      for (const row of tick.names) name.run(row.spriteId, row.name);
    })();
  }

  /** Rows that overlap [fromSec, toSec), of one sprite or summed over all of them per bucket (covering what any of them covers). */
  buckets(fromSec: number, toSec: number, spriteId?: string): StoredBucket[] {
    const rows = (
      spriteId === undefined
        ? this.db
            .prepare(
              `SELECT bucket_start, bucket_seconds, MIN(covered_from) AS covered_from, MAX(covered_until) AS covered_until, ${SUMS}
               FROM usage_buckets WHERE bucket_start > ? AND bucket_start < ? GROUP BY bucket_start, bucket_seconds ORDER BY bucket_start`,
            )
            .all(fromSec - MAX_BUCKET_SECONDS, toSec)
        : this.db
            .prepare(`SELECT * FROM usage_buckets WHERE sprite_id = ? AND bucket_start > ? AND bucket_start < ? ORDER BY bucket_start`)
            .all(spriteId, fromSec - MAX_BUCKET_SECONDS, toSec)
    ) as Row[]; // the columns selected above
    return rows
      .filter((row) => (row.covered_until ?? 0) > fromSec)
      .map((row) => ({ bucketStart: row.bucket_start ?? 0, bucketSeconds: row.bucket_seconds ?? 0, covered: { fromSec: row.covered_from ?? 0, untilSec: row.covered_until ?? 0 }, usage: usageOf(row) }));
  }

  /** Each sprite's usage in [fromSec, toSec); a row whose coverage is partly inside counts for that share. */
  bySprite(fromSec: number, toSec: number): SpriteUsageTotal[] {
    const weighted = COLUMNS.map((c) => (c === 'memory_peak_bytes' ? `MAX(${c}) AS ${c}` : `SUM(${c} * share) AS ${c}`)).join(', ');
    const rows = this.db
      .prepare(
        `SELECT u.sprite_id, n.name, s.id IS NULL AS deleted, ${weighted}
         FROM (SELECT *, CASE WHEN covered_until > covered_from THEN (MIN(covered_until, ?) - MAX(covered_from, ?)) / (covered_until - covered_from)
                              ELSE covered_from >= ? AND covered_from < ? END AS share
               FROM usage_buckets WHERE bucket_start > ? AND bucket_start < ?) AS u
         LEFT JOIN usage_sprites AS n ON n.sprite_id = u.sprite_id
         LEFT JOIN sprites AS s ON s.id = u.sprite_id
         WHERE share > 0
         GROUP BY u.sprite_id`,
      )
      .all(toSec, fromSec, fromSec, toSec, fromSec - MAX_BUCKET_SECONDS, toSec) as (Row & { sprite_id: string; name: string | null })[]; // the columns selected above
    return rows.map((row) => ({ spriteId: row.sprite_id, name: row.name ?? row.sprite_id, deleted: row.deleted === 1, usage: usageOf(row) }));
  }

  /** Cost from `dayStart` and from `monthStart` (unix seconds of UTC midnights), of one sprite or of all. */
  costSince(dayStart: number, monthStart: number, spriteId?: string): { day: number; month: number } {
    const sums = 'COALESCE(SUM(CASE WHEN day_start >= ? THEN cost END), 0) AS day, COALESCE(SUM(cost), 0) AS month';
    const row = (
      spriteId === undefined
        ? this.db.prepare(`SELECT ${sums} FROM usage_daily WHERE day_start >= ?`).get(dayStart, monthStart)
        : this.db.prepare(`SELECT ${sums} FROM usage_daily WHERE sprite_id = ? AND day_start >= ?`).get(dayStart, spriteId, monthStart)
    ) as { day: number; month: number }; // an aggregate always yields one row
    return row;
  }

  /**
   * Folds minute rows that start before `beforeSec` (an hour boundary) into hourly rows, at most
   * `maxHours` hours of them (the oldest first) so one call never holds the database for long.
   * Returns how many minute rows it folded.
   */
  compact(beforeSec: number, maxHours = 24): number {
    const oldest = this.db.prepare('SELECT MIN(bucket_start) AS start FROM usage_buckets WHERE bucket_seconds = 60').get() as { start: number | null }; // an aggregate always yields one row
    if (oldest.start === null || oldest.start >= beforeSec) return 0;
    const until = Math.min(beforeSec, Math.floor(oldest.start / 3600) * 3600 + maxHours * 3600);
    return this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO usage_buckets (sprite_id, bucket_start, bucket_seconds, covered_from, covered_until, ${COLUMNS.join(', ')})
           SELECT sprite_id, bucket_start - bucket_start % 3600, 3600, MIN(covered_from), MAX(covered_until), ${COLUMNS.map((c) => (c === 'memory_peak_bytes' ? `MAX(${c})` : `SUM(${c})`)).join(', ')}
           FROM usage_buckets WHERE bucket_seconds = 60 AND bucket_start < ?
           GROUP BY sprite_id, bucket_start - bucket_start % 3600
           ON CONFLICT (sprite_id, bucket_start, bucket_seconds) DO UPDATE SET ${ADD_ON_CONFLICT}`,
        )
        .run(until);
      return this.db.prepare('DELETE FROM usage_buckets WHERE bucket_seconds = 60 AND bucket_start < ?').run(until).changes;
    })();
  }
}
