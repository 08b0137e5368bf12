import assert from 'node:assert/strict';
import test, { type TestContext } from 'node:test';
import { zeroUsage, type Usage } from '../metering/cost.js';
import { LIST_PRICES } from '../metering/prices.js';
import { UsageReports } from '../metering/reports.js';
import { newSpriteRecord } from '../sprites/records.js';
import { openDatabase } from './db.js';
import { SpriteStore } from './sprites.js';
import { UsageStore } from './usage.js';

const HOUR = 3600;
const T0 = Date.UTC(2026, 2, 10) / 1000;

function usage(fields: Partial<Usage>): Usage {
  return { ...zeroUsage(), ...fields };
}

/** Deep equality with numbers compared to 1e-9 of their size: sums in another order round differently. */
function assertClose(actual: unknown, expected: unknown, path = ''): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${path}: ${actual} is not ${expected}`);
  } else if (typeof expected === 'object' && expected !== null && typeof actual === 'object' && actual !== null) {
    assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), path);
    for (const [key, value] of Object.entries(expected)) assertClose((actual as Record<string, unknown>)[key], value, `${path}.${key}`); // keys checked equal above
  } else {
    assert.equal(actual, expected, path);
  }
}

function setup(t: TestContext) {
  const db = openDatabase(':memory:');
  t.after(() => db.close());
  const store = new UsageStore(db);
  const sprites = new SpriteStore(db);
  sprites.insert(
    newSpriteRecord({ id: 'live', name: 'alive', image: 'tiny', state: 'running', config: { ramMiB: 256, cpus: 1, pidsMax: 100, storageGiB: 1, region: 'local' }, environment: {}, labels: [], urlSettings: { auth: 'sprite' }, qgroup: null, forkedFrom: null }),
  );
  const reports = new UsageReports({ store, prices: LIST_PRICES, now: () => (T0 + 3 * HOUR) * 1000 });
  return { db, store, reports };
}

/** Two hours of a minute's compute every minute, with a growing memory peak, and an hourly storage row. */
function twoHours(store: UsageStore, spriteId: string): void {
  for (let minute = 0; minute < 120; minute++) {
    store.record({
      buckets: [{ spriteId, bucketStart: T0 + minute * 60, bucketSeconds: 60, usage: usage({ runningSeconds: 60, cpuSeconds: 6, memoryPeakBytes: minute, costCpu: 0.001 }) }],
      daily: [{ spriteId, dayStart: T0, cost: 0.001 }],
      names: minute === 0 ? [{ spriteId, name: `name-${spriteId}` }] : [],
    });
  }
  for (const hour of [0, 1]) {
    store.record({ buckets: [{ spriteId, bucketStart: T0 + hour * HOUR, bucketSeconds: HOUR, usage: usage({ hotStorageGbSeconds: 3600, costHotStorage: 0.000683 }) }], daily: [], names: [] });
  }
}

test('a tick adds to the rows it falls in; records of one bucket add up, peaks keep the highest', (t) => {
  const { store } = setup(t);
  for (const peak of [5, 9, 7]) {
    store.record({ buckets: [{ spriteId: 'live', bucketStart: T0, bucketSeconds: 60, usage: usage({ runningSeconds: 5, cpuSeconds: 1, memoryPeakBytes: peak }) }], daily: [], names: [] });
  }
  const [row] = store.buckets(T0, T0 + 60, 'live');
  assert.equal(row?.usage.runningSeconds, 15);
  assert.equal(row.usage.cpuSeconds, 3);
  assert.equal(row.usage.memoryPeakBytes, 9);
});

test('compaction folds minutes older than the cut into hours, losing nothing but resolution', (t) => {
  const { store, reports } = setup(t);
  twoHours(store, 'live');
  const range = { fromSec: T0, toSec: T0 + 2 * HOUR, stepSec: HOUR };
  const before = reports.forSprite('live', range);

  assert.equal(store.compact(T0 + HOUR), 60, 'the first hour of minutes is folded');
  assert.equal(store.compact(T0 + HOUR), 0, 'and only once');
  const rows = store.buckets(T0, T0 + 2 * HOUR, 'live');
  assert.deepEqual(
    rows.map((row) => [row.bucketStart - T0, row.bucketSeconds]),
    [[0, HOUR], ...Array.from({ length: 60 }, (_, i) => [HOUR + i * 60, 60]), [HOUR, HOUR]].sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0) || (a[1] ?? 0) - (b[1] ?? 0)),
  );
  const folded = rows[0]?.usage;
  assert.ok(folded !== undefined);
  assert.equal(folded.runningSeconds, 3600);
  assert.equal(folded.cpuSeconds, 360);
  assert.equal(folded.memoryPeakBytes, 59, 'the peak of the hour');
  assert.equal(folded.hotStorageGbSeconds, 3600, 'folded into the hour that held its storage');

  const after = reports.forSprite('live', range);
  assertClose(after.points, before.points);
  assertClose(after.totals, before.totals);
});

test('an hourly row is spread over finer steps in proportion to time, so the points still add up', (t) => {
  const { store, reports } = setup(t);
  twoHours(store, 'live');
  store.compact(T0 + HOUR);
  const report = reports.forSprite('live', { fromSec: T0, toSec: T0 + HOUR, stepSec: 900 });
  assert.equal(report.points.length, 4);
  for (const point of report.points) {
    assert.ok(Math.abs(point.cpu_seconds - 90) < 1e-9);
    assert.ok(Math.abs(point.hot_storage_gb_seconds - 900) < 1e-9);
  }
  assert.ok(Math.abs(report.totals.cpu_seconds - 360) < 1e-9);
  // A range that starts half-way into an hourly row gets half of it.
  const half = reports.forSprite('live', { fromSec: T0 + 1800, toSec: T0 + HOUR, stepSec: 1800 });
  assert.ok(Math.abs(half.totals.cpu_seconds - 180) < 1e-9);
});

test("a destroyed sprite's usage stays, under its name, marked deleted, and counts in the server's totals", (t) => {
  const { store, reports } = setup(t);
  twoHours(store, 'live');
  twoHours(store, 'gone');
  const server = reports.forServer({ fromSec: T0, toSec: T0 + 2 * HOUR, stepSec: HOUR });
  assert.deepEqual(
    server.sprites.map((s) => [s.name, s.id, s.deleted]),
    [
      ['name-gone', 'gone', true],
      ['name-live', 'live', false],
    ],
  );
  const one = reports.forSprite('live', { fromSec: T0, toSec: T0 + 2 * HOUR, stepSec: HOUR });
  assert.ok(Math.abs(server.totals.cost.total - 2 * one.totals.cost.total) < 1e-12);
  assert.ok(Math.abs(server.points.reduce((sum, p) => sum + p.cpu_seconds, 0) - 2 * 720) < 1e-9);
  assert.equal(server.totals.memory_peak_bytes, 2 * 119, 'peaks of sprites running at once add up');
});

test('spent today and this month come from the daily rows, by sprite or in all', (t) => {
  const { store, reports } = setup(t);
  const day = 86_400;
  store.record({
    buckets: [],
    daily: [
      { spriteId: 'live', dayStart: T0 - 20 * day, cost: 100 },
      { spriteId: 'live', dayStart: T0 - day, cost: 2 },
      { spriteId: 'live', dayStart: T0, cost: 0.5 },
      { spriteId: 'gone', dayStart: T0, cost: 0.25 },
    ],
    names: [],
  });
  const nowMs = (T0 + 5 * HOUR) * 1000;
  assert.deepEqual(reports.spentSoFar('live', nowMs), { today: 0.5, month: 2.5, dayStartMs: T0 * 1000, monthStartMs: Date.UTC(2026, 2, 1) });
  assert.deepEqual(reports.spentSoFar(undefined, nowMs), { today: 0.75, month: 2.75, dayStartMs: T0 * 1000, monthStartMs: Date.UTC(2026, 2, 1) });
});

test('an hour of storage still under way belongs to the minutes sampled so far, not to the rest of the hour', (t) => {
  const { store, reports } = setup(t);
  // Samples from 00:00 to 00:10 of an hour whose row runs to 01:00.
  for (let second = 5; second <= 600; second += 5) {
    store.record({
      buckets: [{ spriteId: 'live', bucketStart: T0, bucketSeconds: HOUR, covered: { fromSec: T0 + second - 5, untilSec: T0 + second }, usage: usage({ hotStorageGbSeconds: 5 }) }],
      daily: [],
      names: [],
    });
  }
  const [row] = store.buckets(T0, T0 + HOUR, 'live');
  assert.deepEqual(row?.covered, { fromSec: T0, untilSec: T0 + 600 });
  const sampled = reports.forSprite('live', { fromSec: T0, toSec: T0 + 600, stepSec: 60 });
  assert.ok(Math.abs(sampled.totals.hot_storage_gb_seconds - 600) < 1e-9);
  assert.ok(sampled.points.every((point) => Math.abs(point.hot_storage_gb_seconds - 60) < 1e-9));
  const later = reports.forSprite('live', { fromSec: T0 + 600, toSec: T0 + HOUR, stepSec: 600 });
  assert.equal(later.totals.hot_storage_gb_seconds, 0);
  const server = reports.forServer({ fromSec: T0 + 300, toSec: T0 + HOUR, stepSec: 300 });
  assert.ok(Math.abs((server.sprites[0]?.totals.hot_storage_gb_seconds ?? 0) - 300) < 1e-9, 'the per-sprite totals take the same share');
  assert.ok(Math.abs(server.totals.hot_storage_gb_seconds - 300) < 1e-9);
});
