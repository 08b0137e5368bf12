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
  const body = parseCreateBody(
    { name: 'n1', config: { ram_mb: 512, cpus: 2, region: 'ord', storage_gb: 4 }, environment: { myVar: 'x' }, url_settings: { auth: 'public', private_access: 'org_users' }, labels: ['l'], wait_for_capacity: true, runtime: 'dev' },
    defaults,
  );
  assert.deepEqual(body.config(defaults), { ramMiB: 512, cpus: 2, pidsMax: defaults.pidsMax, storageGiB: 4, region: 'ord' });
  assert.deepEqual(body.environment, { myVar: 'x' });
  assert.deepEqual(body.urlSettings, { auth: 'public', private_access: 'org_users' });
  assert.deepEqual(parseCreateBody({ name: 'n3' }, defaults).config(defaults).ramMiB, defaults.ramMiB);
  assert.equal(parseCreateBody({ name: 'n3' }, defaults).environment, undefined, 'no environment given, so a fork can take its source\'s');
});

test('a fork body names its source; what it leaves out comes from the source', () => {
  const body = parseCreateBody({ name: 'f', source: { sprite: 'src', checkpoint: 'v2' }, config: { cpus: 2 } }, defaults);
  assert.deepEqual(body.source, { sprite: 'src', checkpoint: 'v2' });
  const sourceConfig = { ramMiB: 2048, cpus: 1, pidsMax: 99, storageGiB: 7 };
  assert.deepEqual(body.config(sourceConfig), { ramMiB: 2048, cpus: 2, pidsMax: 99, storageGiB: 7, region: 'local' });
  assert.throws(() => parseCreateBody({ name: 'f', source: 'src' }, defaults), is400(/source must be an object/));
  assert.throws(() => parseCreateBody({ name: 'f', source: { sprite: '' } }, defaults), is400(/source.sprite/));
  assert.throws(() => parseCreateBody({ name: 'f', source: { sprite: 's', checkpoint: 3 } }, defaults), is400(/source.checkpoint/));
  assert.throws(() => parseCreateBody({ name: 'f', source: { sprite: 's', at: 'x' } }, defaults), is400(/unknown field in source: at/));
});

test('bad create bodies are 400s naming the field', () => {
  assert.throws(() => parseCreateBody('x', defaults), is400(/JSON object/));
  assert.throws(() => parseCreateBody({ name: 'a', bogus: 1 }, defaults), is400(/unknown field.*bogus/));
  assert.throws(() => parseCreateBody({ name: 'a', config: { ram_mb: 1 } }, defaults), is400(/config.ram_mb/));
  assert.throws(() => parseCreateBody({ name: 'a', config: { cpus: 'x' } }, defaults), is400(/config.cpus/));
  assert.throws(() => parseCreateBody({ name: 'a', environment: { '1x': 'v' } }, defaults), is400(/environment variable name/));
  assert.throws(() => parseCreateBody({ name: 'a', labels: [''] }, defaults), is400(/label/));
  assert.throws(() => parseCreateBody({ name: 'a', url_settings: { auth: 'none' } }, defaults), is400(/url_settings.auth/));
});

test('updates take labels and url settings, and need one of them', () => {
  assert.deepEqual(parseUpdateBody({ labels: ['a'] }), { labels: ['a'] });
  assert.deepEqual(parseUpdateBody({ url_settings: { auth: 'sprite' }, clear_labels: true }), { labels: [], urlSettings: { auth: 'sprite' } });
  assert.throws(() => parseUpdateBody({}), is400(/nothing to update/));
});
