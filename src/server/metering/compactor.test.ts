import assert from 'node:assert/strict';
import test from 'node:test';
import { openDatabase } from '../store/db.js';
import { UsageStore } from '../store/usage.js';
import { UsageCompactor } from './compactor.js';
import { zeroUsage } from './cost.js';
import { silentLog } from './testing.js';

test('the compactor folds every minute older than the retention, in day-sized batches, and keeps the rest', async () => {
  const db = openDatabase(':memory:');
  const store = new UsageStore(db);
  const nowMs = Date.UTC(2026, 6, 20, 10, 30);
  const nowSec = nowMs / 1000;
  // A minute of compute every 10 minutes over the last three days.
  for (let ago = 3 * 86_400; ago > 0; ago -= 600) {
    store.record({ buckets: [{ spriteId: 's', bucketStart: nowSec - ago, bucketSeconds: 60, usage: { ...zeroUsage(), cpuSeconds: 1 } }], daily: [], names: [] });
  }
  const compactor = new UsageCompactor({ store, retentionMs: 86_400_000, log: silentLog, now: () => nowMs });
  const folded = await compactor.compactNow();
  assert.equal(folded, 2 * 144 - 3, 'two days of minutes (up to the hour the retention starts in)');
  const rows = store.buckets(nowSec - 4 * 86_400, nowSec + 60, 's');
  const cutSec = Math.floor((nowSec - 86_400) / 3600) * 3600;
  assert.ok(rows.every((row) => (row.bucketStart < cutSec ? row.bucketSeconds === 3600 : row.bucketSeconds === 60)));
  assert.equal(rows.reduce((sum, row) => sum + row.usage.cpuSeconds, 0), 3 * 144);
  assert.equal(await compactor.compactNow(), 0);
  await compactor.stop();
  db.close();
});
