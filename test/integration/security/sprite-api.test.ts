/**
 * /.sprite/api.sock is served by the server, on the host, for the sprite it is mounted in: it
 * must act on that sprite only, reach nothing else, and need and show no API token.
 */
import assert from 'node:assert/strict';
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ErrorBody } from '../../../src/shared/errors.js';
import type { TaskListJson } from '../../../src/shared/protocol.js';
import { sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { sections, sh, shStdout } from '../../helpers/shell.js';

const server = sharedServer();

// test-only readers: the assertions check the shapes they read.
const taskNames = (text: string) => (JSON.parse(text) as TaskListJson).tasks.map((task) => task.name); // test-only, see above
const errorOf = (text: string) => JSON.parse(text) as ErrorBody; // test-only, see above

/** The agent's node, which every image has at /.hob (the tiny image has no node of its own). */
const NODE = '/.hob/lib/ld-linux-x86-64.so.2 --library-path /.hob/lib /.hob/bin/node';

test("a sprite's socket acts on that sprite only, whatever the request says", { timeout: 120_000 }, async (t) => {
  const sprites = spriteFixture(t, server);
  const [a, b] = await Promise.all([sprites.create(), sprites.create()]);
  const inA = (script: string) => shStdout(sprites.client, a.name, script);
  const inB = (script: string) => shStdout(sprites.client, b.name, script);

  await inA('sprite-env tasks create held-by-a --expire 10m');
  assert.deepEqual(taskNames(await inB('sprite-env tasks list')), [], "B does not see A's task");
  for (const header of [`Host: ${a.name}`, `Host: ${a.name}.sprites.localhost`, `X-Sprite: ${a.name}`, `X-Sprite-Id: ${a.id}`, `X-Forwarded-Host: ${a.name}`]) {
    assert.deepEqual(taskNames(await inB(`sprite-env curl -H '${header}' /v1/tasks`)), [], header);
  }
  assert.deepEqual(taskNames(await inB(`sprite-env curl '/v1/tasks?sprite=${a.name}&id=${a.id}'`)), []);
  const notHere = [
    `/v1/sprites/${a.name}/tasks`,
    `/v1/sprites/${a.name}/checkpoints`,
    `/v1/sprites/${a.name}`,
    '/v1/sprites',
    `/v1/sprites/${a.name}/exec?cmd=id`,
    '/v1/tasks/../sprites',
    `/v1/tasks/../../v1/sprites/${a.name}/checkpoints`,
    '/v1/health',
  ];
  for (const path of notHere) {
    const answer = errorOf(await inB(`sprite-env curl '${path}'`));
    assert.equal(answer.error, 'not_found', path);
  }
  assert.equal(errorOf(await inB('sprite-env curl -X DELETE /v1/tasks/held-by-a')).error, 'not_found');
  assert.equal(errorOf(await inB(`sprite-env curl -X POST /v1/sprites/${a.name}/checkpoint`)).error, 'not_found');
  assert.deepEqual(taskNames(await inA('sprite-env tasks list')), ['held-by-a'], "A's task is untouched");

  await inB('sprite-env checkpoints create --comment by-b');
  assert.deepEqual(await sprites.client.listCheckpoints(a.name), [], 'B checkpointed itself, not A');
  assert.deepEqual((await sprites.client.listCheckpoints(b.name)).map((checkpoint) => checkpoint.comment), ['by-b']);
  assert.deepEqual(JSON.parse(await inA('sprite-env checkpoints list')), [], "A does not see B's checkpoints");
});

test("no other sprite's socket is within reach, nor the host's", { timeout: 120_000 }, async (t) => {
  const sprites = spriteFixture(t, server);
  const [a, b] = await Promise.all([sprites.create(), sprites.create()]);
  const bSocket = join(server.dataDir, 'sprites', b.id, 'sprite', 'api.sock');
  assert.ok(lstatSync(bSocket).isSocket(), "control: B's socket is on the host");
  const found = sections(
    (
      await sh(
        sprites.client,
        a.name,
        [
          `echo @@path; ls -l '${bSocket}' 2>&1; echo "rc=$?"`,
          `echo @@dir; ls '${join(server.dataDir, 'sprites')}' 2>&1; echo "rc=$?"`,
          'echo @@named; timeout 60 find / \\( -path /proc -o -path /sys \\) -prune -o -name "api.sock*" -print 2>&1',
          'echo @@bound; cat /proc/net/unix',
          'echo @@mounts; grep -c " /.sprite " /proc/self/mountinfo',
        ].join('\n'),
        120_000,
      )
    ).stdout,
  );
  assert.match(found.path ?? '', /No such file or directory\nrc=1$/, String(found.path));
  assert.match(found.dir ?? '', /No such file or directory\nrc=1$/, String(found.dir));
  assert.equal(found.named, '/.sprite/api.sock', 'one API socket: its own');
  // Sockets bound in A's network namespace: nothing of the server's (its listeners live in the host's).
  assert.ok(!(found.bound ?? '').includes(b.id) && !(found.bound ?? '').includes(server.dataDir), String(found.bound));
  assert.equal(found.mounts, '1');
});

test('the socket needs no API token, shows none, and answers nothing but the in-sprite API', { timeout: 120_000 }, async (t) => {
  const sprites = spriteFixture(t, server);
  const a = await sprites.create();
  const inA = (script: string) => shStdout(sprites.client, a.name, script);
  const withToken = errorOf(await inA(`sprite-env curl -H 'Authorization: Bearer ${server.token}' /v1/sprites`));
  assert.equal(withToken.error, 'not_found', 'even the real token opens nothing more');
  const everything = await inA(
    [
      'sprite-env curl -i /v1/tasks',
      'sprite-env curl -i /v1/checkpoints',
      'sprite-env curl -i -X POST /v1/tasks -d "{"',
      'sprite-env curl -i /v1/nope',
      'ls -laR /.sprite /.hob/run',
      "cat /proc/[0-9]*/environ /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' '\\n'",
    ].join('; '),
  );
  assert.match(everything, /^HTTP\/1\.1 200 OK/m, 'control: the answers are in the output');
  assert.ok(!everything.includes(server.token), 'the API token appears nowhere a sprite can read');
});

test('bad input through the real socket is a JSON 400, an unknown route a JSON 404', { timeout: 60_000 }, async (t) => {
  const sprites = spriteFixture(t, server);
  const a = await sprites.create();
  const inA = (script: string) => shStdout(sprites.client, a.name, script);
  const cases: [string, string, RegExp][] = [
    [`-X POST /v1/tasks -d '{"name":'`, 'bad_request', /not valid JSON/],
    [`-X POST /v1/tasks -d '{"name":"a","expire":3601}'`, 'bad_request', /at most 1h/],
    [`-X POST /v1/tasks -d '{"name":"a","expire":"90m"}'`, 'bad_request', /at most 1h/],
    [`-X POST /v1/tasks -d '{"name":"../../etc","expire":60}'`, 'bad_request', /name must match pattern/],
    [`-X PUT '/v1/tasks/a%2F..' -d '{}'`, 'bad_request', /name must match pattern/],
    [`-X PATCH /v1/tasks`, 'not_found', /no route PATCH \/v1\/tasks/],
    ['/v1/everything', 'not_found', /no route GET \/v1\/everything/],
  ];
  for (const [args, code, message] of cases) {
    const answer = errorOf(await inA(`sprite-env curl ${args}`));
    assert.equal(answer.error, code, args);
    assert.match(answer.message, message, args);
  }
  assert.deepEqual(taskNames(await inA('sprite-env tasks list')), []);
});

test("a sprite flooding its socket keeps only a few connections, and other sprites' sockets answer", { timeout: 120_000 }, async (t) => {
  const sprites = spriteFixture(t, server);
  const [a, b] = await Promise.all([sprites.create(), sprites.create()]);
  // 200 idle connections; after 1.5 s, how many the server kept open goes to a file; all are held for 5 s.
  const script = [
    "const net = require('net'); const open = new Set();",
    "for (let i = 0; i < 200; i++) { const s = net.connect('/.sprite/api.sock'); open.add(s); s.on('close', () => open.delete(s)); s.on('error', () => {}); }",
    "setTimeout(() => require('fs').writeFileSync('/tmp/kept', String(open.size)), 1500);",
    'setTimeout(() => process.exit(0), 5000);',
  ].join(' ');
  await shStdout(sprites.client, a.name, `cat > /tmp/flood.js <<'EOF'\n${script}\nEOF\nsetsid ${NODE} /tmp/flood.js </dev/null >/dev/null 2>&1 &`);
  const started = Date.now();
  assert.deepEqual(taskNames(await shStdout(sprites.client, b.name, 'sprite-env tasks list')), []);
  assert.ok(Date.now() - started < 4000, 'B was answered while A held its connections');
  const kept = Number(await shStdout(sprites.client, a.name, 'while [ ! -s /tmp/kept ]; do sleep 0.2; done; cat /tmp/kept'));
  assert.ok(kept > 0 && kept <= 32, `the server kept ${kept} of A's 200 connections`);
  await shStdout(sprites.client, a.name, 'sleep 4');
  assert.deepEqual(taskNames(await shStdout(sprites.client, a.name, 'sprite-env tasks list')), [], "A's socket answers again once it lets go");
});
