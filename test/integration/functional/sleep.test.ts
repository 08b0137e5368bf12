/**
 * Sleep and wake on real runc: a server of this file's own with short timeouts (idle 1 s,
 * cold 4 s after going warm), so each transition happens within a test.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { HobClient } from '../../../src/client/client.js';
import { runHob } from '../../helpers/cli.js';
import { clientFor, execCollect, sharedServer } from '../../helpers/fixture.js';
import { sdkClient } from '../../helpers/sdk.js';
import { cleanupDataDir, startServer, uniquePrefix, type TestServer } from '../../helpers/server.js';
import { sh } from '../../helpers/shell.js';
import { startSpriteServer, urlRequest } from '../../helpers/sprite-http.js';

const shared = sharedServer();
const prefix = uniquePrefix();
const dataDir = join(shared.runDir, `sleep-${prefix}`);
const TIMEOUTS = ['--warm-pool', '0', '--idle-timeout', '1s', '--cold-after', '4s'];
let server: TestServer;
let client: HobClient;

before(async () => {
  server = await startServer({ dataDir, prefix, extraArgs: TIMEOUTS });
  client = clientFor(server);
});

after(async () => {
  await server.stop();
  cleanupDataDir(dataDir, prefix);
});

async function statusOf(name: string): Promise<string> {
  return (await client.getSprite(name)).status;
}

async function waitForStatus(name: string, status: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await statusOf(name);
    if (now === status) return;
    if (Date.now() > deadline) throw new Error(`sprite ${name} stayed ${now}, never ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function containerOf(name: string): Promise<string> {
  return `${prefix}-${(await client.getSprite(name)).id}`;
}

/** The state is recorded before the work it names is done, so the host catches up a moment later. */
async function eventually(what: string, read: () => string, expected: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let now = read();
  while (now !== expected) {
    if (Date.now() > deadline) assert.fail(`${what} stayed ${now}, never ${expected}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    now = read();
  }
}

function freezerState(container: string): string {
  return readFileSync(`/sys/fs/cgroup/freezer/${container}/freezer.state`, 'utf8').trim();
}

function runcState(container: string): string {
  const out = execFileSync('runc', ['--root', join(dataDir, 'runc'), 'list', '-f', 'json'], { encoding: 'utf8' });
  const list = (JSON.parse(out) as { id: string; status: string }[] | null) ?? []; // runc's JSON listing
  return list.find((c) => c.id === container)?.status ?? 'missing';
}

/** A counter that keeps its count in a shell variable (memory), written to a file and with its pid. */
const COUNTER = `setsid sh -c 'i=0; while :; do i=$((i+1)); echo "$$ $i" > /tmp/count; sleep 0.05; done' </dev/null >/dev/null 2>&1 &`;

async function readCounter(name: string): Promise<{ pid: string; count: number }> {
  const [pid = '', count = ''] = (await sh(client, name, 'cat /tmp/count')).stdout.trim().split(' ');
  return { pid, count: Number(count) };
}

test('an idle sprite goes warm (frozen, memory kept), an exec thaws it where it stopped, and later it goes cold', { timeout: 60_000 }, async () => {
  await client.createSprite({ name: 'nap', image: 'tiny' });
  const container = await containerOf('nap');
  await sh(client, 'nap', `${COUNTER} sleep 0.3`);
  const before = await readCounter('nap');

  await waitForStatus('nap', 'warm');
  await eventually('the freezer', () => freezerState(container), 'FROZEN');
  assert.equal(runcState(container), 'paused');
  const sprite = await client.getSprite('nap');
  assert.ok(sprite.last_warming_at !== null, 'the time it went warm is recorded');
  assert.equal((await client.listSprites()).warm, 1);

  const woken = await readCounter('nap');
  assert.equal(await statusOf('nap'), 'running', 'the exec woke it');
  assert.equal(freezerState(container), 'THAWED');
  assert.equal(woken.pid, before.pid, 'the same process');
  assert.ok(woken.count > before.count, `the count went on from memory (${before.count} → ${woken.count})`);

  // Left alone: warm after 1 s idle, cold 4 s later; its files stay, its processes do not.
  await waitForStatus('nap', 'warm');
  await waitForStatus('nap', 'cold', 20_000);
  await eventually('the container', () => runcState(container), 'missing');
  const cold = await readCounter('nap');
  assert.equal(await statusOf('nap'), 'running');
  assert.equal(cold.pid, woken.pid, 'the file is still there');
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual(await readCounter('nap'), cold, 'a cold wake starts fresh: nothing counts any more');
  await client.deleteSprite('nap');
});

test('an attached exec keeps a sprite awake however quiet; letting go lets it sleep', { timeout: 60_000 }, async () => {
  await client.createSprite({ name: 'held', image: 'tiny' });
  const quiet = execCollect(client, 'held', ['sleep', '3']);
  await new Promise((resolve) => setTimeout(resolve, 2500));
  assert.equal(await statusOf('held'), 'running', 'idle past the timeout, but an exec is attached');
  assert.equal((await quiet).code, 0);
  await waitForStatus('held', 'warm');
  await client.deleteSprite('held');
});

test("a sprite's own idle timeout: never, then set from the CLI, then back to the server's", { timeout: 60_000 }, async () => {
  const created = await client.createSprite({ name: 'owntimer', image: 'tiny', config: { idle_timeout: 0 } });
  assert.equal(created.config.idle_timeout, 0);
  await new Promise((resolve) => setTimeout(resolve, 2500));
  assert.equal(await statusOf('owntimer'), 'running', 'idle past the server timeout, but its own says never');
  const cli = { url: server.url, token: server.token, runDir: shared.runDir };
  assert.match((await runHob(cli, ['info', 'owntimer'])).stdout, /^Idle timeout:\s+never$/m);

  const set = await runHob(cli, ['idle-timeout', '2s', 'owntimer']);
  assert.equal(set.stdout, 'sprite owntimer sleeps after 2s without activity\n', set.stderr);
  await waitForStatus('owntimer', 'warm');
  const bad = await runHob(cli, ['idle-timeout', 'soon', 'owntimer']);
  assert.equal(bad.code, 1, bad.stderr);
  assert.match(bad.stderr, /idle_timeout "soon" is neither/);

  const back = await client.updateSprite('owntimer', { config: { idle_timeout: null } });
  assert.equal(back.config.idle_timeout, 1, "the server's (1 s here)");
  await client.deleteSprite('owntimer');
});

test('sleep and wake on demand; concurrent execs on a warm sprite share one wake; the SDK counts, checks and restarts', { timeout: 60_000 }, async () => {
  const sdk = sdkClient(server);
  await client.createSprite({ name: 'ondemand', image: 'tiny' });
  const post = async (path: string, body?: unknown) => {
    const res = await fetch(`${server.url}/v1/sprites/ondemand/${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as { status: string } }; // a sprite JSON
  };
  const slept = await post('sleep');
  assert.equal(slept.status, 200, JSON.stringify(slept.body));
  assert.equal(slept.body.status, 'warm');
  const list = await sdk.listSprites();
  assert.equal(list.warm, 1);
  const check = await sdk.checkSprite('ondemand');
  assert.equal(check.status, 'warm', 'a check does not wake it');

  const results = await Promise.all([1, 2, 3, 4].map((i) => execCollect(client, 'ondemand', ['echo', String(i)])));
  assert.deepEqual(
    results.map((r) => r.stdout),
    ['1\n', '2\n', '3\n', '4\n'],
  );
  assert.equal(await statusOf('ondemand'), 'running');

  assert.equal((await post('sleep', { cold: true })).body.status, 'cold');
  assert.equal((await post('sleep')).body.status, 'cold', 'asleep deeper than asked stays so');
  assert.equal((await post('wake')).body.status, 'running');
  assert.equal((await sdk.checkSprite('ondemand')).status, 'healthy');

  await sh(client, 'ondemand', `${COUNTER} sleep 0.2`);
  const before = await readCounter('ondemand');
  const restarted = await sdk.restartSprite('ondemand');
  assert.equal(restarted.spriteName, 'ondemand');
  const stopped = await readCounter('ondemand');
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual(await readCounter('ondemand'), stopped, 'a restart stops its processes');
  assert.ok(stopped.count >= before.count);
  await sdk.upgradeSprite('ondemand');
  assert.equal(await statusOf('ondemand'), 'running');
  const bad = await fetch(`${server.url}/v1/sprites/ondemand/sleep`, { method: 'POST', headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' }, body: '{"cold": "yes"}' });
  assert.equal(bad.status, 400);
  await client.deleteSprite('ondemand');
});

test('a request to a warm sprite’s URL wakes it and is answered', { timeout: 60_000 }, async () => {
  await client.createSprite({ name: 'web', image: 'tiny', url_settings: { auth: 'public' } });
  await startSpriteServer(client, 'web');
  assert.equal((await urlRequest(server.url, 'web')).status, 200);
  await waitForStatus('web', 'warm');
  const answer = await urlRequest(server.url, 'web');
  assert.equal(answer.status, 200);
  assert.equal(await statusOf('web'), 'running');
  await client.deleteSprite('web');
});

test('a warm sprite stays warm across a server SIGKILL and wakes after it', { timeout: 60_000 }, async () => {
  await client.createSprite({ name: 'crash', image: 'tiny' });
  await sh(client, 'crash', `${COUNTER} sleep 0.3`);
  const before = await readCounter('crash');
  await waitForStatus('crash', 'warm');
  const frozen = await containerOf('crash');
  await eventually('the freezer', () => freezerState(frozen), 'FROZEN');
  await server.kill();
  server = await startServer({ dataDir, prefix, extraArgs: TIMEOUTS });
  client = clientFor(server);
  assert.equal(await statusOf('crash'), 'warm');
  const container = await containerOf('crash');
  await eventually('the freezer', () => freezerState(container), 'FROZEN');
  const after = await readCounter('crash');
  assert.equal(after.pid, before.pid);
  assert.ok(after.count > before.count);
  await client.deleteSprite('crash');
});

test('hob sleep, hob list and hob wake', { timeout: 60_000 }, async () => {
  await client.createSprite({ name: 'cli', image: 'tiny' });
  const cli = { url: server.url, token: server.token, runDir: shared.runDir };
  const slept = await runHob(cli, ['sleep', 'cli']);
  assert.equal(slept.code, 0, slept.stderr);
  assert.equal(slept.stdout, 'sprite cli is warm\n');
  const listed = await runHob(cli, ['list']);
  assert.match(listed.stdout, /^cli\s+warm\s+\d+s ago\s/m, listed.stdout);
  const cold = await runHob(cli, ['sleep', 'cli', '--cold']);
  assert.equal(cold.stdout, 'sprite cli is cold\n');
  const woken = await runHob(cli, ['wake', 'cli']);
  assert.match(woken.stdout, /^sprite cli is running \(\d+ ms\)\n$/);
  assert.match((await runHob(cli, ['list'])).stdout, /^cli\s+running\s+now\s/m);
  await sh(client, 'cli', 'touch /dev/shm/before-restart');
  const restarted = await runHob(cli, ['restart', 'cli']);
  assert.match(restarted.stdout, /^sprite cli restarted \(\d+ ms\)\n$/, restarted.stderr);
  assert.equal((await sh(client, 'cli', 'test -e /dev/shm/before-restart && echo kept || echo fresh boot')).stdout, 'fresh boot\n');
  const missing = await runHob(cli, ['wake', 'nope']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /not found/);
  await client.deleteSprite('cli');
});

test('watchSprites streams each change of state, with the counts', { timeout: 60_000 }, async () => {
  const sdk = sdkClient(server);
  await client.createSprite({ name: 'watched', image: 'tiny' });
  const stream = await sdk.watchSprites({ prefix: 'watched' });
  const seen: string[] = [];
  const collecting = (async () => {
    for await (const event of stream) {
      if (event.type === 'heartbeat') continue;
      seen.push(`${String(event.name)}:${String(event.status)}:${event.organization.warm}`);
      if (seen.length === 3) return;
    }
  })();
  await client.sleepSprite('watched');
  await client.wakeSprite('watched');
  await Promise.race([collecting, new Promise((_, reject) => setTimeout(() => reject(new Error(`saw only ${seen.join(', ')}`)), 10_000))]);
  stream.close();
  assert.deepEqual(seen, ['watched:running:0', 'watched:warm:1', 'watched:running:0']);
  await client.deleteSprite('watched');
});

test('a live task keeps a sprite awake; deleting it lets it sleep', { timeout: 60_000 }, async () => {
  await client.createSprite({ name: 'tasked', image: 'tiny' });
  const created = await sh(client, 'tasked', 'sprite-env tasks create build --expire 1m');
  assert.equal(created.code, 0, created.stderr);
  await new Promise((resolve) => setTimeout(resolve, 2500));
  assert.equal(await statusOf('tasked'), 'running', 'idle past the timeout, but a task holds it');
  const deleted = await sh(client, 'tasked', 'sprite-env tasks delete build');
  assert.equal(deleted.code, 0, deleted.stderr);
  await waitForStatus('tasked', 'warm');
  await client.deleteSprite('tasked');
});

test('a running service does not keep a sprite awake: it is frozen with it and carries on where it was', { timeout: 60_000 }, async () => {
  await client.createSprite({ name: 'served', image: 'tiny' });
  const counter = { cmd: 'sh', args: ['-c', 'i=0; while :; do i=$((i+1)); echo "$$ $i" > /tmp/count; sleep 0.05; done'] };
  const outcome = await client.createService('served', 'counter', counter, { duration: '0' }, () => undefined);
  assert.ok(outcome.completed && outcome.errors.length === 0);
  const before = await readCounter('served');
  await waitForStatus('served', 'warm');
  const woken = await readCounter('served');
  assert.equal(woken.pid, before.pid, 'the same process, thawed');
  assert.ok(woken.count > before.count, `it counted on (${before.count} → ${woken.count})`);
  assert.equal((await client.getService('served', 'counter')).state.restart_count, 0, 'sleeping is not a crash');
  await client.deleteSprite('served');
});

test('races: an exec during a freeze, a checkpoint and a fork of a warm sprite, destroying a sleeping one', { timeout: 60_000 }, async () => {
  await client.createSprite({ name: 'race', image: 'tiny' });
  await sh(client, 'race', 'echo kept > /root/file');
  const container = await containerOf('race');
  // The freeze and the exec race for the lock; either order ends with the exec answered and the sprite running.
  const [exec] = await Promise.all([execCollect(client, 'race', ['cat', '/root/file']), client.sleepSprite('race')]);
  assert.equal(exec.stdout, 'kept\n');
  await client.sleepSprite('race');
  await eventually('the freezer', () => freezerState(container), 'FROZEN');
  const outcome = await client.createCheckpoint('race', 'while warm', () => undefined);
  assert.equal(outcome.type, 'complete', JSON.stringify(outcome));
  assert.equal(await statusOf('race'), 'warm', 'a checkpoint takes a warm sprite as it is');
  assert.equal(freezerState(container), 'FROZEN');
  await client.forkSprite('race-fork', { sprite: 'race' }, { image: undefined });
  assert.equal(await statusOf('race'), 'warm', 'so does a fork');
  assert.equal((await execCollect(client, 'race-fork', ['cat', '/root/file'])).stdout, 'kept\n');
  await client.deleteSprite('race');
  await eventually('the container', () => runcState(container), 'missing');
  await client.sleepSprite('race-fork', { cold: true });
  await client.deleteSprite('race-fork');
  assert.deepEqual((await client.listSprites()).sprites.map((s) => s.name).filter((n) => n.startsWith('race')), []);
});

test('a server killed half-way through a sleep or a wake comes back with the sprite honest and usable', { timeout: 120_000 }, async () => {
  const restart = async (env: Record<string, string> = {}) => {
    await server.kill().catch(() => undefined);
    server = await startServer({ dataDir, prefix, extraArgs: ['--warm-pool', '0', '--idle-timeout', '0'], env });
    client = clientFor(server);
  };
  // Each scenario: the crash point, how to get there, and what the sprite must be after the restart.
  const scenarios = [
    { point: 'freeze:recorded', act: (name: string) => client.sleepSprite(name), after: 'running' },
    { point: 'cool:recorded', act: (name: string) => client.sleepSprite(name, { cold: true }), after: 'cold' },
    { point: 'wake:recorded', act: (name: string) => client.wakeSprite(name), after: 'running', warmFirst: true },
  ];
  for (const scenario of scenarios) {
    await restart();
    const name = `crash-${scenario.point.replace(/[^a-z]+/g, '-')}`;
    await client.createSprite({ name, image: 'tiny' });
    await sh(client, name, `${COUNTER} sleep 0.2`);
    if (scenario.warmFirst === true) await client.sleepSprite(name);
    const container = await containerOf(name);
    await restart({ HOB_CRASH_AT: scenario.point });
    await scenario.act(name).catch(() => undefined);
    await server.exited();
    await restart();
    assert.equal(await statusOf(name), scenario.after, `${scenario.point}: the status after the restart`);
    if (scenario.after === 'running') await eventually(`${scenario.point}: the freezer`, () => freezerState(container), 'THAWED');
    else await eventually(`${scenario.point}: the container`, () => runcState(container), 'missing');
    const counted = await sh(client, name, 'cat /tmp/count');
    assert.equal(counted.code, 0, `${scenario.point}: the sprite answers`);
    await client.deleteSprite(name);
  }
  // The tests after this one expect the short timeouts.
  await server.stop();
  server = await startServer({ dataDir, prefix, extraArgs: TIMEOUTS });
  client = clientFor(server);
});
