import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type TestContext } from 'node:test';
import { HobError } from '../shared/errors.js';
import { HobClient } from './client.js';

/** Answers like the API: a sprite list, a JSON error for one name, an NDJSON stream for a build. */
function api(request: IncomingMessage, response: ServerResponse): void {
  const json = (status: number, body: unknown): void => {
    response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  };
  if (request.headers.authorization !== 'Bearer t0ken') { json(401, { error: 'unauthorized', message: 'invalid API token' }); return; }
  // A list in the contract's shape (the client checks every answer against it).
  if (request.url === '/v1/sprites') { json(200, { sprites: [], has_more: false, running: 1, warm: 0, cold: 2, name: 'org' }); return; }
  if (request.url === '/v1/sprites/off-contract') { json(200, { sprites: 'not a list' }); return; }
  if (request.url === '/v1/sprites/busy') { json(409, { error: 'conflict', message: 'sprite busy is busy', details: { state: 'restoring' } }); return; }
  if (request.url === '/v1/images/tiny/build') {
    response.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
    // One event split across writes, as a stream may deliver it.
    response.write('{"type":"progress","done":1,"total":2,"da');
    response.end('ta":"half"}\n{"type":"complete","data":"done"}\n');
    return;
  }
  json(404, { error: 'not_found', message: `no route ${String(request.url)}` });
}

async function listening(t: TestContext, server: ReturnType<typeof createHttpServer>): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.close();
  });
  return (server.address() as AddressInfo).port; // a TCP server's address is an AddressInfo
}

test('requests on node:http: JSON, errors with their codes, NDJSON progress, an unreachable server', async (t) => {
  const port = await listening(t, createHttpServer(api));
  const client = new HobClient({ url: `http://127.0.0.1:${port}/`, token: 't0ken' });
  assert.deepEqual(await client.listSprites(), { sprites: [], has_more: false, running: 1, warm: 0, cold: 2, name: 'org' });
  const busy = await client.getSprite('busy').catch((error: unknown) => error);
  assert.ok(busy instanceof HobError);
  assert.deepEqual([busy.code, busy.message, busy.details], ['conflict', 'sprite busy is busy', { state: 'restoring' }]);
  const offContract = await client.getSprite('off-contract').catch((error: unknown) => error);
  assert.ok(offContract instanceof HobError && offContract.code === 'internal' && /does not match the API contract/.test(offContract.message));
  const events: unknown[] = [];
  const last = await client.buildImage('tiny', (event) => events.push(event));
  assert.deepEqual(events, [{ type: 'progress', done: 1, total: 2, data: 'half' }, { type: 'complete', data: 'done' }]);
  assert.deepEqual(last, { type: 'complete', data: 'done' });
  const denied = await new HobClient({ url: `http://127.0.0.1:${port}`, token: 'wrong' }).listSprites().catch((error: unknown) => error);
  assert.ok(denied instanceof HobError && denied.code === 'unauthorized');

  const closed = createHttpServer();
  const closedPort = await listening(t, closed);
  closed.close();
  const down = await new HobClient({ url: `http://127.0.0.1:${closedPort}`, token: 't0ken' }).listSprites().catch((error: unknown) => error);
  assert.ok(down instanceof HobError && down.code === 'sprite_unavailable');
  assert.match(down.message, /cannot reach the Hob server at .*ECONNREFUSED/);
});

test('requests over https, for a server behind TLS', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hob-https-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  const port = await listening(t, createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, api));
  // The certificate is self-signed; node:tls reads this per connection.
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  t.after(() => delete process.env.NODE_TLS_REJECT_UNAUTHORIZED);
  const client = new HobClient({ url: `https://localhost:${port}`, token: 't0ken' });
  assert.equal((await client.listSprites()).cold, 2);
});
