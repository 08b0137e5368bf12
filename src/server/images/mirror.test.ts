import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';

import { aptMirror } from './mirror.js';

const base = mkdtempSync(path.join(tmpdir(), 'hobtest-mirror-'));
after(() => rmSync(base, { recursive: true, force: true }));

let n = 0;
function setup(files: Record<string, string>, list?: string): { dir: string; list: string } {
  const dir = path.join(base, `case${n++}`);
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  const listFile = path.join(dir, 'sources.list.main');
  if (list !== undefined) writeFileSync(listFile, list);
  return { dir, list: listFile };
}

const DEBIAN_DEB822 = `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.example.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.example.org/debian-security
Suites: bookworm-security
Components: main
`;

describe('aptMirror', () => {
  test('reads a deb822 .sources file and skips the security-only stanza', () => {
    const { dir, list } = setup({ 'debian.sources': DEBIAN_DEB822 });
    assert.equal(aptMirror(dir, list), 'http://deb.example.org/debian');
  });

  test('security stanza first still picks the release mirror', () => {
    const [main = '', security = ''] = DEBIAN_DEB822.split('\n\n');
    const { dir, list } = setup({ 'debian.sources': `${security}\n\n${main}\n` });
    assert.equal(aptMirror(dir, list), 'http://deb.example.org/debian');
  });

  test('ignores disabled stanzas, deb-src and files apt would not read', () => {
    const { dir, list } = setup({
      'a.sources': 'Types: deb\nURIs: http://off.example/debian\nSuites: bookworm\nComponents: main\nEnabled: no\n',
      'b.sources': 'Types: deb-src\nURIs: http://src.example/debian\nSuites: bookworm\nComponents: main\n',
      'c.list.disabled-by-farm': 'deb http://disabled.example/debian bookworm main\n',
      'd.sources': 'Types: deb\nURIs: http://mirror.example/debian/\nSuites: bookworm\nComponents: main contrib\n',
    });
    assert.equal(aptMirror(dir, list), 'http://mirror.example/debian');
  });

  test('prefers a Debian-looking mirror over a third-party "main" repository', () => {
    const { dir, list } = setup({
      'a-nodesource.sources': 'Types: deb\nURIs: https://deb.nodesource.example/node_20.x\nSuites: nodistro\nComponents: main\n',
      'debian.sources': DEBIAN_DEB822,
    });
    assert.equal(aptMirror(dir, list), 'http://deb.example.org/debian');
  });

  test('reads the one-line sources.list format with options and comments', () => {
    const { dir, list } = setup(
      {},
      [
        '# a comment',
        'deb-src http://src.example/debian bookworm main',
        'deb [arch=amd64 signed-by=/usr/share/keyrings/k.gpg] http://security.example/debian-security bookworm-security main',
        'deb [arch=amd64] http://one.example/debian bookworm main contrib # trailing',
        '',
      ].join('\n'),
    );
    assert.equal(aptMirror(path.join(dir, 'missing.d'), list), 'http://one.example/debian');
  });

  test('throws a clear error when nothing usable is configured', () => {
    const { dir, list } = setup({ 'x.sources': 'Types: deb\nURIs: cdrom:/media\nSuites: bookworm\nComponents: main\n' });
    assert.throws(() => aptMirror(dir, list), /no usable Debian mirror/);
    assert.throws(() => aptMirror(path.join(dir, 'nope'), path.join(dir, 'nope.list')), /no usable Debian mirror/);
  });
});
