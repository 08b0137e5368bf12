/**
 * Scoped tokens against every route of the route table (HTTP and WebSocket alike, so a new
 * route is covered the day it is added): a sprite outside the token's scope is answered exactly
 * as a missing one, routes that name no sprite are the admin's unless opened to scoped tokens,
 * and a read-only token may only read.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'node:test';
import { ROUTES, type RouteContract } from '../../shared/schemas/routes.js';
import { inProcessApp, type InProcessApp } from '../testing/in-process-app.js';
import { namesSprite } from './scope.js';

interface Answer {
  status: number;
  error?: string;
  message?: string;
}

const IN_SCOPE = 'team-a-one';
const OUTSIDE = 'other-one';
const MISSING = 'team-b-missing';
/**
 * Sprites in scope are recorded mid-restore: every route that would boot one answers 409 busy
 * instead (the fake runtime boots nothing, and the run-dir mount a boot makes is real), which
 * still shows the token got past the scope check.
 */
const BUSY = 'restoring';
const OPEN_TO_SCOPED = ['listSprites', 'createSprite', 'listImages', 'getImage', 'health', 'openapi'];

function pathOf(route: RouteContract, name: string): string {
  return route.path.replace(':name', name).replace(':id', route.path.startsWith('/v1/tokens') ? 'nobody' : 'v1');
}

/** Sends the route's method (a WebSocket handshake for WS routes) to the listening app. */
function send(port: number, route: RouteContract, path: string, token: string, host = '127.0.0.1'): Promise<Answer> {
  const ws = route.method === 'WS';
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      path,
      method: ws ? 'GET' : route.method,
      headers: {
        host,
        authorization: `Bearer ${token}`,
        ...(ws ? { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' } : {}),
      },
    });
    const finish = (status: number, text: string) => {
      let body: { error?: string; message?: string } = {};
      try {
        body = JSON.parse(text) as { error?: string; message?: string }; // an error answer, or anything else left as is
      } catch {
        body = {};
      }
      resolve({ status, ...body });
    };
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      finish(res.statusCode ?? 101, '');
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => finish(res.statusCode ?? 0, Buffer.concat(chunks).toString()));
    });
    req.setTimeout(5000, () => req.destroy(new Error(`${route.method} ${path} did not answer`)));
    req.on('error', reject);
    req.end();
  });
}

async function withListeningApp(run: (ctx: InProcessApp, port: number) => Promise<void>): Promise<void> {
  const ctx = inProcessApp();
  try {
    await ctx.app.fastify.listen({ host: '127.0.0.1', port: 0 });
    await run(ctx, (ctx.app.fastify.server.address() as AddressInfo).port); // a TCP listener's address
  } finally {
    await ctx.close();
  }
}

test('a scoped token gets the answer of a missing sprite from every route that names one outside its scope', async () => {
  await withListeningApp(async (ctx, port) => {
    ctx.addSprite(IN_SCOPE, BUSY);
    ctx.addSprite(OUTSIDE, BUSY);
    const { token } = ctx.tokens.createScoped({ name: null, spritePrefix: 'team-a-', spriteLabel: null, readOnly: false, expiresAt: null });
    const spriteRoutes = ROUTES.filter((route) => namesSprite(route.path));
    assert.ok(spriteRoutes.length > 20 && spriteRoutes.some((route) => route.method === 'WS'), 'control: the table has sprite routes, WebSocket ones too');
    for (const route of spriteRoutes) {
      const label = `${route.method} ${route.path}`;
      // A body-less PUT creates what is missing, so only the others have this control.
      if (!('created' in route.response)) {
        const missing = await send(port, route, pathOf(route, MISSING), ctx.token);
        // exec parses its query first, so the admin's answer may be a 400.
        assert.ok(missing.status === 404 || missing.status === 400, `${label}: control, the admin gets ${missing.status} for a missing sprite`);
      }
      const outside = await send(port, route, pathOf(route, OUTSIDE), token);
      assert.deepEqual(outside, { status: 404, error: 'not_found', message: `sprite ${OUTSIDE} not found` }, `${label}: outside the scope`);
      const alsoMissing = await send(port, route, pathOf(route, MISSING), token);
      assert.deepEqual(alsoMissing, { status: 404, error: 'not_found', message: `sprite ${MISSING} not found` }, `${label}: missing, same shape`);
      // A delete in scope really deletes: the sprite is put back for the next route.
      if (ctx.registry.store.getByName(IN_SCOPE) === undefined) ctx.addSprite(IN_SCOPE, BUSY);
      const inside = await send(port, route, pathOf(route, IN_SCOPE), token);
      // Some settings of a sprite are the operator's even inside a scope (a spend limit): the admin token only.
      if (route.admin === true) assert.deepEqual([inside.status, inside.error], [403, 'forbidden'], `${label}: needs the admin token`);
      else assert.ok(inside.status !== 403 && inside.message !== `sprite ${IN_SCOPE} not found`, `${label}: the sprite in scope was refused: ${JSON.stringify(inside)}`);
    }
  });
});

test('routes that name no sprite need the admin token unless opened to scoped tokens', async () => {
  await withListeningApp(async (ctx, port) => {
    const { token } = ctx.tokens.createScoped({ name: null, spritePrefix: 'team-a-', spriteLabel: null, readOnly: false, expiresAt: null });
    for (const route of ROUTES.filter((r) => !namesSprite(r.path) && r.public !== true)) {
      const answer = await send(port, route, pathOf(route, IN_SCOPE), token);
      if (OPEN_TO_SCOPED.includes(route.id)) assert.notEqual(answer.status, 403, `${route.id} is open to scoped tokens`);
      else assert.deepEqual([answer.status, answer.error], [403, 'forbidden'], `${route.method} ${route.path} let a scoped token through`);
    }
  });
});

test('a read-only token may read sprites in its scope and nothing else', async () => {
  await withListeningApp(async (ctx, port) => {
    ctx.addSprite(IN_SCOPE, BUSY);
    const { token } = ctx.tokens.createScoped({ name: null, spritePrefix: null, spriteLabel: null, readOnly: true, expiresAt: null });
    for (const route of ROUTES.filter((r) => namesSprite(r.path) || r.id === 'createSprite')) {
      const answer = await send(port, route, pathOf(route, IN_SCOPE), token);
      const reads = route.method === 'GET' || route.id === 'watchPorts';
      if (reads) assert.notEqual(answer.status, 403, `${route.id} is a read`);
      else assert.deepEqual([answer.status, answer.error], [403, 'forbidden'], `${route.method} ${route.path} let a read-only token through`);
    }
  });
});

test('lists, creates and sprite URLs keep to the scope; label scopes too; tokens expire and are revoked', async () => {
  await withListeningApp(async (ctx, port) => {
    ctx.addSprite(IN_SCOPE, BUSY);
    ctx.addSprite(OUTSIDE, BUSY);
    ctx.addSprite('labelled-one', BUSY, ['team:x']);
    const prefixed = ctx.tokens.createScoped({ name: 'ci', spritePrefix: 'team-a-', spriteLabel: null, readOnly: false, expiresAt: null }).token;
    const labelled = ctx.tokens.createScoped({ name: null, spritePrefix: null, spriteLabel: 'team:x', readOnly: false, expiresAt: null }).token;
    const list = async (token: string, query = '') => {
      const res = await ctx.app.fastify.inject({ method: 'GET', url: `/v1/sprites${query}`, headers: { authorization: `Bearer ${token}` } });
      return (JSON.parse(res.body) as { sprites: { name: string }[] }).sprites.map((s) => s.name); // the list shape
    };
    assert.deepEqual(await list(ctx.token), ['labelled-one', OUTSIDE, IN_SCOPE], 'control: the admin sees all');
    assert.deepEqual(await list(prefixed), [IN_SCOPE]);
    assert.deepEqual(await list(prefixed, '?prefix=other'), []);
    assert.deepEqual(await list(prefixed, '?prefix=team'), [IN_SCOPE]);
    assert.deepEqual(await list(labelled), ['labelled-one']);
    const watch = await ctx.app.fastify.inject({ method: 'GET', url: '/v1/sprites', headers: { authorization: `Bearer ${prefixed}`, accept: 'application/x-ndjson' }, payloadAsStream: true });
    const firstLine = await new Promise<string>((resolve) => watch.stream().once('data', (chunk: Buffer) => resolve(chunk.toString())));
    watch.stream().destroy();
    assert.match(firstLine, new RegExp(`"name":"${IN_SCOPE}"`), 'the watch stream starts with the sprite in scope');

    const create = (token: string, body: object) => ctx.app.fastify.inject({ method: 'POST', url: '/v1/sprites', headers: { authorization: `Bearer ${token}` }, payload: body });
    assert.equal((await create(prefixed, { name: 'other-two' })).statusCode, 403);
    assert.equal((await create(prefixed, { name: 'team-a-two', source: { sprite: OUTSIDE } })).statusCode, 404, 'a fork of a sprite outside the scope');
    assert.equal((await create(labelled, { name: 'anything' })).statusCode, 403, 'a label scope creates only labelled sprites');
    assert.notEqual((await create(prefixed, { name: 'team-a-two' })).statusCode, 403);
    assert.notEqual((await create(labelled, { name: 'anything', labels: ['team:x'] })).statusCode, 403);

    // Sprite URLs with `sprite` auth: only a token whose scope covers the sprite.
    const plainGet = ROUTES.find((r) => r.id === 'health');
    assert.ok(plainGet !== undefined);
    const url = async (sprite: string, token: string) => (await send(port, plainGet, '/', token, `${sprite}.localhost`)).status;
    assert.equal(await url(OUTSIDE, prefixed), 401);
    assert.notEqual(await url(IN_SCOPE, prefixed), 401);
    assert.notEqual(await url(OUTSIDE, ctx.token), 401, 'control: the admin token opens it');

    // Expiry and revocation.
    const expiring = ctx.tokens.createScoped({ name: null, spritePrefix: null, spriteLabel: null, readOnly: false, expiresAt: new Date(Date.now() + 60_000).toISOString() });
    assert.ok(ctx.tokens.principal(expiring.token) !== undefined);
    assert.equal(ctx.tokens.principal(expiring.token, Date.now() + 120_000), undefined, 'expired');
    const revoke = (token: string, id: string) => ctx.app.fastify.inject({ method: 'DELETE', url: `/v1/tokens/${id}`, headers: { authorization: `Bearer ${token}` } });
    assert.equal((await revoke(prefixed, 'ci')).statusCode, 403, 'a scoped token cannot revoke');
    assert.equal((await revoke(ctx.token, 'ci')).statusCode, 204);
    assert.equal((await list(prefixed).catch(() => 'refused')), 'refused', 'a revoked token is refused');
    const adminId = ctx.tokens.list().find((t) => t.admin)?.tokenId ?? '';
    assert.equal((await revoke(ctx.token, adminId)).statusCode, 409, 'the admin token stays');
  });
});
