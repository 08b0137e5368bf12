/**
 * The official `@fly/sprites` SDK, unmodified, driving services on a live Hob server (real runc):
 * create with its log stream, list and get, logs with `lines` and `duration`, signal, stop,
 * start, restart and delete; a crashing service restarted with backoff; `needs` ordering and
 * the refusals; a service named `signal`. Wire notes: sdk-wire-protocol.md §9.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { ServiceLogEvent, ServiceLogStream, ServiceWithState, Sprite } from '@fly/sprites';
import { clientFor, sharedServer, spriteFixture } from '../helpers/fixture.js';
import { sdkClient } from '../helpers/sdk.js';
import { ensureImage } from '../helpers/server.js';

const server = sharedServer();
const hob = clientFor(server);
const sdk = sdkClient(server);

before(() => ensureImage(hob, 'tiny'));

async function drain(stream: ServiceLogStream): Promise<ServiceLogEvent[]> {
  const events: ServiceLogEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

const kinds = (events: readonly ServiceLogEvent[]): string[] => events.map((e) => e.type);
const text = (events: readonly ServiceLogEvent[], type: 'stdout' | 'stderr' = 'stdout'): string => events.filter((e) => e.type === type).map((e) => e.data ?? '').join('');

async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function serviceIn(sprite: Sprite, name: string, when: (service: ServiceWithState) => boolean, what: string): Promise<ServiceWithState> {
  return until(what, async () => {
    const service = await sprite.getService(name);
    return when(service) ? service : undefined;
  });
}

test('SDK: create, list, get, logs, signal, stop, start, restart and delete a service', { timeout: 120_000 }, async (t) => {
  const created = await spriteFixture(t, server).create({ environment: { FROM_SPRITE: 'sprite-env' } });
  const sprite = sdk.sprite(created.name);
  const script = 'trap "echo got-hup" HUP; echo "hello $GREETING $FROM_SPRITE"; echo warn >&2; while :; do sleep 0.1; done';
  const events = await drain(await sprite.createService('web', { cmd: 'sh', args: ['-c', script], env: { GREETING: 'there' } }, '1s'));
  assert.equal(events[0]?.type, 'started');
  assert.equal(text(events), 'hello there sprite-env\n', "its env over the sprite's");
  assert.equal(text(events, 'stderr'), 'warn\n');
  const complete = events.at(-1);
  assert.equal(complete?.type, 'complete');
  assert.deepEqual(complete.logFiles, { combined: '/var/log/sprite/services/web.log', stdout: '/var/log/sprite/services/web.stdout.log', stderr: '/var/log/sprite/services/web.stderr.log' });
  assert.ok(events.every((e) => typeof e.timestamp === 'number' && Math.abs(e.timestamp - Date.now()) < 60_000), 'timestamps are ms since the epoch');

  const [listed] = await sprite.listServices();
  assert.equal(listed?.name, 'web');
  assert.deepEqual(listed.args, ['-c', script]);
  assert.deepEqual(listed.needs, []);
  assert.equal(listed.state?.status, 'running');
  const pid = listed.state.pid;
  assert.ok(typeof pid === 'number' && pid > 1);
  assert.match(listed.state.startedAt ?? '', /^\d{4}-\d\d-\d\dT/);
  assert.equal(listed.state.restartCount, 0);
  assert.deepEqual(await sprite.getService('web'), listed);
  await assert.rejects(sprite.getService('ghost'), /Service not found/);

  const logged = await hob.serviceLogs(created.name, 'web', { lines: 5 }, () => undefined);
  assert.ok(logged.completed);
  const documented = (await sprite.execFile('cat', ['/.sprite/logs/services/web.log'])).stdout;
  assert.equal(documented, 'hello there sprite-env\nwarn\n', 'the documented path is the log');

  await sprite.signalService('web', 'HUP');
  const followed = await drain(await sprite.getServiceLogs('web', { lines: 1, duration: '1s' }));
  assert.ok(text(followed).includes('got-hup'), `the signal reached it: ${JSON.stringify(followed)}`);
  await assert.rejects(sprite.signalService('web', 'NOTASIGNAL'), /Invalid signal/);
  await assert.rejects(sprite.signalService('ghost', 'HUP'), /Service not found/);

  const lines = await drain(await sprite.getServiceLogs('web', { lines: 2 }));
  assert.deepEqual(kinds(lines), ['stderr', 'stdout', 'complete'], 'the last two lines, each from its stream');

  const stopped = await drain(await sprite.stopService('web', '2s'));
  assert.deepEqual(kinds(stopped), ['stopping', 'exit', 'stopped', 'complete']);
  assert.equal((await sprite.getService('web')).state?.status, 'stopped');
  assert.equal((await sprite.execFile('sh', ['-c', `kill -0 ${pid} 2>/dev/null && echo alive || echo gone`])).stdout, 'gone\n');
  await assert.rejects(sprite.stopService('web'), /Service not running/);

  const started = await drain(await sprite.startService('web', '0'));
  assert.deepEqual(kinds(started), ['started', 'complete']);
  const restarted = await drain(await sprite.restartService('web', '500ms'));
  assert.deepEqual(kinds(restarted).slice(0, 4), ['stopping', 'exit', 'stopped', 'started']);
  assert.equal(kinds(restarted).at(-1), 'complete');
  assert.notEqual((await sprite.getService('web')).state?.pid, pid);

  await sprite.deleteService('web');
  assert.deepEqual(await sprite.listServices(), []);
  await assert.rejects(sprite.deleteService('web'), /Service not found/);
});

test('SDK: a service that crashes is restarted with growing delays, and its restart count grows', { timeout: 120_000 }, async (t) => {
  const created = await spriteFixture(t, server).create();
  const sprite = sdk.sprite(created.name);
  const events = await drain(await sprite.createService('crash', { cmd: 'sh', args: ['-c', 'echo up; exit 7'] }, '2500ms'));
  const exits = events.filter((e) => e.type === 'exit');
  const starts = events.filter((e) => e.type === 'started');
  assert.ok(exits.length >= 2 && exits.every((e) => e.exitCode === 7), JSON.stringify(kinds(events)));
  const gaps = starts.slice(1).map((start, i) => start.timestamp - (exits[i]?.timestamp ?? 0));
  assert.ok((gaps[0] ?? 0) >= 450, `restarted after a delay (${String(gaps[0])} ms)`);
  if (gaps[1] !== undefined) assert.ok(gaps[1] >= (gaps[0] ?? 0) * 1.5, `the delay grows (${gaps.join(', ')} ms)`);
  const state = (await serviceIn(sprite, 'crash', (s) => (s.state?.restartCount ?? 0) >= 3 && s.state?.status === 'failed', 'three restarts')).state;
  assert.ok(state !== undefined);
  assert.equal(state.error, 'exited with status 7');
  await sprite.deleteService('crash');

  // A process killed from outside counts as a crash too.
  await drain(await sprite.createService('victim', { cmd: 'sleep', args: ['1000'] }, '0'));
  const first = (await sprite.getService('victim')).state;
  await sprite.execFile('kill', ['-9', String(first?.pid)]);
  const again = (await serviceIn(sprite, 'victim', (s) => s.state?.status === 'running' && s.state.pid !== first?.pid, 'a restart after the kill')).state;
  assert.equal(again?.restartCount, 1);
});

test('SDK: needs order the starts; a missing need, a cycle and a second http_port are refused; a service may be named signal', { timeout: 120_000 }, async (t) => {
  const created = await spriteFixture(t, server).create();
  const sprite = sdk.sprite(created.name);
  const create = async (name: string, needs: string[] = [], extra: { httpPort?: number } = {}) => drain(await sprite.createService(name, { cmd: 'sleep', args: ['1000'], needs, ...extra }, '0'));
  await create('db', [], { httpPort: 5432 });
  await create('api', ['db']);
  await create('web', ['api']);
  await assert.rejects(create('x', ['ghost']), /status 400.*needs ghost, which does not exist/);
  await assert.rejects(create('db', ['web']), /status 400.*cycle: db → web → api → db/);
  await assert.rejects(create('other', [], { httpPort: 3000 }), /Service conflict:.*another service already has an HTTP port configured/);
  await assert.rejects(sprite.deleteService('db'), /Service conflict:.*needed by api/);
  assert.deepEqual((await sprite.listServices()).map((s) => [s.name, s.needs, s.httpPort]), [['api', ['db'], undefined], ['db', [], 5432], ['web', ['api'], undefined]]);

  // A reboot starts all three at once, each after what it needs: in a fresh pid namespace, pids say which came first.
  await sdk.restartSprite(created.name);
  const pids = Object.fromEntries((await sprite.listServices()).map((s) => [s.name, s.state?.pid ?? 0]));
  assert.ok((pids.db ?? 0) > 0 && (pids.db ?? 0) < (pids.api ?? 0) && (pids.api ?? 0) < (pids.web ?? 0), `db, api, web in that order: ${JSON.stringify(pids)}`);

  const named = await drain(await sprite.createService('signal', { cmd: 'sh', args: ['-c', 'trap "echo hup" HUP; while :; do sleep 0.1; done'] }, '0'));
  assert.equal(named[0]?.type, 'started');
  assert.equal((await sprite.getService('signal')).state?.status, 'running');
  await sprite.signalService('signal', 'HUP');
  await until('the signal', async () => (text(await drain(await sprite.getServiceLogs('signal'))).includes('hup') ? true : undefined));
  assert.deepEqual(kinds(await drain(await sprite.stopService('signal'))), ['stopping', 'exit', 'stopped', 'complete']);
  await sprite.deleteService('signal');
});
