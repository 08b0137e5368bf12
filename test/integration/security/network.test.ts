/**
 * Escape attempts against the network boundary: from a sprite, the Hob API, the host's other
 * addresses and the host's abstract unix sockets must be out of reach (sprite-network.test.ts
 * has the fences against everything else).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo, type Server } from 'node:net';
import { test } from 'node:test';
import { sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { hostAddresses } from '../../helpers/host-addresses.js';
import { sections, sh } from '../../helpers/shell.js';

const server = sharedServer();

function listen(banner: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const listener = createServer((socket) => socket.end(`${banner}\n`));
    listener.once('error', reject);
    listener.listen({ host: '0.0.0.0', port: 0 }, () => resolve(listener));
  });
}

function listenAbstract(name: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const listener = createServer((socket) => socket.end());
    listener.once('error', reject);
    listener.listen({ path: `\0${name}` }, () => resolve(listener));
  });
}

function readBanner(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = createConnection({ host, port, timeout: 3000 });
    socket.on('data', (data: Buffer) => (text += data.toString()));
    socket.on('end', () => resolve(text.trim()));
    socket.on('timeout', () => socket.destroy(new Error(`connect to ${host}:${port} timed out`)));
    socket.on('error', reject);
  });
}

test('a sprite has no network path to the Hob API or to the host, only its own link', { timeout: 120_000 }, async (t) => {
  const banner = `HOBBANNER${randomBytes(6).toString('hex')}`;
  const listener = await listen(banner);
  t.after(() => listener.close());
  const bannerPort = (listener.address() as AddressInfo).port; // a TCP listener's address is an AddressInfo
  const apiPort = Number(new URL(server.url).port);
  const addresses = hostAddresses();

  // Controls: from the host, the API answers and the banner is served on every address.
  const health = await fetch(`${server.url}/v1/health`, { headers: { Authorization: `Bearer ${server.token}` } });
  assert.equal(health.status, 200, 'control: the API answers on the host');
  for (const address of ['127.0.0.1', ...addresses]) assert.equal(await readBanner(address, bannerPort), banner, `control: ${address}:${bannerPort} on the host`);

  const targets = [
    { host: '127.0.0.1', port: apiPort },
    { host: '127.0.0.1', port: bannerPort },
    ...addresses.flatMap((host) => [
      { host, port: bannerPort },
      { host, port: apiPort },
    ]),
  ];
  const sprites = spriteFixture(t, server);
  const sprite = await sprites.create();
  const result = await sh(
    sprites.client,
    sprite.name,
    [
      'echo @@links; ip -o link 2>&1',
      'echo @@sysnet; ls /sys/class/net',
      'echo @@addrs; ip -o -4 addr 2>&1',
      'echo @@routes; ip route 2>&1; echo "rc=$?"',
      // Control: nc itself works in the sprite (a listener on the sprite's own loopback).
      'echo @@control; (nc -l -p 8089 -e echo pong &); sleep 0.3; timeout 5 nc -w 2 127.0.0.1 8089 </dev/null 2>&1',
      ...targets.map(
        ({ host, port }, i) => `echo @@nc${i}; printf 'GET /v1/health HTTP/1.0\\r\\n\\r\\n' | timeout 10 nc -w 3 ${host} ${port} 2>&1; echo "rc=$?"`,
      ),
      // busybox wget too (busybox-static 1.35's wget crashes with SIGSEGV even on the host, so nc is the real probe).
      `echo @@wget; timeout 10 wget -q -T 2 -O- http://127.0.0.1:${apiPort}/v1/health 2>&1; echo "rc=$?"`,
    ].join('\n'),
    60_000,
  );
  assert.ok(!result.stdout.includes(banner), `the host listener answered the sprite:\n${result.stdout}`);
  assert.doesNotMatch(result.stdout, /HTTP\/1\.[01] \d{3}|Sprite-Version|"status":"ok"/i, `the Hob API answered the sprite:\n${result.stdout}`);
  const out = sections(result.stdout);

  // Loopback and the sprite's own link to the host, whose fences keep the host out of reach.
  const links = (out.links ?? '').split('\n').filter(Boolean);
  assert.equal(links.length, 2, `interfaces in the sprite:\n${String(out.links)}`);
  assert.match(links[0] ?? '', /^1: lo: /);
  assert.match(links[1] ?? '', /^\d+: eth0@/);
  assert.equal(out.sysnet, 'eth0\nlo');
  assert.match(out.routes ?? '', /^default via \d+\.\d+\.\d+\.\d+ dev eth0/, `the sprite's routes: ${String(out.routes)}`);

  assert.equal(out.control, 'pong', 'control: nc connects inside the sprite');
  targets.forEach(({ host, port }, i) => {
    const text = out[`nc${i}`] ?? '';
    assert.match(text, /Connection refused|Network is unreachable|No route to host|timed out/i, `${host}:${port}: ${text}`);
    assert.doesNotMatch(text, /rc=0$/, `${host}:${port} accepted a connection from the sprite: ${text}`);
  });
  assert.doesNotMatch(out.wget ?? '', /rc=0$/, `wget reached ${apiPort}: ${String(out.wget)}`);
});

test("a sprite cannot see or reach the host's abstract unix sockets", { timeout: 120_000 }, async (t) => {
  const name = `hob-abstract-${randomBytes(6).toString('hex')}`;
  const listener = await listenAbstract(name);
  t.after(() => listener.close());
  assert.ok(readFileSync('/proc/net/unix', 'utf8').includes(`@${name}`), 'control: the host lists its abstract socket');
  const sprites = spriteFixture(t, server);
  const sprite = await sprites.create();
  // Abstract sockets belong to a network namespace; the sprite's list must not show the host's.
  const result = await sh(sprites.client, sprite.name, 'cat /proc/net/unix');
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^Num /, 'control: the sprite reads its own socket list');
  assert.ok(!result.stdout.includes(name), `the host's abstract socket is listed in the sprite:\n${result.stdout}`);
  assert.doesNotMatch(result.stdout, /@\/|@[a-z]/, `some abstract socket of the host is listed in the sprite:\n${result.stdout}`);
});
