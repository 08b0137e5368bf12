import assert from 'node:assert/strict';
import test from 'node:test';
import type { ProgressEvent } from '../../../src/shared/protocol.js';
import { execCollect, sharedServer, spriteFixture } from '../../helpers/fixture.js';

const server = sharedServer();

test('end to end on the debian image: build it, create a sprite, use its tools', { timeout: 30 * 60_000 }, async (t) => {
  const { client, create } = spriteFixture(t, server);
  const events: ProgressEvent[] = [];
  const last = await client.buildImage('debian', (event) => events.push(event));
  assert.equal(last.type, 'complete', JSON.stringify(last));
  assert.ok(events.some((e) => e.type === 'progress'), 'the build reports counted progress');

  const sprite = await create({ image: 'debian' });
  const uname = await execCollect(client, sprite.name, ['uname', '-a']);
  assert.equal(uname.code, 0);
  assert.match(uname.stdout, new RegExp(`^Linux ${sprite.name} `));

  const tools = await execCollect(client, sprite.name, [
    'bash',
    '-c',
    'set -e; python3 --version; node --version; npm --version >/dev/null; git --version; curl --version | head -1; ' +
      'id sprite; getent passwd sprite; test -d /home/sprite; sudo -n true && echo root-sudo-ok; ' +
      'sudo -l -U sprite | grep -q NOPASSWD && echo sprite-nopasswd; ps -e -o comm= | grep -c . >/dev/null; ip link show lo >/dev/null; less --version | head -1; vi --version >/dev/null 2>&1 || command -v vi',
  ]);
  assert.equal(tools.code, 0, tools.stderr);
  assert.doesNotMatch(tools.stderr, /unable to resolve host/, 'the sprite’s hostname resolves');
  assert.match(tools.stdout, /^Python 3\.11/m);
  assert.match(tools.stdout, /^v18\./m);
  assert.match(tools.stdout, /^git version/m);
  assert.match(tools.stdout, /^curl /m);
  assert.match(tools.stdout, /uid=1000\(sprite\) gid=1000\(sprite\)/);
  assert.match(tools.stdout, /sprite:x:1000:1000::\/home\/sprite:\/bin\/bash/);
  assert.match(tools.stdout, /^root-sudo-ok$/m);
  assert.match(tools.stdout, /^sprite-nopasswd$/m);

  const python = await execCollect(client, sprite.name, ['python3', '-c', 'import sqlite3, ssl, json; print(sum(range(10)))']);
  assert.deepEqual(python, { stdout: '45\n', stderr: '', code: 0 });
});
