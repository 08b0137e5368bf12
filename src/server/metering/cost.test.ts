import assert from 'node:assert/strict';
import test from 'node:test';
import { openDatabase } from '../store/db.js';
import { UsageStore } from '../store/usage.js';
import { GB_BYTES, meterCompute, meterStorage } from './cost.js';
import { LIST_PRICES } from './prices.js';
import { usageRange } from './range.js';
import { UsageReports } from './reports.js';
import { UsageSampler } from './sampler.js';
import { FakeCgroups, meterable, silentLog } from './testing.js';

const sample = { runningSeconds: 10, cpuSeconds: 0, memoryBytes: 0, elapsedSeconds: 10, hotStorageBytes: 0, storageBytes: 0 };

test('an idle running sprite pays the minimums: 6.25 % of a CPU and 0.25 GB for every second', () => {
  const usage = meterCompute({ ...sample, runningSeconds: 3600, cpuSeconds: 1, memoryBytes: 0.1 * GB_BYTES, elapsedSeconds: 3600 }, LIST_PRICES);
  assert.equal(usage.cpuSeconds, 1);
  assert.equal(usage.billedCpuSeconds, 225);
  assert.equal(usage.billedMemoryGbSeconds, 900);
  assert.ok(Math.abs(usage.costCpu - 0.0625 * 0.07) < 1e-12);
  assert.ok(Math.abs(usage.costMemory - 0.25 * 0.04375) < 1e-12);
});

test('above the minimums, what was used is what is billed', () => {
  const usage = meterCompute({ ...sample, runningSeconds: 3600, cpuSeconds: 7200, memoryBytes: 2 * GB_BYTES, elapsedSeconds: 3600 }, LIST_PRICES);
  assert.equal(usage.billedCpuSeconds, 7200);
  assert.ok(Math.abs(usage.costCpu - 0.14) < 1e-12);
  assert.ok(Math.abs(usage.costMemory - 0.0875) < 1e-12);
  assert.equal(usage.memoryPeakBytes, 2 * GB_BYTES);
});

test('a sprite that did not run pays no compute, even for CPU it never used; storage is charged whatever its state', () => {
  const usage = meterCompute({ ...sample, runningSeconds: 0, memoryBytes: 3 * GB_BYTES }, LIST_PRICES);
  assert.equal(usage.costCpu + usage.costMemory, 0);
  assert.equal(usage.memoryPeakBytes, 0);
  const storage = meterStorage({ ...sample, runningSeconds: 0, elapsedSeconds: 3600, hotStorageBytes: 10 * GB_BYTES, storageBytes: GB_BYTES }, LIST_PRICES);
  assert.ok(Math.abs(storage.costHotStorage - 10 * 0.000683) < 1e-12);
  assert.ok(Math.abs(storage.costStorage - 0.000027) < 1e-12);
});

/**
 * Sprites' published example: "a 4-hour Claude Code session costs about $0.44" ($0.17 CPU,
 * $0.26 memory, $0.01 hot storage). At the list prices that is about 2.4 CPU-hours (0.6 of a
 * CPU on average: 0.17 / 0.07 = 2.43), 6 GB-hours of memory (1.5 GB on average: 0.26 / 0.04375
 * = 5.9) and 14 GB-hours of hot storage (3.5 GB held throughout: 0.01 / 0.000683 = 14.6).
 *
 * The synthetic session that gives those numbers: every 5 minutes, one minute busy (building,
 * running tests) at 2.75 CPUs and 2.5 GB, then four minutes waiting on the model at 0.05 CPU
 * (below the minimum, so billed as 0.0625) and 1.25 GB; its files and checkpoints hold 3.5 GB.
 * Billed CPU averages (2.75 + 4 × 0.0625) / 5 = 0.6 CPUs, memory (2.5 + 4 × 1.25) / 5 = 1.5 GB.
 * It is fed through the real sampler (cgroup readings every 5 s), the store and the report.
 */
test("the published worked example: a 4-hour agent session costs $0.44 ($0.17 CPU, $0.26 memory, $0.01 hot storage)", () => {
  const db = openDatabase(':memory:');
  const store = new UsageStore(db);
  const cgroups = new FakeCgroups();
  const startMs = Date.UTC(2026, 0, 5, 9, 0, 0);
  let nowMs = startMs;
  const sprite = meterable('agent', { sinceMs: startMs - 1000, qgroup: 7 });
  const sampler = new UsageSampler({
    sprites: () => [sprite],
    cgroupOf: (id) => `/hob-${id}`,
    cgroups,
    hotStorage: () => (qgroup) => (qgroup === 7 ? 3.5 * GB_BYTES : null),
    store,
    prices: LIST_PRICES,
    intervalMs: 5000,
    log: silentLog,
    now: () => nowMs,
  });
  cgroups.set('/hob-agent', { cpuSeconds: 12, memoryBytes: GB_BYTES });
  sampler.tick();
  for (let second = 5; second <= 4 * 3600; second += 5) {
    const busy = (second - 5) % 300 < 60;
    cgroups.burn('/hob-agent', busy ? 2.75 * 5 : 0.05 * 5, busy ? 2.5 * GB_BYTES : 1.25 * GB_BYTES);
    nowMs = startMs + second * 1000;
    sampler.tick();
  }

  const reports = new UsageReports({ store, prices: LIST_PRICES, now: () => nowMs });
  const report = reports.forSprite('agent', usageRange({ from: '2026-01-05T09:00:00Z', to: '2026-01-05T13:00:00Z', step: '1h' }, nowMs));
  const { totals } = report;
  assert.equal(report.points.length, 4);
  assert.ok(Math.abs(totals.running_seconds - 4 * 3600) < 1e-6, `ran ${totals.running_seconds} s`);
  assert.ok(Math.abs(totals.cpu_seconds - 3600 * 4 * (2.75 + 4 * 0.05) / 5) < 1e-6, 'CPU used');
  assert.ok(Math.abs(totals.billed_cpu_seconds / 3600 - 2.4) < 1e-9, `${totals.billed_cpu_seconds / 3600} CPU-hours billed`);
  assert.ok(Math.abs(totals.billed_memory_gb_seconds / 3600 - 6) < 1e-9, `${totals.billed_memory_gb_seconds / 3600} GB-hours billed`);
  assert.ok(Math.abs(totals.hot_storage_gb_seconds / 3600 - 14) < 1e-9, `${totals.hot_storage_gb_seconds / 3600} GB-hours stored`);
  assert.equal(totals.memory_peak_bytes, 2.5 * GB_BYTES);
  assert.equal(totals.cost.cpu.toFixed(2), '0.17');
  assert.equal(totals.cost.memory.toFixed(2), '0.26');
  assert.equal(totals.cost.hot_storage.toFixed(2), '0.01');
  assert.equal(totals.cost.total.toFixed(2), '0.44');
  assert.ok(Math.abs(totals.cost.total - (0.168 + 0.2625 + 14 * 0.000683)) < 1e-9);
  // The points add up to the totals, and the day's running cost (what a spend limit reads) agrees.
  assert.ok(Math.abs(report.points.reduce((sum, point) => sum + point.cost.total, 0) - totals.cost.total) < 1e-12);
  assert.ok(Math.abs(report.to_date.today - totals.cost.total) < 1e-9);
  assert.ok(Math.abs(report.to_date.month - totals.cost.total) < 1e-9);
  db.close();
});
