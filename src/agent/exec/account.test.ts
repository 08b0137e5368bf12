import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { defaultDirectory, lookUpAccount } from './account.js';

function withPasswd(text: string, run: (path: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'hob-passwd-'));
  try {
    const path = join(dir, 'passwd');
    writeFileSync(path, text);
    run(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const PASSWD = ['root:x:0:0:root:/root:/bin/bash', 'sprite:x:1000:1000::/home/sprite:/bin/bash', 'svc:x:998:997::/nonexistent:', 'broken:x:abc:1::/:/bin/sh', 'big:x:70000:70000::/:/bin/sh', ''].join('\n');

test('accounts are found by name or uid in the passwd file', () => {
  withPasswd(PASSWD, (path) => {
    assert.deepEqual(lookUpAccount('sprite', path), { name: 'sprite', uid: 1000, gid: 1000, home: '/home/sprite', shell: '/bin/bash' });
    assert.equal(lookUpAccount('1000', path)?.name, 'sprite');
    assert.equal(lookUpAccount(undefined, path)?.uid, 0, 'no user is root');
    assert.equal(lookUpAccount('svc', path)?.gid, 997);
    assert.equal(lookUpAccount('nobody-here', path), undefined);
    assert.equal(lookUpAccount('broken', path), undefined, 'a line with a bad uid is skipped');
    assert.equal(lookUpAccount('big', path), undefined, 'ids outside the sprite range are skipped');
  });
});

test('root and bare uids work without a passwd entry, names do not', () => {
  const missing = join(tmpdir(), 'hob-no-such-passwd');
  assert.deepEqual({ ...lookUpAccount('root', missing), shell: '' }, { name: 'root', uid: 0, gid: 0, home: '/root', shell: '' });
  assert.deepEqual({ ...lookUpAccount('1234', missing), shell: '' }, { name: '1234', uid: 1234, gid: 1234, home: '/', shell: '' });
  assert.equal(lookUpAccount('sprite', missing), undefined);
});

test('a user starts in a home that exists, root in /', () => {
  assert.equal(defaultDirectory({ name: 'root', uid: 0, gid: 0, home: '/root', shell: '/bin/sh' }), '/');
  assert.equal(defaultDirectory({ name: 'u', uid: 1000, gid: 1000, home: tmpdir(), shell: '/bin/sh' }), tmpdir());
  assert.equal(defaultDirectory({ name: 'u', uid: 1000, gid: 1000, home: '/nonexistent/home', shell: '/bin/sh' }), '/');
});
