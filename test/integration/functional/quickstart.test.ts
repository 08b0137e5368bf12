/**
 * The Sprites quick-start, verbatim: `curl -X PUT` with no body creates a sprite, and
 * `curl -X POST .../exec -d '{"command": "echo hello"}'` (curl's form Content-Type, no `cmd`)
 * runs it through the sprite's shell and answers JSON. The SDK's framed HTTP exec is
 * tested in test/compat; here it is checked that both forms share one route.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import test, { type TestContext } from 'node:test';
import { decodeFrame, StreamId } from '../../../src/shared/frames.js';
import { clientFor, sharedServer } from '../../helpers/fixture.js';
import { cleanupDataDir, startServer, uniquePrefix } from '../../helpers/server.js';

const shared = sharedServer();

interface Curl {
  status: number;
  body: string;
}

/** Runs curl with exactly the given arguments, plus `-w` to learn the status. */
function curl(args: string[]): Promise<Curl> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-sS', '-w', '\n%{http_code}', ...args], { timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null) {
        reject(new Error(`curl ${args.join(' ')}: ${error.message} ${stderr}`));
        return;
      }
      const cut = stdout.lastIndexOf('\n');
      resolve({ status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) });
    });
  });
}

/** The quick-start's two lines, as published but for the server's address and the sprite's name. */
const putSprite = (server: { url: string; token: string }, name: string) => curl(['-X', 'PUT', `${server.url}/v1/sprites/${name}`, '-H', `Authorization: Bearer ${server.token}`]);
const execJson = (server: { url: string; token: string }, name: string, body: string) =>
  curl(['-X', 'POST', `${server.url}/v1/sprites/${name}/exec`, '-H', `Authorization: Bearer ${server.token}`, '-d', body]);

function json(answer: Curl): Record<string, unknown> {
  return JSON.parse(answer.body) as Record<string, unknown>; // each caller asserts the fields it reads
}

function destroyAfter(t: TestContext, server: { url: string; token: string }, name: string): void {
  t.after(() => clientFor(server).deleteSprite(name).catch(() => undefined));
}

test('the quick-start curls: PUT creates (201) then finds (200), and exec answers JSON', { timeout: 120_000 }, async (t) => {
  const name = `${shared.prefix}-quickstart`;
  destroyAfter(t, shared, name);

  const created = await putSprite(shared, name);
  assert.equal(created.status, 201, created.body);
  const sprite = json(created);
  assert.equal(sprite.name, name);
  assert.equal(sprite.status, 'running');

  const again = await putSprite(shared, name);
  assert.equal(again.status, 200, again.body);
  assert.equal(json(again).id, sprite.id, 'the same sprite');
  assert.equal(json(again).updated_at, sprite.updated_at, 'and nothing changed');

  const hello = await execJson(shared, name, '{"command": "echo hello"}');
  assert.equal(hello.status, 200, hello.body);
  assert.deepEqual(json(hello), { stdout: 'hello\n', stderr: '', exit_code: 0 });

  // Through the shell: pipes, redirections and an exit code of its own.
  const shell = await execJson(shared, name, '{"command": "echo out | tr a-z A-Z; echo err >&2; exit 3"}');
  assert.deepEqual(json(shell), { stdout: 'OUT\n', stderr: 'err\n', exit_code: 3 });
  // An argv array is run as it is, with no shell between.
  const argv = await execJson(shared, name, JSON.stringify({ command: ['echo', '$HOME', 'a  b'], dir: '/tmp', env: { GREETING: 'hi' } }));
  assert.deepEqual(json(argv), { stdout: '$HOME a  b\n', stderr: '', exit_code: 0 });
  const env = await execJson(shared, name, JSON.stringify({ command: 'echo "$GREETING from $(pwd)"', dir: '/tmp', env: { GREETING: 'hi' } }));
  assert.deepEqual(json(env), { stdout: 'hi from /tmp\n', stderr: '', exit_code: 0 });
  const missing = await execJson(shared, name, '{"command": ["no-such-command"]}');
  assert.deepEqual(json(missing), { stdout: '', stderr: 'hob: no-such-command: command not found\n', exit_code: 127 });

  const broken = await execJson(shared, name, '{"command": "echo');
  assert.equal(broken.status, 400);
  assert.deepEqual(Object.keys(json(broken)).sort(), ['error', 'message']);
  assert.equal(json(broken).error, 'bad_request');

  // The SDK's form on the same route: `cmd` in the query, frames back.
  const framed = await fetch(`${shared.url}/v1/sprites/${name}/exec?cmd=sh&cmd=-c&cmd=echo%20framed&path=sh`, { method: 'POST', headers: { authorization: `Bearer ${shared.token}` } });
  assert.equal(framed.headers.get('content-type'), 'application/octet-stream');
  const bytes = Buffer.from(await framed.arrayBuffer());
  assert.deepEqual(decodeFrame(bytes.subarray(0, bytes.length - 2)), { stream: StreamId.Stdout, data: Buffer.from('framed\n') });
  assert.deepEqual(decodeFrame(bytes.subarray(bytes.length - 2)), { stream: StreamId.Exit, code: 0 });
});

test('a big output is cut at the limit and says so, and the command still reports its exit', { timeout: 120_000 }, async (t) => {
  const name = `${shared.prefix}-quickstart-big`;
  destroyAfter(t, shared, name);
  assert.equal((await putSprite(shared, name)).status, 201);
  const big = await execJson(shared, name, '{"command": "head -c 5000000 /dev/zero | tr \'\\\\0\' x; echo done >&2"}');
  const answer = json(big);
  assert.equal(typeof answer.stdout === 'string' ? answer.stdout.length : answer.stdout, 4 * 1024 * 1024);
  assert.equal(answer.stderr, 'done\n');
  assert.equal(answer.exit_code, 0);
  assert.equal(answer.truncated, true);
});

test('on a fresh install, the first PUT waits for the default image to be built instead of failing', { timeout: 300_000 }, async (t) => {
  const prefix = uniquePrefix();
  const dataDir = join(shared.runDir, `quickstart-${prefix}`);
  // No image at all: the server is not asked to build one, as on a first start before its build is done.
  const server = await startServer({ dataDir, prefix, defaultImage: 'tiny', images: [], extraArgs: ['--warm-pool', '0'] });
  t.after(async () => {
    await server.stop();
    cleanupDataDir(dataDir, prefix);
  });
  const client = clientFor(server);
  assert.equal((await client.getImage('tiny')).status, 'missing');
  const created = await putSprite(server, 'first');
  assert.equal(created.status, 201, created.body);
  assert.equal((await client.getImage('tiny')).status, 'ready');
  assert.deepEqual(json(await execJson(server, 'first', '{"command": "echo hello"}')), { stdout: 'hello\n', stderr: '', exit_code: 0 });
  await client.deleteSprite('first');
});
