/**
 * The filesystem API acting as a user other than root (the worker process the agent starts
 * with the user's ids), on the tiny image through Hob's `user` parameter, so the kernel's own
 * permission checks are what is tested; and bad input, answered with JSON 400s. The debian
 * image, whose default user is `sprite`, is in fs-debian.test.ts.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { clientFor, sharedServer } from '../../helpers/fixture.js';
import { ensureImage } from '../../helpers/server.js';
import { shStdout } from '../../helpers/shell.js';

const server = sharedServer();
const hob = clientFor(server);
const name = `${server.prefix}-fsusers`;
const auth = { authorization: `Bearer ${server.token}` };

before(async () => {
  await ensureImage(hob, 'tiny');
  await hob.createSprite({ name, image: 'tiny', labels: ['test:fs-users'] });
  await shStdout(hob, name, 'mkdir -p /secret && echo top > /secret/file && chmod 700 /secret && echo locked > /locked && chmod 600 /locked && mkdir -p /home/sprite/mixed/closed && chmod 700 /home/sprite/mixed/closed && echo in > /home/sprite/mixed/open.txt');
});

after(() => hob.deleteSprite(name));

interface Answer {
  status: number;
  body: Buffer;
  json: () => Record<string, unknown>;
}

async function call(method: string, path: string, query: Record<string, string>, body?: Buffer | string | Record<string, unknown>): Promise<Answer> {
  const url = `${server.url}/v1/sprites/${name}/fs/${path}?${new URLSearchParams(query).toString()}`;
  const json = typeof body === 'object' && !Buffer.isBuffer(body);
  const response = await fetch(url, {
    method,
    headers: { ...auth, ...(json ? { 'content-type': 'application/json' } : body === undefined ? {} : { 'content-type': 'application/octet-stream' }) },
    ...(body === undefined ? {} : { body: json ? JSON.stringify(body) : typeof body === 'string' ? body : new Uint8Array(body) }),
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  return { status: response.status, body: bytes, json: () => JSON.parse(bytes.toString()) as Record<string, unknown> }; // test-only: fields are asserted on
}

const asSprite = { user: 'sprite' };

test('as the sprite user: what it may touch works and belongs to it, the rest is EACCES/EPERM; asRoot wins', { timeout: 120_000 }, async () => {
  const written = await call('PUT', 'write', { path: 'notes/today.txt', workingDir: '/home/sprite', mkdirParents: 'true', ...asSprite }, 'mine');
  assert.equal(written.status, 200, written.body.toString());
  assert.deepEqual(written.json(), { path: '/home/sprite/notes/today.txt', size: 4, mode: '0644' });
  assert.equal(await shStdout(hob, name, 'stat -c "%u:%g %a" /home/sprite/notes /home/sprite/notes/today.txt'), '1000:1000 755\n1000:1000 644\n', 'made by the user, with the umask');

  const denied = await call('PUT', 'write', { path: '/etc/owned', ...asSprite }, 'x');
  assert.equal(denied.status, 403);
  assert.deepEqual(denied.json(), { error: 'permission denied', code: 'EACCES', path: '/etc/owned' });
  const unreadable = await call('GET', 'read', { path: '/locked', ...asSprite });
  assert.deepEqual([unreadable.status, unreadable.json().code], [403, 'EACCES']);
  const rootRead = await call('GET', 'read', { path: '/locked', ...asSprite, asRoot: 'true' });
  assert.deepEqual([rootRead.status, rootRead.body.toString()], [200, 'locked\n'], 'asRoot wins over user');
  // A path below a directory it may not search is EACCES, not "missing": exists() must not say false.
  const hidden = await call('GET', 'list', { path: '/secret/file', ...asSprite });
  assert.deepEqual([hidden.status, hidden.json().code], [403, 'EACCES']);

  const listing = await call('GET', 'list', { path: '/home/sprite/mixed', recursive: 'true', ...asSprite });
  assert.equal(listing.status, 200);
  const names = (listing.json().entries as { name: string }[]).map((e) => e.name); // a listing's entries, checked by the server against FsList
  assert.deepEqual(names, ['closed', 'open.txt'], 'an unreadable subdirectory is listed, not entered');

  assert.deepEqual((await call('DELETE', 'delete', { path: '/locked', ...asSprite })).json().code, 'EACCES');
  assert.deepEqual((await call('POST', 'chown', {}, { path: '/home/sprite/notes/today.txt', uid: 0, ...asSprite })).json().code, 'EPERM');
  assert.deepEqual((await call('POST', 'chmod', {}, { path: '/locked', mode: '0666', ...asSprite })).json().code, 'EPERM');
  assert.deepEqual((await call('POST', 'rename', {}, { source: '/locked', dest: '/home/sprite/stolen', ...asSprite })).json().code, 'EACCES');
  assert.deepEqual((await call('POST', 'copy', {}, { source: '/secret', dest: '/home/sprite/copy', recursive: true, ...asSprite })).json().code, 'EACCES');
  assert.equal((await call('POST', 'copy', {}, { source: '/home/sprite/notes', dest: '/home/sprite/notes2', recursive: true, ...asSprite })).status, 200);
  assert.equal(await shStdout(hob, name, 'stat -c %u /home/sprite/notes2/today.txt'), '1000\n');
  assert.equal((await call('POST', 'chmod', {}, { path: '/home/sprite/notes2', mode: '0700', recursive: true, ...asSprite })).status, 200);

  // curl -T sends no Content-Type at all.
  const bare = await fetch(`${server.url}/v1/sprites/${name}/fs/write?path=/tmp/bare`, { method: 'PUT', headers: auth, body: new Uint8Array(Buffer.from('no type')) });
  assert.equal(bare.status, 200, await bare.text());
  assert.equal(await shStdout(hob, name, 'cat /tmp/bare'), 'no type');

  // A uid with no account acts as itself.
  const stranger = await call('PUT', 'write', { path: '/tmp/by-4321', user: '4321' }, 'x');
  assert.equal(stranger.status, 200);
  assert.equal(await shStdout(hob, name, 'stat -c %u:%g /tmp/by-4321'), '4321:4321\n');
  const nobody = await call('GET', 'read', { path: '/tmp/by-4321', user: 'nobody-here' });
  assert.deepEqual([nobody.status, nobody.json().error], [400, 'bad_request']);
});

test('as the sprite user, bytes stream through its worker both ways, and archives too', { timeout: 120_000 }, async () => {
  const data = randomBytes(24 * 1024 * 1024 + 17);
  const put = await call('PUT', 'write', { path: '/home/sprite/blob', ...asSprite }, data);
  assert.equal(put.status, 200, put.body.toString());
  const got = await call('GET', 'read', { path: '/home/sprite/blob', ...asSprite });
  assert.equal(got.status, 200);
  assert.equal(createHash('sha256').update(got.body).digest('hex'), createHash('sha256').update(data).digest('hex'));

  await shStdout(hob, name, 'mkdir -p /home/sprite/tree/d && echo a > /home/sprite/tree/d/a && ln -s d/a /home/sprite/tree/l && chmod 751 /home/sprite/tree/d && chown -R 1000:1000 /home/sprite/tree');
  const tar = await call('GET', 'archive', { path: '/home/sprite/tree', ...asSprite });
  assert.equal(tar.status, 200);
  const unpacked = await call('PUT', 'archive', { path: '/home/sprite/tree-copy', ...asSprite }, tar.body);
  assert.equal(unpacked.status, 200, unpacked.body.toString());
  assert.equal(await shStdout(hob, name, 'cd /home/sprite/tree-copy && stat -c "%n %a %u" d d/a && readlink l'), 'd 751 1000\nd/a 644 1000\nd/a\n');
  const notMine = await call('PUT', 'archive', { path: '/secret/in', ...asSprite }, tar.body);
  assert.deepEqual([notMine.status, notMine.json().code], [403, 'EACCES']);
  const rootOnly = await call('GET', 'archive', { path: '/secret', ...asSprite });
  assert.deepEqual([rootOnly.status, rootOnly.json().code], [403, 'EACCES'], 'refused before a byte of the archive');
});

test('a watch as the sprite user sees what it may, and says so for what it may not', { timeout: 60_000 }, async () => {
  const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/v1/sprites/${name}/fs/watch?user=sprite`, { headers: auth });
  const messages: Record<string, unknown>[] = [];
  ws.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString()) as Record<string, unknown>)); // test-only: fields are asserted on
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  ws.send(JSON.stringify({ type: 'subscribe', paths: ['/home/sprite', '/secret'], recursive: false, workingDir: '/' }));
  const waitFor = async (predicate: (m: Record<string, unknown>) => boolean): Promise<void> => {
    const deadline = Date.now() + 10_000;
    while (!messages.some(predicate)) {
      if (Date.now() > deadline) assert.fail(`not seen; got ${JSON.stringify(messages)}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  await waitFor((m) => m.type === 'error' && m.path === '/secret');
  assert.match(String(messages.find((m) => m.type === 'error')?.message), /permission denied/);
  await shStdout(hob, name, 'touch /home/sprite/watched-file');
  await waitFor((m) => m.type === 'event' && m.path === '/home/sprite/watched-file' && m.event === 'create');
  ws.close();
});

test('bad input is a JSON 400 naming what is wrong', { timeout: 60_000 }, async () => {
  const cases: [string, string, Record<string, string>, (Record<string, unknown> | string)?][] = [
    ['GET', 'read', {}],
    ['GET', 'read', { path: '' }],
    ['GET', 'read', { path: 'x', workingDir: 'relative' }],
    ['GET', 'read', { path: 'a\0b' }],
    ['GET', 'read', { path: 'x', asRoot: 'maybe' }],
    ['GET', 'read', { path: 'x', user: 'bad user' }],
    ['GET', 'list', { path: '/', pattern: 'x'.repeat(300) }],
    ['PUT', 'write', { path: '/tmp/x', mode: '999' }, 'data'],
    ['PUT', 'write', { path: '/tmp/x', mode: 'rwx' }, 'data'],
    ['DELETE', 'delete', { path: '/tmp/x', recursive: 'yes' }],
    ['POST', 'rename', {}, { source: '/a' }],
    ['POST', 'copy', {}, { source: 1, dest: '/b' }],
    ['POST', 'chmod', {}, { path: '/tmp', mode: 755 }],
    ['POST', 'chown', {}, { path: '/tmp' }],
    ['POST', 'chown', {}, { path: '/tmp', uid: -1 }],
    ['POST', 'chown', {}, { path: '/tmp', uid: '0day' }],
    ['POST', 'chmod', {}, '{"path": '],
    ['PUT', 'archive', { path: '/tmp/t' }],
  ];
  for (const [method, route, query, body] of cases) {
    const answer = await call(method, route, query, body);
    const what = `${method} ${route} ${JSON.stringify(query)} ${JSON.stringify(body)}`;
    assert.equal(answer.status, 400, `${what}: ${answer.body.toString()}`);
    const json = answer.json();
    assert.equal(json.error, 'bad_request', what);
    assert.equal(typeof json.message, 'string', what);
  }
  const notTar = await call('PUT', 'archive', { path: '/tmp/t' }, 'this is not a tar archive, not even close, but long enough to look at'.repeat(20));
  assert.deepEqual([notTar.status, notTar.json().code], [400, 'EINVAL']);
  const ghost = await fetch(`${server.url}/v1/sprites/${name}-ghost/fs/read?path=/etc/hostname`, { headers: auth });
  const ghostBody = (await ghost.json()) as { error: string }; // test-only: asserted on at once
  assert.deepEqual([ghost.status, ghostBody.error], [404, 'not_found'], 'a missing sprite is a Hob error, not ENOENT');
});

test('a file operation wakes a sleeping sprite, warm or cold', { timeout: 120_000 }, async () => {
  for (const cold of [false, true]) {
    assert.equal((await hob.sleepSprite(name, { cold })).status, cold ? 'cold' : 'warm');
    const read = await call('GET', 'read', { path: '/etc/hostname' });
    assert.equal(read.status, 200, read.body.toString());
    assert.equal((await hob.getSprite(name)).status, 'running');
  }
});
