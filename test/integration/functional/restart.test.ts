import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import test from 'node:test';
import { clientFor, execCollect, sharedServer } from '../../helpers/fixture.js';
import { cleanupDataDir, startServer, uniquePrefix } from '../../helpers/server.js';

const shared = sharedServer();
// Spares of the warm pool would be containers and storage of their own; warm-pool.test.ts covers them.
const NO_SPARES = ['--warm-pool', '0'];

/** A server of this test's own, so it can be killed and restarted. */
test('sprites survive a server crash, and the store is reconciled with what runs', async (t) => {
  const prefix = uniquePrefix();
  const dataDir = join(shared.runDir, `restart-${prefix}`);
  let server = await startServer({ dataDir, prefix, extraArgs: NO_SPARES });
  // Stop the server first: a running one could boot a spare while the cleanup runs.
  t.after(async () => {
    await server.stop();
    cleanupDataDir(dataDir, prefix);
  });
  let client = clientFor(server);
  assert.equal((await client.buildImage('tiny', () => undefined)).type, 'complete');
  const keep = await client.createSprite({ name: 'keep', image: 'tiny' });
  const dies = await client.createSprite({ name: 'dies', image: 'tiny' });
  await execCollect(client, 'keep', ['sh', '-c', 'echo persisted > /root/file']);

  await server.kill();
  // While the server is down, one sprite's container dies behind its back.
  execFileSync('runc', ['--root', join(dataDir, 'runc'), 'delete', '--force', `${prefix}-${dies.id}`]);

  server = await startServer({ dataDir, prefix, extraArgs: NO_SPARES });
  client = clientFor(server);
  assert.equal((await client.getSprite('keep')).status, 'running', 'a sprite whose container kept running is still running');
  assert.equal((await client.getSprite('dies')).status, 'cold', 'a sprite whose container is gone is reported cold');
  assert.deepEqual(await execCollect(client, 'keep', ['cat', '/root/file']), { stdout: 'persisted\n', stderr: '', code: 0 });
  // Running a command wakes the cold one, with its filesystem as it was.
  assert.equal((await execCollect(client, 'dies', ['true'])).code, 0);
  assert.equal((await client.getSprite('dies')).status, 'running');

  await server.stop();
  server = await startServer({ dataDir, prefix, extraArgs: NO_SPARES });
  client = clientFor(server);
  assert.equal((await client.getSprite('keep')).status, 'running', 'a graceful restart leaves sprites running');
  assert.equal((await client.listSprites()).sprites.length, 2);

  for (const sprite of [keep, dies]) await client.deleteSprite(sprite.name);
  assert.deepEqual(readdirSync(join(dataDir, 'pool', 'sprites')), [], 'destroy leaves no sprite storage');
  const containers = execFileSync('runc', ['--root', join(dataDir, 'runc'), 'list', '-q']).toString().trim();
  assert.equal(containers, '', 'destroy leaves no container');
  assert.ok(!existsSync(join(dataDir, 'sprites', keep.id)));
});

test('a half-made sprite and stray storage are cleaned up at start', async (t) => {
  const prefix = uniquePrefix();
  const dataDir = join(shared.runDir, `halfmade-${prefix}`);
  let server = await startServer({ dataDir, prefix, extraArgs: NO_SPARES });
  // Stop the server first: a running one could boot a spare while the cleanup runs.
  t.after(async () => {
    await server.stop();
    cleanupDataDir(dataDir, prefix);
  });
  assert.equal((await clientFor(server).buildImage('tiny', () => undefined)).type, 'complete');
  // Kill the server at several points of a create in flight; after each restart the sprite is
  // either whole and running, or gone without a trace.
  for (const delayMs of [20, 60, 100, 150]) {
    const name = `inflight-${delayMs}`;
    const creating = clientFor(server).createSprite({ name, image: 'tiny' }).catch((error: unknown) => error);
    await new Promise((r) => setTimeout(r, delayMs));
    await server.kill();
    await creating;
    server = await startServer({ dataDir, prefix, extraArgs: NO_SPARES });
    const after = clientFor(server);
    for (const sprite of (await after.listSprites()).sprites) {
      assert.equal(sprite.status, 'running', `${sprite.name} is whole`);
      assert.equal((await execCollect(after, sprite.name, ['true'])).code, 0);
      await after.deleteSprite(sprite.name);
    }
    assert.deepEqual(readdirSync(join(dataDir, 'pool', 'sprites')), [], `no storage left after a kill at ${delayMs} ms`);
  }
  assert.deepEqual(readdirSync(join(dataDir, 'pool', 'sprites')), []);
  assert.equal(execFileSync('runc', ['--root', join(dataDir, 'runc'), 'list', '-q']).toString().trim(), '');
});
