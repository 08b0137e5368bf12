import assert from 'node:assert/strict';
import test from 'node:test';
import { RateMeter } from './rate.js';

test('bytes per second over the last ten seconds, forgetting older output without a timer', () => {
  let now = 1_000_000;
  const meter = new RateMeter(() => now);
  assert.equal(meter.perSecond(), 0);
  meter.add(500);
  now += 1000;
  meter.add(500);
  assert.equal(meter.perSecond(), 100);
  now += 9_500;
  assert.equal(meter.perSecond(), 50, 'the first second has left the window');
  now += 60_000;
  assert.equal(meter.perSecond(), 0);
  meter.add(20);
  assert.equal(meter.perSecond(), 2, 'a reused slot starts from zero');
});
