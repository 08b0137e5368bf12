/**
 * `hob cp` and `hob file push|pull` with the real CLI: a directory both ways with its modes
 * and symlinks, files into and out of directories, acting as another user, and the errors a
 * user sees (one line naming the path).
 */
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { runHob } from '../../helpers/cli.js';
import { sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { shStdout } from '../../helpers/shell.js';

const server = sharedServer();

function mode(path: string): string {
  return (lstatSync(path).mode & 0o7777).toString(8);
}

/** A small tree with the things a copy must keep: modes of files and directories, relative and absolute symlinks, an empty directory. */
function makeTree(root: string): void {
  mkdirSync(join(root, 'bin'), { recursive: true });
  mkdirSync(join(root, 'empty'));
  writeFileSync(join(root, 'a.txt'), 'alpha\n');
  writeFileSync(join(root, 'bin', 'run.sh'), '#!/bin/sh\necho ran\n');
  writeFileSync(join(root, 'big.bin'), Buffer.alloc(3 * 1024 * 1024 + 5, 7));
  symlinkSync('a.txt', join(root, 'link'));
  symlinkSync('/etc/hostname', join(root, 'abs-link'));
  chmodSync(join(root, 'a.txt'), 0o640);
  chmodSync(join(root, 'bin', 'run.sh'), 0o755);
  chmodSync(join(root, 'bin'), 0o750);
  chmodSync(join(root, 'empty'), 0o700);
  chmodSync(root, 0o751);
}

test('hob cp moves a directory into a sprite and back with its modes and symlinks, and files both ways', { timeout: 180_000 }, async (t) => {
  const { client, create } = spriteFixture(t, server);
  const sprite = await create();
  const work = mkdtempSync(join(server.runDir, 'cli-cp-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const hob = (args: string[]) => runHob(server, args, { cwd: work });
  makeTree(join(work, 'project'));

  // A destination that does not exist becomes the copy.
  const pushed = await hob(['cp', './project', `${sprite.name}:/srv/app`]);
  assert.deepEqual([pushed.code, pushed.stderr], [0, '']);
  assert.equal(
    await shStdout(client, sprite.name, 'cd /srv/app && stat -c "%n %a" . a.txt bin bin/run.sh empty big.bin && readlink link && readlink abs-link && cat link && ./bin/run.sh'),
    '. 751\na.txt 640\nbin 750\nbin/run.sh 755\nempty 700\nbig.bin 644\na.txt\n/etc/hostname\nalpha\nran\n',
  );
  // One that is a directory takes it inside.
  assert.equal((await hob(['cp', 'project', `${sprite.name}:/srv/app`])).code, 0);
  assert.equal(await shStdout(client, sprite.name, 'cat /srv/app/project/a.txt'), 'alpha\n');

  // Back out: a missing local destination becomes the copy, an existing directory takes it inside.
  const pulled = await hob(['cp', `${sprite.name}:/srv/app`, 'back']);
  assert.deepEqual([pulled.code, pulled.stderr], [0, '']);
  const back = join(work, 'back');
  assert.deepEqual(
    ['.', 'a.txt', 'bin', 'bin/run.sh', 'empty', 'big.bin'].map((p) => `${p} ${mode(join(back, p))}`),
    ['. 751', 'a.txt 640', 'bin 750', 'bin/run.sh 755', 'empty 700', 'big.bin 644'],
  );
  assert.equal(readlinkSync(join(back, 'link')), 'a.txt');
  assert.equal(readlinkSync(join(back, 'abs-link')), '/etc/hostname', 'an absolute symlink comes back as a link, not what it points to');
  assert.deepEqual(readFileSync(join(back, 'big.bin')), readFileSync(join(work, 'project', 'big.bin')));
  assert.equal((await hob(['cp', `${sprite.name}:/srv/app/bin`, 'back'])).code, 0);
  assert.equal(readFileSync(join(back, 'bin', 'run.sh'), 'utf8'), '#!/bin/sh\necho ran\n');

  // Files: into a directory on either side keeps the name, and the mode and mtime come along.
  assert.equal((await hob(['cp', 'project/a.txt', `${sprite.name}:/srv/`])).code, 0);
  assert.equal(await shStdout(client, sprite.name, 'stat -c "%a %s" /srv/a.txt'), '640 6\n');
  await shStdout(client, sprite.name, 'echo log line > /var/app.log && chmod 4755 /var/app.log && touch -d "2020-01-02 03:04:05" /var/app.log');
  assert.equal((await hob(['cp', `${sprite.name}:/var/app.log`, '.'])).code, 0);
  assert.equal(readFileSync(join(work, 'app.log'), 'utf8'), 'log line\n');
  assert.equal(mode(join(work, 'app.log')), '755', 'no setuid bit comes out of a sprite');
  assert.equal(statSync(join(work, 'app.log')).mtime.toISOString(), '2020-01-02T03:04:05.000Z');

  // The `sprite` CLI's names, with the sprite from -s.
  assert.equal((await hob(['-s', sprite.name, 'file', 'push', 'project/a.txt', '/srv/pushed.txt'])).code, 0);
  assert.equal((await hob(['-s', sprite.name, 'file', 'pull', '/srv/pushed.txt', 'pulled.txt'])).code, 0);
  assert.equal(readFileSync(join(work, 'pulled.txt'), 'utf8'), 'alpha\n');
});

test('hob cp acts as the user it is told, and says what failed in one line', { timeout: 120_000 }, async (t) => {
  const { client, create } = spriteFixture(t, server);
  const sprite = await create();
  const work = mkdtempSync(join(server.runDir, 'cli-cp-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  const hob = (args: string[]) => runHob(server, args, { cwd: work });
  makeTree(join(work, 'project'));

  assert.equal((await hob(['cp', '--user', 'sprite', 'project', `${sprite.name}:/home/sprite/`])).code, 0);
  assert.equal(await shStdout(client, sprite.name, 'stat -c "%U %a" /home/sprite/project /home/sprite/project/a.txt'), 'sprite 751\nsprite 640\n');
  const denied = await hob(['cp', '--user', 'sprite', 'project/a.txt', `${sprite.name}:/etc/a.txt`]);
  assert.deepEqual([denied.code, denied.stderr], [1, `error: ${sprite.name}:/etc/a.txt: permission denied\n`]);

  const missing = await hob(['cp', `${sprite.name}:/no/such/file`, '.']);
  assert.deepEqual([missing.code, missing.stderr], [1, `error: ${sprite.name}:/no/such/file: no such file or directory\n`]);
  const noLocal = await hob(['cp', 'nothing-here', `${sprite.name}:/srv/`]);
  assert.deepEqual([noLocal.code, noLocal.stderr], [1, 'error: nothing-here: no such file or directory\n']);
  const bothLocal = await hob(['cp', 'a', 'b']);
  assert.equal(bothLocal.code, 1);
  assert.match(bothLocal.stderr, /^error: neither side is a sprite/);
  const dirOntoFile = await hob(['cp', 'project', `${sprite.name}:/etc/hostname`]);
  assert.deepEqual([dirOntoFile.code, dirOntoFile.stderr], [1, `error: /etc/hostname is a file in the sprite; a directory cannot be copied onto it\n`]);
});
