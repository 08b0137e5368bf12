import assert from 'node:assert/strict';
import test from 'node:test';
import { RandomPool } from './random-pool.js';

test('a random pool hands out each byte once, across refills, and larger takes than a block', async () => {
  const pool = await RandomPool.open();
  const masks = Array.from({ length: 3000 }, () => Buffer.from(pool.take(4)));
  assert.ok(masks.every((mask) => mask.length === 4));
  // 12000 bytes cross at least two refills; random 32-bit masks repeating would be a broken pool.
  assert.ok(new Set(masks.map((mask) => mask.toString('hex'))).size > 2990, 'masks repeat');
  const big = pool.take(10_000);
  assert.equal(big.length, 10_000);
  assert.ok(big.some((byte) => byte !== 0));
});
