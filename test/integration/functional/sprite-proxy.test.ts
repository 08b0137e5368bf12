/**
 * Port forwarding: `WS /v1/sprites/{name}/proxy` spoken directly (init message, reply,
 * bytes, refusals) and `hob proxy` from the CLI, including its busy-port message.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import test from 'node:test';
import WebSocket from 'ws';
import { runHob } from '../../helpers/cli.js';
import { sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { ensureImage, HOB_BIN } from '../../helpers/server.js';
import { echoThrough, startSpriteServer } from '../../helpers/sprite-http.js';

const server = sharedServer();

function openProxy(name: string, headers: Record<string, string> = { authorization: `Bearer ${server.token}` }): WebSocket {
  return new WebSocket(`${server.url.replace(/^http/, 'ws')}/v1/sprites/${name}/proxy`, { headers });
}

/** The first text reply to an init message. */
function reply(ws: WebSocket, init: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    ws.once('open', () => ws.send(JSON.stringify(init)));
    ws.once('message', (data: Buffer) => resolve(JSON.parse(data.toString()) as Record<string, unknown>)); // test-only: asserted by the caller
    ws.once('error', reject);
  });
}

/** A free local port, found by listening on port 0 and closing. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number }; // a TCP listener's address
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

test('WS /proxy dials inside the sprite, then relays bytes; failures are a status and a close', { timeout: 120_000 }, async (t) => {
  const { client, create } = spriteFixture(t, server);
  await ensureImage(client, 'tiny');
  const sprite = await create();
  await startSpriteServer(client, sprite.name);

  await t.test('connected, then binary both ways; a close on our side ends it', async () => {
    const ws = openProxy(sprite.name);
    assert.deepEqual(await reply(ws, { host: 'localhost', port: 5432 }), { status: 'connected', target: 'localhost:5432' });
    const payload = randomBytes(2 * 1024 * 1024);
    const got: Buffer[] = [];
    await new Promise<void>((resolve) => {
      ws.on('message', (data: Buffer) => {
        got.push(data);
        if (Buffer.concat(got).length >= payload.length) resolve();
      });
      ws.send(payload);
    });
    assert.ok(Buffer.concat(got).equals(payload));
    ws.close();
  });

  await t.test('a port with nothing behind it is refused with a message naming it', async () => {
    const ws = openProxy(sprite.name);
    const answer = await reply(ws, { host: 'localhost', port: 5999 });
    assert.equal(answer.status, 'error');
    assert.match(String(answer.message), /5999/);
    await new Promise((resolve) => ws.once('close', resolve));
  });

  await t.test('a malformed init message is refused', async () => {
    for (const init of [{ host: 'localhost' }, { host: 'localhost', port: 0 }, { host: 'a b', port: 80 }, 'nonsense']) {
      const ws = openProxy(sprite.name);
      const answer = await reply(ws, init);
      assert.equal(answer.status, 'error', JSON.stringify(init));
      ws.terminate();
    }
  });

  await t.test('`hob proxy` forwards local ports and says clearly when one is busy', async () => {
    const [local, busyPort] = [await freePort(), await freePort()];
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(busyPort, '127.0.0.1', resolve));
    try {
      const refused = await runHob(server, ['proxy', `${busyPort}:5432`, '-s', sprite.name]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, new RegExp(`^error: local port ${busyPort} is busy`));
      assert.equal(refused.stderr.trim().split('\n').length, 1, 'one line, no stack');
    } finally {
      busy.close();
    }
    const child = spawn(process.execPath, [HOB_BIN, 'proxy', `${local}:5432`, '-s', sprite.name], {
      env: { PATH: process.env.PATH ?? '', HOME: server.runDir, HOB_URL: server.url, HOB_TOKEN: server.token },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('forwarding')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`hob proxy exited with ${String(code)}`)));
      });
      const payload = randomBytes(512 * 1024);
      assert.ok((await echoThrough(local, payload)).equals(payload));
    } finally {
      child.kill('SIGINT');
    }
    const code = await new Promise((resolve) => child.once('exit', resolve));
    assert.equal(code, 130);
  });
});
