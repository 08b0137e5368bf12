/**
 * Disk attacks: a sprite that fills its disk stops at its storage_gb with "Disk quota exceeded"
 * while its neighbours keep writing; every way a sprite comes to be (a warm spare, a cold
 * create, a fork, a sprite from before limits existed) gets its limit; and a pool that runs
 * low refuses creates, says so in health and `hob info`, and recovers when space is freed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import type { HobClient } from '../../../src/client/client.js';
import { HobError } from '../../../src/shared/errors.js';
import { runHob } from '../../helpers/cli.js';
import { clientFor, sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { sh, shStdout } from '../../helpers/shell.js';
import { cleanupDataDir, startServer, uniquePrefix, type TestServer } from '../../helpers/server.js';

const shared = sharedServer();
const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

/** The pool's quota groups as btrfs itself lists them: qgroupid, referenced, exclusive, max referenced, max exclusive, parent, path. */
function qgroupRows(dataDir: string): string[][] {
  return execFileSync('btrfs', ['qgroup', 'show', '-pre', '--raw', join(dataDir, 'pool')])
    .toString()
    .split('\n')
    .map((line) => line.trim().split(/\s+/));
}

/** The level-1 quota group that holds a sprite's root. */
function qgroupOf(dataDir: string, spriteId: string): string {
  const rootId = execFileSync('btrfs', ['inspect-internal', 'rootid', join(dataDir, 'pool', 'sprites', spriteId, 'root')]).toString().trim();
  const group = qgroupRows(dataDir).find((row) => row[0] === `0/${rootId}`)?.[5];
  assert.match(group ?? '', /^1\/\d+$/, `the root of ${spriteId} (0/${rootId}) is in a sprite's quota group`);
  return group ?? '';
}

/** The cap on a sprite's quota group (null: none). */
function qgroupLimitBytes(dataDir: string, spriteId: string): number | null {
  const group = qgroupOf(dataDir, spriteId);
  const max = qgroupRows(dataDir).find((row) => row[0] === group)?.[4];
  return max === undefined || max === 'none' ? null : Number(max);
}

function readySpareIds(dataDir: string): string[] {
  const db = new Database(join(dataDir, 'hob.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(`SELECT id FROM sprites WHERE state = 'spare'`).all() as { id: string }[]).map((row) => row.id); // shape fixed by the query
  } finally {
    db.close();
  }
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Writes `count` MiB of zeros to `path` and prints dd's exit code and the file's size, whatever happens. */
function fillScript(path: string, countMiB: number): string {
  return `dd if=/dev/zero of=${path} bs=1M count=${countMiB} 2>&1; echo "rc=$?"; echo "size=$(stat -c %s ${path})"`;
}

function parseFill(stdout: string): { rc: number; sizeBytes: number } {
  return { rc: Number(/^rc=(\d+)$/m.exec(stdout)?.[1]), sizeBytes: Number(/^size=(\d+)$/m.exec(stdout)?.[1]) };
}

test('a sprite stops at its storage_gb with "Disk quota exceeded" while its neighbour keeps writing', { timeout: 240_000 }, async (t) => {
  const sprites = spriteFixture(t, shared);
  assert.equal((await sprites.client.health()).storage.limits_enforced, true, 'this host has btrfs simple quotas (Linux 6.7+), so storage_gb is enforced');
  // A claimed warm spare was made with the default limit: the handover must set the sprite's own.
  await waitFor('a warm spare', () => readySpareIds(shared.dataDir).length > 0);
  const spares = readySpareIds(shared.dataDir);
  const small = await sprites.create({ config: { storage_gb: 1 } });
  assert.ok(spares.includes(small.id), 'the create took a warm spare');
  assert.equal(small.config.storage_gb, 1);
  assert.equal(qgroupLimitBytes(shared.dataDir, small.id), GIB, 'the cap is on the sprite’s quota group before it writes');
  const neighbour = await sprites.create();

  const started = Date.now();
  // An object, so the loop below reads the flag the promise sets rather than a narrowed local.
  const fillState = { done: false };
  const filling = sh(sprites.client, small.name, fillScript('/fill', 2048), 120_000).finally(() => (fillState.done = true));
  // The neighbour writes 10 MiB at a time (over five files, so it never holds much) for as
  // long as the fill runs: not one of these writes may fail.
  let neighbourWrites = 0;
  while (!fillState.done || neighbourWrites === 0) {
    const wrote = await sh(sprites.client, neighbour.name, `dd if=/dev/zero of=/n${neighbourWrites % 5} bs=1M count=10 2>&1`);
    assert.equal(wrote.code, 0, `the neighbour could not write during the fill: ${wrote.stdout}`);
    neighbourWrites++;
  }
  const filled = await filling;
  const fillMs = Date.now() - started;
  const fill = parseFill(filled.stdout);
  t.diagnostic(`filled ${(fill.sizeBytes / MIB).toFixed(1)} MiB in ${fillMs} ms before the quota stopped it; the neighbour wrote 10 MiB ${neighbourWrites} times meanwhile`);
  assert.ok(neighbourWrites >= 3, 'the neighbour wrote all through the fill');
  assert.notEqual(fill.rc, 0, `dd past the limit must fail: ${filled.stdout}`);
  assert.match(filled.stdout, /Disk quota exceeded/);
  // btrfs reserves metadata for writes in flight against the same cap, so it stops a little short of it.
  assert.ok(fill.sizeBytes <= GIB, `wrote ${fill.sizeBytes} bytes, past the 1 GiB limit`);
  assert.ok(fill.sizeBytes >= GIB - 64 * MIB, `stopped at ${fill.sizeBytes} bytes, well short of the 1 GiB limit`);

  const full = await sh(sprites.client, small.name, '(echo x > /small) 2>&1; echo "rc=$?"');
  assert.match(full.stdout, /Disk quota exceeded[\s\S]*rc=1/, 'the full sprite cannot even make a small file');
  const afterFill = await sh(sprites.client, neighbour.name, fillScript('/after', 200), 60_000);
  assert.deepEqual(parseFill(afterFill.stdout), { rc: 0, sizeBytes: 200 * MIB }, `the neighbour writes after the fill too: ${afterFill.stdout}`);
  assert.equal((await sprites.client.health()).storage.status, 'ok', 'the pool itself is nowhere near full');

  // At its limit the sprite can still be checkpointed, and restored (which boots it again).
  const client = sprites.client;
  const v0 = await client.createCheckpoint(small.name, 'full', () => undefined);
  assert.ok(v0.type === 'complete' && v0.id !== undefined, `checkpoint at the limit: ${JSON.stringify(v0)}`);
  const restored = await client.restoreCheckpoint(small.name, v0.id, () => undefined);
  assert.equal(restored.type, 'complete', `restore at the limit: ${JSON.stringify(restored)}`);
  assert.equal(await shStdout(client, small.name, 'stat -c %s /fill'), `${fill.sizeBytes}\n`);

  // The checkpoints hold the fill's blocks, so deleting the file frees nothing…
  const held = await sh(client, small.name, `rm /fill && ${fillScript('/more', 100)}`, 60_000);
  assert.notEqual(parseFill(held.stdout).rc, 0, `the checkpoints still hold the deleted file: ${held.stdout}`);
  assert.match(held.stdout, /Disk quota exceeded/);
  // …until they are deleted (the current one can be, once a newer one is current). btrfs
  // drops a deleted snapshot's blocks in the background, at its next commit (every 30 s), so
  // the space comes back within about that.
  const v1 = await client.createCheckpoint(small.name, 'emptied', () => undefined);
  assert.equal(v1.type, 'complete', JSON.stringify(v1));
  for (const checkpoint of await client.listCheckpoints(small.name, { includeAuto: true })) {
    if (checkpoint.id !== v1.id) await client.deleteCheckpoint(small.name, checkpoint.id);
  }
  const deletedAt = Date.now();
  const freedBy = deletedAt + 60_000;
  let refill = parseFill((await sh(client, small.name, fillScript('/fill', 900), 60_000)).stdout);
  while (refill.rc !== 0 && Date.now() < freedBy) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    refill = parseFill((await sh(client, small.name, fillScript('/fill', 900), 60_000)).stdout);
  }
  assert.deepEqual(refill, { rc: 0, sizeBytes: 900 * MIB }, 'deleting the checkpoints freed the space');
  t.diagnostic(`deleting the checkpoints freed the space within ${Date.now() - deletedAt} ms`);

  // A file no checkpoint holds frees its space at once: btrfs commits and retries a write that hit the cap.
  const again = await sh(client, small.name, `rm /fill && ${fillScript('/fill', 900)}`, 60_000);
  assert.deepEqual(parseFill(again.stdout), { rc: 0, sizeBytes: 900 * MIB }, `the freed space can be written again: ${again.stdout}`);
});

/**
 * A server of its own with a 2 GiB pool and no warm pool: every create is cold, and one sprite
 * can bring the pool down to its refusal threshold (512 MiB free) in a couple of seconds.
 */
describe('a server with a 2 GiB pool and no spares', () => {
  const prefix = uniquePrefix();
  const dataDir = join(shared.runDir, `disk-${prefix}`);
  const args = ['--warm-pool', '0', '--pool-size-gib', '2'];
  let server: TestServer;
  let client: HobClient;

  before(async () => {
    server = await startServer({ dataDir, prefix, extraArgs: args });
    client = clientFor(server);
  });
  after(async () => {
    await server.stop();
    cleanupDataDir(dataDir, prefix);
  });

  test('a cold create, a fork and a sprite from before limits all get their storage_gb', { timeout: 120_000 }, async () => {
    const cold = await client.createSprite({ name: 'cold', image: 'tiny', config: { storage_gb: 3 } });
    assert.equal(qgroupLimitBytes(dataDir, cold.id), 3 * GIB);
    const resized = await client.forkSprite('resized', { sprite: 'cold' }, { config: { storage_gb: 2 } });
    assert.equal(qgroupLimitBytes(dataDir, resized.id), 2 * GIB, 'a fork takes the limit it asks for');
    const inherited = await client.forkSprite('inherited', { sprite: 'cold' });
    assert.equal(inherited.config.storage_gb, 3);
    assert.equal(qgroupLimitBytes(dataDir, inherited.id), 3 * GIB, 'a fork without a config takes its source’s');

    // A sprite made by a Hob that set no limits gets one at the next start.
    execFileSync('btrfs', ['qgroup', 'limit', '-e', 'none', qgroupOf(dataDir, cold.id), join(dataDir, 'pool')]);
    assert.equal(qgroupLimitBytes(dataDir, cold.id), null, 'control: the limit is gone');
    await server.stop();
    server = await startServer({ dataDir, prefix, extraArgs: args });
    client = clientFor(server);
    assert.equal(qgroupLimitBytes(dataDir, cold.id), 3 * GIB, 'the restart put the limit back');

    for (const name of ['inherited', 'resized', 'cold']) await client.deleteSprite(name);
  });

  test('a pool that runs low refuses creates with 507, says so in health and hob info, and recovers', { timeout: 120_000 }, async () => {
    const before = await client.health();
    assert.equal(before.storage.status, 'ok');
    assert.equal(before.storage.pool.size_bytes, 2 * GIB);
    assert.ok(before.storage.host !== null && before.storage.host.free_bytes > before.storage.pool.free_bytes, 'a loop-file pool reports the host disk under it');

    // storage_gb may promise more than the pool holds; the pool's own space is what runs out.
    await client.createSprite({ name: 'hog', image: 'tiny', config: { storage_gb: 3 } });
    const hogged = await sh(client, 'hog', `${fillScript('/fill', 1450)} && sync`, 60_000);
    assert.equal(parseFill(hogged.stdout).rc, 0, hogged.stdout);

    const low = await client.health();
    assert.equal(low.storage.status, 'critical', `pool free: ${low.storage.pool.free_bytes} bytes`);
    assert.match(low.storage.warnings.join('\n'), /the sprite pool has only 0\.\d GiB free of 2\.0 GiB/);
    await assert.rejects(
      client.createSprite({ name: 'refused', image: 'tiny' }),
      (error: unknown) => error instanceof HobError && error.code === 'insufficient_storage' && error.status === 507 && /not enough free disk space to create a sprite/.test(error.message),
    );
    await assert.rejects(client.forkSprite('refused', { sprite: 'hog' }), /not enough free disk space/, 'forks are refused too');
    const info = await runHob({ ...server, runDir: shared.runDir }, ['info', 'hog']);
    assert.equal(info.code, 0, info.stderr);
    assert.match(info.stdout, /^Storage:\s+\S+ \S*B of 3 GiB, counting its checkpoints/m);
    assert.match(info.stderr, /^warning: the sprite pool has only .* \(new sprites are refused until then\)$/m);
    assert.match(readFileSync(server.logFile, 'utf8'), /disk space for sprites is critical: creates are refused/);

    await shStdout(client, 'hog', 'rm /fill && sync');
    assert.equal((await client.health()).storage.status, 'ok');
    await client.createSprite({ name: 'after', image: 'tiny' });
    for (const name of ['after', 'hog']) await client.deleteSprite(name);
  });
});
