import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'node:test';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { Value } from '@sinclair/typebox/value';
import { matches } from '../../client/check.js';
import { ServerLimits, SpendLimit } from '../../shared/schemas/limits.js';
import { ServerUsage, SpriteUsage } from '../../shared/schemas/usage.js';
import { inProcessApp, withInProcessApp, type InProcessApp } from '../testing/in-process-app.js';


function json(res: LightMyRequestResponse): Record<string, unknown> {
  return JSON.parse(res.body) as Record<string, unknown>; // every answer here is a JSON object
}

/** Records `cost` spent today by a sprite, as the sampler's daily rows do. */
function spendToday(ctx: InProcessApp, spriteId: string, cost: number): void {
  ctx.usageStore.record({ buckets: [], names: [], daily: [{ spriteId, dayStart: Math.floor(Date.now() / 86_400_000) * 86_400, cost }] });
}

test("a sprite's spend limit: set, read back with what it spent, cleared; the shapes are the contract's", async () => {
  await withInProcessApp({}, async (ctx, call) => {
    const sprite = ctx.addSprite('capped', 'running');
    spendToday(ctx, sprite.id, 0.25);
    const empty = await call({ method: 'GET', url: '/v1/sprites/capped/policy/spend' });
    assert.equal(empty.statusCode, 200, empty.body);
    assert.deepEqual({ ...json(empty), spent: undefined }, { daily: null, monthly: null, currency: 'USD', reached: null, spent: undefined });
    const set = await call({ method: 'POST', url: '/v1/sprites/capped/policy/spend', payload: { daily: 0.2, monthly: 10 } });
    assert.equal(set.statusCode, 200, set.body);
    const body = json(set);
    assert.ok(matches(SpendLimit, body), JSON.stringify([...Value.Errors(SpendLimit, body)].slice(0, 3)));
    assert.equal(body.daily, 0.2);
    assert.deepEqual(body.reached, { scope: 'sprite', period: 'day', limit: 0.2, spent: 0.25, resets_at: new Date((Math.floor(Date.now() / 86_400_000) + 1) * 86_400_000).toISOString() });
    const bad = await call({ method: 'POST', url: '/v1/sprites/capped/policy/spend', payload: { daily: -1 } });
    assert.equal(bad.statusCode, 400);
    assert.match(String(json(bad).message), /daily/);
    const cleared = await call({ method: 'DELETE', url: '/v1/sprites/capped/policy/spend' });
    assert.deepEqual([json(cleared).daily, json(cleared).reached], [null, null]);
    assert.equal((await call({ method: 'GET', url: '/v1/sprites/missing/policy/spend' })).statusCode, 404);
  });
});

test('a wake over a spend limit is refused with 402 naming the limit; raised, the sprite wakes', async () => {
  await withInProcessApp({}, async (ctx, call) => {
    const sprite = ctx.addSprite('spender', 'warm');
    spendToday(ctx, sprite.id, 1.5);
    await call({ method: 'POST', url: '/v1/sprites/spender/policy/spend', payload: { daily: 1 } });
    const refused = await call({ method: 'POST', url: '/v1/sprites/spender/wake' });
    assert.equal(refused.statusCode, 402, refused.body);
    const error = json(refused);
    assert.equal(error.error, 'spend_limit_reached');
    assert.match(String(error.message), /sprite spender has reached its daily spend limit: \$1\.50 spent today of \$1\.00/);
    assert.equal(error.limit, 1, 'the Sprites SDKs read `limit` at the top');
    assert.equal(ctx.registry.get('spender').state, 'warm', 'nothing was woken');
    assert.equal(ctx.runtime.calls.filter((c) => c.startsWith('thaw')).length, 0);

    await call({ method: 'POST', url: '/v1/sprites/spender/policy/spend', payload: { daily: 2 } });
    const woken = await call({ method: 'POST', url: '/v1/sprites/spender/wake' });
    assert.equal(woken.statusCode, 200, woken.body);
    assert.equal(ctx.registry.get('spender').state, 'running');
  });
});

test("the server's spend limit refuses creates and every sprite's wakes; GET /v1/limits reports it", async () => {
  await withInProcessApp({ maxRunning: 3 }, async (ctx, call) => {
    const a = ctx.addSprite('a', 'warm');
    ctx.addSprite('b', 'running');
    spendToday(ctx, a.id, 3);
    const set = await call({ method: 'POST', url: '/v1/limits/spend', payload: { monthly: 3 } });
    assert.equal(set.statusCode, 200, set.body);
    const limits = await call({ method: 'GET', url: '/v1/limits' });
    const body = json(limits);
    assert.ok(matches(ServerLimits, body), JSON.stringify([...Value.Errors(ServerLimits, body)].slice(0, 3)));
    assert.deepEqual([body.max_running, body.running, body.capacity_wait_seconds], [3, 1, 5]);
    assert.equal((body.spend as { reached: { scope: string } }).reached.scope, 'server'); // the ServerLimits shape, checked above
    const create = await call({ method: 'POST', url: '/v1/sprites', payload: { name: 'new' } });
    assert.equal(create.statusCode, 402, create.body);
    assert.match(String(json(create).message), /the server's monthly spend limit is reached: all sprites together spent \$3\.00 this month of \$3\.00/);
    assert.equal((await call({ method: 'POST', url: '/v1/sprites/a/wake' })).statusCode, 402);
    await call({ method: 'DELETE', url: '/v1/limits/spend' });
    assert.equal((await call({ method: 'POST', url: '/v1/sprites/a/wake' })).statusCode, 200);
  });
});

test('spend limits are set only with the admin token; a scoped token reads its own sprites\' limits', async () => {
  await withInProcessApp({}, async (ctx) => {
    ctx.addSprite('team-x', 'running');
    ctx.addSprite('other', 'running');
    const scoped = ctx.tokens.createScoped({ name: null, spritePrefix: 'team-', spriteLabel: null, readOnly: false, expiresAt: null }).token;
    const call = (request: InjectOptions) => ctx.app.fastify.inject({ ...request, headers: { authorization: `Bearer ${scoped}` } });
    assert.equal((await call({ method: 'GET', url: '/v1/sprites/team-x/policy/spend' })).statusCode, 200);
    const raise = await call({ method: 'POST', url: '/v1/sprites/team-x/policy/spend', payload: { daily: 100 } });
    assert.equal(raise.statusCode, 403, raise.body);
    assert.match(String(json(raise).message), /needs the admin token/);
    assert.equal((await call({ method: 'DELETE', url: '/v1/sprites/team-x/policy/spend' })).statusCode, 403);
    assert.equal((await call({ method: 'POST', url: '/v1/sprites/other/policy/spend', payload: { daily: 1 } })).statusCode, 404, 'outside the scope it does not exist');
    assert.equal((await call({ method: 'GET', url: '/v1/limits' })).statusCode, 403);
    assert.equal((await call({ method: 'POST', url: '/v1/limits/spend', payload: { daily: 1 } })).statusCode, 403);
  });
});

test('over the cap on running sprites: 429 with Retry-After and the Sprites fields; wait_for_capacity waits for a sprite to sleep', async () => {
  await withInProcessApp({ maxRunning: 1, capacityWaitMs: 3000 }, async (ctx, call) => {
    ctx.addSprite('first', 'running');
    ctx.addSprite('second', 'warm');
    const list = json(await call({ method: 'GET', url: '/v1/sprites' }));
    assert.equal(list.running_limit, 1, 'lists report the cap as Sprites does');

    const create = await call({ method: 'POST', url: '/v1/sprites', payload: { name: 'third' } });
    assert.equal(create.statusCode, 429, create.body);
    assert.equal(create.headers['retry-after'], '5');
    const error = json(create);
    assert.deepEqual([error.error, error.limit, error.current_count, error.retry_after_seconds], ['concurrent_sprite_limit_exceeded', 1, 1, 5]);
    assert.match(String(error.message), /at most 1 sprites at once and 1 are running/);
    assert.equal((await call({ method: 'POST', url: '/v1/sprites/second/wake' })).statusCode, 429);

    const update = await call({ method: 'PUT', url: '/v1/sprites/second', payload: { config: { wait_for_capacity: true } } });
    assert.equal((json(update).config as { wait_for_capacity: boolean }).wait_for_capacity, true); // the Sprite shape
    let settled = false;
    const waking = call({ method: 'POST', url: '/v1/sprites/second/wake' }).finally(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(settled, false, 'it waits while the cap is reached');
    assert.equal((await call({ method: 'POST', url: '/v1/sprites/first/sleep', payload: {} })).statusCode, 200);
    const woken = await waking;
    assert.equal(woken.statusCode, 200, woken.body);
    assert.equal(ctx.registry.get('second').state, 'running');

    // A create that waits, and gives up when nothing sleeps in time.
    const started = Date.now();
    const waited = await call({ method: 'POST', url: '/v1/sprites', payload: { name: 'patient', wait_for_capacity: true } });
    assert.equal(waited.statusCode, 429, waited.body);
    assert.ok(Date.now() - started >= 2900, 'it waited the whole --capacity-wait');
    assert.match(String(json(waited).message), /waited 3s/);
  });
});

test('usage reports carry disk use against storage_gb and the spend limit in force', async () => {
  await withInProcessApp({}, async (ctx, call) => {
    const sprite = ctx.addSprite('disky', 'running');
    await call({ method: 'POST', url: '/v1/sprites/disky/policy/spend', payload: { monthly: 7 } });
    const own = json(await call({ method: 'GET', url: '/v1/sprites/disky/usage' }));
    assert.ok(matches(SpriteUsage, own), JSON.stringify([...Value.Errors(SpriteUsage, own)].slice(0, 3)));
    assert.deepEqual(own.spend_limit, { daily: null, monthly: 7 });
    assert.deepEqual(own.disk, { used_bytes: null, limit_bytes: 10 * 2 ** 30 }, 'a sprite recorded without a quota group cannot be counted');
    spendToday(ctx, sprite.id, 0.5);
    ctx.usageStore.record({ buckets: [], daily: [], names: [{ spriteId: sprite.id, name: 'disky' }] });
    const all = json(await call({ method: 'GET', url: '/v1/usage' }));
    assert.ok(matches(ServerUsage, all), JSON.stringify([...Value.Errors(ServerUsage, all)].slice(0, 3)));
    assert.deepEqual(all.spend_limit, { daily: null, monthly: null });
  });
});

test("a sprite's URL and a WebSocket exec over a limit get the same refusals, Retry-After included", async () => {
  const ctx = inProcessApp({ maxRunning: 1 });
  try {
    ctx.addSprite('busy', 'running');
    ctx.addSprite('web', 'warm');
    await ctx.app.fastify.listen({ host: '127.0.0.1', port: 0 });
    const { port } = ctx.app.fastify.server.address() as AddressInfo; // a TCP listener's address
    const get = (host: string, path: string, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; retryAfter: string | undefined; body: string }>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path, headers: { host, authorization: `Bearer ${ctx.token}`, ...headers } }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body }));
        });
        req.on('upgrade', (res, socket) => {
          socket.destroy();
          resolve({ status: res.statusCode ?? 101, retryAfter: res.headers['retry-after'], body: '' });
        });
        req.on('error', reject);
        req.end();
      });
    const url = await get('web.localhost', '/');
    assert.deepEqual([url.status, url.retryAfter], [429, '5'], url.body);
    assert.equal((JSON.parse(url.body) as { error: string }).error, 'concurrent_sprite_limit_exceeded'); // the error shape
    const exec = await get(`127.0.0.1:${port}`, '/v1/sprites/web/exec?cmd=true', { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' });
    assert.deepEqual([exec.status, exec.retryAfter], [429, '5']);
  } finally {
    await ctx.close();
  }
});
