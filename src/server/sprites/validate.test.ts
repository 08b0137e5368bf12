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
  assert.deepEqual(body.config, { ramMiB: 512, cpus: 2, pidsMax: defaults.pidsMax, storageGiB: 4, region: 'ord' });
  assert.deepEqual(body.environment, { myVar: 'x' });
  assert.deepEqual(body.urlSettings, { auth: 'public', private_access: 'org_users' });
  assert.deepEqual(parseCreateBody({ name: 'n3' }, defaults).config.ramMiB, defaults.ramMiB);
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
