import assert from 'node:assert/strict';
import test from 'node:test';
import { parseExpirySeconds } from './expiry.js';

test('--expires takes days and Go durations, and nothing shorter than a second', () => {
  assert.equal(parseExpirySeconds('7d'), 7 * 86400);
  assert.equal(parseExpirySeconds('12h'), 12 * 3600);
  assert.equal(parseExpirySeconds('1h30m'), 5400);
  assert.equal(parseExpirySeconds('90'), 90);
  for (const bad of ['', 'd', '7days', '-1d', '10ms', 'soon']) assert.equal(parseExpirySeconds(bad), undefined, bad);
});
