import assert from 'node:assert/strict';
import test from 'node:test';
import type { ServiceJson } from '../../../src/shared/protocol.js';
import { sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { ensureImage } from '../../helpers/server.js';
import { shStdout } from '../../helpers/shell.js';

const server = sharedServer();

test("on debian, services run as the image's user with the sprite's environment, or as the user they name", { timeout: 30 * 60_000 }, async (t) => {
  const { client, create } = spriteFixture(t, server);
  await ensureImage(client, 'debian');
  const { name } = await create({ image: 'debian', environment: { FROM_SPRITE: 'yes' } });
  const made = await shStdout(client, name, `sprite-env services create who --cmd sh --args '-c,echo "$(id -un) $HOME $PWD $FROM_SPRITE"; exec sleep 1000' --duration 1s`);
  assert.equal(made, 'sprite /home/sprite /home/sprite yes\n', 'as sprite, in its home, with the sprite environment');
  const events: string[] = [];
  await client.createService(name, 'rooted', { cmd: 'sh', args: ['-c', 'echo "$(id -un) $PWD"; exec sleep 1000'], user: 'root' }, { duration: '1s' }, (event) => events.push(event.data ?? ''));
  assert.ok(events.includes('root /\n'), JSON.stringify(events));
  const listed = JSON.parse(await shStdout(client, name, 'sprite-env services list')) as ServiceJson[]; // test-only: asserted below
  assert.deepEqual(listed.map((s) => [s.name, s.user, s.state.status]), [['rooted', 'root', 'running'], ['who', undefined, 'running']]);
  // The documented log path is the sprite user's to read.
  assert.equal(await shStdout(client, name, 'cat /.sprite/logs/services/who.log'), 'sprite /home/sprite /home/sprite yes\n');
});
