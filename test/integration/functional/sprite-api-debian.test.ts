import assert from 'node:assert/strict';
import test from 'node:test';
import type { TaskJson, TaskListJson } from '../../../src/shared/protocol.js';
import { sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { ensureImage } from '../../helpers/server.js';
import { shStdout } from '../../helpers/shell.js';

const server = sharedServer();

// test-only readers: the assertions check the shapes they read.
const taskOf = (text: string) => JSON.parse(text) as TaskJson; // test-only, see above
const taskNames = (text: string) => (JSON.parse(text) as TaskListJson).tasks.map((task) => task.name); // test-only, see above

test('on debian, as the sprite user: the documented curl lines, the heartbeat pattern and sprite-env', { timeout: 30 * 60_000 }, async (t) => {
  const { client, create } = spriteFixture(t, server);
  await ensureImage(client, 'debian');
  const { name } = await create({ image: 'debian' });
  // Commands in a debian sprite run as `sprite`; the script goes in on stdin, so the documents' lines run as written.
  const asSprite = (script: string) => shStdout(client, name, 'bash -s', { shell: 'bash', input: `set -euo pipefail\n${script}\n` });
  assert.equal(await asSprite('id -un'), 'sprite\n');

  // "Keeping a Sprite Running", verbatim.
  const created = taskOf(
    await asSprite(`curl --unix-socket /.sprite/api.sock \\
     -H "Content-Type: application/json" \\
     -X POST http://sprite/v1/tasks \\
     -d '{ "name": "agent", "expire": "1h" }'`),
  );
  assert.equal(Date.parse(created.expires_at) - Date.parse(created.started_at), 3_600_000);
  await asSprite(`curl -s --unix-socket /.sprite/api.sock \\
     -H "Content-Type: application/json" \\
     -X PUT http://sprite/v1/tasks/agent \\
     -d '{ "expire": "1h" }' >/dev/null`);
  assert.deepEqual(taskNames(await asSprite('curl -s --unix-socket /.sprite/api.sock http://sprite/v1/tasks')), ['agent']);
  assert.equal(await asSprite('curl -s -o /dev/null -w "%{http_code}" --unix-socket /.sprite/api.sock -X DELETE http://sprite/v1/tasks/agent'), '204');

  // The heartbeat pattern, with a short beat: held while it runs, released by its trap.
  const heartbeat = `api() { curl -s --unix-socket /.sprite/api.sock -H "Content-Type: application/json" "$@"; }
trap 'api -X DELETE http://sprite/v1/tasks/heartbeat' EXIT
for beat in 1 2; do api -X PUT http://sprite/v1/tasks/heartbeat -d '{ "expire": "5m" }' >/dev/null; sprite-env tasks list; sleep 0.2; done`;
  const during = (await asSprite(heartbeat)).trim().split('\n}\n');
  assert.equal(during.length, 2);
  assert.deepEqual(taskNames(`${during[0] ?? ''}\n}`), ['heartbeat']);
  assert.deepEqual(taskNames(await asSprite('sprite-env tasks list')), [], 'released on exit');

  assert.equal(taskOf(await asSprite('sprite-env tasks create build --expire 30m')).name, 'build');
  assert.equal(await asSprite('sprite-env checkpoints create --comment "by the sprite user"'), 'Creating checkpoint...\nSaving filesystem state...\nCheckpoint v0 created\n');
  assert.equal((await client.listCheckpoints(name))[0]?.comment, 'by the sprite user');
});
