import assert from 'node:assert/strict';
import { lstatSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import test from 'node:test';
import { SPRITE_API_ROUTES } from '../../shared/schemas/sprite-api.js';
import { pino } from 'pino';
import { openDatabase } from '../store/db.js';
import { TaskStore } from '../store/tasks.js';
import { TaskBook } from '../tasks/book.js';
import { spriteApiHarness, type Answer } from '../testing/sprite-api-harness.js';
import type { ErrorBody } from '../../shared/errors.js';
import type { TaskJson, TaskListJson } from '../../shared/protocol.js';
import { createSpriteApiApp } from './app.js';

// test-only readers: the assertions check the shapes they read.
const taskOf = (answer: Answer) => answer.json as TaskJson; // test-only, see above
const taskNames = (answer: Answer) => (answer.json as TaskListJson).tasks.map((one) => one.name); // test-only, see above
const errorOf = (answer: Answer) => answer.json as ErrorBody; // test-only, see above

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

test('the Tasks API answers in the documented shapes and statuses', async (t) => {
  const { call } = await spriteApiHarness(t);
  const before = Date.now();
  const created = await call('alpha', 'POST', '/v1/tasks', { name: 'agent', expire: '1h' });
  assert.equal(created.status, 201);
  const task = taskOf(created);
  assert.deepEqual(Object.keys(task).sort(), ['expires_at', 'name', 'started_at']);
  assert.equal(task.name, 'agent');
  assert.match(task.started_at, ISO);
  const heldMs = Date.parse(task.expires_at) - Date.parse(task.started_at);
  assert.equal(heldMs, 3_600_000);
  assert.ok(Date.parse(task.started_at) >= before - 1);

  const again = await call('alpha', 'POST', '/v1/tasks', { name: 'agent', expire: 60 });
  assert.equal(again.status, 409);
  assert.equal(errorOf(again).error, 'already_exists');

  assert.deepEqual((await call('alpha', 'GET', '/v1/tasks')).json, { tasks: [task] });
  assert.deepEqual((await call('alpha', 'GET', '/v1/tasks/agent')).json, task);

  const refreshed = await call('alpha', 'PUT', '/v1/tasks/agent', { expire: '5m' });
  assert.equal(refreshed.status, 200);
  const refreshedTask = taskOf(refreshed);
  assert.equal(refreshedTask.started_at, task.started_at, 'a refresh keeps the start');
  assert.ok(Math.abs(Date.parse(refreshedTask.expires_at) - (Date.now() + 300_000)) < 5_000);

  const upserted = await call('alpha', 'PUT', '/v1/tasks', { name: 'worker', expire: 30 });
  assert.equal(upserted.status, 200);
  assert.equal(taskOf(upserted).name, 'worker');
  const noBody = await call('alpha', 'PUT', '/v1/tasks/plain');
  assert.equal(noBody.status, 200, 'PUT /v1/tasks/:name without a body holds for the longest');
  const plain = taskOf(noBody);
  assert.equal(Date.parse(plain.expires_at) - Date.parse(plain.started_at), 3_600_000);
  const curlStyle = await call('alpha', 'POST', '/v1/tasks', '{"name":"form","expire":"10m"}', { 'Content-Type': 'application/x-www-form-urlencoded' });
  assert.equal(curlStyle.status, 201, "curl -d's default Content-Type is read as JSON too");

  assert.deepEqual(taskNames(await call('alpha', 'GET', '/v1/tasks')), ['agent', 'worker', 'plain', 'form']);

  const deleted = await call('alpha', 'DELETE', '/v1/tasks/agent');
  assert.equal(deleted.status, 204);
  assert.equal(deleted.text, '');
  for (const [method, path] of [['DELETE', '/v1/tasks/agent'], ['GET', '/v1/tasks/agent']] as const) {
    const missing = await call('alpha', method, path);
    assert.equal(missing.status, 404, `${method} ${path}`);
    assert.equal(errorOf(missing).error, 'not_found');
  }
});

test("a sprite's socket reaches only that sprite's tasks, whatever the request says", async (t) => {
  const { call, tasks, ids } = await spriteApiHarness(t);
  assert.equal((await call('alpha', 'POST', '/v1/tasks', { name: 'mine', expire: '10m' })).status, 201);
  assert.equal(tasks.live(ids.alpha), true);
  assert.equal(tasks.live(ids.beta), false, 'the other sprite is not held');
  assert.deepEqual((await call('beta', 'GET', '/v1/tasks')).json, { tasks: [] });
  assert.equal((await call('beta', 'GET', '/v1/tasks/mine')).status, 404);
  assert.equal((await call('beta', 'DELETE', '/v1/tasks/mine')).status, 404);
  assert.equal((await call('beta', 'POST', '/v1/tasks', { name: 'mine', expire: '10m' })).status, 201, 'the same name is free in another sprite');

  const tricks: [string, string, Record<string, string>][] = [
    ['GET', '/v1/tasks', { Host: 'alpha' }],
    ['GET', '/v1/tasks', { Host: `${ids.alpha}.sprites.localhost` }],
    ['GET', '/v1/tasks', { 'X-Sprite': 'alpha', 'X-Sprite-Id': ids.alpha, 'X-Forwarded-For': '127.0.0.1', Authorization: 'Bearer anything' }],
    ['GET', '/v1/tasks?sprite=alpha', {}],
  ];
  for (const [method, path, headers] of tricks) {
    const answer = await call('beta', method, path, undefined, headers);
    assert.equal(answer.status, 200, JSON.stringify(headers));
    assert.deepEqual(taskNames(answer), ['mine'], `${path} ${JSON.stringify(headers)}: beta's own task only`);
  }
  const elsewhere = ['/v1/sprites/alpha/tasks', '/v1/sprites/alpha/checkpoints', '/v1/sprites/alpha', '/v1/sprites', `/v1/sprites/alpha/exec?cmd=id`, '/v1/tasks/../sprites/alpha', '/v1/health', '/v1/openapi.json', '/'];
  for (const path of elsewhere) {
    const answer = await call('beta', 'GET', path);
    assert.equal(answer.status, 404, path);
    assert.equal(errorOf(answer).error, 'not_found', path);
  }
  assert.equal(tasks.live(ids.alpha), true, "alpha's task is untouched");
});

test('bad input is a 400 (413 for a huge body) with a JSON error; unknown routes and methods a 404', async (t) => {
  const { call } = await spriteApiHarness(t);
  const refused: [string, string, unknown, RegExp][] = [
    ['POST', '/v1/tasks', '{"name": "x", ', /not valid JSON/],
    ['POST', '/v1/tasks', { expire: '1h' }, /name is required/],
    ['POST', '/v1/tasks', { name: 'a', expire: 3601 }, /at most 1h/],
    ['POST', '/v1/tasks', { name: 'a', expire: '2h' }, /at most 1h/],
    ['POST', '/v1/tasks', { name: 'a', expire: '0s' }, /more than zero/],
    ['POST', '/v1/tasks', { name: 'a', expire: -1 }, /more than zero/],
    ['POST', '/v1/tasks', { name: 'a', expire: 'soon' }, /neither a number of seconds nor a duration/],
    ['POST', '/v1/tasks', { name: 'a', expire: true }, /expire must be/],
    ['POST', '/v1/tasks', { name: 'bad name', expire: 60 }, /name must match pattern/],
    ['POST', '/v1/tasks', { name: '', expire: 60 }, /name must NOT have fewer than 1 characters/],
    ['POST', '/v1/tasks', { name: 'x'.repeat(65), expire: 60 }, /name must NOT have more than 64 characters/],
    ['POST', '/v1/tasks', { name: 7, expire: 60 }, /name must be string/],
    ['POST', '/v1/tasks', '[1, 2]', /body must be object/],
    ['POST', '/v1/tasks', undefined, /body/],
    ['PUT', '/v1/tasks', { expire: 60 }, /name is required/],
    ['PUT', '/v1/tasks/a', { expire: '61m' }, /at most 1h/],
    ['PUT', '/v1/tasks/a%2Fb', { expire: 60 }, /path parameter name must match pattern/],
    ['GET', '/v1/tasks/..', undefined, /path parameter name must match pattern/],
    ['GET', '/v1/tasks/%E0%A4%A', undefined, /percent-encoding/],
    ['POST', '/v1/checkpoint', { comment: 5 }, /comment must be string/],
    ['GET', '/v1/checkpoints?includeAuto=maybe', undefined, /includeAuto must be boolean/],
  ];
  for (const [method, path, body, message] of refused) {
    const answer = await call('alpha', method, path, body);
    assert.equal(answer.status, 400, `${method} ${path} ${JSON.stringify(body)}: ${answer.text}`);
    const error = errorOf(answer);
    assert.equal(error.error, 'bad_request');
    assert.match(error.message, message, `${method} ${path} ${JSON.stringify(body)}`);
  }
  const huge = await call('alpha', 'POST', '/v1/tasks', JSON.stringify({ name: 'a', pad: 'x'.repeat(100_000) }));
  assert.equal(huge.status, 413);
  assert.equal(errorOf(huge).error, 'body_too_large');
  for (const [method, path] of [['PATCH', '/v1/tasks'], ['GET', '/v1/nope'], ['DELETE', '/v1/tasks'], ['POST', '/v1/checkpoints'], ['GET', '/v1/checkpoint']] as const) {
    const answer = await call('alpha', method, path);
    assert.equal(answer.status, 404, `${method} ${path}`);
    assert.equal(errorOf(answer).error, 'not_found');
  }
  assert.deepEqual((await call('alpha', 'GET', '/v1/tasks')).json, { tasks: [] }, 'nothing refused was recorded');
});

test("checkpoints on the socket are the caller's own, in the public API's shapes", async (t) => {
  const { call, checkpointCalls } = await spriteApiHarness(t);
  const list = await call('beta', 'GET', '/v1/checkpoints');
  assert.equal(list.status, 200);
  assert.deepEqual(list.json, [{ id: 'v0', create_time: '2026-01-01T00:00:00.000Z', comment: 'of beta', is_auto: false, history: [], mounted: true }]);
  const created = await call('beta', 'POST', '/v1/checkpoint', { comment: 'from inside' });
  assert.equal(created.status, 200);
  assert.equal(created.headers['content-type'], 'application/x-ndjson');
  const lines = created.text.trim().split('\n').map((line) => JSON.parse(line) as { type: string; data?: string; id?: string; time?: string }); // test-only: asserted below
  assert.deepEqual(lines.map(({ type, data, id }) => ({ type, data, id })), [
    { type: 'info', data: 'Creating checkpoint...', id: undefined },
    { type: 'complete', data: 'Checkpoint v1 created', id: 'v1' },
  ]);
  assert.ok(lines.every((line) => line.time !== undefined));
  assert.equal((await call('alpha', 'POST', '/v1/checkpoint')).status, 200, 'no body is fine');
  assert.deepEqual(checkpointCalls, ['list beta', 'create beta from inside', 'create alpha -']);
});

test('sockets: open to every user, a stale one replaced, closed with the run (which ends its tasks)', async (t) => {
  const { call, sockets, tasks, ids, spriteDir, socketOf } = await spriteApiHarness(t);
  assert.equal(lstatSync(socketOf('alpha')).mode & 0o777, 0o666);
  assert.equal(statSync(spriteDir('alpha')).mode & 0o777, 0o755);
  assert.equal(statSync(spriteDir('alpha')).uid, process.getuid?.());

  assert.equal((await call('alpha', 'POST', '/v1/tasks', { name: 'agent', expire: '10m' })).status, 201);
  await sockets.close(ids.alpha);
  assert.equal(sockets.listening(ids.alpha), false);
  assert.throws(() => lstatSync(socketOf('alpha')), /ENOENT/);
  assert.equal(tasks.live(ids.alpha), false, "the run's tasks end with it");

  // A server killed while listening leaves its socket file, which nobody answers.
  const crashed = spawnSync(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(socketOf('alpha'))}, () => process.kill(process.pid, 'SIGKILL'))`]);
  assert.equal(crashed.signal, 'SIGKILL');
  assert.ok(lstatSync(socketOf('alpha')).isSocket(), 'the stale socket is there');
  await sockets.open(ids.alpha, spriteDir('alpha'));
  assert.equal((await call('alpha', 'GET', '/v1/tasks')).status, 200, 'the stale socket was replaced by a served one');
  await sockets.open(ids.alpha, spriteDir('alpha'));
  assert.equal((await call('alpha', 'GET', '/v1/tasks')).status, 200, 'opening twice keeps serving');

  assert.equal((await call('beta', 'POST', '/v1/tasks', { name: 'kept', expire: '10m' })).status, 201);
  await sockets.closeAll();
  assert.equal(tasks.live(ids.beta), true, 'a server shutdown leaves tasks for the next start');
});

test('the in-sprite API registers exactly the routes of its contract', async () => {
  const db = openDatabase(':memory:');
  const tasks = new TaskBook({ store: new TaskStore(db) });
  const app = createSpriteApiApp({
    tasks,
    checkpoints: { list: () => [], create: () => Promise.reject(new Error('unused')) },
    lifecycle: { withAgent: () => Promise.reject(new Error('unused')) },
    nameOf: () => 'x',
    log: pino({ level: 'silent' }),
  });
  await app.fastify.ready();
  await app.fastify.close();
  tasks.close();
  db.close();
  const key = (route: { method: string; path: string }) => `${route.method} ${route.path}`;
  assert.deepEqual(app.routes.map(key).sort(), SPRITE_API_ROUTES.map(key).sort());
});

test("services on the socket are the caller's own: each goes to its own sprite's agent, after the same checks", async (t) => {
  const { call, agentCalls } = await spriteApiHarness(t);
  const listed = await call('beta', 'GET', '/v1/services', undefined, { Host: 'alpha' });
  assert.equal(listed.status, 503, 'the harness has no agents');
  assert.deepEqual(agentCalls, ['beta']);
  const refused: [string, string, unknown, RegExp][] = [
    ['PUT', '/v1/services/web', { args: ['x'] }, /cmd/],
    ['PUT', '/v1/services/web', { cmd: 'x', env: { '1BAD': 'v' } }, /invalid environment variable name/],
    ['PUT', '/v1/services/web?duration=soon', { cmd: 'x' }, /duration must be a duration/],
    ['PUT', '/v1/services/web?duration=25h', { cmd: 'x' }, /duration is at most 24h/],
    ['PUT', '/v1/services/Bad_Name', { cmd: 'x' }, /service must match pattern/],
    ['POST', '/v1/services/web/stop?timeout=6m', undefined, /timeout is at most 5m/],
    ['POST', '/v1/services/signal', { name: 'web', signal: 'NOPE' }, /"NOPE" is not a signal/],
    ['GET', '/v1/services/web/logs?lines=-1', undefined, /lines must be >= 0/],
  ];
  for (const [method, path, body, message] of refused) {
    const answer = await call('beta', method, path, body);
    assert.equal(answer.status, 400, `${method} ${path}: ${answer.text}`);
    assert.match(errorOf(answer).message, message, `${method} ${path}`);
  }
  assert.deepEqual(agentCalls, ['beta'], 'nothing refused reached an agent');
});
