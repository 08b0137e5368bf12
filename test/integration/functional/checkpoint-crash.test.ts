import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import type { HobClient } from '../../../src/client/client.js';
import type { CheckpointJson } from '../../../src/shared/protocol.js';
import { clientFor, sharedServer } from '../../helpers/fixture.js';
import { cleanupDataDir, startServer, uniquePrefix, type TestServer } from '../../helpers/server.js';
import { shStdout } from '../../helpers/shell.js';

const shared = sharedServer();
const NO_SPARES = ['--warm-pool', '0'];

interface Scenario {
  /** The crash point (src/server/util/crash-point.ts) the server dies at. */
  point: string;
  run(client: HobClient, name: string): Promise<unknown>;
  /** What the sprite's /state file holds after the restart, and what it derives from. */
  files: 'A' | 'C';
  current: 'v0' | 'v1';
  /** The user checkpoints listed afterwards. */
  listed: string[];
}

// Before each operation the sprite has: /state = A at v0, B at v1, and C now (current v1).
const checkpointOp = (client: HobClient, name: string) => client.createCheckpoint(name, 'crash', () => undefined);
const restoreOp = (client: HobClient, name: string) => client.restoreCheckpoint(name, 'v0', () => undefined);
const scenarios: Scenario[] = [
  { point: 'checkpoint:recorded', run: checkpointOp, files: 'C', current: 'v1', listed: ['v1', 'v0'] },
  { point: 'checkpoint:frozen', run: checkpointOp, files: 'C', current: 'v1', listed: ['v1', 'v0'] },
  { point: 'checkpoint:snapshotted', run: checkpointOp, files: 'C', current: 'v1', listed: ['v1', 'v0'] },
  { point: 'checkpoint-delete:recorded', run: (c, n) => c.deleteCheckpoint(n, 'v0'), files: 'C', current: 'v1', listed: ['v1'] },
  { point: 'restore:stopped', run: restoreOp, files: 'C', current: 'v1', listed: ['v1', 'v0'] },
  { point: 'restore:recorded', run: restoreOp, files: 'A', current: 'v0', listed: ['v1', 'v0'] },
  { point: 'restore:next-made', run: restoreOp, files: 'A', current: 'v0', listed: ['v1', 'v0'] },
  { point: 'restore:root-moved', run: restoreOp, files: 'A', current: 'v0', listed: ['v1', 'v0'] },
  { point: 'restore:swapped', run: restoreOp, files: 'A', current: 'v0', listed: ['v1', 'v0'] },
];

/** The subvolumes of a sprite on disk, to compare with what the API lists. */
function layout(dataDir: string, id: string): { top: string[]; checkpoints: string[]; mounted: string[] } {
  const dir = join(dataDir, 'pool', 'sprites', id);
  const list = (sub: string) => (existsSync(join(dir, sub)) ? readdirSync(join(dir, sub)).sort() : []);
  return { top: readdirSync(dir).filter((e) => e !== 'scratch' || list('scratch').length > 0).sort(), checkpoints: list('checkpoints'), mounted: list('mounted') };
}

test('killing the server at any step of checkpoint, delete, restore or fork leaves the list and the disk in agreement', { timeout: 15 * 60_000 }, async (t) => {
  const prefix = uniquePrefix();
  const dataDir = join(shared.runDir, `ckcrash-${prefix}`);
  let server: TestServer = await startServer({ dataDir, prefix, extraArgs: NO_SPARES });
  t.after(async () => {
    await server.stop();
    cleanupDataDir(dataDir, prefix);
  });
  const restart = async (env?: Record<string, string>) => {
    await server.stop();
    server = await startServer({ dataDir, prefix, extraArgs: NO_SPARES, ...(env === undefined ? {} : { env }) });
    return clientFor(server);
  };
  let client = clientFor(server);

  for (const scenario of scenarios) {
    const name = `crash-${scenario.point.replace(/[^a-z]+/g, '-')}`;
    const sprite = await client.createSprite({ name, image: 'tiny' });
    // A process writing all the time: the sprite must not stay frozen, and must run after.
    await shStdout(client, name, 'echo A > /state');
    assert.equal((await client.createCheckpoint(name, undefined, () => undefined)).type, 'complete');
    await shStdout(client, name, 'echo B > /state');
    assert.equal((await client.createCheckpoint(name, undefined, () => undefined)).type, 'complete');
    await shStdout(client, name, 'echo C > /state; setsid sh -c "while true; do date > /tmp/tick; sleep 0.1; done" </dev/null >/dev/null 2>&1 &');

    client = await restart({ HOB_CRASH_AT: scenario.point });
    await scenario.run(client, name).catch(() => undefined);
    await server.exited();
    assert.equal(server.process.signalCode, 'SIGKILL', `the server died at ${scenario.point}`);
    server = await startServer({ dataDir, prefix, extraArgs: NO_SPARES });
    client = clientFor(server);

    const freezer = `/sys/fs/cgroup/freezer/${prefix}-${sprite.id}/freezer.state`;
    if (existsSync(freezer)) assert.equal(readFileSync(freezer, 'utf8').trim(), 'THAWED', `${scenario.point}: the sprite is not left frozen`);
    assert.equal(await shStdout(client, name, 'cat /state'), `${scenario.files}\n`, `${scenario.point}: files`);
    const info = await client.getSprite(name);
    assert.equal(info.status, 'running', `${scenario.point}: the sprite runs`);
    assert.equal(info.current_checkpoint, scenario.current, `${scenario.point}: current checkpoint`);
    const listed = await client.listCheckpoints(name, {});
    assert.deepEqual(listed.map((c) => c.id), scenario.listed, `${scenario.point}: listed checkpoints`);
    const all: CheckpointJson[] = await client.listCheckpoints(name, { includeAuto: true });
    const disk = layout(dataDir, sprite.id);
    assert.deepEqual(disk.top, ['checkpoints', 'mounted', 'root'], `${scenario.point}: no half-made root is left`);
    assert.deepEqual(disk.checkpoints, all.map((c) => c.id).sort(), `${scenario.point}: every snapshot is a listed checkpoint and back`);
    assert.deepEqual(disk.mounted, all.filter((c) => c.mounted).map((c) => c.id).sort(), `${scenario.point}: mounted copies`);
    for (const checkpoint of listed) {
      const expected = checkpoint.id === 'v0' ? 'A' : 'B';
      assert.equal(await shStdout(client, name, `cat /.sprite/checkpoints/${checkpoint.id}/state`), `${expected}\n`, `${scenario.point}: ${checkpoint.id} intact`);
    }
    // And it still works: one more checkpoint and restore.
    assert.equal((await client.createCheckpoint(name, undefined, () => undefined)).type, 'complete');
    assert.equal((await client.restoreCheckpoint(name, scenario.listed.at(-1) ?? 'v1', () => undefined)).type, 'complete');
    await client.deleteSprite(name);
    assert.ok(!existsSync(join(dataDir, 'pool', 'sprites', sprite.id)), `${scenario.point}: destroy leaves nothing`);
  }

  // A fork cut short is rolled back; its source is untouched.
  const source = await client.createSprite({ name: 'fork-source', image: 'tiny' });
  await shStdout(client, source.name, 'echo S > /state');
  client = await restart({ HOB_CRASH_AT: 'fork:snapshotted' });
  await client.forkSprite('fork-child', { sprite: source.name }).catch(() => undefined);
  await server.exited();
  assert.equal(server.process.signalCode, 'SIGKILL');
  server = await startServer({ dataDir, prefix, extraArgs: NO_SPARES });
  client = clientFor(server);
  assert.deepEqual((await client.listSprites()).sprites.map((s) => s.name), ['fork-source']);
  assert.deepEqual(readdirSync(join(dataDir, 'pool', 'sprites')), [source.id], 'the half-made fork left no storage');
  assert.equal(await shStdout(client, source.name, 'cat /state'), 'S\n');
  const fork = await client.forkSprite('fork-child', { sprite: source.name });
  assert.equal(await shStdout(client, fork.name, 'cat /state'), 'S\n', 'the same fork works after the restart');
  await client.deleteSprite(fork.name);
  await client.deleteSprite(source.name);
  assert.deepEqual(readdirSync(join(dataDir, 'pool', 'sprites')), []);
});

test('a graceful stop lets a restore in flight finish first', { timeout: 5 * 60_000 }, async (t) => {
  const prefix = uniquePrefix();
  const dataDir = join(shared.runDir, `ckstop-${prefix}`);
  let server: TestServer = await startServer({ dataDir, prefix, extraArgs: NO_SPARES });
  t.after(async () => {
    await server.stop();
    cleanupDataDir(dataDir, prefix);
  });
  let client = clientFor(server);
  await client.createSprite({ name: 'busy', image: 'tiny' });
  await shStdout(client, 'busy', 'echo A > /state');
  assert.equal((await client.createCheckpoint('busy', undefined, () => undefined)).type, 'complete');
  await shStdout(client, 'busy', 'echo B > /state');

  const events: string[] = [];
  let stopping: Promise<void> | undefined;
  const restored = await client.restoreCheckpoint('busy', 'v0', (event) => {
    events.push(event.type === 'error' ? event.error : event.data);
    // SIGTERM as soon as the restore reports its first step.
    stopping ??= server.stop();
  });
  const stopAsked = Date.now();
  await stopping;
  assert.ok(Date.now() - stopAsked < 10_000, `the server exited soon after the restore, not after a keep-alive timeout (${Date.now() - stopAsked} ms)`);
  assert.equal(restored.type, 'complete', `the restore finished before the server exited: ${events.join(' | ')}`);
  assert.equal(server.process.exitCode, 0, 'and the server exited cleanly');

  server = await startServer({ dataDir, prefix, extraArgs: NO_SPARES });
  client = clientFor(server);
  assert.doesNotMatch(readFileSync(server.logFile, 'utf8'), /interrupted by a restart/, 'nothing was left for the next start to finish');
  assert.equal(await shStdout(client, 'busy', 'cat /state'), 'A\n');
  assert.equal((await client.getSprite('busy')).current_checkpoint, 'v0');
  await client.deleteSprite('busy');
});
