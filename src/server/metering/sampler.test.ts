import assert from 'node:assert/strict';
import test, { type TestContext } from 'node:test';
import type { MeterableSprite } from '../store/sprites.js';
import { openDatabase } from '../store/db.js';
import { UsageStore, type UsageTick } from '../store/usage.js';
import { GB_BYTES } from './cost.js';
import { LIST_PRICES } from './prices.js';
import { runningSecondsBetween, UsageSampler } from './sampler.js';
import { FakeCgroups, meterable, silentLog } from './testing.js';

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

function setup(t: TestContext, sprites: MeterableSprite[]) {
  const db = openDatabase(':memory:');
  t.after(() => db.close());
  const store = new UsageStore(db);
  const ticks: UsageTick[] = [];
  const cgroups = new FakeCgroups();
  const clock = { nowMs: T0 };
  const sampler = new UsageSampler({
    sprites: () => sprites,
    cgroupOf: (id) => `/c-${id}`,
    cgroups,
    hotStorage: () => () => GB_BYTES,
    store: {
      record: (tick) => {
        ticks.push(tick);
        store.record(tick);
      },
    },
    prices: LIST_PRICES,
    intervalMs: 5000,
    log: silentLog,
    now: () => clock.nowMs,
  });
  const compute = (id: string) => store.buckets(T0 / 1000 - 3600, T0 / 1000 + 7200, id).filter((row) => row.bucketSeconds === 60).map((row) => row.usage);
  const sum = (id: string, field: 'runningSeconds' | 'cpuSeconds' | 'billedMemoryGbSeconds') => compute(id).reduce((total, usage) => total + usage[field], 0);
  const advance = (ms: number) => {
    clock.nowMs += ms;
    sampler.tick();
  };
  return { sampler, cgroups, clock, ticks, store, compute, sum, advance };
}

test('what a sprite used before the server started is not charged; what it uses after is', (t) => {
  const sprite = meterable('a', { sinceMs: T0 - 3600_000 });
  const { sampler, cgroups, sum, advance } = setup(t, [sprite]);
  cgroups.set('/c-a', { cpuSeconds: 500, memoryBytes: GB_BYTES });
  sampler.tick();
  assert.equal(sum('a', 'cpuSeconds'), 0);
  cgroups.burn('/c-a', 2, GB_BYTES);
  advance(5000);
  assert.equal(sum('a', 'cpuSeconds'), 2);
  assert.equal(sum('a', 'runningSeconds'), 5);
  assert.equal(sum('a', 'billedMemoryGbSeconds'), 5);
});

test('a warm sprite meters no compute: its frozen cgroup holds memory but its CPU stands still', (t) => {
  const sprite = meterable('w', { state: 'warm', sinceMs: T0 - 60_000, lastWarmingAt: iso(T0 - 60_000), qgroup: 1 });
  const { sampler, cgroups, compute, advance, store } = setup(t, [sprite]);
  cgroups.set('/c-w', { cpuSeconds: 40, memoryBytes: 2 * GB_BYTES });
  sampler.tick();
  for (let i = 0; i < 10; i++) advance(5000);
  assert.deepEqual(compute('w'), []);
  const storage = store.buckets(T0 / 1000 - 3600, T0 / 1000 + 3600, 'w').filter((row) => row.bucketSeconds === 3600);
  assert.equal(storage.length, 1, 'its storage is still charged');
  assert.ok(Math.abs((storage[0]?.usage.hotStorageGbSeconds ?? 0) - 50) < 1e-9);
  const [seen] = sampler.snapshot();
  assert.equal(seen?.memoryBytes, 2 * GB_BYTES, 'the memory it keeps is visible');
  assert.equal(seen.cpuSecondsTotal, 0);
});

test('a sprite that froze between samples pays for the part it ran and the CPU it used then', (t) => {
  const sprite = meterable('f', { sinceMs: T0 - 60_000 });
  const { sampler, cgroups, sum, advance } = setup(t, [sprite]);
  cgroups.set('/c-f', { cpuSeconds: 10, memoryBytes: GB_BYTES });
  sampler.tick();
  cgroups.burn('/c-f', 1.5, GB_BYTES);
  Object.assign(sprite, { state: 'warm', lastWarmingAt: iso(T0 + 2000), lastRunningAt: iso(T0 + 2000) });
  advance(5000);
  advance(5000);
  assert.equal(sum('f', 'runningSeconds'), 2);
  assert.equal(sum('f', 'cpuSeconds'), 1.5);
});

test('a sprite woken cold has a new cgroup, counted from its start; a counter that goes back is a new sandbox', (t) => {
  const sprite = meterable('c', { state: 'stopped', sinceMs: T0 - 60_000 });
  const { sampler, cgroups, sum, advance } = setup(t, [sprite]);
  sampler.tick();
  Object.assign(sprite, { state: 'running', lastRunningAt: iso(T0 + 1000) });
  cgroups.set('/c-c', { cpuSeconds: 0.3, memoryBytes: GB_BYTES });
  advance(5000);
  assert.ok(Math.abs(sum('c', 'cpuSeconds') - 0.3) < 1e-9);
  assert.equal(sum('c', 'runningSeconds'), 4);
  cgroups.set('/c-c', { cpuSeconds: 0.1, memoryBytes: GB_BYTES });
  advance(5000);
  assert.ok(Math.abs(sum('c', 'cpuSeconds') - 0.4) < 1e-9);
});

test('a sprite stopped since the last sample ran until it stopped, with the memory it had', (t) => {
  const sprite = meterable('s', { sinceMs: T0 - 60_000 });
  const { sampler, cgroups, compute, advance } = setup(t, [sprite]);
  cgroups.set('/c-s', { cpuSeconds: 1, memoryBytes: 2 * GB_BYTES });
  sampler.tick();
  Object.assign(sprite, { state: 'stopped', updatedAt: iso(T0 + 3000) });
  cgroups.readings.delete('/c-s');
  advance(5000);
  const [row] = compute('s');
  assert.equal(row?.runningSeconds, 3);
  assert.equal(row.billedMemoryGbSeconds, 6);
  advance(5000);
  assert.equal(compute('s').reduce((total, usage) => total + usage.runningSeconds, 0), 3, 'and nothing after');
});

test('sprites that are gone leave the snapshot; a name is written once per sprite', (t) => {
  const sprites = [meterable('x', { sinceMs: T0 - 1000 }), meterable('y', { sinceMs: T0 - 1000 })];
  const { sampler, ticks, advance } = setup(t, sprites);
  sampler.tick();
  advance(5000);
  advance(5000);
  assert.deepEqual(ticks.flatMap((tick) => tick.names.map((n) => n.name)).sort(), ['sprite-x', 'sprite-y']);
  sprites.pop();
  advance(5000);
  assert.deepEqual(sampler.snapshot().map((s) => s.id), ['x']);
});

test('a jump of the clock is not metered', (t) => {
  const sprite = meterable('j', { sinceMs: T0 - 1000 });
  const { sampler, cgroups, sum, advance } = setup(t, [sprite]);
  cgroups.set('/c-j', { cpuSeconds: 1, memoryBytes: GB_BYTES });
  sampler.tick();
  advance(3_600_000);
  advance(-10_000);
  assert.equal(sum('j', 'runningSeconds'), 0);
  advance(5000);
  assert.equal(sum('j', 'runningSeconds'), 5);
});

test('running seconds follow the times the store recorded', () => {
  const at = (s: number) => iso(T0 + s * 1000);
  const between = (sprite: MeterableSprite, previous?: MeterableSprite['state']) => runningSecondsBetween(sprite, previous, T0, T0 + 5000);
  assert.equal(between(meterable('r', { lastRunningAt: at(-60) })), 5);
  assert.equal(between(meterable('r', { lastRunningAt: at(3) })), 2, 'woke during the interval');
  assert.equal(between(meterable('r', { state: 'warm', lastWarmingAt: at(4) })), 4, 'froze during it');
  assert.equal(between(meterable('r', { state: 'warm', lastWarmingAt: at(-1) })), 0);
  assert.equal(between(meterable('r', { state: 'stopped', updatedAt: at(1) }), 'running'), 1);
  assert.equal(between(meterable('r', { state: 'stopped', updatedAt: at(1) }), 'warm'), 0);
  assert.equal(between(meterable('r', { state: 'destroying', updatedAt: at(2) }), 'running'), 2);
});
