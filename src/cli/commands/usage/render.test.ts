import assert from 'node:assert/strict';
import test from 'node:test';
import type { ServerUsageJson, UsageAmountsJson } from '../../../shared/protocol.js';
import { downsample } from './chart.js';
import { formatMoney } from '../../../shared/money.js';
import { formatSeconds, timeScale } from './format.js';
import { renderUsage } from './render.js';

function amounts(cpuSeconds: number, cost: number): UsageAmountsJson {
  return {
    running_seconds: cpuSeconds > 0 ? 900 : 0,
    cpu_seconds: cpuSeconds,
    billed_cpu_seconds: cpuSeconds,
    memory_gb_seconds: cpuSeconds * 2,
    memory_peak_bytes: 3 * 2 ** 30,
    billed_memory_gb_seconds: cpuSeconds * 2,
    hot_storage_gb_seconds: 900,
    storage_gb_seconds: 0,
    cost: { cpu: cost / 2, memory: cost / 2, hot_storage: 0, storage: 0, total: cost },
  };
}

function report(points: number): ServerUsageJson {
  const start = Date.UTC(2026, 0, 1);
  return {
    from: new Date(start).toISOString(),
    to: new Date(start + points * 900_000).toISOString(),
    step_seconds: 900,
    currency: 'USD',
    totals: amounts(450 * points, 0.01 * points),
    points: Array.from({ length: points }, (_, i) => ({ start: new Date(start + i * 900_000).toISOString(), ...amounts(i % 4 === 0 ? 1800 : 0, i % 4 === 0 ? 0.04 : 0) })),
    to_date: { day_start: new Date(start).toISOString(), month_start: new Date(start).toISOString(), today: 0.19, month: 3.42 },
    spend_limit: { daily: null, monthly: 50 },
    sprites: [
      { name: 'busy', id: 'a', deleted: false, totals: amounts(300, 0.3), disk: { used_bytes: 3 * 2 ** 29, limit_bytes: 10 * 2 ** 30 } },
      { name: 'old', id: 'b', deleted: true, totals: amounts(100, 0.1), disk: null },
    ],
  };
}

test('hob usage prints totals, what was spent today and this month, a line per sprite and three charts', () => {
  const text = renderUsage(report(96), 200);
  assert.match(text, /^Usage of all sprites, 2026-01-01 00:00 to 2026-01-02 00:00 UTC, in steps of 15m\n/);
  assert.match(text, /\n {2}CPU +12 CPU-hours used, 12 billed +\$0\.48\n/);
  assert.match(text, /\n {2}memory +24 GB-hours held, 24 billed \(peak 3 GiB\) +\$0\.48\n/);
  assert.match(text, /\n {2}total +\$0\.96\n/);
  assert.match(text, /spent \$0\.19 today, \$3\.42 this month \(UTC\)/);
  assert.match(text, /\n {2}spend limit no daily limit, \$50\.00 a month \(all sprites together\)\n/);
  assert.match(text, /\n {2}SPRITE +RUNNING +CPU-HOURS +GB-HOURS +COST +DISK NOW\n {2}busy +15m +0\.0833 +0\.167 +\$0\.30 +1\.5 GiB\/10 GiB\n {2}old \(destroyed\) .* -\n/);
  for (const title of ['CPU (average CPUs used), a point per 15m', 'memory (average held), a point per 15m', 'cost (USD), a point per 15m']) assert.ok(text.includes(title), title);
  assert.match(text, /\n +4 GiB [┤┼]/, 'memory is charted in bytes');
  assert.match(text, /\n +2\.00 [┤┼]/, 'the CPU chart reaches the busiest point');
});

test('a chart narrower than the points merges steps: averages stay averages, costs add up', () => {
  const text = renderUsage(report(96), 24);
  assert.ok(text.includes('CPU (average CPUs used), a point per 1h'), text);
  assert.ok(text.includes('$0.0400 ┼'), 'an hour holds one busy step: its cost whole');
  assert.deepEqual(downsample([2, 0, 0, 0, 4], 4, 'average'), [0.5, 4]);
  assert.deepEqual(downsample([2, 0, 0, 0, 4], 4, 'sum'), [2, 4]);
});

test('money and time for people', () => {
  assert.equal(formatMoney(0.0427, 'USD'), '$0.0427');
  assert.equal(formatMoney(3.4249, 'USD'), '$3.42');
  assert.equal(formatMoney(0.19, 'USD'), '$0.19');
  assert.equal(formatMoney(0, 'EUR'), '0.00 EUR');
  const hours = timeScale(43_200);
  assert.deepEqual([hours.unit, hours.format(43_200), hours.format(1234), hours.format(1), hours.format(0)], ['hours', '12', '0.343', '<0.001', '0']);
  const seconds = timeScale(7.21);
  assert.deepEqual([seconds.unit, seconds.format(7.214), seconds.format(0.5)], ['seconds', '7.21', '0.5']);
  assert.equal(timeScale(600).unit, 'minutes');
  assert.equal(formatSeconds(45), '45s');
  assert.equal(formatSeconds(11_520), '3h 12m');
  assert.equal(formatSeconds(2 * 86_400 + 4 * 3600), '2d 4h');
});
