import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';

import { lexistsInRoot, resolveInRoot } from './in-root.js';

const root = mkdtempSync(path.join(tmpdir(), 'hobtest-inroot-'));
after(() => rmSync(root, { recursive: true, force: true }));

mkdirSync(path.join(root, 'usr/bin'), { recursive: true });
writeFileSync(path.join(root, 'usr/bin/busybox'), '');
symlinkSync('usr/bin', path.join(root, 'bin'));
symlinkSync('/usr/bin/busybox', path.join(root, 'usr/bin/sh'));
symlinkSync('/etc', path.join(root, 'etc')); // points at itself once "/" is the image root
symlinkSync('../../../../..', path.join(root, 'up'));
symlinkSync('/nowhere/resolv.conf', path.join(root, 'dangling'));

describe('resolveInRoot', () => {
  test('follows relative and absolute symlinks with the image as "/"', async () => {
    assert.equal(await resolveInRoot(root, '/bin/sh'), path.join(root, 'usr/bin/busybox'));
  });

  test('".." never climbs above the image root', async () => {
    assert.equal(await resolveInRoot(root, '/../../usr/bin'), path.join(root, 'usr/bin'));
    assert.equal(await resolveInRoot(root, '/up/usr/bin/busybox'), path.join(root, 'usr/bin/busybox'));
  });

  test('missing paths resolve lexically inside the root', async () => {
    assert.equal(await resolveInRoot(root, '/var/tmp/../lib'), path.join(root, 'var/lib'));
    assert.equal(await resolveInRoot(root, '/dangling'), path.join(root, 'nowhere/resolv.conf'));
  });

  test('symlink loops fail instead of spinning', async () => {
    await assert.rejects(resolveInRoot(root, '/etc/passwd'), /too many levels of symbolic links/);
  });

  test('lexistsInRoot sees a dangling symlink without following it', async () => {
    assert.equal(await lexistsInRoot(root, '/dangling'), true);
    assert.equal(await lexistsInRoot(root, '/missing'), false);
  });
});
