import { Nullable, RequestObject, Timestamp } from './common.js';
import { Type } from './type.js';

export const UsageQuery = RequestObject({
  from: Type.Optional(Type.String({ description: 'Start, RFC 3339 (`2026-01-02T03:04:05Z`) or a UTC date (`2026-01-02`); rounded down to a whole step. Default: 24 hours before `to`.' })),
  to: Type.Optional(Type.String({ description: 'End (exclusive), same forms; rounded up to a whole step. Default: now.' })),
  step: Type.Optional(
    Type.String({ description: 'Width of each point: a whole number of minutes, as a duration (`1m`, `15m`, `1h`, `1d`) or seconds. Default: the smallest of 1m, 5m, 15m, 30m, 1h, 3h, 6h, 12h, 1d, 7d that gives at most 120 points.' }),
  ),
});

const Money = (description: string) => Type.Number({ description });

export const UsageCost = Type.Object(
  {
    cpu: Money('CPU'),
    memory: Money('Memory'),
    hot_storage: Money('Bytes in the local pool'),
    storage: Money('Bytes in the durable tier'),
    total: Money('All of the above'),
  },
  { title: 'UsageCost', description: 'What the usage cost, in `currency`, at the prices in force when it was used.' },
);

export const UsageAmounts = Type.Object(
  {
    running_seconds: Type.Number({ description: 'Time it was running (awake, not warm or cold).' }),
    cpu_seconds: Type.Number({ description: 'CPU time its processes used.' }),
    billed_cpu_seconds: Type.Number({ description: 'CPU time charged: at least the minimum share of one CPU for every second it ran.' }),
    memory_gb_seconds: Type.Number({ description: 'Memory held while running, in GB-seconds (a GB is 2^30 bytes); divide by a span to get the average over it.' }),
    memory_peak_bytes: Type.Number({ description: 'The highest memory sample; over many sprites, the sum of their peaks.' }),
    billed_memory_gb_seconds: Type.Number({ description: 'Memory charged: at least the minimum for every second it ran.' }),
    hot_storage_gb_seconds: Type.Number({ description: 'Bytes in the local pool (its files and checkpoints), in GB-seconds, whatever its state.' }),
    storage_gb_seconds: Type.Number({ description: 'Bytes in the durable tier, in GB-seconds (none until that tier exists).' }),
    cost: UsageCost,
  },
  { title: 'UsageAmounts' },
);

export const UsagePoint = Type.Object(
  { start: Timestamp('Start of this step.'), ...UsageAmounts.properties },
  { title: 'UsagePoint' },
);

export const CostToDate = Type.Object(
  {
    day_start: Timestamp('Midnight UTC today.'),
    month_start: Timestamp('Midnight UTC on the first of this month.'),
    today: Money('Spent since day_start.'),
    month: Money('Spent since month_start.'),
  },
  { title: 'CostToDate', description: 'Spent so far today and this month (UTC days), whatever range was asked for.' },
);

export const DiskUse = Type.Object(
  {
    used_bytes: Nullable(Type.Integer({ description: 'Bytes it holds in the pool now, its checkpoints included (the sprite\'s `storage.exclusive_bytes`); null when the host cannot count.' })),
    limit_bytes: Type.Integer({ description: 'Its `storage_gb` limit, in bytes: writes past it fail inside the sprite with "disk quota exceeded".' }),
  },
  { title: 'DiskUse', description: 'Disk use now, against its limit.' },
);

export const SpendLimits = Type.Object(
  {
    daily: Nullable(Type.Number({ description: 'The daily spend limit in force (null: none).' })),
    monthly: Nullable(Type.Number({ description: 'The monthly spend limit in force (null: none).' })),
  },
  { title: 'SpendLimits', description: 'For a sprite, its own spend limit; for the server, the server\'s (GET /v1/limits).' },
);

const reportFields = {
  from: Timestamp('Start of the first point.'),
  to: Timestamp('End of the last point (exclusive).'),
  step_seconds: Type.Integer({ description: 'Width of each point.' }),
  currency: Type.String({ description: 'Of every cost, from the price file (USD by default).' }),
  totals: UsageAmounts,
  points: Type.Array(UsagePoint, { description: 'One per step from `from` to `to`, empty steps included; they add up to `totals`.' }),
  to_date: CostToDate,
  spend_limit: SpendLimits,
};

export const SpriteUsage = Type.Object(
  { sprite: Type.String({ description: 'The sprite name.' }), ...reportFields, disk: DiskUse },
  { title: 'SpriteUsage', description: 'A sprite’s usage over a range of time.' },
);

export const SpriteUsageTotal = Type.Object(
  {
    name: Type.String(),
    id: Type.String(),
    deleted: Type.Boolean({ description: 'Destroyed since: what it used stays, was paid for, and counts in the totals.' }),
    totals: UsageAmounts,
    disk: Type.Union([DiskUse, Type.Null()], { description: 'Null for a destroyed sprite.' }),
  },
  { title: 'SpriteUsageTotal' },
);

export const ServerUsage = Type.Object(
  {
    ...reportFields,
    sprites: Type.Array(SpriteUsageTotal, { description: 'Each sprite that used anything in the range, destroyed ones included, most costly first.' }),
  },
  { title: 'ServerUsage', description: 'Usage of every sprite over a range of time: the same shape as a sprite’s, with a line per sprite.' },
);
