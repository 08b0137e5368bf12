/**
 * The unmodified `@fly/sprites` SDK's `proxyPort` (wire protocol §5) against Hob: a local
 * listener whose connections reach a server bound to 127.0.0.1 inside the sprite.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import test from 'node:test';
import { clientFor, sharedServer, spriteFixture } from '../helpers/fixture.js';
import { sdkClient } from '../helpers/sdk.js';
import { ensureImage } from '../helpers/server.js';
import { startSpriteServer } from '../helpers/sprite-http.js';

const server = sharedServer();

/** Sends bytes through a local port and collects what comes back until as many arrived. */
function roundTrip(port: number, payload: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, 'localhost');
    const got: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => {
      got.push(chunk);
      if (Buffer.concat(got).length >= payload.length) {
        socket.end();
        resolve(Buffer.concat(got));
      }
    });
    socket.on('error', reject);
    socket.write(payload);
  });
}

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
    assert.ok((await roundTrip(port, payload)).equals(payload));
    // One WebSocket per connection: several at once each get their own stream.
    const many = await Promise.all([1, 2, 3].map((n) => roundTrip(port, Buffer.from(`connection ${n}`))));
    assert.deepEqual(many.map(String), ['connection 1', 'connection 2', 'connection 3']);
  } finally {
    session.close();
  }
});
