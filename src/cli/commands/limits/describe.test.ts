import assert from 'node:assert/strict';
import test from 'node:test';
import { HobError } from '../../../shared/errors.js';
import { describeServerLimits, describeSpriteLimit, limitsLine } from './describe.js';
import { amountOf } from './index.js';

const spent = { day_start: '2026-11-26T00:00:00.000Z', month_start: '2026-11-01T00:00:00.000Z', today: 0.42, month: 3.1 };

test('amounts from flags: plain or with $, none lifts the limit, anything else is a usage error', () => {
  assert.equal(amountOf('5', '--daily'), 5);
  assert.equal(amountOf('$0.50', '--daily'), 0.5);
  assert.equal(amountOf('0', '--daily'), 0);
  assert.equal(amountOf('none', '--monthly'), null);
  for (const bad of ['', '$', '-1', 'ten', 'Infinity', '1e12']) {
    assert.throws(() => amountOf(bad, '--daily'), (error: unknown) => error instanceof HobError && error.code === 'bad_request' && error.message.startsWith('--daily takes'), bad);
  }
});

test('a sprite stopped by its limit says which, by how much and until when', () => {
  assert.equal(limitsLine({ daily: null, monthly: null }, 'USD'), 'none');
  const text = describeSpriteLimit('demo', {
    daily: 0.4,
    monthly: null,
    currency: 'USD',
    spent,
    reached: { scope: 'sprite', period: 'day', limit: 0.4, spent: 0.42, resets_at: '2026-11-27T00:00:00.000Z' },
  });
  assert.equal(
    text,
    [
      'For:          demo',
      'Spend limit:  $0.40 a day, no monthly limit',
      'Spent:        $0.42 today, $3.10 this month (UTC)',
      'Status:       asleep, wakes refused: its daily limit is reached ($0.42 of $0.40) until it is raised or 2026-11-27T00:00:00.000Z',
      '',
    ].join('\n'),
  );
});

test("the server's limits: spend over all sprites and the cap on running ones", () => {
  const text = describeServerLimits({ spend: { daily: null, monthly: 100, currency: 'USD', spent, reached: null }, max_running: 10, running: 3, capacity_wait_seconds: 300 });
  assert.match(text, /^Spend limit: +no daily limit, \$100\.00 a month \(all sprites together\)\n/);
  assert.match(text, /\nStatus: +sprites may run\n/);
  assert.match(text, /\nRunning: +3 of at most 10; over it a create or wake waits up to 300s if it asked to \(wait_for_capacity\), else is refused \(429\)\n$/);
  assert.match(describeServerLimits({ spend: { daily: null, monthly: null, currency: 'USD', spent, reached: null }, max_running: null, running: 0, capacity_wait_seconds: 300 }), /Running: +0, no cap/);
});
