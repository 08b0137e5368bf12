import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import test from 'node:test';
import { pino } from 'pino';
import { HobError } from '../../shared/errors.js';
import { openDatabase } from '../store/db.js';
import { ImageStore } from '../store/images.js';
import type { BtrfsPool } from '../volumes/pool.js';
import { ImageRegistry } from './registry.js';

/** A registry over a real store and a pool that only pretends to make subvolumes: enough for jobs that never get past their input. */
function registry(run: (images: ImageRegistry, store: ImageStore) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hob-images-'));
  const db = openDatabase(':memory:');
  const store = new ImageStore(db);
  const pool = {
    imagesDir: dir,
    createSubvolume: () => Promise.resolve(),
    deleteSubvolume: () => Promise.resolve(),
    isSubvolume: () => false,
  } as unknown as BtrfsPool; // the part of the pool a job that fails before populating touches
  const images = new ImageRegistry(store, pool, 100_000, join(dir, 'cache'), pino({ level: 'silent' }));
  return run(images, store).finally(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
}

function isNotReady(pattern: RegExp) {
  return (error: unknown) => error instanceof HobError && error.code === 'image_not_ready' && pattern.test(error.message);
}

test('a ready image is answered at once', async () => {
  await registry(async (images, store) => {
    store.upsert({ name: 'ready', state: 'ready', builtin: false, sizeBytes: 1, error: null, createdAt: new Date().toISOString() });
    assert.equal(await images.awaitReady('ready', { timeoutMs: 1 }), images.path('ready'));
  });
});

test('a create waiting on a build in flight gives up after its timeout, or when its caller goes away', async () => {
  await registry(async (images) => {
    const tarball = new PassThrough();
    images.import('slow', tarball);
    try {
      const started = Date.now();
      await assert.rejects(images.awaitReady('slow', { timeoutMs: 100 }), isNotReady(/still being built .*after 0.1 s of waiting/));
      assert.ok(Date.now() - started >= 100, 'it waited');
      const caller = new AbortController();
      const waiting = images.awaitReady('slow', { timeoutMs: 60_000, signal: caller.signal });
      caller.abort();
      await assert.rejects(waiting, isNotReady(/request was given up/));
    } finally {
      tarball.end('not a tarball');
      await images.jobFor('slow')?.done.catch(() => undefined);
    }
  });
});

test('a build that fails fails the create waiting on it, with the reason', async () => {
  await registry(async (images) => {
    const tarball = new PassThrough();
    images.import('broken', tarball);
    const waiting = images.awaitReady('broken', { timeoutMs: 60_000 });
    tarball.end(Buffer.alloc(4096, 'x'));
    await assert.rejects(waiting, isNotReady(/^building image broken failed: /));
  });
});

test('an image that is neither built, building nor built-in is not found', async () => {
  await registry(async (images) => {
    await assert.rejects(images.awaitReady('nowhere', { timeoutMs: 1 }), (error: unknown) => error instanceof HobError && error.code === 'not_found');
  });
});
