/**
 * A sprite's own settings reach the commands it runs: the `environment` given at create, under
 * each request's own variables, and the user its image runs commands as (root on tiny; the
 * request's `user` picks another). The debian image's `sprite` user is in debian-e2e.test.ts,
 * and what a user may not do is in the security suite.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { exitCodeFromCloseCode } from '../../../src/shared/frames.js';
import { execCollect, sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { sections } from '../../helpers/shell.js';

const server = sharedServer();
const auth = { authorization: `Bearer ${server.token}` };

test("the sprite's environment reaches WebSocket, HTTP and JSON execs, and a request's own variables win", { timeout: 120_000 }, async (t) => {
  const { client, create } = spriteFixture(t, server);
  const sprite = await create({ environment: { GREETING: 'hello', SHARED: 'from-sprite', SPACED: 'a b=c' } });
  const script = 'echo "$GREETING|$SHARED|$SPACED"';

  assert.equal((await execCollect(client, sprite.name, ['sh', '-c', script])).stdout, 'hello|from-sprite|a b=c\n');
  assert.equal((await execCollect(client, sprite.name, ['sh', '-c', script], { env: { SHARED: 'from-request' } })).stdout, 'hello|from-request|a b=c\n');

  const framed = await fetch(`${server.url}/v1/sprites/${sprite.name}/exec?cmd=sh&cmd=-c&cmd=${encodeURIComponent(script)}&env=SHARED%3Dfrom-http`, { method: 'POST', headers: auth });
  const bytes = Buffer.from(await framed.arrayBuffer());
  assert.ok(bytes.includes(Buffer.from('\x01hello|from-http|a b=c\n')), `framed HTTP exec: ${JSON.stringify(bytes.toString())}`);

  const json = await fetch(`${server.url}/v1/sprites/${sprite.name}/exec`, { method: 'POST', headers: auth, body: JSON.stringify({ command: script, env: { GREETING: 'hi' } }) });
  assert.deepEqual(await json.json(), { stdout: 'hi|from-sprite|a b=c\n', stderr: '', exit_code: 0 });

  // A TTY exec gets them too, and a fork takes its source's.
  const tty = await client.openExec(sprite.name, { cmd: ['sh', '-c', `${script}; exit 5`], env: {}, dir: undefined, tty: true, rows: 24, cols: 80, stdin: true });
  let output = '';
  tty.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) output += data.toString();
  });
  const code = await new Promise<number>((resolve) => tty.on('close', (closeCode) => resolve(exitCodeFromCloseCode(closeCode) ?? -1)));
  assert.equal(code, 5);
  assert.match(output, /hello\|from-sprite\|a b=c/);
  const fork = await create({ source: { sprite: sprite.name } });
  assert.equal((await execCollect(client, fork.name, ['sh', '-c', script])).stdout, 'hello|from-sprite|a b=c\n');
});

test('tiny runs commands as root in /; user=sprite runs them as uid 1000 in its home, with no extra groups', { timeout: 120_000 }, async (t) => {
  const { client, create } = spriteFixture(t, server);
  const sprite = await create();
  const script = [
    'echo @@who; id -u; id -g; id -G',
    'echo @@where; pwd',
    'echo @@env; echo "$HOME $USER $LOGNAME"',
    'echo @@groups; grep "^Groups:" /proc/self/status | tr -s "\\t " " "',
  ].join('\n');

  const root = sections((await execCollect(client, sprite.name, ['sh', '-c', script])).stdout);
  assert.equal(root.who, '0\n0\n0');
  assert.equal(root.where, '/');
  assert.equal(root.env, '/root root root');

  const user = await execCollect(client, sprite.name, ['sh', '-c', script], { user: 'sprite' });
  assert.equal(user.code, 0, user.stderr);
  const out = sections(user.stdout);
  assert.equal(out.who, '1000\n1000\n1000', 'uid, gid and groups: the agent\'s root group is not handed on');
  assert.equal(out.where, '/home/sprite');
  assert.equal(out.env, '/home/sprite sprite sprite');
  assert.match(out.groups ?? '', /^Groups: ?$/, 'no supplementary groups');

  assert.equal((await execCollect(client, sprite.name, ['pwd'], { user: 'sprite', dir: '/tmp' })).stdout, '/tmp\n', 'dir still wins');
  assert.equal((await execCollect(client, sprite.name, ['id', '-u'], { user: '1000' })).stdout, '1000\n', 'a uid works as well as a name');
  assert.equal((await execCollect(client, sprite.name, ['id', '-u'], { user: '4321' })).stdout, '4321\n', 'a uid with no account runs as itself');

  // A TTY runs as the user too (node-pty switches ids itself).
  const tty = await client.openExec(sprite.name, { cmd: ['sh', '-c', 'id -G; exit 0'], env: {}, dir: undefined, tty: true, rows: 24, cols: 80, stdin: true, user: 'sprite' });
  let output = '';
  tty.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) output += data.toString();
  });
  await new Promise<void>((resolve) => tty.on('close', () => resolve()));
  assert.equal(output.trim(), '1000');

  await assert.rejects(execCollect(client, sprite.name, ['true'], { user: 'nobody-here' }), /no user "nobody-here"/);
  const json = await fetch(`${server.url}/v1/sprites/${sprite.name}/exec`, { method: 'POST', headers: auth, body: JSON.stringify({ command: 'id -un', user: 'sprite' }) });
  assert.deepEqual(await json.json(), { stdout: 'sprite\n', stderr: '', exit_code: 0 });
});
