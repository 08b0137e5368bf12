import { request, type Agent, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import type { HobClient } from '../../src/client/client.js';
import { shStdout } from './shell.js';

/**
 * A small HTTP server for inside a sprite, run on the agent's own Node (the tiny image has
 * none): `/echo` streams the request body back as it arrives, `/headers` shows what the
 * sprite received, `/big?bytes=N` streams N bytes, and an upgrade is answered with a real
 * WebSocket handshake and then echoes raw bytes. A second listener on 127.0.0.1:5432 is a
 * raw TCP echo, reachable only from inside the sprite.
 */
const SERVER_JS = `
const http = require('http');
const net = require('net');
const crypto = require('crypto');
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/echo') { res.writeHead(200, { 'content-type': 'application/octet-stream' }); req.pipe(res); return; }
  if (url.pathname === '/big') {
    let left = Number(url.searchParams.get('bytes'));
    const chunk = Buffer.alloc(65536, 120);
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const more = () => { while (left > 0) { const n = Math.min(left, chunk.length); left -= n; if (!res.write(chunk.subarray(0, n))) { res.once('drain', more); return; } } res.end(); };
    more();
    return;
  }
  req.resume();
  req.on('end', () => res.end(JSON.stringify({ url: req.url, headers: req.headers })));
});
server.on('upgrade', (req, socket, head) => {
  const accept = crypto.createHash('sha1').update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  socket.write('HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Accept: ' + accept + '\\r\\n\\r\\n');
  if (head.length) socket.write(head);
  socket.pipe(socket);
});
server.listen(8080, '127.0.0.1');
net.createServer((s) => s.pipe(s)).listen(5432, '127.0.0.1');
`;

const NODE = '/.hob/lib/ld-linux-x86-64.so.2 --library-path /.hob/lib /.hob/bin/node';

/** Starts the test server inside the sprite (detached from the exec) and waits until it listens. */
export async function startSpriteServer(client: HobClient, name: string): Promise<void> {
  await shStdout(client, name, 'cat > /srv.js', { input: SERVER_JS });
  // setsid: the agent ends a command's process group when its exec ends.
  await shStdout(client, name, `setsid ${NODE} /srv.js </dev/null >/srv.log 2>&1 &`);
  // Listening sockets of 127.0.0.1:8080 and :5432 (hex, state 0A) in the sprite's own table.
  await shStdout(client, name, "i=0; until grep -q '0100007F:1F90 00000000:0000 0A' /proc/net/tcp && grep -q '0100007F:1538 00000000:0000 0A' /proc/net/tcp; do i=$((i+1)); [ $i -gt 200 ] && { cat /srv.log; exit 1; }; sleep 0.05; done");
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  reusedSocket: boolean;
}

/** One request to a sprite's URL: to the server's address, with the sprite's Host. */
export function urlRequest(
  serverUrl: string,
  sprite: string,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: Buffer | string; agent?: Agent; domain?: string } = {},
): Promise<Answer> {
  const { hostname, port } = new URL(serverUrl);
  return new Promise((resolve, reject) => {
    const req = request({
      host: hostname,
      port,
      method: options.method ?? 'GET',
      path: options.path ?? '/',
      headers: { host: `${sprite}.${options.domain ?? 'localhost'}:${port}`, ...options.headers },
      agent: options.agent ?? false,
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), reusedSocket: req.reusedSocket }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Sends bytes to a local port (a forwarded one) and collects what comes back until as many arrived. */
export function echoThrough(port: number, payload: Buffer, host = '127.0.0.1'): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
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
