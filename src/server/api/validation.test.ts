import assert from 'node:assert/strict';
import test from 'node:test';
import type { TSchema } from '@sinclair/typebox';
import type { InjectOptions } from 'fastify';
import { inProcessApp } from '../testing/in-process-app.js';
import { ROUTES, routes } from '../../shared/schemas/routes.js';
import { requestValidators, schemaError } from './validation.js';

const compile = requestValidators();

/** Validates like the server does; returns the value as the handler would see it, or the 400's message. */
function check(schema: TSchema, part: 'body' | 'querystring', value: unknown): { ok: true; value: unknown } | { ok: false; message: string } {
  const validate = compile(schema, part);
  const copy = structuredClone(value);
  if (validate(copy)) return { ok: true, value: copy };
  return { ok: false, message: schemaError(validate.errors ?? [], part).message };
}

const createBody = routes.createSprite.body.json;

function refused(schema: TSchema, part: 'body' | 'querystring', value: unknown): string {
  const result = check(schema, part, value);
  assert.equal(result.ok, false, `${JSON.stringify(value)} should be refused`);
  return result.message;
}

test('every request schema of the contract compiles under strict ajv', () => {
  for (const route of ROUTES) {
    if (route.params !== undefined) compile(route.params, 'params');
    if (route.querystring !== undefined) compile(route.querystring, 'querystring');
    if (route.body !== undefined && 'json' in route.body) compile(route.body.json, 'body');
  }
});

test('a wrong type in a body is a message naming the field', () => {
  assert.equal(refused(createBody, 'body', { name: 'a', config: { ram_mb: '512' } }), 'config.ram_mb must be integer');
  assert.equal(refused(createBody, 'body', { name: 'a', config: { cpus: 'x' } }), 'config.cpus must be number');
  assert.equal(refused(createBody, 'body', { name: 1 }), 'name must be string');
  assert.equal(refused(createBody, 'body', { config: {} }), 'name is required');
  assert.equal(refused(createBody, 'body', 'x'), 'the request body must be object');
  assert.equal(refused(createBody, 'body', null), 'the request body must be object');
  assert.equal(refused(createBody, 'body', { name: 'a', environment: { K: 1 } }), 'environment.K must be string');
  assert.equal(refused(createBody, 'body', { name: 'a', labels: 'x' }), 'labels must be array');
  assert.equal(refused(createBody, 'body', { name: 'a', wait_for_capacity: 'yes' }), 'wait_for_capacity must be boolean');
  assert.equal(refused(createBody, 'body', { name: 'a', url_settings: { auth: 'none' } }), 'url_settings.auth must be one of "public", "sprite"');
  assert.equal(refused(createBody, 'body', { name: 'a', source: 'src' }), 'source must be object');
  assert.equal(refused(createBody, 'body', { name: 'a', source: { checkpoint: 'v1' } }), 'source.sprite is required');
  assert.equal(refused(routes.createCheckpoint.body.json, 'body', { comment: 5 }), 'comment must be string');
  assert.equal(refused(routes.updateSprite.body.json, 'body', { clear_labels: 'yes' }), 'clear_labels must be boolean');
});

test('ranges and sizes the schema states are 400s naming the field', () => {
  assert.match(refused(createBody, 'body', { name: 'a', config: { ram_mb: 1 } }), /^config\.ram_mb must be >= 64$/);
  assert.match(refused(createBody, 'body', { name: 'a', config: { ram_mb: 100.5 } }), /^config\.ram_mb must be integer$/);
  assert.match(refused(createBody, 'body', { name: 'a', config: { cpus: 0 } }), /^config\.cpus must be >= 0.01$/);
  assert.match(refused(createBody, 'body', { name: 'a', labels: [''] }), /^labels\.0 must NOT have fewer than 1 characters$/);
  assert.match(refused(createBody, 'body', { name: 'a', labels: Array.from({ length: 65 }, () => 'l') }), /^labels must NOT have more than 64 items$/);
  assert.match(refused(createBody, 'body', { name: 'a', source: { sprite: '' } }), /^source\.sprite must NOT have fewer than 1 characters$/);
  assert.match(refused(routes.createCheckpoint.body.json, 'body', { comment: 'x'.repeat(1025) }), /^comment must NOT have more than 1024 characters$/);
});

test('unknown fields are dropped, at the top and inside objects; environment keeps every variable', () => {
  const result = check(createBody, 'body', {
    name: 'a',
    bogus: 1,
    config: { ram_mb: 128, turbo: true },
    url_settings: { auth: 'public', extra: 'x' },
    source: { sprite: 's', at: 'x' },
    environment: { ANY_NAME: 'v', other: 'w' },
  });
  assert.deepEqual(result, {
    ok: true,
    value: { name: 'a', config: { ram_mb: 128 }, url_settings: { auth: 'public' }, source: { sprite: 's' }, environment: { ANY_NAME: 'v', other: 'w' } },
  });
  assert.deepEqual(check(routes.createCheckpoint.body.json, 'body', { comment: 'c', tag: 1 }), { ok: true, value: { comment: 'c' } });
});

test('a checkpoint body may be absent (fastify hands the validator null), empty or carry a comment', () => {
  for (const body of [null, {}, { comment: 'before upgrade' }]) assert.equal(check(routes.createCheckpoint.body.json, 'body', body).ok, true);
});

test('query parameters are coerced from strings and take defaults; given twice they are refused', () => {
  const list = routes.listSprites.querystring;
  assert.deepEqual(check(list, 'querystring', { max_results: '5', prefix: 'p' }), { ok: true, value: { max_results: 5, prefix: 'p' } });
  assert.deepEqual(check(list, 'querystring', {}), { ok: true, value: { max_results: 50 } });
  assert.deepEqual(check(list, 'querystring', { unknown: 'x' }), { ok: true, value: { max_results: 50 } });
  assert.equal(refused(list, 'querystring', { max_results: ['1', '2'] }), 'query parameter max_results may be given only once');
  assert.equal(refused(list, 'querystring', { prefix: ['a', 'b'] }), 'query parameter prefix may be given only once');
  assert.equal(refused(list, 'querystring', { continuation_token: ['a', 'b'] }), 'query parameter continuation_token may be given only once');
  assert.equal(refused(list, 'querystring', { max_results: 'many' }), 'query parameter max_results must be integer');
  assert.equal(refused(list, 'querystring', { max_results: '0' }), 'query parameter max_results must be >= 1');
  assert.equal(refused(list, 'querystring', { max_results: '51' }), 'query parameter max_results must be <= 50');
  // Ajv alone coerces these to Infinity and lets them through.
  for (const huge of ['1e400', 'Infinity', '-Infinity']) assert.equal(refused(list, 'querystring', { max_results: huge }), 'query parameter max_results must be a finite number');
  const checkpoints = routes.listCheckpoints.querystring;
  assert.deepEqual(check(checkpoints, 'querystring', { includeAuto: 'true', history: 'v1' }), { ok: true, value: { includeAuto: true, history: 'v1' } });
  assert.equal(refused(checkpoints, 'querystring', { includeAuto: 'maybe' }), 'query parameter includeAuto must be boolean');
  assert.equal(refused(checkpoints, 'querystring', { history: ['v1', 'v2'] }), 'query parameter history may be given only once');
  const diff = routes.diffCheckpoints.querystring;
  assert.deepEqual(check(diff, 'querystring', {}), { ok: true, value: { limit: 10_000 } });
  assert.equal(refused(diff, 'querystring', { against: ['v1', 'v2'] }), 'query parameter against may be given only once');
  assert.equal(refused(diff, 'querystring', { limit: '100001' }), 'query parameter limit must be <= 100000');
});

test('in the app, a schema failure is a JSON 400 after the token check', async (t) => {
  const ctx = inProcessApp();
  const { app, token } = ctx;
  t.after(() => ctx.close());
  const headers = { authorization: `Bearer ${token}` };
  const cases: [NonNullable<InjectOptions['method']>, string, string | undefined, string][] = [
    ['POST', '/v1/sprites', '{"name":"a","config":{"ram_mb":"lots"}}', 'config.ram_mb must be integer'],
    ['POST', '/v1/sprites', '', 'the request body must be object'],
    ['PUT', '/v1/sprites/a', '{"labels":[1]}', 'labels.0 must be string'],
    ['GET', '/v1/sprites?prefix=a&prefix=b', undefined, 'query parameter prefix may be given only once'],
    ['GET', '/v1/sprites/a/checkpoints?history=v1&history=v2', undefined, 'query parameter history may be given only once'],
    ['GET', '/v1/sprites/a/checkpoints/v1/diff?against=v1&against=v2', undefined, 'query parameter against may be given only once'],
    ['GET', '/v1/sprites/a/checkpoints/v1/diff?limit=%31%30x', undefined, 'query parameter limit must be integer'],
    ['POST', '/v1/sprites/a/checkpoint', '[]', 'the request body must be object'],
    ['GET', '/v1/sprites?max_results=1e400', undefined, 'query parameter max_results must be a finite number'],
    ['GET', '/v1/sprites/%zz', undefined, 'the URL path is not valid percent-encoding'],
    ['DELETE', `/v1/sprites/${'x'.repeat(300)}`, undefined, 'a path segment is too long'],
  ];
  for (const [method, url, payload, message] of cases) {
    const response = await app.fastify.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
    assert.equal(response.statusCode, 400, `${method} ${url}`);
    assert.deepEqual(response.json(), { error: 'bad_request', message }, `${method} ${url}`);
  }
  const anonymous = await app.fastify.inject({ method: 'POST', url: '/v1/sprites', payload: '{"name":1}' });
  assert.equal(anonymous.statusCode, 401, 'the token is checked before the body');
});
