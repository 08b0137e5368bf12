import assert from 'node:assert/strict';
import test from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { matches } from '../../client/check.js';
import type { LightMyRequestResponse } from 'fastify';
import { ServerUsage, SpriteUsage } from '../../shared/schemas/usage.js';
import { GB_BYTES, zeroUsage } from '../metering/cost.js';
import { withInProcessApp, type AdminCall, type InProcessApp } from '../testing/in-process-app.js';

/** Runs `run` against a fresh in-process API; `call` sends a request with the admin token. */
function withApp(run: (ctx: InProcessApp, call: AdminCall) => Promise<void>): Promise<void> {
  return withInProcessApp({}, run);
}

/** An hour of a sprite's usage two hours ago: a minute of compute each minute and the hour's storage. */
function recordHour(ctx: InProcessApp, spriteId: string, name: string): void {
  const hourStart = Math.floor(Date.now() / 3_600_000) * 3600 - 7200;
  for (let minute = 0; minute < 60; minute++) {
    ctx.usageStore.record({
      buckets: [{ spriteId, bucketStart: hourStart + minute * 60, bucketSeconds: 60, usage: { ...zeroUsage(), runningSeconds: 60, cpuSeconds: 30, billedCpuSeconds: 30, costCpu: 0.01 } }],
      daily: [],
      names: minute === 0 ? [{ spriteId, name }] : [],
    });
  }
  ctx.usageStore.record({ buckets: [{ spriteId, bucketStart: hourStart, bucketSeconds: 3600, usage: { ...zeroUsage(), hotStorageGbSeconds: 3600, costHotStorage: 0.5 } }], daily: [], names: [] });
}

function json(res: LightMyRequestResponse): unknown {
  return JSON.parse(res.body) as unknown;
}

test("a sprite's usage: the SpriteUsage shape, points that add up, and its own sprite's only", async () => {
  await withApp(async (ctx, call) => {
    const sprite = ctx.addSprite('metered', 'running');
    recordHour(ctx, sprite.id, 'metered');
    recordHour(ctx, 'other-sprite', 'someone-else');
    const res = await call({ method: 'GET', url: '/v1/sprites/metered/usage?step=1h' });
    assert.equal(res.statusCode, 200, res.body);
    const body = json(res);
    assert.ok(matches(SpriteUsage, body), JSON.stringify([...Value.Errors(SpriteUsage, body)].slice(0, 3)));
    assert.equal(body.sprite, 'metered');
    assert.equal(body.step_seconds, 3600);
    assert.equal(body.points.length, (Date.parse(body.to) - Date.parse(body.from)) / 3_600_000, 'a point per step, empty ones included');
    assert.ok(body.points.length >= 24, 'the last day, widened to whole hours');
    assert.equal(body.currency, 'USD');
    assert.ok(Math.abs(body.totals.cpu_seconds - 1800) < 1e-9);
    assert.ok(Math.abs(body.totals.cost.total - 1.1) < 1e-9);
    assert.ok(Math.abs(body.points.reduce((sum, point) => sum + point.cost.total, 0) - body.totals.cost.total) < 1e-9);
    assert.equal(body.points.filter((point) => point.cost.total > 0).length, 1);
  });
});

test('the server\'s usage: the same shape with a line per sprite, destroyed ones included', async () => {
  await withApp(async (ctx, call) => {
    const sprite = ctx.addSprite('kept', 'stopped');
    recordHour(ctx, sprite.id, 'kept');
    recordHour(ctx, 'destroyed-id', 'destroyed');
    const res = await call({ method: 'GET', url: '/v1/usage' });
    assert.equal(res.statusCode, 200, res.body);
    const body = json(res);
    assert.ok(matches(ServerUsage, body), JSON.stringify([...Value.Errors(ServerUsage, body)].slice(0, 3)));
    assert.deepEqual(body.sprites.map((s) => [s.name, s.deleted]).sort(), [['destroyed', true], ['kept', false]]);
    assert.ok(Math.abs(body.totals.cost.total - 2.2) < 1e-9);
    const destroyedAgain = await call({ method: 'GET', url: '/v1/sprites/destroyed/usage' });
    assert.equal(destroyedAgain.statusCode, 404, 'only sprites that exist answer by name');
  });
});

test('bad ranges and steps, and unknown sprites, get clear errors', async () => {
  await withApp(async (ctx, call) => {
    ctx.addSprite('here', 'running');
    const cases: [string, number, RegExp][] = [
      ['/v1/sprites/nobody/usage', 404, /sprite nobody not found/],
      ['/v1/sprites/Bad_Name/usage', 400, /.+/],
      ['/v1/sprites/here/usage?step=30s', 400, /whole number of minutes/],
      ['/v1/sprites/here/usage?step=often', 400, /step must be a duration/],
      ['/v1/usage?from=2026-02-01&to=2026-01-01', 400, /must be before to/],
      ['/v1/usage?from=last%20week', 400, /from must be an RFC 3339 time/],
      ['/v1/usage?from=2000-01-01&step=1m', 400, /ask for a larger step/],
      ['/v1/usage?step=1h&step=1d', 400, /may be given only once/],
    ];
    for (const [url, status, message] of cases) {
      const res = await call({ method: 'GET', url });
      assert.equal(res.statusCode, status, `${url}: ${res.body}`);
      const body = json(res) as { error: string; message: string }; // an error body
      assert.match(body.message, message, url);
    }
  });
});

test('/metrics needs the API token and exposes per-sprite series and the server histograms', async () => {
  await withApp(async (ctx, call) => {
    ctx.meterSnapshot.push(
      { id: 'a', name: 'busy', state: 'running', cpuSecondsTotal: 12.5, memoryBytes: GB_BYTES, hotStorageBytes: 4096 },
      { id: 'b', name: 'sleepy', state: 'warm', cpuSecondsTotal: 0, memoryBytes: 2 * GB_BYTES, hotStorageBytes: 0 },
      { id: 'c', name: 'frozen-out', state: 'stopped', cpuSecondsTotal: 0, memoryBytes: 0, hotStorageBytes: 8192 },
    );
    for (const headers of [{}, { authorization: 'Bearer wrong' }]) {
      const denied = await ctx.app.fastify.inject({ method: 'GET', url: '/metrics', headers });
      assert.equal(denied.statusCode, 401);
      assert.equal((json(denied) as { error: string }).error, 'unauthorized'); // an error body
    }
    await call({ method: 'GET', url: '/v1/sprites/busy' });
    const res = await call({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    const text = res.body;
    for (const line of [
      'hob_sprite_cpu_seconds_total{sprite="busy"} 12.5',
      `hob_sprite_memory_bytes{sprite="sleepy"} ${2 * GB_BYTES}`,
      'hob_sprite_hot_storage_bytes{sprite="frozen-out"} 8192',
      'hob_sprite_status{sprite="sleepy",status="warm"} 1',
      'hob_sprite_status{sprite="frozen-out",status="cold"} 1',
      'hob_sprites{status="running"} 1',
      'hob_api_request_duration_seconds_count{method="GET",route="/v1/sprites/:name",status="404"} 1',
    ]) {
      assert.ok(text.includes(line), `${line} in\n${text}`);
    }
    for (const name of ['hob_exec_round_trip_seconds', 'hob_wake_duration_seconds']) assert.match(text, new RegExp(`^# TYPE ${name} histogram$`, 'm'));
    assert.doesNotMatch(text, /route="\/v1\/sprites\/busy"/, 'paths never become labels');
  });
});
