import assert from 'node:assert/strict';
import test from 'node:test';
import { pino } from 'pino';
import { HobError } from '../../shared/errors.js';
import { openDatabase } from '../store/db.js';
import { SpendLimitStore } from '../store/spend-limits.js';
import { UsageStore } from '../store/usage.js';
import { LIST_PRICES } from './prices.js';
import { UsageReports } from './reports.js';
import { SpendEnforcer } from './spend-enforcer.js';
import { SpendLimits } from './spend-limits.js';

const NOW = Date.UTC(2026, 10, 26, 15, 0, 0);
const DAY = 86_400;

function setUp() {
  const db = openDatabase(':memory:');
  db.prepare(`INSERT INTO sprites (id, name, image, state, config, environment, labels, url_settings, created_at, updated_at) VALUES (?, ?, 'tiny', 'running', '{}', '{}', '[]', '{}', '', '')`).run('s1', 'one');
  db.prepare(`INSERT INTO sprites (id, name, image, state, config, environment, labels, url_settings, created_at, updated_at) VALUES (?, ?, 'tiny', 'running', '{}', '{}', '[]', '{}', '', '')`).run('s2', 'two');
  const usage = new UsageStore(db);
  const reports = new UsageReports({ store: usage, prices: LIST_PRICES, now: () => NOW });
  const limits = new SpendLimits({ store: new SpendLimitStore(db), reports, currency: 'USD', now: () => NOW });
  /** Records `cost` spent by a sprite on the day starting at `dayStart` (seconds). */
  const spend = (spriteId: string, cost: number, dayStart = Math.floor(NOW / 1000 / DAY) * DAY) => {
    usage.record({ buckets: [], names: [], daily: [{ spriteId, dayStart, cost }] });
  };
  return { db, limits, spend };
}

test('no limit stops nothing, whatever was spent', () => {
  const { limits, spend } = setUp();
  spend('s1', 1000);
  assert.equal(limits.reached('s1'), undefined);
  limits.assertMayRun({ id: 's1', name: 'one' });
  assert.deepEqual(limits.overLimit(), { all: undefined, sprites: new Map() });
});

test("a sprite's daily limit stops it once what it spent today reaches it, and names the limit", () => {
  const { limits, spend } = setUp();
  limits.set('s1', { daily: 1 });
  spend('s1', 0.99);
  assert.equal(limits.reached('s1'), undefined);
  spend('s1', 0.02);
  const reached = limits.reached('s1');
  assert.deepEqual(reached, { scope: 'sprite', period: 'day', limit: 1, spent: 1.01, resets_at: '2026-11-27T00:00:00.000Z' });
  assert.equal(limits.reached('s2'), undefined, 'the other sprite is not stopped');
  assert.throws(
    () => limits.assertMayRun({ id: 's1', name: 'one' }),
    (error: unknown) => {
      assert.ok(error instanceof HobError);
      assert.equal(error.code, 'spend_limit_reached');
      assert.equal(error.status, 402);
      assert.match(error.message, /^sprite one has reached its daily spend limit: \$1\.01 spent today of \$1\.00; .*hob limits set one --daily AMOUNT.* the day ends at 2026-11-27T00:00:00.000Z$/);
      assert.equal(error.details?.scope, 'sprite');
      return true;
    },
  );
  assert.deepEqual([...limits.overLimit().sprites.keys()], ['s1']);
  limits.set('s1', { daily: 5 });
  assert.equal(limits.reached('s1'), undefined, 'raised, it may run again');
});

test('a monthly limit counts every day of the month, and not last month', () => {
  const { limits, spend } = setUp();
  const today = Math.floor(NOW / 1000 / DAY) * DAY;
  spend('s1', 3, today - 10 * DAY);
  spend('s1', 50, Date.UTC(2026, 9, 31) / 1000);
  limits.set('s1', { monthly: 4 });
  assert.equal(limits.reached('s1'), undefined);
  spend('s1', 1);
  assert.deepEqual(limits.reached('s1'), { scope: 'sprite', period: 'month', limit: 4, spent: 4, resets_at: '2026-12-01T00:00:00.000Z' });
});

test("the server's limit counts all sprites together and stops every one, creates included", () => {
  const { limits, spend } = setUp();
  limits.set(undefined, { daily: 2 });
  spend('s1', 1.5);
  limits.assertMayRun(undefined);
  spend('s2', 0.5);
  const over = limits.overLimit();
  assert.equal(over.all?.scope, 'server');
  assert.throws(() => limits.assertMayRun(undefined), /the server's daily spend limit is reached: all sprites together spent \$2\.00 today of \$2\.00/);
  assert.equal(limits.reached('s2')?.scope, 'server', 'a sprite under its own limit is stopped by the server\'s');
  assert.equal(limits.describe().reached?.scope, 'server');
  limits.set(undefined, undefined);
  assert.equal(limits.describe().daily, null);
  limits.assertMayRun(undefined);
});

test('a limit of 0 lets a sprite spend nothing; clearing a sprite\'s limit keeps its other policies\' row', () => {
  const { limits, db } = setUp();
  limits.set('s1', { daily: 0 });
  assert.equal(limits.reached('s1')?.limit, 0);
  limits.set('s1', undefined);
  assert.deepEqual(limits.limitsOf('s1'), { daily: null, monthly: null });
  db.prepare("DELETE FROM sprites WHERE id = 's1'").run();
  assert.deepEqual(limits.limitsOf('s1'), { daily: null, monthly: null }, 'a destroyed sprite takes its limit with it');
});

test('the enforcer puts running sprites over a limit to sleep, and only those', async () => {
  const { limits, spend } = setUp();
  limits.set('s1', { daily: 0.5 });
  spend('s1', 0.6);
  spend('s2', 0.6);
  const slept: string[] = [];
  const enforcer = new SpendEnforcer({
    limits,
    running: () => [{ id: 's1', name: 'one' }, { id: 's2', name: 'two' }],
    sleep: (name) => {
      slept.push(name);
      return Promise.resolve(true);
    },
    log: pino({ level: 'silent' }),
  });
  await enforcer.check();
  assert.deepEqual(slept, ['one']);
  limits.set(undefined, { monthly: 1 });
  await enforcer.check();
  assert.deepEqual(slept, ['one', 'one', 'two'], "the server's limit puts every running sprite to sleep");
});
