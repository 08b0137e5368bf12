import assert from 'node:assert/strict';
import test from 'node:test';
import { parseDurationMs } from './duration.js';

test('durations are a bare number of seconds or Go duration strings', () => {
  assert.equal(parseDurationMs('30'), 30_000);
  assert.equal(parseDurationMs('0'), 0);
  assert.equal(parseDurationMs('250ms'), 250);
  assert.equal(parseDurationMs('1.5s'), 1500);
  assert.equal(parseDurationMs('15m'), 900_000);
  assert.equal(parseDurationMs('1m30s'), 90_000);
  assert.equal(parseDurationMs('1h'), 3_600_000);
  for (const bad of ['', '-1', '1d', 'ten', 's', '1x', ' 1s']) assert.equal(parseDurationMs(bad), undefined, bad);
});
