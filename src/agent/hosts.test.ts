import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { ensureHostnameResolves } from './hosts.js';

test('adds the hostname to /etc/hosts once, keeping what is there', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hob-hosts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'hosts');
  writeFileSync(file, '127.0.0.1\tlocalhost # mine');
  assert.equal(await ensureHostnameResolves(file), true);
  assert.equal(readFileSync(file, 'utf8'), `127.0.0.1\tlocalhost # mine\n127.0.1.1\t${hostname()}\n`);
  assert.equal(await ensureHostnameResolves(file), false, 'a second call changes nothing');
  writeFileSync(file, `10.0.0.5 other ${hostname()}\n`);
  assert.equal(await ensureHostnameResolves(file), false, 'a name already listed on any line is left alone');
});
