/**
 * The unmodified `@fly/sprites` SDK's `proxyPort` (wire protocol §5) against Hob: a local
 * listener whose connections reach a server bound to 127.0.0.1 inside the sprite.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import test from 'node:test';
import { clientFor, sharedServer, spriteFixture } from '../helpers/fixture.js';
import { sdkClient } from '../helpers/sdk.js';
import { ensureImage } from '../helpers/server.js';
import { echoThrough, startSpriteServer } from '../helpers/sprite-http.js';

const server = sharedServer();

test('proxyPort reaches a loopback-only server inside the sprite', { timeout: 120_000 }, async (t) => {
  await ensureImage(clientFor(server), 'tiny');
  const created = await spriteFixture(t, server).create();
  await startSpriteServer(clientFor(server), created.name);
  const sprite = sdkClient(server).sprite(created.name);
  const session = await sprite.proxyPort(0, 5432);
  try {
    const port = Number(/:(\d+)$/.exec(session.localAddr() ?? '')?.[1]);
    assert.ok(port > 0, `listening at ${String(session.localAddr())}`);
    const payload = randomBytes(3 * 1024 * 1024);
    assert.ok((await echoThrough(port, payload, 'localhost')).equals(payload));
    // One WebSocket per connection: several at once each get their own stream.
    const many = await Promise.all([1, 2, 3].map((n) => echoThrough(port, Buffer.from(`connection ${n}`), 'localhost')));
    assert.deepEqual(many.map(String), ['connection 1', 'connection 2', 'connection 3']);
  } finally {
    session.close();
  }
});
