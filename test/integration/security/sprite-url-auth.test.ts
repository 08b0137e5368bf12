/**
 * Who may reach inside a sprite from outside: `/proxy` needs a token like every API route,
 * and a sprite URL's sign-in cookie opens that sprite only.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import WebSocket from 'ws';
import { sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { ensureImage } from '../../helpers/server.js';
import { urlRequest } from '../../helpers/sprite-http.js';

const server = sharedServer();

function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
  });
}

test('/proxy without a valid token is refused before any dial', async (t) => {
  const { client, create } = spriteFixture(t, server);
  await ensureImage(client, 'tiny');
  const sprite = await create();
  const url = `${server.url.replace(/^http/, 'ws')}/v1/sprites/${sprite.name}/proxy`;
  assert.equal(await upgradeStatus(url, {}), 401);
  assert.equal(await upgradeStatus(url, { authorization: 'Bearer hob_wrong' }), 401);
  assert.equal(await upgradeStatus(url, { authorization: `Bearer ${server.token}` }), 101);
});

test("a sign-in cookie of one sprite's URL does not open another's", async (t) => {
  const { client, create } = spriteFixture(t, server);
  await ensureImage(client, 'tiny');
  const [one, two] = [await create(), await create()];
  const signedIn = await urlRequest(server.url, one.name, {
    method: 'POST',
    path: '/.hob/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `token=${encodeURIComponent(server.token)}`,
  });
  assert.equal(signedIn.status, 303);
  const cookie = String(signedIn.headers['set-cookie']).split(';')[0] ?? '';
  // Nothing listens on 8080 in either: admitted is 502, refused is 401.
  assert.equal((await urlRequest(server.url, one.name, { headers: { cookie } })).status, 502);
  assert.equal((await urlRequest(server.url, two.name, { headers: { cookie } })).status, 401);
  // Hob's cookie is no API credential either.
  const api = await fetch(`${server.url}/v1/sprites/${one.name}`, { headers: { cookie } });
  assert.equal(api.status, 401);
});
