import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import test from 'node:test';
import { pino } from 'pino';
import { HobError } from '../../shared/errors.js';
import { assertRoomToCreate, assessCapacity, CapacityMonitor, criticalFreeBytes, loopPoolSizeBytes, lowFreeBytes, MIN_LOOP_POOL_BYTES, type PoolSpace } from './capacity.js';

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

test('a new loop-file pool takes the configured size when the host has room for it', () => {
  assert.equal(loopPoolSizeBytes(64 * GIB, 500 * GIB), 64 * GIB);
  assert.equal(loopPoolSizeBytes(16 * GIB, 20 * GIB), 16 * GIB, '16 GiB is exactly 80% of 20 GiB');
});

test('a new loop-file pool shrinks to 80% of the host’s free space, in whole MiB', () => {
  assert.equal(loopPoolSizeBytes(64 * GIB, 40 * GIB), 32 * GIB);
  const size = loopPoolSizeBytes(64 * GIB, 10 * GIB + 123_457);
  assert.equal(size % MIB, 0);
  assert.ok(size <= (10 * GIB + 123_457) * 0.8 && size > (10 * GIB + 123_457) * 0.8 - MIB, String(size));
});

test('no loop-file pool is made when the host cannot spare 2 GiB for it', () => {
  assert.equal(loopPoolSizeBytes(64 * GIB, MIN_LOOP_POOL_BYTES / 0.8), MIN_LOOP_POOL_BYTES);
  assert.throws(
    () => loopPoolSizeBytes(64 * GIB, 2 * GIB),
    (error: unknown) => error instanceof HobError && error.code === 'insufficient_storage' && error.status === 507 && /only 2\.0 GiB free.*--data-dir/.test(error.message),
  );
  assert.throws(() => loopPoolSizeBytes(1 * GIB, 500 * GIB), /--pool-size-gib must be at least 2/, 'a configured size below the minimum is refused too');
});

test('thresholds are 5% of the pool, at least 512 MiB and at most 10 GiB, and low is twice that', () => {
  assert.equal(criticalFreeBytes(2 * GIB), 512 * MIB);
  assert.equal(criticalFreeBytes(64 * GIB), 0.05 * 64 * GIB);
  assert.equal(criticalFreeBytes(10_000 * GIB), 10 * GIB);
  assert.equal(lowFreeBytes(64 * GIB), 0.1 * 64 * GIB);
});

const pool = (freeGiB: number, sizeGiB = 64) => ({ sizeBytes: sizeGiB * GIB, freeBytes: freeGiB * GIB });

test('a pool with plenty free is ok, below 10% it is low, below 5% it is critical', () => {
  assert.deepEqual(assessCapacity({ pool: pool(40), host: null }), { level: 'ok', pool: pool(40), host: null, warnings: [] });
  const low = assessCapacity({ pool: pool(5), host: null });
  assert.equal(low.level, 'low');
  assert.match(low.warnings.join(), /sprite pool has only 5\.0 GiB free of 64\.0 GiB/);
  assert.equal(assessCapacity({ pool: pool(3), host: null }).level, 'critical');
});

test('the host disk under a loop-file pool is judged too: low once it cannot hold what the pool still promises', () => {
  assert.equal(assessCapacity({ pool: pool(40), host: pool(200, 250) }).level, 'ok');
  const short = assessCapacity({ pool: pool(40), host: pool(30, 250) });
  assert.equal(short.level, 'low', 'the pool could fill the host before itself');
  assert.equal(short.warnings.length, 1);
  assert.match(short.warnings[0] ?? '', /host disk under the pool file has only 30\.0 GiB free, less than the pool's 40\.0 GiB/);
  const critical = assessCapacity({ pool: pool(40), host: pool(2, 250) });
  assert.equal(critical.level, 'critical', 'host free space is held to the pool-sized thresholds');
  const both = assessCapacity({ pool: pool(5), host: pool(2, 250) });
  assert.equal(both.level, 'critical');
  assert.equal(both.warnings.length, 2, 'each short side is named');
});

test('creates are refused with 507 insufficient_storage only when space is critical', () => {
  assertRoomToCreate(assessCapacity({ pool: pool(5), host: null }));
  assert.throws(
    () => assertRoomToCreate(assessCapacity({ pool: pool(1), host: null })),
    (error: unknown) =>
      error instanceof HobError &&
      error.code === 'insufficient_storage' &&
      error.status === 507 &&
      /not enough free disk space to create a sprite: the sprite pool has only 1\.0 GiB free/.test(error.message) &&
      error.details?.pool_free_bytes === GIB &&
      error.details.refuse_below_bytes === criticalFreeBytes(64 * GIB),
  );
});

test('the monitor logs each change of level once, and refuses creates while critical', () => {
  const lines: { level: number; msg: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string }); // pino writes one JSON object per line
      done();
    },
  });
  let space: PoolSpace = { pool: pool(40), host: null };
  const monitor = new CapacityMonitor(() => space, pino({ level: 'info' }, sink));
  monitor.report();
  monitor.report();
  monitor.requireRoomToCreate();
  space = { pool: pool(5), host: null };
  monitor.report();
  monitor.report();
  space = { pool: pool(1), host: null };
  assert.throws(() => monitor.requireRoomToCreate(), /not enough free disk space/);
  space = { pool: pool(40), host: null };
  monitor.requireRoomToCreate();
  assert.deepEqual(
    lines.map((line) => [line.level, line.msg]),
    [
      [30, 'disk space for sprites'],
      [40, 'disk space for sprites is low'],
      [40, 'disk space for sprites is critical: creates are refused'],
      [30, 'disk space for sprites is back above its thresholds'],
    ],
  );
});
