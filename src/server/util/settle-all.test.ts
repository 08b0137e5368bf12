import assert from 'node:assert/strict';
import test from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { settleAll } from './settle-all.js';

test('settleAll resolves with every value in order', async () => {
  assert.deepEqual(await settleAll([Promise.resolve(1), sleep(5).then(() => 'two')]), [1, 'two']);
});

test('settleAll fails with the first error only after every step has settled', async () => {
  let slowDone = false;
  const slow = sleep(20).then(() => {
    slowDone = true;
  });
  await assert.rejects(settleAll([Promise.reject(new Error('first')), slow, Promise.reject(new Error('second'))]), /first/);
  assert.equal(slowDone, true);
});
