import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { sharedServer, spriteFixture } from '../../helpers/fixture.js';
import { ensureImage } from '../../helpers/server.js';
import { shStdout } from '../../helpers/shell.js';

const server = sharedServer();

/** A small real .deb, built on the host with dpkg-deb: sprites have no network to fetch one. */
function buildDeb(): string {
  const dir = mkdtempSync('/tmp/hobdeb-');
  try {
    const root = join(dir, 'pkg');
    mkdirSync(join(root, 'DEBIAN'), { recursive: true });
    mkdirSync(join(root, 'usr', 'bin'), { recursive: true });
    mkdirSync(join(root, 'usr', 'share', 'hob-test'), { recursive: true });
    writeFileSync(join(root, 'DEBIAN', 'control'), 'Package: hob-test-pkg\nVersion: 1.0\nArchitecture: all\nMaintainer: Hob tests <tests@hob.invalid>\nDescription: checkpoint test package\n');
    writeFileSync(join(root, 'usr', 'bin', 'hob-hello'), '#!/bin/sh\necho hello from a package\n');
    chmodSync(join(root, 'usr', 'bin', 'hob-hello'), 0o755);
    writeFileSync(join(root, 'usr', 'share', 'hob-test', 'data.txt'), 'x'.repeat(100_000));
    execFileSync('dpkg-deb', ['--root-owner-group', '--build', root, join(dir, 'pkg.deb')], { stdio: 'ignore' });
    return readFileSync(join(dir, 'pkg.deb')).toString('base64');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const SQLITE_FILL = `python3 - <<'PY'
import sqlite3
db = sqlite3.connect('/home/sprite/app.db')
db.execute('CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, payload BLOB)')
db.executemany('INSERT INTO items (name, payload) VALUES (?, randomblob(200))', [(f'item-{i}',) for i in range(20000)])
db.commit()
PY`;

test('on debian: files, an installed package and a SQLite database survive a restore byte for byte', { timeout: 30 * 60_000 }, async (t) => {
  const { client, create } = spriteFixture(t, server);
  await ensureImage(client, 'debian');
  const sprite = await create({ image: 'debian' });
  const name = sprite.name;
  // Installing packages and writing /srv take root, which the sprite's user would get through sudo.
  const bash = (script: string, input?: string) => shStdout(client, name, script, { shell: 'bash', input, user: 'root' });

  await bash('base64 -d > /tmp/pkg.deb && dpkg -i /tmp/pkg.deb >/dev/null && rm /tmp/pkg.deb', buildDeb());
  await bash(SQLITE_FILL);
  await bash('mkdir -p /srv/site && for i in $(seq 1 200); do head -c $((i * 97)) /dev/urandom > /srv/site/f$i; done');
  const fingerprint = 'cd / && sha256sum home/sprite/app.db usr/bin/hob-hello usr/share/hob-test/data.txt srv/site/* var/lib/dpkg/status | sha256sum';
  const before = await bash(fingerprint);
  assert.equal(await bash('hob-hello'), 'hello from a package\n');

  const made = await client.createCheckpoint(name, 'app ready', () => undefined);
  assert.equal(made.type, 'complete');

  await bash(`dpkg -r hob-test-pkg >/dev/null && python3 -c "import sqlite3; db = sqlite3.connect('/home/sprite/app.db'); db.execute('DELETE FROM items WHERE id % 2 = 0'); db.commit(); db.execute('VACUUM')" && rm -rf /srv/site`);
  assert.notEqual(await bash('command -v hob-hello || echo missing'), '/usr/bin/hob-hello\n');

  const progress: string[] = [];
  const restored = await client.restoreCheckpoint(name, 'v0', (event) => progress.push(event.type));
  assert.equal(restored.type, 'complete');
  assert.equal(await bash(fingerprint), before, 'every byte is back');
  assert.equal(await bash('hob-hello && dpkg -s hob-test-pkg | grep Status'), 'hello from a package\nStatus: install ok installed\n');
  assert.equal(
    await bash(`python3 -c "import sqlite3; db = sqlite3.connect('/home/sprite/app.db'); print(db.execute('PRAGMA integrity_check').fetchone()[0], db.execute('SELECT COUNT(*) FROM items').fetchone()[0])"`),
    'ok 20000\n',
  );
});
