import assert from 'node:assert/strict';
import { existsSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import type { CheckpointJson, TaskJson, TaskListJson } from '../../../src/shared/protocol.js';
import type { ErrorBody } from '../../../src/shared/errors.js';
import { clientFor, sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { cleanupDataDir, startServer, uniquePrefix } from '../../helpers/server.js';
import { sections, sh, shStdout } from '../../helpers/shell.js';

const server = sharedServer();

// test-only readers: the assertions check the shapes they read.
const json = (text: string): unknown => JSON.parse(text);
const taskOf = (text: string) => json(text) as TaskJson; // test-only, see above
const taskNames = (text: string) => (json(text) as TaskListJson).tasks.map((task) => task.name); // test-only, see above
const errorOf = (text: string) => json(text) as ErrorBody; // test-only, see above

/** As the sprite's plain user (uid 1000), not root; busybox su asks root for no password. */
const asUser = (command: string) => `su -s /bin/sh sprite -c '${command.replaceAll("'", `'\\''`)}'`;

test('inside a tiny sprite: /.sprite/api.sock and sprite-env, for root and for a plain user', async (t) => {
  const { create, client } = spriteFixture(t, server);
  const { name, id } = await create();
  const inside = (script: string) => run(client, name, script);

  const listing = await inside('ls -la /.sprite; command -v sprite-env; id -u');
  assert.match(listing, /^s[rwx-]{9} .* api\.sock$/m, 'a socket at /.sprite/api.sock');
  assert.match(listing, /^\/usr\/local\/bin\/sprite-env$/m, 'sprite-env is on the PATH');
  const hostSocket = join(server.dataDir, 'sprites', id, 'sprite', 'api.sock');
  assert.ok(lstatSync(hostSocket).isSocket(), 'served from the host, in the sprite dir');

  const created = taskOf(await inside('sprite-env tasks create agent --expire 10m'));
  assert.equal(created.name, 'agent');
  assert.equal(Date.parse(created.expires_at) - Date.parse(created.started_at), 600_000);
  assert.equal(await inside(asUser('id -u')), '1000\n');
  assert.deepEqual(taskNames(await inside(asUser('sprite-env tasks list'))), ['agent'], 'a plain user reaches the socket too');
  assert.equal(taskOf(await inside(asUser(`sprite-env curl -X PUT /v1/tasks/agent -d '{"expire":"5m"}'`))).started_at, created.started_at);
  assert.equal(taskOf(await inside(`sprite-env curl -X POST /v1/tasks -d '{"name":"second","expire":60}'`)).name, 'second');
  assert.deepEqual(taskNames(await inside('sprite-env curl http://sprite/v1/tasks')), ['agent', 'second']);

  const conflict = await sh(client, name, 'sprite-env tasks create agent');
  assert.equal(conflict.code, 1);
  assert.match(conflict.stderr, /task agent already exists/);
  const tooLong = errorOf(await inside(`sprite-env curl -X POST /v1/tasks -d '{"name":"x","expire":"2h"}'`));
  assert.equal(tooLong.error, 'bad_request');
  assert.match(tooLong.message, /at most 1h/);
  assert.equal((await sh(client, name, 'sprite-env curl -f /v1/nope')).code, 22);

  await inside('sprite-env tasks delete agent && sprite-env curl -X DELETE /v1/tasks/second');
  assert.deepEqual(taskNames(await inside('sprite-env tasks list')), []);

  // The directory is the server's: the sprite can use the socket, not replace or remove it.
  const attempts = sections(
    (
      await sh(
        client,
        name,
        [
          'echo @@remove; rm -f /.sprite/api.sock 2>&1; echo "rc=$?"',
          'echo @@create; touch /.sprite/other 2>&1; echo "rc=$?"',
          'echo @@rename; mv /.sprite/api.sock /.sprite/moved 2>&1; echo "rc=$?"',
          'echo @@remount; mount -o remount,rw /.sprite 2>&1; echo "rc=$?"',
          'echo @@unmount; umount /.sprite 2>&1; echo "rc=$?"',
        ].join('\n'),
      )
    ).stdout,
  );
  for (const [attempt, output] of Object.entries(attempts)) {
    if (attempt !== '') assert.match(output, /^rc=[1-9]\d*$/m, `${attempt} must fail: ${output}`);
  }
  assert.deepEqual(taskNames(await inside('sprite-env tasks list')), [], 'still served');
});

test("a sprite checkpoints itself through its socket, seen by the public API", async (t) => {
  const { create, client } = spriteFixture(t, server);
  const { name } = await create();
  await run(client, name, 'echo before > /root/state');
  const made = await run(client, name, 'sprite-env checkpoints create --comment "from inside"');
  assert.equal(made, 'Creating checkpoint...\nSaving filesystem state...\nCheckpoint v0 created\n');
  const inside = json(await run(client, name, 'sprite-env checkpoints list')) as CheckpointJson[]; // test-only: asserted below
  const outside = await client.listCheckpoints(name);
  assert.deepEqual(inside, outside, 'the same list, in the same shape');
  assert.equal(outside[0]?.comment, 'from inside');
  assert.equal(await run(client, name, 'cat /.sprite/checkpoints/v0/root/state'), 'before\n');

  const stream = await run(client, name, `sprite-env curl -X POST /v1/checkpoint -d '{"comment":"raw"}'`);
  const lines = stream.trim().split('\n').map((line) => json(line) as { type: string; id?: string }); // test-only: asserted below
  assert.deepEqual(lines.map((line) => line.type), ['info', 'info', 'complete']);
  assert.equal(lines.at(-1)?.id, 'v1');
});

test('a restore ends the run: its tasks go, and the new run has its socket', async (t) => {
  const { create, client } = spriteFixture(t, server);
  const { name } = await create();
  await run(client, name, 'sprite-env tasks create agent');
  await client.createCheckpoint(name, undefined, () => undefined);
  assert.equal((await client.restoreCheckpoint(name, 'v0', () => undefined)).type, 'complete');
  assert.deepEqual(taskNames(await run(client, name, 'sprite-env tasks list')), []);
});

test('tasks and the socket survive a server crash; destroy removes the socket', async (t) => {
  const prefix = uniquePrefix();
  const dataDir = join(server.runDir, `sprite-api-${prefix}`);
  let own = await startServer({ dataDir, prefix, extraArgs: ['--warm-pool', '0'] });
  t.after(async () => {
    await own.stop();
    cleanupDataDir(dataDir, prefix);
  });
  let client = clientFor(own);
  const sprite = await client.createSprite({ name: 'held', image: 'tiny' });
  const task = taskOf(await run(client, 'held', 'sprite-env tasks create agent --expire 30m'));
  const socketPath = join(dataDir, 'sprites', sprite.id, 'sprite', 'api.sock');
  const before = lstatSync(socketPath).ino;

  await own.kill();
  assert.ok(lstatSync(socketPath).isSocket(), 'the killed server left its socket file');
  own = await startServer({ dataDir, prefix, extraArgs: ['--warm-pool', '0'] });
  client = clientFor(own);
  assert.notEqual(lstatSync(socketPath).ino, before, 'the stale socket was replaced');
  const listed = json(await run(client, 'held', 'sprite-env tasks list')) as TaskListJson; // test-only: asserted below
  assert.deepEqual(listed.tasks, [task], 'the task survived, as it was');

  await own.stop();
  own = await startServer({ dataDir, prefix, extraArgs: ['--warm-pool', '0'] });
  client = clientFor(own);
  assert.deepEqual(taskNames(await run(client, 'held', 'sprite-env tasks list')), ['agent'], 'and a graceful restart');

  await client.deleteSprite('held');
  assert.equal(existsSync(socketPath), false);
  assert.equal(existsSync(join(dataDir, 'sprites', sprite.id)), false);
});

function run(client: ReturnType<typeof clientFor>, name: string, script: string): Promise<string> {
  return shStdout(client, name, script);
}
