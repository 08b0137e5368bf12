/**
 * Escape attempts against the process boundary: a sprite must not see, signal or share a
 * namespace with anything on the host or in another sprite.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { sections, sh } from '../../helpers/shell.js';

const server = sharedServer();

for (const user of ['root', 'sprite']) {
  test(`host processes are invisible and out of reach from a sprite (as ${user})`, { timeout: 120_000 }, async (t) => {
    await hostProcessesOutOfReach(t, user);
  });
}

async function hostProcessesOutOfReach(t: TestContext, user: string): Promise<void> {
  // A host process whose argv[0] is a secret marker; the marker never appears in a sprite command.
  const marker = `hobhostsecret${randomBytes(6).toString('hex')}`;
  const host = spawn('sleep', ['300'], { argv0: marker, stdio: 'ignore' });
  t.after(() => {
    host.kill('SIGKILL');
  });
  const hostPid = host.pid;
  assert.ok(hostPid !== undefined, 'the host process started');
  assert.ok(readFileSync(`/proc/${hostPid}/cmdline`, 'utf8').startsWith(`${marker}\0`), 'the host itself sees the marker');

  const sprites = spriteFixture(t, server);
  const sprite = await sprites.create();
  const result = await sh(
    sprites.client,
    sprite.name,
    [
      'echo @@ps; ps',
      'echo @@cmdlines; for f in /proc/[0-9]*/cmdline; do tr "\\0" " " < $f; echo; done',
      'echo @@pids; ls /proc | grep -E "^[0-9]+$"',
      'echo @@pid1; tr "\\0" " " < /proc/1/cmdline; echo',
      `echo @@hostpid; ls -d /proc/${hostPid} 2>&1; kill -0 ${hostPid} 2>&1; echo "rc=$?"; kill -9 ${hostPid} 2>&1; echo "rc=$?"`,
      'echo @@whoami; id -u',
    ].join('\n'),
    30_000,
    user,
  );
  assert.equal(result.code, 0, result.stderr);
  assert.ok(!result.stdout.includes(marker), `the host process's marker is visible in the sprite:\n${result.stdout}`);
  const out = sections(result.stdout);
  assert.equal(out.whoami, user === 'root' ? '0' : '1000', 'control: the script runs as the user asked for');

  const pids = (out.pids ?? '').split('\n').filter(Boolean).map(Number);
  assert.ok(pids.includes(1), `PID 1 is listed: ${pids.join(' ')}`);
  // tini, the agent, this shell and its children: a handful, nowhere near the host's hundreds.
  assert.ok(pids.length <= 10, `the sprite sees ${pids.length} pids: ${pids.join(' ')}`);
  assert.match(out.pid1 ?? '', /^\/\.hob\/bin\/tini -- /, 'PID 1 of the sprite is tini');
  assert.doesNotMatch(out.ps ?? '', /\bsleep 300\b/, 'no host sleep in ps');

  // The host's pid number means nothing inside (pids in a fresh sprite are small).
  if (hostPid > 100) {
    assert.ok(!pids.includes(hostPid), `host pid ${hostPid} exists in the sprite`);
    assert.match(out.hostpid ?? '', /No such file or directory/);
    assert.match(out.hostpid ?? '', /No such process/);
    assert.doesNotMatch(out.hostpid ?? '', /rc=0/, 'kill of a host pid succeeded in the sprite');
  }
  assert.equal(host.exitCode, null, 'the host process is still alive');
  assert.equal(host.signalCode, null, 'the host process was not signalled');
}

test('each sprite has its own pid, mount, net, ipc, uts, user and cgroup namespaces', { timeout: 120_000 }, async (t) => {
  const sprites = spriteFixture(t, server);
  const [a, b] = await Promise.all([sprites.create(), sprites.create()]);
  const kinds = ['pid', 'mnt', 'net', 'ipc', 'uts', 'user', 'cgroup'] as const;
  const script = kinds.map((kind) => `echo "${kind}=$(readlink /proc/self/ns/${kind})"`).join('\n');
  const read = async (name: string): Promise<Map<string, string>> => {
    const result = await sh(sprites.client, name, script);
    assert.equal(result.code, 0, result.stderr);
    // Each line is kind=link, and a namespace link (`pid:[4026531836]`) holds no '='.
    return new Map(result.stdout.trim().split('\n').map((line) => line.split('=') as [string, string]));
  };
  const [nsA, nsB] = await Promise.all([read(a.name), read(b.name)]);
  for (const kind of kinds) {
    const host = readlinkSync(`/proc/self/ns/${kind}`);
    const inA = nsA.get(kind);
    const inB = nsB.get(kind);
    assert.match(inA ?? '', new RegExp(`^${kind}:\\[\\d+\\]$`), `sprite A reads its ${kind} namespace`);
    assert.notEqual(inA, host, `sprite A shares the host's ${kind} namespace`);
    assert.notEqual(inB, host, `sprite B shares the host's ${kind} namespace`);
    assert.notEqual(inA, inB, `two sprites share a ${kind} namespace`);
  }
});
