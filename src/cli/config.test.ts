import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { readCliEnvironment, resolveConnection, resolveSpriteName, writeSpriteFile } from './config.js';

test('only terminal variables are picked up for TTY sessions', () => {
  const env = readCliEnvironment({ TERM: 'xterm', LANG: 'C.UTF-8', SECRET: 'x', HOME: '/h' }, '/');
  assert.deepEqual(env.terminalEnv, { TERM: 'xterm', LANG: 'C.UTF-8' });
  assert.equal(env.configPath, '/h/.config/hob/config.json');
});

test('HOB_URL and HOB_TOKEN override the config file', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hob-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify({ url: 'http://file:1', token: 'file-token' }));
  const base = readCliEnvironment({ HOB_CLI_CONFIG: configPath }, dir);
  assert.deepEqual(resolveConnection(base), { url: 'http://file:1', token: 'file-token' });
  const overridden = readCliEnvironment({ HOB_CLI_CONFIG: configPath, HOB_URL: 'http://env:2', HOB_TOKEN: 'env-token' }, dir);
  assert.deepEqual(resolveConnection(overridden), { url: 'http://env:2', token: 'env-token' });
  const missing = readCliEnvironment({ HOB_CLI_CONFIG: join(dir, 'none.json') }, dir);
  assert.throws(() => resolveConnection(missing), /no API token/);
});

test('-s wins; otherwise the nearest .hob file upwards names the sprite', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hob-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const nested = join(dir, 'a', 'b');
  mkdirSync(nested, { recursive: true });
  writeSpriteFile(dir, 'outer');
  const env = readCliEnvironment({}, nested);
  assert.equal(resolveSpriteName(undefined, env), 'outer');
  assert.equal(resolveSpriteName('explicit', env), 'explicit');
  writeSpriteFile(join(dir, 'a'), 'inner');
  assert.equal(resolveSpriteName(undefined, env), 'inner');
  assert.throws(() => resolveSpriteName('Bad/Name', env), /invalid sprite name/);
});
