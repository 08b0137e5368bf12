/**
 * Metering on real runc: a server of this file's own that samples every second, sprites that
 * burn a known amount of CPU or sleep warm, and what the usage API, `hob usage` and /metrics
 * then say.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { HobClient } from '../../../src/client/client.js';
import type { SpriteUsageJson } from '../../../src/shared/protocol.js';
import { runHob } from '../../helpers/cli.js';
import { clientFor, execCollect, sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { cleanupDataDir, startServer, uniquePrefix, type TestServer } from '../../helpers/server.js';

const shared = sharedServer();
const prefix = uniquePrefix();
const dataDir = join(shared.runDir, `metering-${prefix}`);
const SAMPLE_MS = 1000;
let server: TestServer;
let client: HobClient;

before(async () => {
  server = await startServer({ dataDir, prefix, extraArgs: ['--warm-pool', '0', '--usage-sample-interval', '1s'] });
  client = clientFor(server);
});

after(async () => {
  await server.stop();
  cleanupDataDir(dataDir, prefix);
});

const fixtureServer = () => ({ ...server, dataDir });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A sprite's usage over the last hour, by the minute. */
function usageOf(name: string): Promise<SpriteUsageJson> {
  return client.getSpriteUsage(name, { from: new Date(Date.now() - 3_600_000).toISOString(), step: '1m' });
}

/** CPU seconds the kernel charged a shell's waited-for children (utime + stime of the dead ones), from its /proc stat line. */
function childrenCpuSeconds(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).trim().split(/\s+/);
  // After the command name: state is field 3, so cutime (16) and cstime (17) are at 13 and 14 here; clock ticks are 1/100 s.
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

test('a sprite that burns CPU for 3 s is metered within 10 % of what the kernel charged its processes', { timeout: 120_000 }, async (t) => {
  const sprites = spriteFixture(t, fixtureServer());
  const sprite = await sprites.create({ config: { cpus: 1 } });
  await sleep(3 * SAMPLE_MS);
  const before = (await usageOf(sprite.name)).totals;
  assert.ok(before.running_seconds > 0, 'a running sprite is metered as running');

  const burn = await execCollect(client, sprite.name, ['sh', '-c', 'timeout 3 sh -c "while :; do :; done"; cat /proc/$$/stat']);
  const truth = childrenCpuSeconds(burn.stdout);
  assert.ok(truth >= 1.5, `the loop got CPU (${truth} s; is the host saturated?)`);
  await sleep(3 * SAMPLE_MS);
  const afterBurn = (await usageOf(sprite.name)).totals;
  const metered = afterBurn.cpu_seconds - before.cpu_seconds;
  t.diagnostic(`kernel: ${truth.toFixed(2)} CPU-s; metered: ${metered.toFixed(3)} CPU-s`);
  assert.ok(Math.abs(metered - truth) <= 0.1 * truth, `metered ${metered.toFixed(3)} s of CPU for ${truth} s burnt`);
  assert.ok(afterBurn.billed_cpu_seconds - before.billed_cpu_seconds >= metered - 1e-9, 'billed is at least what was used');
  assert.ok(afterBurn.cost.cpu > before.cost.cpu);
  assert.ok(afterBurn.memory_peak_bytes > 0, 'its memory was sampled');
});

test('a warm sprite meters no compute, even with a busy loop frozen inside it; its storage is still counted', { timeout: 120_000 }, async (t) => {
  const sprites = spriteFixture(t, fixtureServer());
  const sprite = await sprites.create();
  // Left running in the background: were the sprite not frozen, or frozen but still charged, this would show.
  await execCollect(client, sprite.name, ['sh', '-c', 'sh -c "while :; do :; done" </dev/null >/dev/null 2>&1 & echo started']);
  await client.sleepSprite(sprite.name);
  assert.equal((await client.getSprite(sprite.name)).status, 'warm');
  // The sample that sees it warm first charges what it ran before freezing; from then on, nothing.
  await sleep(2 * SAMPLE_MS);
  const asleep = (await usageOf(sprite.name)).totals;
  await sleep(4 * SAMPLE_MS);
  const later = (await usageOf(sprite.name)).totals;
  assert.equal(later.running_seconds, asleep.running_seconds);
  assert.equal(later.cpu_seconds, asleep.cpu_seconds);
  assert.equal(later.billed_cpu_seconds, asleep.billed_cpu_seconds);
  assert.equal(later.billed_memory_gb_seconds, asleep.billed_memory_gb_seconds);
  assert.equal(later.cost.cpu + later.cost.memory, asleep.cost.cpu + asleep.cost.memory);
  if ((await client.health()).storage.limits_enforced) assert.ok(later.hot_storage_gb_seconds > asleep.hot_storage_gb_seconds, 'storage is charged while warm');

  const metrics = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${server.token}` } }).then((res) => res.text());
  assert.match(metrics, new RegExp(`^hob_sprite_status\\{sprite="${sprite.name}",status="warm"\\} 1$`, 'm'));
  assert.match(metrics, new RegExp(`^hob_sprite_memory_bytes\\{sprite="${sprite.name}"\\} [1-9]`, 'm'), 'the memory it keeps is shown');
  // Woken, the loop runs (and is charged) again; destroyed, it stops for good.
  await client.wakeSprite(sprite.name);
  await sleep(2 * SAMPLE_MS);
  assert.ok((await usageOf(sprite.name)).totals.cpu_seconds > later.cpu_seconds + 0.5, 'the loop is charged once it runs again');
});

test('/metrics needs the token and exposes per-sprite series and the exec and wake histograms', async (t) => {
  const sprites = spriteFixture(t, fixtureServer());
  const sprite = await sprites.create();
  await execCollect(client, sprite.name, ['true']);
  await client.sleepSprite(sprite.name);
  await client.wakeSprite(sprite.name);
  await sleep(2 * SAMPLE_MS);
  assert.equal((await fetch(`${server.url}/metrics`)).status, 401);
  assert.equal((await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer not-a-token' } })).status, 401);
  const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${server.token}` } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  for (const pattern of [
    `^hob_sprite_cpu_seconds_total\\{sprite="${sprite.name}"\\} [0-9.e-]+$`,
    `^hob_sprite_hot_storage_bytes\\{sprite="${sprite.name}"\\} [0-9]+$`,
    `^hob_sprite_status\\{sprite="${sprite.name}",status="running"\\} 1$`,
    '^hob_exec_round_trip_seconds_count\\{transport="websocket"\\} [1-9]',
    '^hob_wake_duration_seconds_count\\{from="warm"\\} [1-9]',
    '^hob_api_request_duration_seconds_count\\{method="POST",route="/v1/sprites/:name/wake",status="200"\\} [1-9]',
    '^process_cpu_seconds_total ',
  ]) {
    assert.match(text, new RegExp(pattern, 'm'));
  }
});

test("hob usage prints a sprite's totals and charts, --json its report; hob info its cost; a destroyed sprite's usage stays", { timeout: 120_000 }, async (t) => {
  const sprites = spriteFixture(t, fixtureServer());
  const sprite = await sprites.create();
  await execCollect(client, sprite.name, ['sh', '-c', 'timeout 1 sh -c "while :; do :; done"; true']);
  await sleep(2 * SAMPLE_MS);
  const cli = { ...server, runDir: shared.runDir };

  const text = await runHob(cli, ['usage', sprite.name, '--since', '1h']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`^Usage of ${sprite.name}, .* UTC, in steps of 1m\\n`));
  for (const part of [/\n {2}CPU +[0-9.]+ CPU-seconds used, [0-9.]+ billed +\$[0-9.]+\n/, /\n {2}total +\$[0-9.]+\n/, /spent \$[0-9.]+ today, \$[0-9.]+ this month \(UTC\)/, /CPU \(average CPUs used\), a point per 1m\n/, /cost \(USD\), a point per 1m\n/]) {
    assert.match(text.stdout, part);
  }
  const json = await runHob(cli, ['usage', sprite.name, '--since', '1h', '--step', '5m', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout) as SpriteUsageJson; // checked by the client against the contract before printing
  assert.equal(report.step_seconds, 300);
  assert.ok(report.totals.cpu_seconds > 0.5);

  const info = await runHob(cli, ['info', sprite.name]);
  assert.equal(info.code, 0, info.stderr);
  assert.match(info.stdout, /\nCost: +\$[0-9.]+ today, \$[0-9.]+ this month \(UTC\)\n/);

  const bad = await runHob(cli, ['usage', sprite.name, '--step', '30s']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /^error: step must be a whole number of minutes/);

  await client.deleteSprite(sprite.name);
  sprites.forget(sprite.name);
  const all = await client.getUsage({ from: new Date(Date.now() - 3_600_000).toISOString() });
  const gone = all.sprites.find((entry) => entry.id === sprite.id);
  assert.ok(gone !== undefined, 'the destroyed sprite is still listed');
  assert.equal(gone.name, sprite.name);
  assert.equal(gone.deleted, true);
  assert.ok(Math.abs(gone.totals.cpu_seconds - report.totals.cpu_seconds) < 0.5);
  const listed = await runHob(cli, ['usage', '--since', '1h']);
  assert.match(listed.stdout, new RegExp(`\\n {2}${sprite.name} \\(destroyed\\) `));
});
