import assert from 'node:assert/strict';
import test from 'node:test';
import { HobError } from '../../shared/errors.js';
import { RETRY_AFTER_SECONDS, RunningCap } from './running-cap.js';

/** A cap over a set of names the test moves in and out, as the store's running sprites. */
function capOver(max: number | null, awake: string[], waitMs = 2000): { cap: RunningCap; awake: Set<string> } {
  const names = new Set(awake);
  return { cap: new RunningCap({ max, waitMs, awake: () => new Set(names) }), awake: names };
}

async function refusal(promise: Promise<unknown>): Promise<HobError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof HobError, String(error));
    return error;
  }
  assert.fail('it was let in');
}

test('no cap lets everyone in', async () => {
  const { cap } = capOver(null, ['a', 'b', 'c']);
  (await cap.admit('d', { wait: false }))();
  assert.equal(cap.count(), 3);
});

test('over the cap a caller that does not wait is refused with 429, Retry-After and the Sprites fields', async () => {
  const { cap } = capOver(2, ['a', 'b']);
  const error = await refusal(cap.admit('c', { wait: false }));
  assert.equal(error.code, 'concurrent_sprite_limit_exceeded');
  assert.equal(error.status, 429);
  assert.equal(error.retryAfterSeconds, RETRY_AFTER_SECONDS);
  assert.match(error.message, /at most 2 sprites at once and 2 are running/);
  const body = error.toBody();
  assert.equal(body.limit, 2);
  assert.equal(body.current_count, 2);
  assert.equal(body.retry_after_seconds, RETRY_AFTER_SECONDS);
});

test('a sprite that already runs is not counted against itself (a restart or restore at the cap)', async () => {
  const { cap } = capOver(2, ['a', 'b']);
  (await cap.admit('a', { wait: false }))();
});

test('places being taken count until released, so two creates cannot both take the last place', async () => {
  const { cap, awake } = capOver(2, ['a']);
  const release = await cap.admit('b', { wait: false });
  assert.equal((await refusal(cap.admit('c', { wait: false }))).code, 'concurrent_sprite_limit_exceeded');
  awake.add('b');
  release();
  assert.equal(cap.count(), 2);
  assert.equal((await refusal(cap.admit('c', { wait: false }))).code, 'concurrent_sprite_limit_exceeded');
});

test('waiters are let in first come, first served, as sprites go to sleep', async () => {
  const { cap, awake } = capOver(1, ['a']);
  const order: string[] = [];
  const first = cap.admit('b', { wait: true }).then((release) => {
    order.push('b');
    return release;
  });
  const second = cap.admit('c', { wait: true }).then((release) => {
    order.push('c');
    return release;
  });
  // A newcomer that will not wait does not jump the queue.
  assert.equal((await refusal(cap.admit('d', { wait: false }))).code, 'concurrent_sprite_limit_exceeded');
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(order, []);
  awake.delete('a');
  cap.changed();
  const releaseB = await first;
  assert.deepEqual(order, ['b']);
  awake.add('b');
  releaseB();
  awake.delete('b');
  cap.changed();
  (await second)();
  assert.deepEqual(order, ['b', 'c']);
});

test('a waiter gives up after the wait with 429, and one whose caller went away leaves the queue', async () => {
  const { cap, awake } = capOver(1, ['a'], 50);
  const error = await refusal(cap.admit('b', { wait: true }));
  assert.equal(error.code, 'concurrent_sprite_limit_exceeded');
  assert.match(error.message, /waited 0s/);

  const gone = new AbortController();
  const abandoned = cap.admit('c', { wait: true, signal: gone.signal });
  gone.abort(new Error('client gone'));
  await assert.rejects(abandoned, /client gone/);
  awake.clear();
  cap.changed();
  assert.equal(cap.count(), 0, 'the abandoned waiter took no place');
});

test('waiters also look again on their own: room that comes without a state change is found', async () => {
  const { cap, awake } = capOver(1, ['a'], 3000);
  const waiting = cap.admit('b', { wait: true });
  awake.clear();
  (await waiting)();
});
