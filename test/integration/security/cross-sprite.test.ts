/**
 * Escape attempts between sprites: one sprite must find no trace of another (files, processes,
 * agent socket), and must not be able to make the server talk to anything but its own agent.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { hostPidsWhere } from '../../helpers/host-processes.js';
import { sections, sh } from '../../helpers/shell.js';

const server = sharedServer();

test("a sprite finds no trace of another sprite's files, processes or agent socket", { timeout: 180_000 }, async (t) => {
  const sprites = spriteFixture(t, server);
  const [a, b] = await Promise.all([sprites.create(), sprites.create()]);
  const marker = `hobmarker${randomBytes(6).toString('hex')}`;
  const sleepSeconds = 4000 + Math.floor(Math.random() * 1000);
  const planted = await sh(
    sprites.client,
    b.name,
    [
      `for d in /root /tmp /var /dev/shm /.hob/run /home/sprite; do echo ${marker} > $d/${marker}; done`,
      `(sleep ${sleepSeconds} </dev/null >/dev/null 2>&1 &)`,
      'echo planted',
    ].join('\n'),
  );
  assert.equal(planted.stdout, 'planted\n', planted.stderr);
  // Controls: B's files and process exist on the host.
  assert.ok(existsSync(join(server.dataDir, 'sprites', b.id, 'run', marker)), "control: B's marker is in its host run dir");
  assert.ok(existsSync(join(server.dataDir, 'pool', 'sprites', b.id, 'root', 'root', marker)), "control: B's marker is in its root");
  assert.ok(hostHasProcess(`sleep\0${sleepSeconds}\0`), "control: B's sleep runs on the host");

  const search = [
    `echo @@xdev; timeout 60 find / -xdev -name "${marker}*" 2>&1; echo "rc=$?"`,
    `echo @@mounts; timeout 30 find /tmp /dev /.hob /run -name "${marker}*" 2>&1; echo "rc=$?"`,
    'echo @@sockets; timeout 60 find / \\( -path /proc -o -path /sys \\) -prune -o -type s -print 2>&1',
    'echo @@run; ls -A /.hob/run',
    'echo @@ps; ps',
    'echo @@mountinfo; cat /proc/self/mountinfo',
  ].join('\n');
  // Control: the same search finds B's marker inside B.
  const inB = sections((await sh(sprites.client, b.name, search, 120_000)).stdout);
  assert.match(inB.xdev ?? '', new RegExp(`/root/${marker}`), `control: find works in B: ${String(inB.xdev)}`);
  assert.match(inB.mounts ?? '', new RegExp(`/.hob/run/${marker}`), `control: find works in B: ${String(inB.mounts)}`);

  const inA = sections((await sh(sprites.client, a.name, search, 120_000)).stdout);
  assert.equal(inA.xdev, 'rc=0', `A found B's files: ${String(inA.xdev)}`);
  assert.equal(inA.mounts, 'rc=0', `A found B's files: ${String(inA.mounts)}`);
  // Its own agent's socket, and its own in-sprite API (sprite-api.test.ts checks what that one reaches).
  assert.deepEqual((inA.sockets ?? '').split('\n').sort(), ['/.hob/run/agent.sock', '/.sprite/api.sock'], `unix sockets visible in A: ${String(inA.sockets)}`);
  // Its agent's socket, and the settings the server wrote for its own agent (its user and environment).
  assert.equal(inA.run, 'agent.sock\nsettings.json', `A's run dir holds: ${String(inA.run)}`);
  assert.ok(!(inA.ps ?? '').includes(`sleep ${sleepSeconds}`), `A sees B's process:\n${String(inA.ps)}`);
  assert.ok(!(inA.mountinfo ?? '').includes(b.id), `A's mounts mention B:\n${String(inA.mountinfo)}`);

  // And by B's host paths, which A could guess from its own mount table.
  const byPath = await sh(
    sprites.client,
    a.name,
    [
      join(server.dataDir, 'sprites', b.id, 'run', marker),
      join(server.dataDir, 'sprites', b.id, 'run', 'agent.sock'),
      join(server.dataDir, 'pool', 'sprites', b.id, 'root', 'root', marker),
    ]
      .map((path, i) => `echo @@p${i}; ls ${path} 2>&1; echo "rc=$?"`)
      .join('\n'),
  );
  const paths = sections(byPath.stdout);
  for (const key of ['p0', 'p1', 'p2']) {
    assert.match(paths[key] ?? '', /No such file or directory/, `${key}: ${String(paths[key])}`);
    assert.match(paths[key] ?? '', /rc=1$/, `${key}: ${String(paths[key])}`);
  }
});

// The server reaches an agent by connecting to <dataDir>/sprites/<id>/run/agent.sock on the host,
// a directory the sprite writes to: a sprite that swaps its socket for a symlink makes the server
// (root on the host) follow it. The host path is in the sprite's own /proc/self/mountinfo.
test(
  'a sprite cannot point the server at another sprite by replacing its agent socket',
  { timeout: 120_000 },
  async (t) => {
    const sprites = spriteFixture(t, server);
    const [a, b] = await Promise.all([sprites.create(), sprites.create()]);
    const marker = `hobmarker${randomBytes(6).toString('hex')}`;
    await sh(sprites.client, b.name, `echo ${marker} > /root/victim`);
    const swap = await sh(sprites.client, a.name, redirectScript(join(server.dataDir, 'sprites', b.id, 'run', 'agent.sock')));
    // Control: the sprite found the host path by itself and the link names B's socket.
    assert.equal(resolve(swap.stdout.trim()), join(server.dataDir, 'sprites', b.id, 'run', 'agent.sock'), `control: ${swap.stdout}${swap.stderr}`);
    // The next command for A must run in A (or fail), never in B.
    const next = await sh(sprites.client, a.name, 'cat /root/victim 2>&1; hostname').catch((error: unknown) => ({ stdout: String(error), stderr: '', code: -1 }));
    assert.ok(!next.stdout.includes(marker), `a command sent to ${a.name} ran in ${b.name}:\n${next.stdout}`);
    assert.ok(!next.stdout.split('\n').includes(b.name), `a command sent to ${a.name} ran in ${b.name}:\n${next.stdout}`);
  },
);

test(
  'a sprite cannot point the server at a host unix socket by replacing its agent socket',
  { timeout: 120_000 },
  async (t) => {
    const trapPath = join(server.runDir, `hob-trap-${randomBytes(4).toString('hex')}.sock`);
    let connections = 0;
    const trap = await listenUnix(trapPath, () => connections++);
    t.after(() => {
      trap.close();
      rmSync(trapPath, { force: true });
    });
    const sprites = spriteFixture(t, server);
    const a = await sprites.create();
    const swap = await sh(sprites.client, a.name, redirectScript(trapPath));
    assert.equal(resolve(swap.stdout.trim()), trapPath, `control: ${swap.stdout}${swap.stderr}`);
    await sh(sprites.client, a.name, 'true', 10_000).catch(() => undefined);
    assert.equal(connections, 0, 'the server connected to a host socket the sprite chose');
  },
);

/**
 * A script that replaces the agent socket with a symlink to a host path and prints the link's
 * target. The attacker is granted the host path (the worst case: guessed or leaked).
 */
function redirectScript(target: string): string {
  return `ln -sfn '${target}' /.hob/run/redirect && mv -f /.hob/run/redirect /.hob/run/agent.sock && readlink /.hob/run/agent.sock`;
}

function listenUnix(path: string, onConnection: () => void): Promise<Server> {
  return new Promise((resolve, reject) => {
    const listener = createServer((socket) => {
      onConnection();
      socket.destroy();
    });
    listener.once('error', reject);
    listener.listen(path, () => resolve(listener));
  });
}

/** Whether any host process has exactly this NUL-separated command line. */
function hostHasProcess(cmdline: string): boolean {
  return hostPidsWhere((read) => read('cmdline') === cmdline).length > 0;
}

test("a sprite sees only its own checkpoints, and cannot change them or reach another's", async (t) => {
  const sprites = spriteFixture(t, server);
  const [a, b] = await Promise.all([sprites.create(), sprites.create()]);
  const marker = `hobmarker${randomBytes(6).toString('hex')}`;
  assert.equal((await sh(sprites.client, b.name, `echo ${marker} > /root/${marker}`)).code, 0);
  assert.equal((await sprites.client.createCheckpoint(b.name, undefined, () => undefined)).type, 'complete');
  assert.equal((await sprites.client.createCheckpoint(a.name, undefined, () => undefined)).type, 'complete');
  // Control: B sees its own checkpoint with the marker.
  assert.equal((await sh(sprites.client, b.name, `cat /.sprite/checkpoints/v0/root/${marker}`)).stdout, `${marker}\n`);

  const probe = await sh(
    sprites.client,
    a.name,
    [
      'echo @@list; ls -A /.sprite/checkpoints',
      `echo @@find; timeout 60 find / -name "${marker}*" 2>/dev/null; echo "rc=$?"`,
      'echo @@write; touch /.sprite/checkpoints/v0/x 2>&1 || echo refused',
      'echo @@mkdir; mkdir /.sprite/checkpoints/v9 2>&1 || echo refused',
      'echo @@remount; mount -o remount,rw /.sprite/checkpoints 2>&1 || echo refused',
      'echo @@umount; umount /.sprite/checkpoints 2>&1 || echo refused',
    ].join('\n'),
  );
  const out = sections(probe.stdout);
  assert.equal(out.list, 'v0', 'only its own checkpoint');
  assert.doesNotMatch(out.find ?? '', new RegExp(marker), "B's files are nowhere in A");
  for (const section of ['write', 'mkdir', 'remount', 'umount']) assert.match(out[section] ?? '', /refused/, `${section} is refused`);
  assert.equal(existsSync(join(server.dataDir, 'pool', 'sprites', a.id, 'checkpoints', 'v0', 'x')), false);
});
