/**
 * A sprite's URL (`http://<name>.localhost:<port>/` → port 8080 inside it) against real runc:
 * token and sign-in cookie auth, public mode, streaming both ways, keep-alive, a WebSocket
 * upgrade, the 502 when nothing listens, and a request that boots a stopped sprite.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import type { Duplex } from 'node:stream';
import test from 'node:test';
import { runHob } from '../../helpers/cli.js';
import { sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { ensureImage } from '../../helpers/server.js';
import { startSpriteServer, urlRequest } from '../../helpers/sprite-http.js';

const server = sharedServer();
const json = (body: Buffer): Record<string, unknown> => JSON.parse(body.toString()) as Record<string, unknown>; // test-only: every caller asserts on the fields
const bearer = { authorization: `Bearer ${server.token}` };

test('a sprite URL reaches port 8080 inside the sprite', { timeout: 120_000 }, async (t) => {
  const { client, create } = spriteFixture(t, server);
  await ensureImage(client, 'tiny');
  const sprite = await create();
  await startSpriteServer(client, sprite.name);
  const { port } = new URL(server.url);
  assert.equal(sprite.url, `http://${sprite.name}.localhost:${port}/`);

  await t.test('without a token it is 401 {"error":"unauthorized"}; with one it is the sprite answering', async () => {
    const refused = await urlRequest(server.url, sprite.name, { path: '/hello' });
    assert.equal(refused.status, 401);
    assert.equal(json(refused.body).error, 'unauthorized');
    const wrong = await urlRequest(server.url, sprite.name, { path: '/hello', headers: { authorization: 'Bearer hob_wrong' } });
    assert.equal(wrong.status, 401);
    const ok = await urlRequest(server.url, sprite.name, { path: '/hello?x=1', headers: { ...bearer, cookie: 'app=1', 'x-forwarded-for': '6.6.6.6' } });
    assert.equal(ok.status, 200);
    const seen = json(ok.body) as { url: string; headers: Record<string, string> }; // the in-sprite echo server answers this shape
    assert.equal(seen.url, '/hello?x=1');
    assert.equal(seen.headers.authorization, undefined, "Hob's token is not passed to the sprite");
    assert.equal(seen.headers.cookie, 'app=1');
    assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1', 'X-Forwarded-For is what Hob saw, not what the client claimed');
    assert.equal(seen.headers['x-forwarded-proto'], 'http');
    assert.equal(seen.headers['x-forwarded-host'], `${sprite.name}.localhost:${port}`);
  });

  await t.test('a browser signs in once through the login page and gets a host-only HttpOnly cookie', async () => {
    const page = await urlRequest(server.url, sprite.name, { path: '/app', headers: { accept: 'text/html' } });
    assert.equal(page.status, 401);
    assert.match(page.body.toString(), /<form method="post" action="\/\.hob\/login">/);
    const post = (token: string) =>
      urlRequest(server.url, sprite.name, {
        method: 'POST',
        path: '/.hob/login',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token, next: '/after' }).toString(),
      });
    assert.equal((await post('hob_wrong')).status, 401);
    const signedIn = await post(server.token);
    assert.equal(signedIn.status, 303);
    assert.equal(signedIn.headers.location, '/after');
    const setCookie = String(signedIn.headers['set-cookie']);
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Lax/);
    assert.doesNotMatch(setCookie, /Domain=/i, 'scoped to the sprite host alone');
    assert.ok(!setCookie.includes(server.token) && !setCookie.includes(server.token.split('_')[2] ?? '-'), 'the cookie does not hold the token');
    const cookie = setCookie.split(';')[0] ?? '';
    const inside = await urlRequest(server.url, sprite.name, { path: '/after', headers: { cookie: `${cookie}; app=2` } });
    assert.equal(inside.status, 200);
    assert.equal((json(inside.body) as { headers: Record<string, string> }).headers.cookie, 'app=2', "Hob's cookie stays with Hob"); // the echo server's shape
    const tampered = cookie.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    assert.equal((await urlRequest(server.url, sprite.name, { headers: { cookie: tampered } })).status, 401);
    const next = await urlRequest(server.url, sprite.name, { method: 'POST', path: '/.hob/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${server.token}&next=//evil.example` });
    assert.equal(next.headers.location, '/', 'never redirected off the host');
  });

  await t.test('bodies stream both ways without being buffered', async () => {
    // The sprite echoes as it reads; the second chunk is sent only once the first came back,
    // which never happens if either direction is held until the body ends.
    const { hostname } = new URL(server.url);
    const first = randomBytes(64 * 1024);
    const rest = randomBytes(24 * 1024 * 1024);
    const echoed = await new Promise<Buffer>((resolve, reject) => {
      const req = request({ host: hostname, port, method: 'POST', path: '/echo', headers: { host: `${sprite.name}.localhost`, ...bearer, 'transfer-encoding': 'chunked' } });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let sentRest = false;
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          if (!sentRest && Buffer.concat(chunks).length >= first.length) {
            sentRest = true;
            req.end(rest);
          }
        });
        res.on('end', () => resolve(Buffer.concat(chunks)));
      });
      req.on('error', reject);
      req.write(first);
      req.flushHeaders();
    });
    const digest = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
    assert.equal(echoed.length, first.length + rest.length);
    assert.equal(digest(echoed), digest(Buffer.concat([first, rest])));
    const big = await urlRequest(server.url, sprite.name, { path: '/big?bytes=50000000', headers: bearer });
    assert.equal(big.body.length, 50_000_000);
  });

  await t.test('keep-alive: two requests on one connection', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const one = await urlRequest(server.url, sprite.name, { path: '/1', headers: bearer, agent });
      const two = await urlRequest(server.url, sprite.name, { path: '/2', headers: bearer, agent });
      assert.equal(one.status, 200);
      assert.equal(two.status, 200);
      assert.equal(two.reusedSocket, true);
      assert.equal((json(two.body) as { url: string }).url, '/2'); // the echo server's shape
    } finally {
      agent.destroy();
    }
  });

  await t.test('a WebSocket upgrade is passed on, and then bytes flow both ways', async () => {
    const { hostname } = new URL(server.url);
    const key = randomBytes(16).toString('base64');
    const { status, accept, socket } = await new Promise<{ status: number; accept: unknown; socket: Duplex }>((resolve, reject) => {
      const req = request({ host: hostname, port, path: '/ws', headers: { host: `${sprite.name}.localhost`, ...bearer, connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': key } });
      req.on('upgrade', (res, s) => resolve({ status: res.statusCode ?? 0, accept: res.headers['sec-websocket-accept'], socket: s }));
      req.on('response', (res) => reject(new Error(`no upgrade: ${String(res.statusCode)}`)));
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 101);
    assert.equal(accept, createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64'));
    const payload = randomBytes(100_000);
    const got: Buffer[] = [];
    await new Promise<void>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        got.push(chunk);
        if (Buffer.concat(got).length >= payload.length) resolve();
      });
      socket.write(payload);
    });
    socket.destroy();
    assert.ok(Buffer.concat(got).equals(payload));
    const refused = await new Promise<number>((resolve, reject) => {
      const req = request({ host: hostname, port, path: '/ws', headers: { host: `${sprite.name}.localhost`, connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': key } });
      req.on('upgrade', (_res, s) => {
        s.destroy();
        reject(new Error('upgraded without a token'));
      });
      req.on('response', (res) => resolve(res.statusCode ?? 0));
      req.on('error', reject);
      req.end();
    });
    assert.equal(refused, 401);
  });

  await t.test('`hob url update --auth public` opens it; `hob url` says so', async () => {
    const shown = await runHob(server, ['url', '-s', sprite.name]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`URL: +http://${sprite.name}\\.localhost:${port}/`));
    assert.match(shown.stdout, /Auth: sprite/);
    const updated = await runHob(server, ['url', 'update', '--auth', 'public', '-s', sprite.name]);
    assert.equal(updated.code, 0, updated.stderr);
    assert.match(updated.stdout, /Auth: public/);
    assert.equal((await urlRequest(server.url, sprite.name, { path: '/open' })).status, 200);
    const bad = await runHob(server, ['url', 'update', '--auth', 'nobody', '-s', sprite.name]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error: --auth must be public or sprite/);
    assert.equal((await runHob(server, ['url', 'update', '--auth', 'sprite', '-s', sprite.name])).code, 0);
    assert.equal((await urlRequest(server.url, sprite.name, { path: '/open' })).status, 401);
  });

  await t.test('API requests to the server’s own host are not sprite requests', async () => {
    const { hostname } = new URL(server.url);
    const health = await fetch(`http://${hostname}:${port}/v1/health`, { headers: bearer });
    assert.equal(health.status, 200);
    const unknown = await urlRequest(server.url, `${server.prefix}-no-such`, { headers: bearer });
    assert.equal(unknown.status, 404);
  });
});

test('nothing listening is a 502 naming the port and the sprite; a request boots a stopped sprite', { timeout: 120_000 }, async (t) => {
  const { client, create } = spriteFixture(t, server);
  await ensureImage(client, 'tiny');
  const sprite = await create({ url_settings: { auth: 'public' } });
  const empty = await urlRequest(server.url, sprite.name);
  assert.equal(empty.status, 502);
  const body = json(empty.body);
  assert.equal(body.error, 'agent_error');
  assert.match(String(body.message), /8080/);
  assert.match(String(body.message), new RegExp(sprite.name));

  execFileSync('runc', ['--root', `${server.dataDir}/runc`, 'kill', `${server.prefix}-${sprite.id}`, 'KILL']);
  await new Promise((r) => setTimeout(r, 300));
  const again = await urlRequest(server.url, sprite.name);
  assert.equal(again.status, 502, 'the sprite was booted to answer (and nothing listens in the new boot)');
  assert.equal((await client.getSprite(sprite.name)).status, 'running');
  await startSpriteServer(client, sprite.name);
  assert.equal((await urlRequest(server.url, sprite.name, { path: '/back' })).status, 200);
});
