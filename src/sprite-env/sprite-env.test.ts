import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import test from 'node:test';
import type { ErrorBody } from '../shared/errors.js';
import type { CheckpointJson, TaskJson, TaskListJson } from '../shared/protocol.js';
import { spriteApiHarness } from '../server/testing/sprite-api-harness.js';
import { parseCurlArgs, UsageError } from './curl.js';
import { run } from './main.js';

function capture(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

async function sh(socketPath: string, ...argv: string[]) {
  const stdout = capture();
  const stderr = capture();
  const code = await run(argv, { socketPath, stdout: stdout.stream, stderr: stderr.stream });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

const parse = (text: string): unknown => JSON.parse(text);
const taskOf = (text: string) => parse(text) as TaskJson; // test-only: the assertions check what they read

const noFiles = (source: string): Buffer => {
  throw new Error(`read ${source}`);
};

test('curl arguments are read as curl reads them, the path anywhere', () => {
  assert.deepEqual(parseCurlArgs(['-X', 'POST', '/v1/tasks', '-d', '{"name":"a"}'], noFiles), {
    method: 'POST',
    path: '/v1/tasks',
    headers: [],
    body: Buffer.from('{"name":"a"}'),
    include: false,
    fail: false,
  });
  const parsed = parseCurlArgs(['-fsS', '-H', 'Content-Type: application/json', 'http://sprite/v1/tasks/agent?x=1', '-XPUT', '--data-raw', '@literal', '-i'], noFiles);
  assert.deepEqual([parsed.method, parsed.path, parsed.headers, parsed.body?.toString(), parsed.include, parsed.fail], ['PUT', '/v1/tasks/agent?x=1', [['Content-Type', 'application/json']], '@literal', true, true]);
  assert.equal(parseCurlArgs(['/v1/tasks', '-d', 'a', '-d', 'b'], noFiles).body?.toString(), 'a&b', 'several -d are joined with &');
  assert.equal(parseCurlArgs(['/v1/tasks', '-d', 'x'], noFiles).method, 'POST', '-d alone means POST');
  assert.equal(parseCurlArgs(['/v1/tasks', '-d', '@body.json'], (source) => Buffer.from(`<${source}>`)).body?.toString(), '<body.json>');
  assert.deepEqual(parseCurlArgs(['--json', '{}', '/v1/tasks'], noFiles).headers, [['Content-Type', 'application/json'], ['Accept', 'application/json']]);
  for (const args of [[], ['-X'], ['--upload-file', 'x', '/v1/tasks'], ['v1/tasks'], ['/a', '/b'], ['-H', 'nocolon', '/v1/tasks']]) {
    assert.throws(() => parseCurlArgs(args, noFiles), UsageError, JSON.stringify(args));
  }
});

test('sprite-env tasks and checkpoints over a sprite socket', async (t) => {
  const { socketOf, tasks, ids } = await spriteApiHarness(t);
  const socket = socketOf('alpha');
  const created = await sh(socket, 'tasks', 'create', 'agent', '--expire', '300');
  assert.equal(created.code, 0, created.stderr);
  const task = taskOf(created.stdout);
  assert.equal(task.name, 'agent');
  assert.equal(Date.parse(task.expires_at) - Date.parse(task.started_at), 300_000, '--expire 300 is seconds');
  assert.equal(tasks.live(ids.alpha), true);

  const conflict = await sh(socket, 'tasks', 'create', 'agent');
  assert.equal(conflict.code, 1);
  assert.match(conflict.stderr, /^sprite-env: task agent already exists/);

  const refreshed = await sh(socket, 'tasks', 'refresh', 'agent', '--expire', '10m');
  assert.equal(refreshed.code, 0, refreshed.stderr);
  assert.equal(taskOf(refreshed.stdout).started_at, task.started_at);
  assert.deepEqual((parse((await sh(socket, 'tasks', 'list')).stdout) as TaskListJson).tasks.map((one) => one.name), ['agent']); // test-only: the assertions check what they read
  assert.equal(taskOf((await sh(socket, 'tasks', 'get', 'agent')).stdout).name, 'agent');
  assert.deepEqual(await sh(socket, 'tasks', 'delete', 'agent'), { code: 0, stdout: '', stderr: '' });
  assert.equal(tasks.live(ids.alpha), false);
  const gone = await sh(socket, 'tasks', 'delete', 'agent');
  assert.deepEqual([gone.code, gone.stderr], [1, 'sprite-env: task agent not found\n']);
  const tooLong = await sh(socket, 'tasks', 'create', 'x', '--expire', '2h');
  assert.deepEqual([tooLong.code, tooLong.stderr.startsWith('sprite-env: expire may be at most 1h')], [1, true]);

  const checkpoint = await sh(socket, 'checkpoints', 'create', '--comment', 'hi');
  assert.deepEqual(checkpoint, { code: 0, stdout: 'Creating checkpoint...\nCheckpoint v1 created\n', stderr: '' });
  const list = await sh(socket, 'checkpoints', 'list');
  assert.equal((parse(list.stdout) as CheckpointJson[])[0]?.comment, 'of alpha'); // test-only: the assertions check what they read
});

test('sprite-env curl: the answer as curl prints it, -i and -f included', async (t) => {
  const { socketOf } = await spriteApiHarness(t);
  const socket = socketOf('beta');
  const posted = await sh(socket, 'curl', '-X', 'POST', '/v1/tasks', '-d', '{"name":"agent","expire":"5m"}');
  assert.equal(posted.code, 0, posted.stderr);
  assert.equal(taskOf(posted.stdout).name, 'agent');
  const included = await sh(socket, 'curl', '-i', 'http://sprite/v1/tasks/agent');
  assert.match(included.stdout, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(included.stdout, /\r\ncontent-type: application\/json; charset=utf-8\r\n/i);
  assert.match(included.stdout, /\r\n\r\n\{"name":"agent",/);
  const missing = await sh(socket, 'curl', '/v1/tasks/nope');
  assert.equal(missing.code, 0, 'like curl, an HTTP error is still output');
  assert.equal((parse(missing.stdout) as ErrorBody).error, 'not_found'); // test-only: the assertions check what they read
  assert.deepEqual(await sh(socket, 'curl', '-f', '/v1/tasks/nope'), { code: 22, stdout: '', stderr: '' });
  const deleted = await sh(socket, 'curl', '-X', 'DELETE', '/v1/tasks/agent');
  assert.deepEqual(deleted, { code: 0, stdout: '', stderr: '' });
});

test('sprite-env usage errors exit 2; an unreachable socket exits 1 and says why', async () => {
  for (const argv of [[], ['nope'], ['tasks'], ['tasks', 'create'], ['tasks', 'create', 'a', 'b'], ['tasks', 'list', '--bogus'], ['checkpoints', 'restore', 'v1'], ['curl']]) {
    const result = await sh('/nonexistent/api.sock', ...argv);
    assert.equal(result.code, 2, `${argv.join(' ')}: ${result.stderr}`);
  }
  const help = await sh('/nonexistent/api.sock', '--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /tasks create <name>/);
  const unreachable = await sh('/nonexistent/api.sock', 'tasks', 'list');
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.stderr, /cannot reach \/nonexistent\/api\.sock \(ENOENT\): is this a sprite\?/);
});
