import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import test, { type TestContext } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import { HobError } from '../shared/errors.js';
import { openExecSocket, type ExecSocket } from './exec-socket.js';

/** A real `ws` server on loopback: the reference the hand-written client must agree with. */
async function wsServer(t: TestContext): Promise<{ url: URL; connection: Promise<{ socket: WebSocket; request: IncomingMessage }> }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  await once(server, 'listening');
  const connection = new Promise<{ socket: WebSocket; request: IncomingMessage }>((resolve) => {
    server.once('connection', (socket, request) => resolve({ socket, request }));
  });
  t.after(() => {
    for (const client of server.clients) client.terminate();
  });
  return { url: new URL(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/v1/x/exec?cmd=a&cmd=b%20c`), connection }; // a TCP server's address is an AddressInfo
}

/** A TCP server that answers every connection with `respond`. */
async function rawServer(t: TestContext, respond: (socket: Socket, request: string) => void): Promise<URL> {
  const server: Server = createTcpServer((socket) => {
    let head = '';
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (head.includes('\r\n\r\n')) respond(socket, head);
    });
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.close();
  });
  return new URL(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`); // a TCP server's address is an AddressInfo
}

/** Waits for a condition, failing the test after 5 s instead of hanging it. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function acceptFor(request: string): string {
  const key = /sec-websocket-key: (\S+)/i.exec(request)?.[1] ?? '';
  return createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
}

function events(socket: ExecSocket): { messages: { data: Buffer; binary: boolean }[]; errors: Error[]; closed: Promise<number> } {
  const messages: { data: Buffer; binary: boolean }[] = [];
  const errors: Error[] = [];
  socket.on('message', (data, binary) => messages.push({ data, binary }));
  socket.on('error', (error) => errors.push(error));
  const closed = new Promise<number>((resolve) => socket.on('close', resolve));
  return { messages, errors, closed };
}

test('talks to a ws server: headers, masked frames both ways at every length encoding, fragments, ping, close', { timeout: 10_000 }, async (t) => {
  const { url, connection } = await wsServer(t);
  const client = await openExecSocket(url, { Authorization: 'Bearer secret' });
  const seen = events(client);
  await once(client, 'open');
  const { socket: server, request } = await connection;
  assert.equal(request.url, '/v1/x/exec?cmd=a&cmd=b%20c');
  assert.equal(request.headers.authorization, 'Bearer secret');

  // The ws server refuses unmasked client frames, so arriving intact proves the masking.
  const received: { data: Buffer; binary: boolean }[] = [];
  server.on('message', (data: Buffer, binary: boolean) => received.push({ data, binary }));
  const medium = Buffer.alloc(40_000, 7);
  const large = Buffer.alloc(200_000, 9);
  client.send('{"type":"signal"}');
  client.send(Buffer.from([0, 1, 2]));
  client.send(medium);
  client.send(large);
  await until(() => received.length >= 4, 'the server to receive four messages');
  assert.deepEqual(received[0], { data: Buffer.from('{"type":"signal"}'), binary: false });
  assert.deepEqual(received[1], { data: Buffer.from([0, 1, 2]), binary: true });
  assert.ok(received[2]?.data.equals(medium) && received[2].binary);
  assert.ok(received[3]?.data.equals(large) && received[3].binary);

  const pong = once(server, 'pong');
  server.ping(Buffer.from('are you there'));
  assert.equal(((await pong)[0] as Buffer).toString(), 'are you there'); // ws passes the pong's payload
  server.send('text');
  server.send(medium);
  server.send(large);
  server.send(Buffer.from('frag'), { fin: false });
  server.send(Buffer.from('mented'), { fin: true });
  await until(() => seen.messages.length >= 4, 'the client to receive four messages');
  assert.deepEqual(seen.messages[0], { data: Buffer.from('text'), binary: false });
  assert.ok(seen.messages[1]?.data.equals(medium) && seen.messages[1].binary);
  assert.ok(seen.messages[2]?.data.equals(large) && seen.messages[2].binary);
  assert.deepEqual(seen.messages[3], { data: Buffer.from('fragmented'), binary: true });

  const serverClosed = once(server, 'close');
  client.close(1000);
  assert.equal((await serverClosed)[0], 1000);
  assert.equal(await seen.closed, 1000);
  assert.equal(client.isOpen, false);
  assert.deepEqual(seen.errors, []);
});

test('wss: the same over TLS, for a server behind https', { timeout: 10_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hob-wss-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  const https = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) });
  const server = new WebSocketServer({ server: https });
  server.on('connection', (socket) => socket.on('message', (data: Buffer) => socket.send(data)));
  https.listen(0, '127.0.0.1');
  await once(https, 'listening');
  t.after(() => {
    for (const client of server.clients) client.terminate();
    https.close();
  });
  // The certificate is self-signed; node:tls reads this per connection.
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  t.after(() => delete process.env.NODE_TLS_REJECT_UNAUTHORIZED);
  const client = await openExecSocket(new URL(`https://localhost:${(https.address() as AddressInfo).port}/`), {}); // a TCP server's address is an AddressInfo
  const seen = events(client);
  await once(client, 'open');
  client.send(Buffer.from('over tls'));
  await until(() => seen.messages.length === 1, 'the echo');
  assert.deepEqual(seen.messages[0], { data: Buffer.from('over tls'), binary: true });
  client.close();
  assert.equal(await seen.closed, 1000);
});

test('a close started by the server is answered and its code reported', { timeout: 10_000 }, async (t) => {
  const { url, connection } = await wsServer(t);
  const client = await openExecSocket(url, {});
  const seen = events(client);
  await once(client, 'open');
  const { socket: server } = await connection;
  const serverClosed = once(server, 'close');
  server.close(4003);
  assert.equal(await seen.closed, 4003);
  assert.equal((await serverClosed)[0], 4003, 'the client echoes the close code');
  client.send('too late');
  assert.deepEqual(seen.errors, []);
});

test('a last message and the close frame in one packet: the message, the echoed close, and close at once', { timeout: 10_000 }, async (t) => {
  let clientFrames: (buffer: Buffer) => void = () => undefined;
  const answered = new Promise<Buffer>((resolve) => (clientFrames = resolve));
  const url = await rawServer(t, (socket, request) => {
    // The 101, an exit frame as the agent sends it (stream 3, code 7) and a close 1000, written together.
    const exit = Buffer.from([0x82, 0x02, 0x03, 0x07]);
    const close = Buffer.from([0x88, 0x02, 0x03, 0xe8]);
    socket.write(Buffer.concat([Buffer.from(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(request)}\r\n\r\n`), exit, close]));
    socket.once('data', clientFrames);
  });
  const client = await openExecSocket(url, {});
  const order: string[] = [];
  client.on('message', (data) => order.push(`message ${data.toString('hex')}`));
  const closed = new Promise<number>((resolve) => client.on('close', (code) => {
    order.push('close');
    resolve(code);
  }));
  assert.equal(await closed, 1000);
  assert.deepEqual(order, ['message 0307', 'close']);
  assert.equal(client.isOpen, false);
  const echo = await answered;
  assert.equal(echo[0], 0x88, 'the client answers with a masked close');
  const mask = echo.subarray(2, 6);
  assert.equal(((echo[6] ?? 0) ^ (mask[0] ?? 0)) * 256 + ((echo[7] ?? 0) ^ (mask[1] ?? 0)), 1000);
});

test('a refused upgrade fails with the error code and message of the JSON body', { timeout: 10_000 }, async (t) => {
  const server = createHttpServer();
  server.on('upgrade', (_request, socket) => {
    const body = JSON.stringify({ error: 'not_found', message: 'sprite x not found' });
    socket.end(`HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.close();
  });
  const client = await openExecSocket(new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`), {}); // a TCP server's address is an AddressInfo
  const seen = events(client);
  assert.equal(await seen.closed, 1006);
  assert.equal(seen.errors.length, 1);
  const error = seen.errors[0];
  assert.ok(error instanceof HobError);
  assert.equal(error.code, 'not_found');
  assert.equal(error.message, 'sprite x not found');
});

test('a wrong Sec-WebSocket-Accept and a non-HTTP answer are errors, then close; a refused connection rejects the open', { timeout: 10_000 }, async (t) => {
  const wrongAccept = await rawServer(t, (socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: bogus\r\n\r\n');
  });
  const garbage = await rawServer(t, (socket) => socket.write('SSH-2.0-OpenSSH\r\n\r\n'));
  for (const [url, pattern] of [
    [wrongAccept, /invalid WebSocket handshake/],
    [garbage, /no HTTP response/],
  ] as const) {
    const seen = events(await openExecSocket(url, {}));
    assert.equal(await seen.closed, 1006);
    assert.match(seen.errors[0]?.message ?? '', pattern);
  }
  const closedServer = createTcpServer();
  closedServer.listen(0, '127.0.0.1');
  await once(closedServer, 'listening');
  const port = (closedServer.address() as AddressInfo).port; // a TCP server's address is an AddressInfo
  await new Promise((resolve) => closedServer.close(resolve));
  await assert.rejects(openExecSocket(new URL(`ws://127.0.0.1:${port}/`), {}), (error: unknown) => {
    assert.ok(error instanceof HobError);
    assert.equal(error.code, 'sprite_unavailable');
    assert.match(error.message, /cannot reach the Hob server at 127\.0\.0\.1:\d+ \(.*ECONNREFUSED/);
    return true;
  });
});

test('protocol violations and oversized messages close with 1002 and 1009', { timeout: 10_000 }, async (t) => {
  const frames: Record<string, Buffer> = {
    reserved: Buffer.from([0xc2, 0x01, 0x00]),
    masked: Buffer.from([0x82, 0x81, 1, 2, 3, 4, 5]),
    orphanContinuation: Buffer.from([0x80, 0x01, 0x00]),
    bigPing: Buffer.concat([Buffer.from([0x89, 126, 0x00, 0x80]), Buffer.alloc(128)]),
    big: Buffer.concat([Buffer.from([0x82, 126, 0x04, 0x00]), Buffer.alloc(1024)]),
  };
  for (const [name, frame] of Object.entries(frames)) {
    let lastFrame: (buffer: Buffer) => void = () => undefined;
    const answered = new Promise<Buffer>((resolve) => (lastFrame = resolve));
    const url = await rawServer(t, (socket, request) => {
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(request)}\r\n\r\n`);
      socket.write(frame);
      socket.once('data', lastFrame);
    });
    const expected = name === 'big' ? 1009 : 1002;
    const seen = events(await openExecSocket(url, {}, 512));
    assert.equal(await seen.closed, expected, name);
    assert.equal(seen.errors.length, 1, name);
    // The client's last frame is a masked close carrying the same code.
    const close = await answered;
    assert.equal(close[0], 0x88, name);
    const mask = close.subarray(2, 6);
    const code = ((close[6] ?? 0) ^ (mask[0] ?? 0)) * 256 + ((close[7] ?? 0) ^ (mask[1] ?? 0));
    assert.equal(code, expected, name);
  }
});
