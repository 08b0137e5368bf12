/**
 * The SDK's filesystem on the debian image, whose default user is `sprite`: what it writes is
 * its own, what it may not touch is EACCES/EPERM (not "missing"), and `asRoot` acts as root.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { FilesystemError } from '@fly/sprites';
import { sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { sdkClient } from '../../helpers/sdk.js';
import { ensureImage } from '../../helpers/server.js';
import { shStdout } from '../../helpers/shell.js';

const server = sharedServer();

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof FilesystemError, String(error));
    return error.code;
  }
  assert.fail('the call succeeded');
}

test('on debian the filesystem acts as the sprite user, and as root with asRoot', { timeout: 30 * 60_000 }, async (t) => {
  const { client, create } = spriteFixture(t, server);
  await ensureImage(client, 'debian');
  const { name } = await create({ image: 'debian' });
  const fs = sdkClient(server).sprite(name).filesystem('/home/sprite');
  const asRoot = (script: string) => shStdout(client, name, script, { user: 'root' });

  await fs.writeFile('notes/today.txt', 'mine\n');
  await fs.copyFile('/etc/hostname', 'hostname-copy');
  await fs.mkdir('made/deep', { recursive: true });
  assert.equal(await asRoot('stat -c "%U:%G" /home/sprite/notes /home/sprite/notes/today.txt /home/sprite/hostname-copy /home/sprite/made/deep'), 'sprite:sprite\n'.repeat(4));
  assert.equal(await fs.readFile('notes/today.txt', 'utf8'), 'mine\n');

  assert.equal(await codeOf(fs.writeFile('/etc/blocked', 'x')), 'EACCES');
  assert.equal(await codeOf(fs.readFile('/etc/shadow')), 'EACCES');
  // /root is closed to the sprite user: that is not the same as missing.
  assert.equal(await codeOf(fs.exists('/root/.bashrc')), 'EACCES');
  assert.equal(await fs.exists('/home/sprite/notes/today.txt'), true);

  await asRoot('echo root-only > /etc/hob-owned && chmod 644 /etc/hob-owned');
  assert.equal(await codeOf(fs.rm('/etc/hob-owned')), 'EACCES');
  assert.equal(await codeOf(fs.rename('/etc/hob-owned', '/etc/hob-moved')), 'EACCES');
  await fs.rename('/etc/hob-owned', '/etc/hob-moved', { asRoot: true });
  assert.equal(await codeOf(fs.chmod('/etc/hob-moved', 0o666)), 'EPERM');
  await fs.chmod('/etc/hob-moved', 0o600, { asRoot: true });
  await fs.copyFile('/etc/hob-moved', '/etc/hob-copied', { asRoot: true });
  await fs.rm('/etc/hob-moved', { asRoot: true });
  assert.equal(await asRoot('stat -c "%U %a" /etc/hob-copied; test -e /etc/hob-moved || echo gone'), 'root 600\ngone\n');

  assert.equal(await codeOf(fs.chown('notes/today.txt', { uid: 'root' })), 'EPERM', 'only root gives files away');
  await fs.chown('notes/today.txt', { uid: 'root', gid: 'root', asRoot: true });
  assert.equal(await asRoot('stat -c %U:%G /home/sprite/notes/today.txt'), 'root:root\n');
});
