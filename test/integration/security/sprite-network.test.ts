/**
 * A sprite's network against a "fake internet" on this machine: names resolve through Hob's
 * forwarder, traffic leaves through NAT, and every fence holds. Each escape target is an
 * address this test binds (in the fake internet's namespace, on the host, or in another
 * sprite) with a listener behind it, checked from the host first: if a fence failed, the
 * packet would still stay on this machine.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { createConnection, createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { HobClient } from '../../../src/client/client.js';
import { BANNER_PORT, startFakeInternet, type FakeInternet } from '../../helpers/fake-internet/index.js';
import { cleanupDataDir, makeRunDir, startServer, uniquePrefix, type TestServer } from '../../helpers/server.js';
import { hostAddresses } from '../../helpers/host-addresses.js';
import { sections, sh } from '../../helpers/shell.js';

const NAME = 'web.fake.test';
const prefix = uniquePrefix();
const runDir = makeRunDir(prefix);
const dataDir = join(runDir, 'data');
let fake: FakeInternet;
let server: TestServer;
let client: HobClient;

function serverArgs(): string[] {
  return ['--dns-upstream', fake.address, '--warm-pool', '0'];
}

before(async () => {
  fake = await startFakeInternet([NAME]);
  server = await startServer({ dataDir, prefix, extraArgs: serverArgs() });
  client = new HobClient({ url: server.url, token: server.token });
});

after(async () => {
  await server.stop().catch(() => undefined);
  cleanupDataDir(dataDir, prefix);
  rmSync(runDir, { recursive: true, force: true });
  fake.close();
});

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

function listen(banner: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const listener = createServer((socket) => socket.end(`${banner}\n`));
    listener.once('error', reject);
    listener.listen({ host: '0.0.0.0', port: 0 }, () => resolve(listener));
  });
}

async function spriteAddress(name: string): Promise<{ address: string; gateway: string }> {
  const out = sections((await sh(client, name, 'echo @@addr; ip -o -4 addr show dev eth0; echo @@gw; ip route show default')).stdout);
  const address = /inet (\d+\.\d+\.\d+\.\d+)\//.exec(out.addr ?? '')?.[1];
  const gateway = /via (\d+\.\d+\.\d+\.\d+)/.exec(out.gw ?? '')?.[1];
  assert.ok(address !== undefined && gateway !== undefined, `sprite ${name} has no address: ${JSON.stringify(out)}`);
  return { address, gateway };
}

/** A shell probe: a TCP connect with a request, whose output says whether anything answered. */
function probe(label: string, host: string, port: number): string {
  return `echo @@${label}; printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 8 nc -w 3 ${host} ${port} 2>&1; echo "rc=$?"`;
}

function assertBlocked(out: Record<string, string>, label: string, secret: string): void {
  const text = out[label] ?? '';
  assert.ok(!text.includes(secret) && !/HTTP\/1\.[01] \d{3}|fake-internet|"status":"ok"/.test(text), `${label} answered the sprite: ${text}`);
  assert.doesNotMatch(text, /rc=0$/, `${label} accepted a connection: ${text}`);
}

test('a sprite resolves through the forwarder and reaches the fake internet through NAT', { timeout: 120_000 }, async () => {
  await client.createSprite({ name: 'net-a' });
  const { gateway } = await spriteAddress('net-a');
  const out = sections(
    (
      await sh(
        client,
        'net-a',
        [
          'echo @@resolv; cat /etc/resolv.conf',
          `echo @@lookup; nslookup ${NAME} 2>&1`,
          `echo @@http; printf 'GET / HTTP/1.0\\r\\nHost: ${NAME}\\r\\n\\r\\n' | timeout 8 nc -w 3 $(nslookup ${NAME} | awk '/^Address/ {a=$2} END {print a}') 80`,
          `echo @@tcpdns; nslookup -type=a ${NAME} ${gateway} 2>&1 | tail -2`,
        ].join('\n'),
      )
    ).stdout,
  );
  assert.equal(out.resolv, `nameserver ${gateway}`);
  assert.match(out.lookup ?? '', new RegExp(`Address: ${fake.address.replaceAll('.', '\\.')}`), `lookup: ${String(out.lookup)}`);
  // The fake server saw the host end of its own link: the sprite's address was translated.
  assert.match(out.http ?? '', new RegExp(`fake-internet from=${fake.hostAddress.replaceAll('.', '\\.')} host=${NAME}`), `http: ${String(out.http)}`);
});

test('the fences hold: other sprites, the host, loopback, private, CGNAT, metadata, outside resolvers', { timeout: 180_000 }, async (t) => {
  const hostBanner = `HOSTBANNER${Date.now()}`;
  const listener = await listen(hostBanner);
  t.after(() => listener.close());
  const hostPort = (listener.address() as AddressInfo).port; // a TCP listener's address is an AddressInfo
  const apiPort = Number(new URL(server.url).port);
  await client.createSprite({ name: 'net-b' });
  const a = await spriteAddress('net-a');
  const b = await spriteAddress('net-b');
  // Sprite b serves a banner; the host reaches it (control), sprite a must not.
  const spriteBanner = `SPRITEBANNER${Date.now()}`;
  await sh(client, 'net-b', `setsid sh -c 'while :; do nc -l -p 8089 -e echo ${spriteBanner}; done' >/dev/null 2>&1 </dev/null & sleep 0.3`);
  assert.equal(await readBanner(b.address, 8089), spriteBanner, 'control: the host reaches sprite b');
  for (const address of Object.values(fake.fenced)) assert.equal(await readBanner(address, BANNER_PORT), fake.banner, `control: ${address} answers from the host`);
  assert.ok(hostAddresses().length > 0, 'the host has an address of its own to probe');
  for (const address of ['127.0.0.1', ...hostAddresses(), a.gateway]) assert.equal(await readBanner(address, hostPort), hostBanner, `control: host ${address}`);

  const targets: [string, string, number, string][] = [
    ['sprite_b', b.address, 8089, spriteBanner],
    ...Object.entries(fake.fenced).map(([label, address]): [string, string, number, string] => [label, address, BANNER_PORT, fake.banner]),
    ...hostAddresses().flatMap((address, i): [string, string, number, string][] => [
      [`host${i}_listener`, address, hostPort, hostBanner],
      [`host${i}_api`, address, apiPort, hostBanner],
      [`host${i}_ssh`, address, 22, hostBanner],
    ]),
    ['gateway_listener', a.gateway, hostPort, hostBanner],
    ['gateway_api', a.gateway, apiPort, hostBanner],
    ['loopback_api', '127.0.0.1', apiPort, hostBanner],
  ];
  const script = [
    ...targets.map(([label, host, port]) => probe(label, host, port)),
    // The fake internet's DNS answers the host (control below); straight from a sprite it is fenced.
    `echo @@outside_dns; timeout 8 nslookup ${NAME} ${fake.address} 2>&1; echo "rc=$?"`,
    `echo @@outside_dns_tcp; ${probe('x', fake.address, 53).split('; ').slice(1).join('; ')}`,
    `echo @@public; ${probe('x', fake.address, BANNER_PORT).split('; ').slice(1).join('; ')}`,
  ].join('\n');
  const out = sections((await sh(client, 'net-a', script, 150_000)).stdout);
  for (const [label, , , secret] of targets) assertBlocked(out, label, secret);
  assert.doesNotMatch(out.outside_dns ?? '', /Address: 198\.51\.100\./, `a resolver other than the forwarder answered: ${String(out.outside_dns)}`);
  assert.doesNotMatch(out.outside_dns ?? '', /rc=0$/);
  assertBlocked(out, 'outside_dns_tcp', 'never');
  // Control: the same address on another port is the open internet.
  assert.match(out.public ?? '', new RegExp(fake.banner), `the fake internet's banner port: ${String(out.public)}`);
  const resolver = new Resolver();
  resolver.setServers([fake.address]);
  assert.deepEqual(await resolver.resolve4(NAME), [fake.address], 'control: the fake resolver answers the host');
});

test('no spoofing, no raw sockets, no IPv6; ICMP echo sockets are allowed for every user of the sprite', { timeout: 60_000 }, async () => {
  const { address } = await spriteAddress('net-a');
  const out = sections(
    (
      await sh(
        client,
        'net-a',
        [
          'echo @@addr_add; ip addr add 10.1.2.3/32 dev eth0 2>&1; echo "rc=$?"',
          'echo @@route; ip route add 10.9.0.0/16 dev eth0 2>&1; echo "rc=$?"',
          'echo @@down; ip link set eth0 down 2>&1; echo "rc=$?"',
          'echo @@arping; timeout 5 arping -c 1 -w 1 -I eth0 198.51.100.1 2>&1; echo "rc=$?"',
          "echo @@capbnd; awk '/CapBnd/ {print $2}' /proc/self/status",
          'echo @@ping_range; cat /proc/sys/net/ipv4/ping_group_range',
          'echo @@ipv6; cat /proc/sys/net/ipv6/conf/all/disable_ipv6; ip -6 addr 2>&1 | grep -c inet6',
          'echo @@addr_after; ip -o -4 addr show dev eth0',
        ].join('\n'),
      )
    ).stdout,
  );
  assert.match(out.addr_add ?? '', /rc=[1-9]/, `ip addr add worked: ${String(out.addr_add)}`);
  assert.match(out.route ?? '', /rc=[1-9]/);
  assert.match(out.down ?? '', /rc=[1-9]/);
  assert.match(out.arping ?? '', /rc=[1-9]/, `a packet socket opened: ${String(out.arping)}`);
  const capNetRaw = 13;
  assert.equal((BigInt(`0x${out.capbnd ?? ''}`) >> BigInt(capNetRaw)) & 1n, 0n, 'CAP_NET_RAW is in the bounding set');
  assert.match(out.ping_range ?? '', /^0\s+65535$/, 'root and every user of the sprite may open ICMP echo sockets');
  assert.equal(out.ipv6, '1\n0');
  assert.match(out.addr_after ?? '', new RegExp(`inet ${address.replaceAll('.', '\\.')}/31`));
});

test('destroy leaves no link, namespace, fence entry or forwarder socket', { timeout: 60_000 }, async () => {
  await client.createSprite({ name: 'net-gone' });
  const { gateway } = await spriteAddress('net-gone');
  const pieces = () => ({
    netns: existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.startsWith(`${prefix}-`)).length : 0,
    links: execFileSync('ip', ['-o', 'link', 'show', 'type', 'veth'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(` alias hob:${prefix}:`)).length,
    nft: execFileSync('nft', ['list', 'set', 'inet', prefix, 'sprite_ifs'], { encoding: 'utf8' }),
    dns: execFileSync('ss', ['-Hlnu', 'src', gateway], { encoding: 'utf8' }).trim() + execFileSync('ss', ['-Hlnt', 'src', gateway], { encoding: 'utf8' }).trim(),
  });
  const beforeDestroy = pieces();
  assert.ok(beforeDestroy.dns.includes(`${gateway}:53`), `control: the forwarder listens on ${gateway}: ${beforeDestroy.dns}`);
  await client.deleteSprite('net-gone');
  const afterDestroy = pieces();
  assert.equal(afterDestroy.netns, beforeDestroy.netns - 1);
  assert.equal(afterDestroy.links, beforeDestroy.links - 1);
  assert.equal(afterDestroy.dns, '', 'a forwarder socket is left');
  assert.ok(!execFileSync('ip', ['-4', 'addr'], { encoding: 'utf8' }).includes(`${gateway}/31`), 'the gateway address is left');
  assert.ok(beforeDestroy.nft.split('"').length > afterDestroy.nft.split('"').length, `the fence entry is left: ${afterDestroy.nft}`);
});

test('after SIGKILL, the next start removes networks no sprite owns and serves the others again', { timeout: 120_000 }, async () => {
  await server.kill();
  // A sprite the store forgets while its network stays: what a crash mid-create leaves.
  const db = new Database(join(dataDir, 'hob.db'));
  const orphan = db.prepare("SELECT id FROM sprites WHERE name = 'net-b'").get() as { id: string }; // the row created above
  db.prepare('DELETE FROM checkpoints WHERE sprite_id = ?').run(orphan.id);
  db.prepare('DELETE FROM sprites WHERE id = ?').run(orphan.id);
  db.close();
  assert.ok(existsSync(`/run/netns/${prefix}-${orphan.id}`), 'control: the orphan namespace is there');
  server = await startServer({ dataDir, prefix, extraArgs: serverArgs() });
  client = new HobClient({ url: server.url, token: server.token });
  assert.ok(!existsSync(`/run/netns/${prefix}-${orphan.id}`), 'the orphan namespace is left');
  const links = execFileSync('ip', ['-o', 'link', 'show', 'type', 'veth'], { encoding: 'utf8' });
  assert.ok(!links.includes(`hob:${prefix}:${orphan.id}`), 'the orphan link is left');
  const leases = new Database(join(dataDir, 'hob.db'), { readonly: true });
  const lease = leases.prepare('SELECT 1 FROM network_leases WHERE sprite_id = ?').get(orphan.id);
  leases.close();
  assert.equal(lease, undefined, 'the orphan lease is left');
  // The survivor keeps its address and resolves again through a forwarder of the new process.
  const out = (await sh(client, 'net-a', `nslookup ${NAME} 2>&1`)).stdout;
  assert.match(out, new RegExp(`Address: ${fake.address.replaceAll('.', '\\.')}`), out);
});
