import assert from 'node:assert/strict';
import { mkdtempSync, readlinkSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { linkSpriteEnv } from './sprite-env-link.js';

test('sprite-env is linked where it is missing, and a file of the same name is left alone', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'sprite-env-link-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const link = join(root, 'usr', 'local', 'bin', 'sprite-env');
  assert.equal(linkSpriteEnv(link, '/.hob/bin/sprite-env'), true, 'made, with its directories');
  assert.equal(readlinkSync(link), '/.hob/bin/sprite-env');
  assert.equal(linkSpriteEnv(link, '/.hob/bin/sprite-env'), false, 'a second start changes nothing');

  const own = join(root, 'own');
  writeFileSync(own, 'mine');
  assert.equal(linkSpriteEnv(own, '/.hob/bin/sprite-env'), false);
  assert.equal(readFileSync(own, 'utf8'), 'mine');
});
