import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { ensureGroup, ensureHosts, ensurePasswd, ensureShadow } from './accounts.js';

describe('accounts', () => {
  test('passwd gains root and sprite once, keeping existing lines', () => {
    const first = ensurePasswd('daemon:x:1:1::/:/bin/false', '/bin/sh');
    assert.equal(
      first,
      'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1::/:/bin/false\nsprite:x:1000:1000::/home/sprite:/bin/sh\n',
    );
    assert.equal(ensurePasswd(first, '/bin/bash'), first);
  });

  test('an existing sprite entry is not rewritten', () => {
    const text = 'root:x:0:0:root:/root:/bin/bash\nsprite:x:1000:1000:Sprite,,,:/home/sprite:/bin/bash\n';
    assert.equal(ensurePasswd(text, '/bin/sh'), text);
  });

  test('group gains root, tty and sprite; a gid 5 under another name is respected', () => {
    assert.equal(ensureGroup(''), 'root:x:0:\ntty:x:5:\nsprite:x:1000:\n');
    const custom = 'root:x:0:\nterminals:x:5:\n';
    assert.equal(ensureGroup(custom), `${custom}sprite:x:1000:\n`);
  });

  test('shadow entries are added without passwords', () => {
    const out = ensureShadow('root:*:19000:0:99999:7:::\n', 20000);
    assert.equal(out, 'root:*:19000:0:99999:7:::\nsprite:*:20000:0:99999:7:::\n');
    assert.equal(ensureShadow(out, 1), out);
  });

  test('hosts gains localhost lines only when missing', () => {
    const out = ensureHosts('');
    assert.match(out, /^127\.0\.0\.1\tlocalhost$/m);
    assert.equal(ensureHosts(out), out);
    const existing = '127.0.0.1 localhost.localdomain localhost\n';
    assert.equal(ensureHosts(existing), existing);
  });
});
