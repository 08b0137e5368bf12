import assert from 'node:assert/strict';
import test from 'node:test';
import { HobError } from '../../../src/shared/errors.js';
import { Sprite } from '../../../src/shared/schemas/sprites.js';
import { clientFor, sharedServer, spriteFixture } from '../../helpers/fixture.js';

const server = sharedServer();

async function raw(method: string, path: string, init: { body?: string; headers?: Record<string, string>; token?: string | null } = {}) {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token !== null) headers.Authorization = `Bearer ${init.token ?? server.token}`;
  const response = await fetch(`${server.url}${path}`, { method, headers, body: init.body });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  // test-only: the tests assert on the fields they read.
  return { status: response.status, json: json as Record<string, unknown> | undefined, text, headers: response.headers };
}

test('create, get, update, list and delete a sprite', async (t) => {
  const sprites = spriteFixture(t, server);
  const created = await sprites.create({ config: { ram_mb: 256, cpus: 0.5 }, environment: { K: 'v' } });
  assert.equal(created.status, 'running');
  assert.equal(created.image, 'tiny');
  assert.deepEqual([created.config.ram_mb, created.config.cpus], [256, 0.5]);
  assert.deepEqual(created.environment, { K: 'v' });
  assert.match(created.url, new RegExp(`^http://${created.name}\\.localhost:\\d+/$`));
  assert.ok(!Number.isNaN(Date.parse(created.created_at)));

  const fetched = await sprites.client.getSprite(created.name);
  assert.equal(fetched.id, created.id);

  const updated = await sprites.client.updateSprite(created.name, { labels: ['x', 'y'], url_settings: { auth: 'public' } });
  assert.deepEqual(updated.labels, ['x', 'y']);
  assert.deepEqual(updated.url_settings, { auth: 'public' });

  const listed = await sprites.client.listSprites({ prefix: created.name });
  assert.deepEqual(listed.sprites.map((s) => s.name), [created.name]);
  assert.ok(listed.running >= 1);

  await sprites.client.deleteSprite(created.name);
  sprites.forget(created.name);
  await assert.rejects(sprites.client.getSprite(created.name), (error: unknown) => error instanceof HobError && error.code === 'not_found');
});

test('listing pages by name with a continuation token', async (t) => {
  const sprites = spriteFixture(t, server);
  const prefix = `${server.prefix}-page`;
  const names = [`${prefix}-a`, `${prefix}-b`, `${prefix}-c`];
  await Promise.all(names.map((name) => sprites.create({ name })));
  const seen: string[] = [];
  let token: string | undefined;
  for (let page = 0; page < 5; page++) {
    const result = await sprites.client.listSprites({ prefix, maxResults: 2, continuationToken: token });
    seen.push(...result.sprites.map((s) => s.name));
    if (!result.has_more) break;
    assert.ok(result.next_continuation_token);
    token = result.next_continuation_token;
  }
  assert.deepEqual(seen, names);
  const bad = await raw('GET', '/v1/sprites?max_results=0');
  assert.equal(bad.status, 400);
  const badToken = await raw('GET', '/v1/sprites?continuation_token=%%%');
  assert.equal(badToken.status, 400);
});

test('errors are JSON with the right status', async (t) => {
  const sprites = spriteFixture(t, server);
  const sprite = await sprites.create();

  const unknown = await raw('GET', '/v1/sprites/does-not-exist');
  assert.equal(unknown.status, 404);
  assert.deepEqual(unknown.json, { error: 'not_found', message: 'sprite does-not-exist not found' });

  const invalid = await raw('POST', '/v1/sprites', { body: JSON.stringify({ name: 'Not Valid' }), headers: { 'Content-Type': 'application/json' } });
  assert.equal(invalid.status, 400);
  assert.equal(invalid.json?.error, 'invalid_name');
  assert.equal((await raw('GET', '/v1/sprites/a%2Fb')).status, 400);

  const duplicate = await raw('POST', '/v1/sprites', { body: JSON.stringify({ name: sprite.name, image: 'tiny' }) });
  assert.equal(duplicate.status, 409);
  assert.equal(duplicate.json?.error, 'already_exists');

  const noToken = await raw('GET', '/v1/sprites', { token: null });
  assert.equal(noToken.status, 401);
  assert.equal(noToken.json?.error, 'unauthorized');
  const wrongToken = await raw('GET', '/v1/sprites', { token: 'hob_nope' });
  assert.equal(wrongToken.status, 401);

  const tooLarge = await raw('POST', '/v1/sprites', { body: JSON.stringify({ name: 'big', environment: { X: 'x'.repeat(2 * 1024 * 1024) } }) });
  assert.equal(tooLarge.status, 413);
  assert.equal(tooLarge.json?.error, 'body_too_large');

  const notJson = await raw('POST', '/v1/sprites', { body: '{nope' });
  assert.equal(notJson.status, 400);
  assert.equal(notJson.json?.error, 'bad_request');

  const noRoute = await raw('GET', '/v2/whatever');
  assert.equal(noRoute.status, 404);
  assert.equal(noRoute.json?.error, 'not_found');

  // The SDKs try /control first and fall back to /exec on a 404.
  assert.equal((await raw('GET', `/v1/sprites/${sprite.name}/control`)).status, 404);

  const unknownImage = await raw('POST', '/v1/sprites', { body: JSON.stringify({ name: `${server.prefix}-noimg`, image: 'no-such-image' }) });
  assert.equal(unknownImage.status, 404);
  assert.match(String(unknownImage.json?.message), /image no-such-image not found/);
});

test('a JSON body without a Content-Type is accepted', async (t) => {
  const sprites = spriteFixture(t, server);
  const name = `${server.prefix}-no-content-type`;
  const response = await raw('POST', '/v1/sprites', { body: JSON.stringify({ name, image: 'tiny' }) });
  // Registered with the fixture so it is destroyed even if an assertion fails.
  t.after(() => sprites.client.deleteSprite(name).catch(() => undefined));
  assert.equal(response.status, 201);
  assert.equal(response.json?.name, name);
});

test('concurrent creates of one name: exactly one wins', async (t) => {
  const sprites = spriteFixture(t, server);
  const name = `${server.prefix}-race`;
  t.after(() => sprites.client.deleteSprite(name).catch(() => undefined));
  const client = clientFor(server);
  const results = await Promise.allSettled(Array.from({ length: 4 }, () => client.createSprite({ name, image: 'tiny' })));
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  for (const result of results) {
    if (result.status === 'rejected') assert.ok(result.reason instanceof HobError && result.reason.code === 'already_exists');
  }
});

test('the quirks the SDK needs: JSON whatever the Content-Type, exact 204s, bare arrays; unknown fields are ignored', async (t) => {
  const sprites = spriteFixture(t, server);
  const name = `${server.prefix}-quirks`;
  t.after(() => sprites.client.deleteSprite(name).catch(() => undefined));
  const created = await raw('POST', '/v1/sprites', {
    body: JSON.stringify({ name, image: 'tiny', from_a_newer_sdk: true, config: { ram_mb: 256, turbo: 'yes' } }),
    headers: { 'Content-Type': 'text/plain' },
  });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.json?.name, name);
  const config = created.json.config;
  assert.ok(typeof config === 'object' && config !== null && 'ram_mb' in config, created.text);
  assert.equal(config.ram_mb, 256);
  // The answer is serialised through the contract's schema: exactly its fields, nothing more.
  assert.deepEqual(Object.keys(created.json).sort(), Object.keys(Sprite.properties).sort());

  const wrongType = await raw('PUT', `/v1/sprites/${name}`, { body: JSON.stringify({ labels: 'one' }) });
  assert.equal(wrongType.status, 400);
  assert.deepEqual(wrongType.json, { error: 'bad_request', message: 'labels must be array' });

  // Two, so that v0 is not the one the sprite derives from and may be deleted.
  for (const comment of ['first', 'second']) assert.equal((await sprites.client.createCheckpoint(name, comment, () => undefined)).type, 'complete');
  const list = await raw('GET', `/v1/sprites/${name}/checkpoints`);
  assert.equal(list.status, 200);
  assert.ok(Array.isArray(list.json), `checkpoints are a bare array: ${list.text}`);

  for (const path of [`/v1/sprites/${name}/checkpoints/v0`, `/v1/sprites/${name}`]) {
    const deleted = await raw('DELETE', path);
    assert.equal(deleted.status, 204, `DELETE ${path}: ${deleted.text}`);
    assert.equal(deleted.text, '', `DELETE ${path} has no body`);
    assert.equal(deleted.headers.get('content-type'), null, `DELETE ${path} has no Content-Type`);
  }
});

test('GET /v1/openapi.json needs no token and describes every route', async () => {
  const response = await raw('GET', '/v1/openapi.json', { token: null });
  assert.equal(response.status, 200);
  const document = response.json;
  assert.equal(document?.openapi, '3.1.0');
  const paths = document.paths;
  assert.ok(typeof paths === 'object' && paths !== null && '/v1/sprites/{name}/checkpoints/{id}/diff' in paths, 'the diff route is documented');
});
