/**
 * Egress name policy against a "fake internet" on this machine: its DNS answers several names,
 * three of them at one address and one at a fenced (RFC 1918) address bound inside the fake
 * internet's namespace, so a policy that opened a fence would still reach nothing off this
 * machine.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { HobClient } from '../../../src/client/client.js';
import { BANNER_PORT, startFakeInternet, type FakeInternet } from '../../helpers/fake-internet/index.js';
import { cleanupDataDir, makeRunDir, startServer, uniquePrefix, type TestServer } from '../../helpers/server.js';
import { sections, sh } from '../../helpers/shell.js';

const ALLOWED = 'allowed.fake.test';
const TWIN = 'twin.fake.test';
const WILD = 'api.wild.fake.test';
const PRIVATE = 'private.fake.test';
const HOST = 'host.fake.test';
const prefix = uniquePrefix();
const runDir = makeRunDir(prefix);
const dataDir = join(runDir, 'data');
let fake: FakeInternet;
let server: TestServer;
let client: HobClient;

before(async () => {
  fake = await startFakeInternet([ALLOWED, TWIN, WILD], { [PRIVATE]: 'rfc1918_10', [HOST]: 'host' });
  server = await startServer({ dataDir, prefix, extraArgs: ['--dns-upstream', fake.address, '--warm-pool', '0'] });
  client = new HobClient({ url: server.url, token: server.token });
});

after(async () => {
  await server.stop().catch(() => undefined);
  cleanupDataDir(dataDir, prefix);
  rmSync(runDir, { recursive: true, force: true });
  fake.close();
});

async function setPolicy(name: string, rules: unknown[]): Promise<void> {
  const res = await fetch(`${server.url}/v1/sprites/${name}/policy/network`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ rules }),
  });
  assert.equal(res.status, 204, await res.text());
}

/** nslookup's verdict on a name: the address, or the error it printed. */
function lookup(label: string, name: string): string {
  return `echo @@${label}; nslookup ${name} 2>&1 | grep -E 'Address: |REFUSED|NXDOMAIN|can.t find' | tail -1`;
}

function banner(label: string, host: string, port = BANNER_PORT): string {
  return `echo @@${label}; timeout 6 nc -w 3 ${host} ${port} 2>&1; echo "rc=$?"`;
}

test('rules decide by precedence; denied names are REFUSED; raw IPs open only once an allowed name resolved to them', { timeout: 120_000 }, async () => {
  await client.createSprite({ name: 'pol-a' });
  await setPolicy('pol-a', [
    { domain: '*', action: 'deny' },
    { domain: ALLOWED, action: 'allow' },
    { domain: '*.wild.fake.test', action: 'allow' },
    { domain: WILD.toUpperCase() + '.', action: 'deny' },
  ]);
  const out = sections(
    (await sh(client, 'pol-a', [banner('rawbefore', fake.address), lookup('twin', TWIN), lookup('wild', WILD), lookup('allowed', ALLOWED.toUpperCase()), banner('rawafter', fake.address)].join('\n'))).stdout,
  );
  assert.match(out.rawbefore ?? '', /rc=[1-9]/, `a raw IP nothing resolved to was reached: ${String(out.rawbefore)}`);
  assert.doesNotMatch(out.rawbefore ?? '', new RegExp(fake.banner));
  assert.match(out.twin ?? '', /REFUSED/, `twin: ${String(out.twin)}`);
  assert.match(out.wild ?? '', /REFUSED/, `an exact deny beats *.x: ${String(out.wild)}`);
  assert.match(out.allowed ?? '', new RegExp(`Address: ${fake.address.replaceAll('.', '\\.')}`), `allowed: ${String(out.allowed)}`);
  assert.match(out.rawafter ?? '', new RegExp(fake.banner), `the allowed name's address is reachable: ${String(out.rawafter)}`);
});

test('an allowed name that resolves to a private or host address stays fenced, also through the name check', { timeout: 60_000 }, async (t) => {
  // Something of the host's own to reach on port 80, at the host end of the fake internet's link.
  const secret = `HOSTSECRET${Date.now()}`;
  const hostServer = createServer((_req, res) => res.end(secret));
  await new Promise<void>((resolve) => hostServer.listen(80, fake.hostAddress, resolve));
  t.after(() => hostServer.close());
  await client.createSprite({ name: 'pol-b' });
  await setPolicy('pol-b', [{ domain: '*', action: 'allow' }]);
  const target = fake.fenced.rfc1918_10 ?? '';
  const web = (label: string, url: string) => `echo @@${label}; timeout 6 wget -q -O - ${url} 2>&1; echo "rc=$?"`;
  const out = sections(
    (await sh(client, 'pol-b', [lookup('private', PRIVATE), banner('reach', target), web('web', `http://${PRIVATE}/`), lookup('host', HOST), web('hostweb', `http://${HOST}/`)].join('\n'))).stdout,
  );
  assert.match(out.private ?? '', new RegExp(`Address: ${target.replaceAll('.', '\\.')}`), `private: ${String(out.private)}`);
  assert.match(out.host ?? '', new RegExp(`Address: ${fake.hostAddress.replaceAll('.', '\\.')}`), `host: ${String(out.host)}`);
  assert.doesNotMatch(out.reach ?? '', new RegExp(fake.banner), `the fence opened: ${String(out.reach)}`);
  for (const key of ['reach', 'web', 'hostweb']) assert.match(out[key] ?? '', /rc=[1-9]/, `${key}: ${String(out[key])}`);
  assert.doesNotMatch(out.web ?? '', /fake-internet/, `the name check reached a private address: ${String(out.web)}`);
  assert.doesNotMatch(out.hostweb ?? '', new RegExp(secret), `the name check reached the host: ${String(out.hostweb)}`);
});

test('a policy change cuts open connections it forbids at once; {"rules": []} lifts enforcement', { timeout: 120_000 }, async () => {
  await client.createSprite({ name: 'pol-c' });
  await setPolicy('pol-c', [{ domain: ALLOWED, action: 'allow' }]);
  // A connection held open to the HTTP server (it waits for a request).
  await sh(client, 'pol-c', `nslookup ${ALLOWED} >/dev/null; setsid sh -c 'sleep 60 | nc ${fake.address} 80' >/dev/null 2>&1 </dev/null & sleep 0.5`);
  // Established (state 01) TCP connections to port 80 (0050), from the kernel's own table.
  const established = async () => (await sh(client, 'pol-c', `awk '$4 == "01" && $3 ~ /:0050$/' /proc/net/tcp | wc -l`)).stdout.trim();
  assert.equal(await established(), '1');
  await setPolicy('pol-c', [{ domain: TWIN, action: 'allow' }]);
  assert.equal(await established(), '0', 'the connection the new policy forbids is still open');
  const denied = sections((await sh(client, 'pol-c', [lookup('old', ALLOWED), banner('raw', fake.address)].join('\n'))).stdout);
  assert.match(denied.old ?? '', /REFUSED/);
  assert.match(denied.raw ?? '', /rc=[1-9]/, `raw: ${String(denied.raw)}`);
  await setPolicy('pol-c', []);
  const open = sections((await sh(client, 'pol-c', [lookup('old', ALLOWED), banner('raw', fake.address)].join('\n'))).stdout);
  assert.match(open.old ?? '', /Address: /);
  assert.match(open.raw ?? '', new RegExp(fake.banner), `with no rules the address is reachable: ${String(open.raw)}`);
});

test('on HTTP and TLS ports the name a connection carries must be allowed too, also at a shared address', { timeout: 120_000 }, async () => {
  await client.createSprite({ name: 'pol-d' });
  await setPolicy('pol-d', [{ domain: ALLOWED, action: 'allow' }]);
  const at = fake.address;
  // TWIN shares ALLOWED's address; /etc/hosts lets the sprite skip the REFUSED lookup and try by address.
  const request = (host: string, extra = '') => `printf 'GET / HTTP/1.1\\r\\nHost: ${host}\\r\\n${extra}\\r\\n'`;
  const out = sections(
    (
      await sh(
        client,
        'pol-d',
        [
          `nslookup ${ALLOWED} >/dev/null; echo '${at} ${TWIN}' >> /etc/hosts`,
          `echo @@http; wget -q -O - http://${ALLOWED}/ 2>&1`,
          `echo @@https; wget -q --no-check-certificate -O - https://${ALLOWED}/ 2>&1`,
          `echo @@twinhttp; wget -q -O - http://${TWIN}/ 2>&1; echo "rc=$?"`,
          `echo @@twinhost; (${request(TWIN, 'Connection: close\\r\\n')}; sleep 2) | timeout 6 nc ${at} 80 2>&1`,
          `echo @@twinsni; timeout 6 wget -q --no-check-certificate -O - https://${TWIN}/ 2>&1; echo "rc=$?"`,
          // DNS over HTTPS by address, to resolve what the forwarder refuses: no server name, no way through.
          `echo @@byaddress; timeout 6 wget -q --no-check-certificate -O - 'https://${at}/dns-query?dns=AAABAAABAAAAAAAABHR3aW4EZmFrZQR0ZXN0AAABAAE' 2>&1; echo "rc=$?"`,
          // A second request on a kept-alive connection is checked too.
          `echo @@smuggle; (${request(ALLOWED)}; sleep 1; ${request(TWIN, 'Connection: close\\r\\n')}; sleep 2) | timeout 8 nc ${at} 80 2>&1`,
        ].join('\n'),
      )
    ).stdout,
  );
  const hostAddress = fake.hostAddress.replaceAll('.', '\\.');
  assert.match(out.http ?? '', new RegExp(`from=${hostAddress} host=${ALLOWED}$`), `http: ${String(out.http)}`);
  assert.match(out.https ?? '', new RegExp(`host=${ALLOWED} sni=${ALLOWED}`), `https: ${String(out.https)}`);
  for (const key of ['twinhttp', 'twinhost', 'twinsni', 'byaddress', 'smuggle']) assert.doesNotMatch(out[key] ?? '', new RegExp(`host=${TWIN}`), `${key} reached the denied name: ${String(out[key])}`);
  assert.match(out.twinhttp ?? '', /403|rc=[1-9]/, `twinhttp: ${String(out.twinhttp)}`);
  assert.match(out.twinhost ?? '', /HTTP\/1\.1 403 Forbidden[\s\S]*not allowed by this sprite’s network policy/, `twinhost: ${String(out.twinhost)}`);
  assert.match(out.twinsni ?? '', /rc=[1-9]/, `twinsni: ${String(out.twinsni)}`);
  assert.match(out.byaddress ?? '', /rc=[1-9]/, `byaddress: ${String(out.byaddress)}`);
  assert.match(out.smuggle ?? '', new RegExp(`host=${ALLOWED}\\n[\\s\\S]*403 Forbidden`), `smuggle: ${String(out.smuggle)}`);
});

test('a policy change cuts a carried connection whose name it forbids, though its address stays open', { timeout: 120_000 }, async () => {
  await client.createSprite({ name: 'pol-e' });
  await setPolicy('pol-e', [
    { domain: ALLOWED, action: 'allow' },
    { domain: TWIN, action: 'allow' },
  ]);
  await sh(
    client,
    'pol-e',
    `nslookup ${ALLOWED} >/dev/null; nslookup ${TWIN} >/dev/null; setsid sh -c "(printf 'GET / HTTP/1.1\\r\\nHost: ${ALLOWED}\\r\\n\\r\\n'; sleep 60) | nc ${fake.address} 80" >/dev/null 2>&1 </dev/null & sleep 1`,
  );
  const established = async () => (await sh(client, 'pol-e', `awk '$4 == "01" && $3 ~ /:0050$/' /proc/net/tcp | wc -l`)).stdout.trim();
  assert.equal(await established(), '1');
  await setPolicy('pol-e', [{ domain: TWIN, action: 'allow' }]);
  assert.equal(await established(), '0', 'the connection for the name the new policy forbids is still open');
  const out = sections((await sh(client, 'pol-e', [`echo @@twin; wget -q -O - http://${TWIN}/ 2>&1`].join('\n'))).stdout);
  assert.match(out.twin ?? '', new RegExp(`host=${TWIN}`), `the address stays open for the allowed name: ${String(out.twin)}`);
});
