/**
 * Services across a sprite's life on real runc: back after a restart, a restore and in a fork,
 * and on a cold wake before the waking request is let through; the sprite URL going to a
 * service's http_port; a service that floods its logs; one that forks a daemon and exits.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import type { HobClient } from '../../../src/client/client.js';
import type { ServiceJson, ServiceLogEventJson } from '../../../src/shared/protocol.js';
import { sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { sh, shStdout } from '../../helpers/shell.js';
import { urlRequest } from '../../helpers/sprite-http.js';

const server = sharedServer();
const bearer = { authorization: `Bearer ${server.token}` };

async function create(client: HobClient, sprite: string, service: string, body: Parameters<HobClient['createService']>[2], duration = '0'): Promise<ServiceLogEventJson[]> {
  const events: ServiceLogEventJson[] = [];
  const outcome = await client.createService(sprite, service, body, { duration }, (event) => events.push(event));
  assert.ok(outcome.completed && outcome.errors.length === 0, JSON.stringify(events));
  return events;
}

async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const running = async (client: HobClient, sprite: string): Promise<Record<string, number>> =>
  Object.fromEntries((await client.listServices(sprite)).filter((s: ServiceJson) => s.state.status === 'running').map((s) => [s.name, s.state.pid ?? 0]));

/** busybox httpd in the foreground, serving one page: a tiny web app. */
const webApp = (port: number, page: string) => ({ cmd: 'sh', args: ['-c', `mkdir -p /www && echo '${page}' > /www/index.html && exec httpd -f -p ${port} -h /www`], http_port: port });

test('services come back after a restart of the sprite, after a restore (as the checkpoint had them) and in a fork', { timeout: 180_000 }, async (t) => {
  const { client, create: createSprite } = spriteFixture(t, server);
  const { name } = await createSprite();
  await create(client, name, 'keeper', { cmd: 'sleep', args: ['1000'] });
  const before = await running(client, name);
  assert.ok((before.keeper ?? 0) > 0);

  const restart = await fetch(`${server.url}/v1/sprites/${name}/restart`, { method: 'POST', headers: bearer });
  assert.equal(restart.status, 200);
  const restarted = await running(client, name);
  assert.ok((restarted.keeper ?? 0) > 0, `running again after the restart: ${JSON.stringify(restarted)}`);
  assert.equal(await shStdout(client, name, `kill -0 ${String(restarted.keeper)} && echo alive`), 'alive\n');

  const checkpoint = await client.createCheckpoint(name, 'with keeper', () => undefined);
  assert.equal(checkpoint.type, 'complete');
  const id = checkpoint.id ?? '';
  await create(client, name, 'later', { cmd: 'sleep', args: ['1000'] });
  await client.stopService(name, 'keeper', {}, () => undefined);
  assert.deepEqual(Object.keys(await running(client, name)), ['later']);

  const restored = await client.restoreCheckpoint(name, id, () => undefined);
  assert.equal(restored.type, 'complete');
  assert.deepEqual((await client.listServices(name)).map((s) => [s.name, s.state.status]), [['keeper', 'running']], 'as the checkpoint had them: keeper running, no later');

  const { name: forkName } = await createSprite({ source: { sprite: name } });
  assert.deepEqual((await client.listServices(forkName)).map((s) => [s.name, s.state.status]), [['keeper', 'running']], 'the fork runs its services');
  const forkPid = (await running(client, forkName)).keeper;
  assert.equal(await shStdout(client, forkName, `cat /proc/${String(forkPid)}/cmdline | tr '\\0' ' '`), 'sleep 1000 ');
});

test("the sprite URL goes to a service's http_port; a cold sprite woken by a URL request finds it serving", { timeout: 180_000 }, async (t) => {
  const { client, create: createSprite } = spriteFixture(t, server);
  const { name } = await createSprite();
  const nothing = await urlRequest(server.url, name, { headers: bearer });
  assert.equal(nothing.status, 502);
  assert.match(nothing.body.toString(), /port 8080 did not answer/);

  await create(client, name, 'web', webApp(3000, 'hello from the service'), '1s');
  const served = await urlRequest(server.url, name, { path: '/index.html', headers: bearer });
  assert.equal(served.status, 200, served.body.toString());
  assert.equal(served.body.toString(), 'hello from the service\n');

  for (const round of [1, 2]) {
    const slept = await fetch(`${server.url}/v1/sprites/${name}/sleep`, { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: '{"cold":true}' });
    assert.equal(((await slept.json()) as { status: string }).status, 'cold'); // a sprite JSON
    const woken = await urlRequest(server.url, name, { path: '/index.html', headers: bearer });
    assert.equal(woken.status, 200, `round ${round}: the first request after a cold wake is served: ${woken.body.toString()}`);
    assert.equal(woken.body.toString(), 'hello from the service\n');
  }

  // An exec that wakes it finds the service up as well.
  await fetch(`${server.url}/v1/sprites/${name}/sleep`, { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: '{"cold":true}' });
  assert.match(await shStdout(client, name, 'pidof httpd'), /^\d+\n$/);

  // A warm sprite's service is frozen with it and serves again when it thaws.
  await client.sleepSprite(name);
  assert.equal((await urlRequest(server.url, name, { path: '/index.html', headers: bearer })).status, 200);

  await client.deleteService(name, 'web');
  const gone = await urlRequest(server.url, name, { path: '/index.html', headers: bearer });
  assert.equal(gone.status, 502, 'back to port 8080, where nothing listens');
  assert.match(gone.body.toString(), /port 8080 did not answer/);
});

test('a service that writes 1 GB of logs leaves only its rotated logs on disk', { timeout: 300_000 }, async (t) => {
  const { client, create: createSprite } = spriteFixture(t, server);
  const { name } = await createSprite();
  const startedMs = Date.now();
  // 1000 writes of a 1 MiB block of lines: busybox's yes writes a line per syscall, far too slow for 1 GB.
  const flood = 'yes hob-log-line-0123456789 | head -c 1048576 > /tmp/block; i=0; while [ $i -lt 1000 ]; do cat /tmp/block; i=$((i+1)); done; echo; echo flood-done; exec sleep 1000';
  await create(client, name, 'chatty', { cmd: 'sh', args: ['-c', flood] });
  await until(
    'the flood to end',
    async () => {
      const lines: ServiceLogEventJson[] = [];
      await client.serviceLogs(name, 'chatty', { lines: 1 }, (event) => lines.push(event));
      return lines.some((event) => event.data === 'flood-done\n') ? true : undefined;
    },
    120_000,
  );
  t.diagnostic(`1 GB through the service's logs in ${Date.now() - startedMs} ms`);
  const sizes = await shStdout(client, name, 'du -k /var/log/sprite/services | tail -1; ls /var/log/sprite/services');
  const [kib = '', ...files] = sizes.trim().split(/\s+/);
  assert.ok(Number(kib) <= 6 * 8 * 1024 + 64, `${kib} KiB of logs`);
  assert.deepEqual(files.filter((f) => f !== '/var/log/sprite/services').sort(), ['chatty.log', 'chatty.log.1', 'chatty.stdout.log', 'chatty.stdout.log.1']);
  assert.equal(await shStdout(client, name, 'tail -c 11 /.sprite/logs/services/chatty.log'), 'flood-done\n');
  const agentAnswers = await sh(client, name, 'echo still here');
  assert.equal(agentAnswers.stdout, 'still here\n');
  const sprite = await client.getSprite(name);
  assert.ok((sprite.storage.exclusive_bytes ?? 0) < 500 * 1024 * 1024, `the sprite holds ${String(sprite.storage.exclusive_bytes)} bytes`);
});

test('the supervisor survives a service that forks a daemon and exits', { timeout: 120_000 }, async (t) => {
  const { client, create: createSprite } = spriteFixture(t, server);
  const { name } = await createSprite();
  await create(client, name, 'forker', { cmd: 'sh', args: ['-c', 'setsid sh -c "while :; do echo tick; sleep 0.2; done" & exit 0'] });
  const crashed = await until('restarts', async () => {
    const service = await client.getService(name, 'forker');
    return service.state.restart_count >= 2 && service.state.status === 'failed' ? service : undefined;
  });
  assert.equal(crashed.state.error, 'exited with status 0');
  assert.ok(crashed.state.next_restart_at !== undefined, 'a restart is due');
  await create(client, name, 'steady', { cmd: 'sleep', args: ['1000'] });
  assert.equal((await client.getService(name, 'steady')).state.status, 'running', 'other services start as ever');
  const ticks: ServiceLogEventJson[] = [];
  await client.serviceLogs(name, 'forker', { lines: 5, duration: '500ms' }, (event) => ticks.push(event));
  assert.ok(ticks.some((event) => event.data?.includes('tick') === true), 'the daemons it left still write to its log');
  await client.stopService(name, 'forker', {}, () => undefined);
  assert.equal((await client.getService(name, 'forker')).state.status, 'stopped');
  assert.equal((await sh(client, name, 'echo ok')).stdout, 'ok\n', 'the agent answers');
});
