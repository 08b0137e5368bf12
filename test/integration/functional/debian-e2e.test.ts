import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { aptMirror } from '../../../src/server/images/mirror.js';
import type { ProgressEvent } from '../../../src/shared/protocol.js';
import { execCollect, sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { sections } from '../../helpers/shell.js';
import { urlRequest } from '../../helpers/sprite-http.js';

const server = sharedServer();

test('end to end on the debian image: build it, create a sprite, use its tools', { timeout: 30 * 60_000 }, async (t) => {
  const { client, create } = spriteFixture(t, server);
  const events: ProgressEvent[] = [];
  const last = await client.buildImage('debian', (event) => events.push(event));
  assert.equal(last.type, 'complete', JSON.stringify(last));
  assert.ok(events.some((e) => e.type === 'progress'), 'the build reports counted progress');

  const sprite = await create({ image: 'debian', environment: { FROM_SPRITE: 'set at create' } });
  const uname = await execCollect(client, sprite.name, ['uname', '-a']);
  assert.equal(uname.code, 0);
  assert.match(uname.stdout, new RegExp(`^Linux ${sprite.name} `));

  // Commands run as the sprite's own user, at home, with its settings, and sudo works without a password.
  const identity = sections(
    (await execCollect(client, sprite.name, ['bash', '-c', 'echo @@user; id -un; echo @@dir; pwd; echo @@env; echo "$HOME $USER $FROM_SPRITE"; echo @@sudo; sudo -n true && echo sudo-ok; echo @@root; sudo -n id -un'])).stdout,
  );
  assert.deepEqual(identity, { user: 'sprite', dir: '/home/sprite', env: '/home/sprite sprite set at create', sudo: 'sudo-ok', root: 'root' });
  // A request may still name root, and then starts in /.
  assert.deepEqual(await execCollect(client, sprite.name, ['bash', '-c', 'id -un; pwd'], { user: 'root' }), { stdout: 'root\n/\n', stderr: '', code: 0 });

  // no_new_privileges is off here so that sudo works; root reached through it is the same
  // confined root as anywhere else: host uid 100000, seccomp, Docker's capability set, no mounts.
  const escalated = sections(
    (
      await execCollect(client, sprite.name, [
        'bash',
        '-c',
        'echo @@status; sudo grep -E "^(CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status | tr -s "\\t " " "; ' +
          'echo @@mount; sudo mount -t tmpfs none /mnt 2>&1; echo "rc=$?"; echo @@unshare; sudo unshare -U -r true 2>&1; echo "rc=$?"; ' +
          'echo @@file; sudo touch /made-by-sudo && echo made',
      ])
    ).stdout,
  );
  assert.equal(escalated.status, ['CapEff: 00000000a80405fb', 'CapBnd: 00000000a80405fb', 'NoNewPrivs: 0', 'Seccomp: 2'].join('\n'));
  assert.match(escalated.mount ?? '', /permission denied|not permitted/i);
  assert.match(escalated.mount ?? '', /rc=[1-9]\d*$/);
  assert.match(escalated.unshare ?? '', /not permitted/i);
  assert.equal(escalated.file, 'made');
  assert.equal(statSync(join(server.dataDir, 'pool', 'sprites', sprite.id, 'root', 'made-by-sudo')).uid, 100_000);

  const tools = await execCollect(client, sprite.name, [
    'bash',
    '-c',
    'set -e; python3 --version; node --version; npm --version >/dev/null; git --version; curl --version | head -1; ' +
      'id sprite; getent passwd sprite; test -d /home/sprite; sudo -n true && echo root-sudo-ok; ' +
      'sudo -n -l | grep -q NOPASSWD && echo sprite-nopasswd; ps -e -o comm= | grep -c . >/dev/null; ip link show lo >/dev/null; less --version | head -1; vi --version >/dev/null 2>&1 || command -v vi',
  ]);
  assert.equal(tools.code, 0, tools.stderr);
  assert.doesNotMatch(tools.stderr, /unable to resolve host/, 'the sprite’s hostname resolves');
  assert.match(tools.stdout, /^Python 3\.11/m);
  assert.match(tools.stdout, /^v18\./m);
  assert.match(tools.stdout, /^git version/m);
  assert.match(tools.stdout, /^curl /m);
  assert.match(tools.stdout, /uid=1000\(sprite\) gid=1000\(sprite\)/);
  assert.match(tools.stdout, /sprite:x:1000:1000::\/home\/sprite:\/bin\/bash/);
  assert.match(tools.stdout, /^root-sudo-ok$/m);
  assert.match(tools.stdout, /^sprite-nopasswd$/m);

  const python = await execCollect(client, sprite.name, ['python3', '-c', 'import sqlite3, ssl, json; print(sum(range(10)))']);
  assert.deepEqual(python, { stdout: '45\n', stderr: '', code: 0 });

  // `python3 -m http.server 8080` is reachable at the sprite's URL: with a token, then by anyone once public.
  const serve = await execCollect(client, sprite.name, ['bash', '-c', 'mkdir -p ~/www && echo hello-from-python > ~/www/index.html && cd ~/www && setsid python3 -m http.server 8080 </dev/null >/tmp/http.log 2>&1 & for i in $(seq 100); do grep -q ":1F90 00000000:0000 0A" /proc/net/tcp && exit 0; sleep 0.05; done; cat /tmp/http.log; exit 1']);
  assert.equal(serve.code, 0, serve.stdout);
  const bearer = { authorization: `Bearer ${server.token}` };
  assert.equal((await urlRequest(server.url, sprite.name, { headers: bearer })).body.toString(), 'hello-from-python\n');
  assert.equal((await urlRequest(server.url, sprite.name)).status, 401);
  await client.updateSprite(sprite.name, { url_settings: { auth: 'public' } });
  const open = await urlRequest(server.url, sprite.name);
  assert.equal(open.status, 200);
  assert.equal(open.body.toString(), 'hello-from-python\n');

  // A Python process keeps a value only in its memory; the sprite goes warm, and a URL request
  // wakes it to find the same process with the same value.
  const remember = [
    'import http.server, os, secrets',
    'value = secrets.token_hex(8)',
    'class Handler(http.server.BaseHTTPRequestHandler):',
    '    def do_GET(self):',
    '        body = f"{os.getpid()} {value}".encode()',
    '        self.send_response(200); self.send_header("content-length", str(len(body))); self.end_headers(); self.wfile.write(body)',
    'http.server.HTTPServer(("", 8080), Handler).serve_forever()',
  ].join('\n');
  const swapped = await execCollect(client, sprite.name, ['bash', '-c', `pkill -f "^python3 -m http.server"; for i in $(seq 100); do grep -q ":1F90 00000000:0000 0A" /proc/net/tcp || break; sleep 0.05; done; setsid python3 -c '${remember}' </dev/null >/tmp/remember.log 2>&1 & for i in $(seq 100); do grep -q ":1F90 00000000:0000 0A" /proc/net/tcp && exit 0; sleep 0.05; done; cat /tmp/remember.log; exit 1`]);
  assert.equal(swapped.code, 0, swapped.stdout);
  const remembered = (await urlRequest(server.url, sprite.name)).body.toString();
  assert.match(remembered, /^\d+ [0-9a-f]{16}$/);
  assert.equal((await client.sleepSprite(sprite.name, {})).status, 'warm');
  const afterWake = await urlRequest(server.url, sprite.name);
  assert.equal(afterWake.body.toString(), remembered, 'the same process, with the value it kept in memory');
  assert.equal((await client.getSprite(sprite.name)).status, 'running');
});

/** The host name of a URL's authority. */
function hostOf(url: string): string {
  return new URL(url).hostname;
}

test('a debian sprite installs a package from the mirror in the host’s apt sources, and a policy allowing only that mirror keeps a name sharing its address out', { timeout: 10 * 60_000 }, async (t) => {
  const mirror = aptMirror();
  if (!mirror.startsWith('http')) {
    t.skip(`the host's apt mirror (${mirror}) is not an HTTP one`);
    return;
  }
  const reachable = await fetch(new URL('dists/bookworm/Release', mirror.endsWith('/') ? mirror : `${mirror}/`), { method: 'HEAD', signal: AbortSignal.timeout(5000) }).then(
    (res) => res.ok,
    () => false,
  );
  // Reported as skipped, never as passed: a sprite cannot reach what its host cannot.
  if (!reachable) {
    t.skip(`the host cannot reach its apt mirror ${mirror}, so neither can a sprite`);
    return;
  }
  const registry = hostOf(execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).trim());
  const mirrorHost = hostOf(mirror);

  const { client, create } = spriteFixture(t, server);
  const sprite = await create({ image: 'debian' });
  const install = await execCollect(client, sprite.name, ['bash', '-c', 'set -e; sudo apt-get update -qq; sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends hello >/dev/null; hello']);
  assert.equal(install.code, 0, install.stderr);
  assert.equal(install.stdout, 'Hello, world!\n');

  // The sprite's user is unprivileged, and pings with an ICMP echo socket.
  const ping = await execCollect(client, sprite.name, ['ping', '-c', '1', '-W', '2', '127.0.0.1']);
  assert.equal(ping.code, 0, `an unprivileged user pings: ${ping.stdout}${ping.stderr}`);
  assert.match(ping.stdout, /1 received/);

  const policy = await fetch(`${server.url}/v1/sprites/${sprite.name}/policy/network`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ rules: [{ domain: mirrorHost, action: 'allow' }] }),
  });
  assert.equal(policy.status, 204);
  const script = [
    'echo @@update; sudo apt-get update 2>&1 | grep -E "^(Err|W:|E:)"; echo "rc=${PIPESTATUS[0]}"',
    `echo @@dns; getent hosts ${registry} || echo "not resolved"`,
    `address=$(getent hosts ${mirrorHost} | awk '{ print $1; exit }')`,
    `echo @@sni; curl -sS -m 10 -o /dev/null -w '%{http_code}' --resolve ${registry}:443:$address https://${registry}/ 2>&1; echo " rc=$?"`,
    `echo @@host; curl -sS -m 10 -H 'Host: ${registry}' http://$address/ 2>&1; echo " rc=$?"`,
  ].join('\n');
  const out = sections((await execCollect(client, sprite.name, ['bash', '-c', script])).stdout);
  assert.equal(out.update, 'rc=0', `apt-get update through the policy: ${String(out.update)}`);
  assert.equal(out.dns, 'not resolved');
  assert.match(out.sni ?? '', /rc=[1-9]/, `TLS to ${registry} at the mirror's address: ${String(out.sni)}`);
  assert.match(out.host ?? '', new RegExp(`${registry.replaceAll('.', '\\.')} is not allowed by this sprite’s network policy`), `HTTP for ${registry} at the mirror's address: ${String(out.host)}`);
});
