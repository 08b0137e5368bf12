/**
 * Escape attempts against the filesystem boundary: host files, the server's data dir and the
 * btrfs pool must be unreachable from a sprite by any path trick, and the agent's runtime
 * mounted at /.hob must be read-only.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { sections, sh } from '../../helpers/shell.js';

const server = sharedServer();
const SPRITE_ROOT_UID = 100_000;

/** Every way we know to name a host path from inside a sprite. */
function readAttempts(hostPath: string): Record<string, string> {
  const rel = hostPath.replace(/^\/+/, '');
  return {
    direct: `cat ${hostPath}`,
    'proc-1-root': `cat /proc/1/root/${rel}`,
    'proc-self-root': `cat /proc/self/root/${rel}`,
    'proc-1-cwd': `cat /proc/1/cwd/${rel}`,
    'dotdot-from-root': `cat /../../../../../${rel}`,
    'dotdot-from-run': `cat /.hob/run/../../../../../../../${rel}`,
    'symlink-in-tmp': `ln -sfn ${hostPath} /tmp/escape-abs && cat /tmp/escape-abs`,
    // /.hob/run is a directory of the host filesystem: a link made there is still resolved in the sprite.
    'symlink-in-run': `ln -sfn ${hostPath} /.hob/run/escape-abs && cat /.hob/run/escape-abs`,
    'relative-symlink-in-run': `ln -sfn ../../../../../../../../../${rel} /.hob/run/escape-rel && cat /.hob/run/escape-rel`,
  };
}

function attemptScript(attempts: Record<string, string>): string {
  return Object.entries(attempts)
    .map(([name, cmd]) => `echo @@${name}; (${cmd}) 2>&1; echo "rc=$?"`)
    .join('\n');
}

test('host files are unreachable from a sprite by path, /proc roots, .. traversal or symlinks', { timeout: 120_000 }, async (t) => {
  const sprites = spriteFixture(t, server);
  const sprite = await sprites.create();
  const tag = randomBytes(6).toString('hex');
  const secrets = [
    { where: 'the test run dir', path: join(server.runDir, `hob-secret-${tag}`) },
    { where: "the server's data dir", path: join(server.dataDir, `hob-secret-${tag}`) },
    // The sprite's own state dir on the host: the parent of the directory mounted at /.hob/run.
    { where: "the sprite's host state dir", path: join(server.dataDir, 'sprites', sprite.id, `hob-secret-${tag}`) },
    { where: 'the host /tmp', path: `/tmp/hob-secret-${tag}` },
  ].map((secret) => ({ ...secret, content: `HOBSECRET-${randomBytes(8).toString('hex')}` }));
  t.after(() => {
    for (const secret of secrets) rmSync(secret.path, { force: true });
  });
  for (const secret of secrets) {
    writeFileSync(secret.path, `${secret.content}\n`, { mode: 0o644 });
    // The state dir is root-only on the host (0700), a second wall; below, ENOENT rather than EACCES shows the first one holds.
    if (secret.where === "the sprite's host state dir") continue;
    // Control: the sprite's host uid could read the file if it could name it, so a failure below is the namespace's doing.
    const control = spawnSync('setpriv', [`--reuid=${SPRITE_ROOT_UID}`, `--regid=${SPRITE_ROOT_UID}`, '--clear-groups', 'cat', secret.path], { encoding: 'utf8' });
    assert.equal(control.stdout.trim(), secret.content, `control: host uid ${SPRITE_ROOT_UID} can read the secret in ${secret.where}`);
  }

  for (const secret of secrets) {
    const attempts = readAttempts(secret.path);
    // The sprite's own state dir is also the parent of its run dir on the host: try climbing out of it.
    if (secret.where === "the sprite's host state dir") {
      const name = secret.path.split('/').pop() ?? '';
      attempts['run-parent'] = `cat /.hob/run/../${name}`;
      attempts['relative-symlink-to-run-parent'] = `ln -sfn ../${name} /.hob/run/escape-up && cat /.hob/run/escape-up`;
    }
    const result = await sh(sprites.client, sprite.name, attemptScript(attempts));
    assert.ok(!result.stdout.includes(secret.content), `the secret in ${secret.where} was read from the sprite:\n${result.stdout}`);
    const out = sections(result.stdout);
    for (const name of Object.keys(attempts)) {
      const text = out[name] ?? '';
      assert.match(text, /No such file or directory/, `${secret.where}, ${name}: ${text}`);
      assert.match(text, /rc=1$/, `${secret.where}, ${name}: ${text}`);
    }
  }
});

test("the server's data dir, the pool and other sprites' roots are not visible in a sprite", { timeout: 120_000 }, async (t) => {
  const sprites = spriteFixture(t, server);
  const sprite = await sprites.create();
  const hostPaths = [
    server.dataDir,
    join(server.dataDir, 'pool'),
    join(server.dataDir, 'pool', 'sprites', sprite.id, 'root'),
    join(server.dataDir, 'sprites'),
    server.runDir,
    // Present depending on the pool kind and the runtime; checked when they exist.
    join(server.dataDir, 'pool.img'),
    join(server.dataDir, 'runc'),
  ].filter((path) => existsSync(path));
  assert.ok(hostPaths.includes(join(server.dataDir, 'pool', 'sprites', sprite.id, 'root')), "control: the sprite's root is where the test looks for it");
  const result = await sh(
    sprites.client,
    sprite.name,
    [
      ...hostPaths.map((path, i) => `echo @@path${i}; ls -d ${path} 2>&1; echo "rc=$?"`),
      // Names that only exist on the host side, searched for everywhere but the kernel's own filesystems.
      'echo @@find; timeout 20 find / \\( -path /proc -o -path /sys \\) -prune -o \\( -name pool.img -o -name "hob.db*" -o -name cli.json -o -name config.json \\) -print 2>&1; echo "rc=$?"',
      'echo @@blockdevs; ls /dev; ls /dev | grep -E "^(loop|vd|sd|nvme|dm-|btrfs-control)"; echo "rc=$?"',
    ].join('\n'),
  );
  const out = sections(result.stdout);
  hostPaths.forEach((path, i) => {
    const text = out[`path${i}`] ?? '';
    assert.match(text, /No such file or directory/, `${path} is visible in the sprite: ${text}`);
    assert.match(text, /rc=1$/, `${path}: ${text}`);
  });
  assert.equal(out.find, 'rc=0', `host-side files found in the sprite: ${String(out.find)}`);
  assert.match(out.blockdevs ?? '', /rc=1$/, `a block device or btrfs control node is in the sprite's /dev: ${String(out.blockdevs)}`);
});

test('/.hob is read-only in a sprite; only /.hob/run is writable', { timeout: 120_000 }, async (t) => {
  const sprites = spriteFixture(t, server);
  const sprite = await sprites.create();
  const attempts: Record<string, string> = {
    touch: 'touch /.hob/escape',
    overwrite: 'echo "process.exit(1)" > /.hob/agent.js',
    remove: 'rm -f /.hob/bin/node',
    mkdir: 'mkdir /.hob/escape-dir',
    chmod: 'chmod 777 /.hob/bin',
  };
  const result = await sh(
    sprites.client,
    sprite.name,
    [
      attemptScript(attempts),
      'echo @@remount; mount -o remount,rw /.hob 2>&1; echo "rc=$?"',
      'echo @@after; touch /.hob/escape 2>&1; echo "rc=$?"',
      'echo @@run; touch /.hob/run/writable && echo ok',
    ].join('\n'),
  );
  const out = sections(result.stdout);
  for (const name of Object.keys(attempts)) {
    assert.match(out[name] ?? '', /Read-only file system/, `${name}: ${String(out[name])}`);
    assert.match(out[name] ?? '', /rc=1$/, `${name}: ${String(out[name])}`);
  }
  assert.match(out.remount ?? '', /permission denied|Operation not permitted/i, `remount: ${String(out.remount)}`);
  assert.doesNotMatch(out.remount ?? '', /rc=0$/);
  assert.match(out.after ?? '', /Read-only file system/, 'still read-only after the remount attempt');
  // The run dir is the one writable window, and it is the sprite's own.
  assert.equal(out.run, 'ok');
  assert.ok(existsSync(join(server.dataDir, 'sprites', sprite.id, 'run', 'writable')));
  // The agent still answers: its runtime was not damaged.
  const again = await sh(sprites.client, sprite.name, 'echo alive');
  assert.equal(again.stdout, 'alive\n');
});

test("no server secret reaches a sprite's environment or command lines", { timeout: 120_000 }, async (t) => {
  const sprites = spriteFixture(t, server);
  const sprite = await sprites.create();
  const result = await sh(sprites.client, sprite.name, 'env; for f in /proc/[0-9]*/environ /proc/[0-9]*/cmdline; do tr "\\0" "\\n" < $f; done');
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^PATH=/m, 'control: the environment was read');
  assert.ok(!result.stdout.includes(server.token), 'the API token is visible in the sprite');
  assert.doesNotMatch(result.stdout, /HOB_[A-Z_]+=/, 'a HOB_* variable of the server leaked into the sprite');
  assert.ok(!result.stdout.includes(server.dataDir), "the data dir's path is in a sprite process's environment or arguments");
});

// runc bind-mounts <dataDir>/sprites/<id>/run, a directory of the host's own filesystem, so
// what a sprite writes there is outside the pool and outside any storage limit.
test('the agent run dir cannot be used to fill the host disk', { timeout: 120_000 }, async (t) => {
  const sprites = spriteFixture(t, server);
  const sprite = await sprites.create();
  const result = await sh(sprites.client, sprite.name, 'dd if=/dev/zero of=/.hob/run/fill bs=1M count=64 2>&1; echo "rc=$?"; rm -f /.hob/run/fill', 60_000);
  assert.match(result.stdout, /No space left on device|Disk quota exceeded/, result.stdout);
  assert.doesNotMatch(result.stdout, /rc=0$/m);
});
