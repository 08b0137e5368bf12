/**
 * The servers of a test's "fake internet", run inside its network namespace (`ip netns exec`):
 * DNS (UDP and TCP port 53) answering A records from argv's JSON map, HTTP on port 80 and
 * HTTPS on port 443 (any name, one self-signed certificate) that echo who connected (so a test
 * sees NAT), the Host and the TLS server name, and a TCP banner on every address at the given port.
 * Prints "ready" once all listen.
 */
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { createServer } from 'node:net';
import { dnsAnswer } from './dns-answer.js';

const [dnsAddress = '', recordsJson = '{}', banner = '', bannerPort = '', certFile = '', keyFile = ''] = process.argv.slice(2);
const records = JSON.parse(recordsJson) as Record<string, string>; // built by fake-internet.ts

/** Its records live 30 s: long enough for a test, short enough that nothing outlives it. */
const answer = (query: Buffer) => dnsAnswer(query, records, 30);

const udp = createSocket('udp4');
udp.on('message', (query, from) => {
  const reply = answer(query);
  if (reply !== undefined) udp.send(reply, from.port, from.address);
});
await new Promise<void>((resolve) => udp.bind(53, dnsAddress, resolve));

const tcpDns = createServer((socket) => {
  let buffered = Buffer.alloc(0);
  socket.on('data', (data: Buffer) => {
    buffered = Buffer.concat([buffered, data]);
    while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
      const reply = answer(buffered.subarray(2, 2 + buffered.readUInt16BE(0)));
      buffered = buffered.subarray(2 + buffered.readUInt16BE(0));
      if (reply === undefined) continue;
      const length = Buffer.alloc(2);
      length.writeUInt16BE(reply.length);
      socket.write(Buffer.concat([length, reply]));
    }
  });
  socket.on('error', () => socket.destroy());
});
await new Promise<void>((resolve) => tcpDns.listen(53, dnsAddress, resolve));

function echo(request: IncomingMessage, response: ServerResponse): void {
  const tls = 'encrypted' in request.socket;
  const sni = (request.socket as Partial<TLSSocket>).servername; // a TLSSocket on the HTTPS server
  response.end(`fake-internet from=${request.socket.remoteAddress ?? ''} host=${request.headers.host ?? ''}${tls ? ` sni=${typeof sni === 'string' ? sni : ''}` : ''}\n`);
}
const http = createHttpServer(echo);
await new Promise<void>((resolve) => http.listen(80, '0.0.0.0', resolve));
// busybox's own TLS (the tiny image's wget) sends no signature_algorithms, so its peer must
// accept SHA-1 handshake signatures, which OpenSSL 3 refuses from security level 1 up.
const https = createHttpsServer({ cert: readFileSync(certFile), key: readFileSync(keyFile), ciphers: 'DEFAULT:@SECLEVEL=0' }, echo);
await new Promise<void>((resolve) => https.listen(443, '0.0.0.0', resolve));

const bannerServer = createServer((socket) => socket.end(`${banner}\n`));
await new Promise<void>((resolve) => bannerServer.listen(Number(bannerPort), '0.0.0.0', resolve));
console.log('ready');
