import assert from 'node:assert/strict';
import test from 'node:test';
import { formatDuration, parseDurationMs } from './duration.js';

test('durations parse as seconds or with one unit, and print back', () => {
  assert.equal(parseDurationMs('30'), 30_000);
  assert.equal(parseDurationMs('250ms'), 250);
  assert.equal(parseDurationMs('1.5s'), 1500);
  assert.equal(parseDurationMs(' 15m '), 900_000);
  assert.equal(parseDurationMs('1h'), 3_600_000);
  assert.equal(parseDurationMs('0'), 0);
  for (const bad of ['', '-1', '1d', 'ten', '1m30s', 's']) assert.equal(parseDurationMs(bad), undefined, bad);
  assert.equal(formatDuration(900_000), '15m');
  assert.equal(formatDuration(90_000), '90s');
  assert.equal(formatDuration(1500), '1500ms');
  assert.equal(formatDuration(0), '0s');
});
