import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import test, { type TestContext } from 'node:test';
import { HobError } from '../../shared/errors.js';
import { openDatabase, type Db } from '../store/db.js';
import { SpriteStore } from '../store/sprites.js';
import { TaskStore } from '../store/tasks.js';
import { testSpriteRecord } from '../testing/sprite-record.js';
import { MAX_TASKS_PER_SPRITE, TaskBook } from './book.js';

function withSprites(t: TestContext, ...ids: string[]): { db: Db; sprites: SpriteStore } {
  const db = openDatabase(':memory:');
  t.after(() => db.close());
  const sprites = new SpriteStore(db);
  for (const id of ids) {
    sprites.insert(testSpriteRecord(id, `sprite-${id}`));
  }
  return { db, sprites };
}

const code = (expected: string) => (error: unknown) => error instanceof HobError && error.code === expected;

test('the store keeps tasks per sprite and shows only live ones', (t) => {
  const { db } = withSprites(t, 'a', 'b');
  const store = new TaskStore(db);
  store.put({ spriteId: 'a', name: 'agent', startedAtMs: 1000, expiresAtMs: 5000 });
  store.put({ spriteId: 'a', name: 'old', startedAtMs: 500, expiresAtMs: 2000 });
  store.put({ spriteId: 'b', name: 'agent', startedAtMs: 1000, expiresAtMs: 9000 });
  assert.deepEqual(store.list('a', 1500).map((task) => task.name), ['old', 'agent'], 'oldest first');
  assert.deepEqual(store.list('a', 2000).map((task) => task.name), ['agent'], 'an expired task is not listed');
  assert.equal(store.get('a', 'old', 2000), undefined);
  assert.equal(store.heldUntil('a', 2000), 5000);
  assert.equal(store.heldUntil('a', 5000), undefined);
  assert.equal(store.nextExpiry(), 2000);
  assert.deepEqual(store.sweep(2000), ['a']);
  assert.equal(store.nextExpiry(), 5000);
  assert.equal(store.delete('a', 'agent', 5000), false, 'an expired task cannot be deleted: it is gone');
  assert.equal(store.delete('b', 'agent', 5000), true);
  assert.equal(store.count('b', 0), 0);
});

test('a sprite removed from the store takes its tasks with it', (t) => {
  const { db, sprites } = withSprites(t, 'a');
  const store = new TaskStore(db);
  store.put({ spriteId: 'a', name: 'agent', startedAtMs: 1, expiresAtMs: 10 });
  sprites.delete('a');
  assert.equal(store.nextExpiry(), undefined);
});

test('tasks: create, conflict, upsert keeps the start, delete, not found', (t) => {
  const { db } = withSprites(t, 'a', 'b');
  let now = 1_000_000;
  const book = new TaskBook({ store: new TaskStore(db), nowMs: () => now });
  t.after(() => book.close());
  const changes: [string, boolean][] = [];
  book.onChange((spriteId, live) => changes.push([spriteId, live]));

  assert.equal(book.live('a'), false);
  const created = book.create('a', 'agent', 60_000);
  assert.deepEqual(created, { spriteId: 'a', name: 'agent', startedAtMs: now, expiresAtMs: now + 60_000 });
  assert.equal(book.live('a'), true);
  assert.equal(book.live('b'), false, "one sprite's task holds only that sprite");
  assert.throws(() => book.create('a', 'agent', 60_000), code('already_exists'));
  assert.deepEqual(book.create('b', 'agent', 1000).spriteId, 'b', 'the same name in another sprite is another task');

  now += 10_000;
  const refreshed = book.upsert('a', 'agent', 300_000);
  assert.equal(refreshed.startedAtMs, 1_000_000, 'a refresh keeps the start');
  assert.equal(refreshed.expiresAtMs, now + 300_000);
  assert.equal(book.heldUntilMs('a'), now + 300_000);
  assert.equal(book.upsert('a', 'new', 1000).startedAtMs, now, 'an upsert of a missing task makes it');
  assert.deepEqual(book.list('a').map((task) => task.name), ['agent', 'new']);

  book.delete('a', 'new');
  assert.throws(() => book.delete('a', 'new'), code('not_found'));
  assert.throws(() => book.get('a', 'new'), code('not_found'));
  assert.throws(() => book.get('b', 'nope'), code('not_found'));

  book.endRun('a');
  assert.equal(book.live('a'), false);
  assert.equal(book.live('b'), false, "b's task ran out at +1 s (the clock moved 10 s)");
  assert.deepEqual(changes, [
    ['a', true],
    ['b', true],
    ['a', true],
    ['a', true],
    ['a', true],
    ['a', false],
  ]);
});

test('an expired task can be made again with POST, and the number of tasks is bounded', (t) => {
  const { db } = withSprites(t, 'a');
  let now = 0;
  const book = new TaskBook({ store: new TaskStore(db), nowMs: () => now });
  t.after(() => book.close());
  book.create('a', 'once', 1000);
  now = 1000;
  assert.equal(book.create('a', 'once', 1000).startedAtMs, 1000);
  for (let i = 1; i < MAX_TASKS_PER_SPRITE; i++) book.create('a', `t${i}`, 5000);
  assert.throws(() => book.create('a', 'one-more', 5000), code('bad_request'));
  assert.equal(book.upsert('a', 't1', 5000).name, 't1', 'refreshing one that exists is not a new one');
});

test('an expiring task releases its sprite by itself and says so', async (t) => {
  const { db } = withSprites(t, 'a', 'b');
  const book = new TaskBook({ store: new TaskStore(db) });
  t.after(() => book.close());
  const released = new Promise<string>((resolve) => book.onChange((spriteId, live) => !live && resolve(spriteId)));
  book.create('a', 'short', 40);
  book.create('b', 'long', 60_000);
  // The book's timer does not hold the process open (by design), so the test does.
  const keepAlive = setInterval(() => undefined, 1000);
  try {
    assert.equal(await released, 'a');
  } finally {
    clearInterval(keepAlive);
  }
  assert.equal(book.live('a'), false);
  assert.equal(book.live('b'), true);
  assert.equal(new TaskStore(db).nextExpiry(), book.heldUntilMs('b'), 'the expired row is gone from the store, not just hidden');
});

test('tasks survive a restart of the book; those that ran out meanwhile are swept at once', async (t) => {
  const { db } = withSprites(t, 'a', 'b');
  const store = new TaskStore(db);
  store.put({ spriteId: 'a', name: 'gone', startedAtMs: 0, expiresAtMs: Date.now() - 1 });
  store.put({ spriteId: 'b', name: 'kept', startedAtMs: 0, expiresAtMs: Date.now() + 60_000 });
  const book = new TaskBook({ store });
  t.after(() => book.close());
  await sleep(0);
  assert.deepEqual(book.list('b').map((task) => task.name), ['kept']);
  assert.equal(store.nextExpiry(), book.heldUntilMs('b'));
});
