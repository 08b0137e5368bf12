import assert from 'node:assert/strict';
import test from 'node:test';
import { HobError } from '../../shared/errors.js';
import { resolveServerConfig } from '../config.js';
import { parseCreateBody, parseUpdateBody } from './validate.js';

const defaults = resolveServerConfig({}, {}).spriteDefaults;

function is400(pattern: RegExp) {
  return (error: unknown) => error instanceof HobError && error.status === 400 && pattern.test(error.message);
}

test('a create body takes the SDK fields and fills defaults', () => {
  const body = parseCreateBody({
    name: 'n1',
    config: { ram_mb: 512, cpus: 2, region: 'ord', storage_gb: 4 },
    environment: { myVar: 'x' },
    url_settings: { auth: 'public', private_access: 'org_users' },
    labels: ['l'],
    wait_for_capacity: true,
    runtime: 'dev',
  });
  assert.deepEqual(body.config(defaults), { ramMiB: 512, cpus: 2, pidsMax: defaults.pidsMax, storageGiB: 4, region: 'ord', waitForCapacity: true });
  assert.equal(body.waitForCapacity, true, 'the create itself waits for room, and so do its wakes (config)');
  assert.equal(parseCreateBody({ name: 'n2' }).waitForCapacity, false);
  assert.deepEqual(body.environment, { myVar: 'x' });
  assert.deepEqual(body.urlSettings, { auth: 'public', private_access: 'org_users' });
  const bare = parseCreateBody({ name: 'n3' });
  assert.deepEqual(bare.config(defaults), { ramMiB: defaults.ramMiB, cpus: defaults.cpus, pidsMax: defaults.pidsMax, storageGiB: defaults.storageGiB, region: 'local' });
  assert.equal(bare.environment, undefined, "no environment given, so a fork can take its source's");
  assert.deepEqual(bare.urlSettings, { auth: 'sprite' });
  assert.deepEqual(parseCreateBody({ name: 'n4', url_settings: {} }).urlSettings, { auth: 'sprite' });
});

test('a fork body names its source; what it leaves out comes from the source', () => {
  const body = parseCreateBody({ name: 'f', source: { sprite: 'src', checkpoint: 'v2' }, config: { cpus: 2 } });
  assert.deepEqual(body.source, { sprite: 'src', checkpoint: 'v2' });
  const sourceConfig = { ramMiB: 2048, cpus: 1, pidsMax: 99, storageGiB: 7 };
  assert.deepEqual(body.config(sourceConfig), { ramMiB: 2048, cpus: 2, pidsMax: 99, storageGiB: 7, region: 'local' });
  assert.equal(body.config({ ...sourceConfig, waitForCapacity: true }).waitForCapacity, true, "a fork keeps its source's wait_for_capacity");
  assert.equal(parseCreateBody({ name: 'g', source: { sprite: 'src' }, wait_for_capacity: false }).config({ ...sourceConfig, waitForCapacity: true }).waitForCapacity, undefined, 'unless told otherwise');
});

test('environment names and NUL bytes, which the schema cannot check, are 400s naming the variable', () => {
  assert.throws(() => parseCreateBody({ name: 'a', environment: { '1x': 'v' } }), is400(/environment variable name "1x"/));
  assert.throws(() => parseCreateBody({ name: 'a', environment: { K: 'a\0b' } }), is400(/environment\.K/));
});

test('updates take labels and url settings, and need one of them', () => {
  assert.deepEqual(parseUpdateBody({ labels: ['a'] }), { labels: ['a'] });
  assert.deepEqual(parseUpdateBody({ url_settings: { auth: 'sprite' }, clear_labels: true }), { labels: [], urlSettings: { auth: 'sprite' } });
  assert.throws(() => parseUpdateBody({}), is400(/nothing to update/));
  assert.throws(() => parseUpdateBody({ clear_labels: false }), is400(/nothing to update/));
});

test('idle_timeout takes seconds or a duration, 0 for never, and a fork keeps its source\'s', () => {
  assert.equal(parseCreateBody({ name: 'a', config: { idle_timeout: 90 } }).config(defaults).idleTimeoutMs, 90_000);
  assert.equal(parseCreateBody({ name: 'a', config: { idle_timeout: '1m30s' } }).config(defaults).idleTimeoutMs, 90_000);
  assert.equal(parseCreateBody({ name: 'a', config: { idle_timeout: 0 } }).config(defaults).idleTimeoutMs, 0);
  assert.equal('idleTimeoutMs' in parseCreateBody({ name: 'a' }).config(defaults), false, "none given: the sprite follows the server's");
  const source = { ...defaults, region: 'local', idleTimeoutMs: 5000 };
  assert.equal(parseCreateBody({ name: 'f', source: { sprite: 's' } }).config(source).idleTimeoutMs, 5000);
  for (const bad of ['soon', '500ms', '8d', '-1s', 604_801]) {
    assert.throws(() => parseCreateBody({ name: 'a', config: { idle_timeout: bad } }).config(defaults), is400(/idle_timeout/), String(bad));
  }
  assert.deepEqual(parseUpdateBody({ config: { idle_timeout: '2h' } }), { idleTimeoutMs: 7_200_000 });
  assert.deepEqual(parseUpdateBody({ config: { idle_timeout: null } }), { idleTimeoutMs: null });
  assert.throws(() => parseUpdateBody({ config: {} }), is400(/nothing to update/));
});
