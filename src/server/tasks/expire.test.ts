import assert from 'node:assert/strict';
import test from 'node:test';
import { HobError } from '../../shared/errors.js';
import { parseDurationMs } from '../../shared/duration.js';
import { MAX_TASK_EXPIRE_MS, taskExpireMs } from './expire.js';

test('Go duration strings, as Sprites documents them for expire', () => {
  assert.equal(parseDurationMs('30m'), 30 * 60_000);
  assert.equal(parseDurationMs('1h'), 3_600_000);
  assert.equal(parseDurationMs('1m30s'), 90_000);
  assert.equal(parseDurationMs('1.5h'), 5_400_000);
  assert.equal(parseDurationMs('.5s'), 500);
  assert.equal(parseDurationMs('250ms'), 250);
  assert.equal(parseDurationMs('1500us'), 1.5);
  assert.equal(parseDurationMs('2000000ns'), 2);
  assert.equal(parseDurationMs('5µs'), 0.005);
  assert.equal(parseDurationMs('1h0m0s'), 3_600_000);
  assert.equal(parseDurationMs('600'), 600_000, 'a bare number is seconds, like the integer form');
  assert.equal(parseDurationMs('0'), 0);
});

test('anything else is not a duration', () => {
  for (const text of ['', 'h', '-5m', '+5m', '5 m', '5M', '5d', '1h 30m', '1e3s', 'Infinity', '5m!', '1..5s', 'ten minutes', '9'.repeat(40), '1h'.repeat(20)]) {
    assert.equal(parseDurationMs(text), undefined, JSON.stringify(text));
  }
});

test('expire: seconds or a duration, more than zero, at most an hour; absent is an hour', () => {
  assert.equal(taskExpireMs(undefined), MAX_TASK_EXPIRE_MS);
  assert.equal(taskExpireMs(300), 300_000);
  assert.equal(taskExpireMs(3600), MAX_TASK_EXPIRE_MS);
  assert.equal(taskExpireMs('10m'), 600_000);
  assert.equal(taskExpireMs('1h'), MAX_TASK_EXPIRE_MS);
  assert.equal(taskExpireMs('59m60s'), MAX_TASK_EXPIRE_MS);
  assert.equal(taskExpireMs('1ns'), 1, 'rounded up to a whole millisecond, never to nothing');
  const refused = (expire: number | string, message: RegExp) =>
    assert.throws(() => taskExpireMs(expire), (error: unknown) => error instanceof HobError && error.code === 'bad_request' && message.test(error.message), JSON.stringify(expire));
  refused(3601, /at most 1h/);
  refused('61m', /at most 1h/);
  refused('1h1ns', /at most 1h/);
  refused(0, /more than zero/);
  refused('0s', /more than zero/);
  refused(-5, /more than zero/);
  refused('soon', /neither a number of seconds nor a duration/);
  refused(Number.POSITIVE_INFINITY, /neither/);
});
