import assert from 'node:assert/strict';
import test from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { inProcessApp } from '../testing/in-process-app.js';
import { ROUTES } from '../../shared/schemas/routes.js';
import { HOB_VERSION } from '../../shared/version.js';
import { openApiDocument } from './openapi.js';

type Operation = { operationId: string; parameters?: { name: string; in: string }[]; responses: Record<string, unknown>; security?: unknown[]; 'x-websocket'?: { operationId: string } };
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

test('the document validates as OpenAPI 3.1', async () => {
  const validator = new Validator();
  const result = await validator.validate(openApiDocument(HOB_VERSION));
  assert.deepEqual(result, { valid: true });
  assert.equal(validator.version, '3.1');
  // Unknown request fields are ignored, so the document must not forbid them.
  assert.doesNotMatch(JSON.stringify(openApiDocument(HOB_VERSION)), /"additionalProperties":false/);
});

test('every route of the contract is in the document, each WebSocket route on the GET of its path', () => {
  const document = openApiDocument(HOB_VERSION) as Document; // valid OpenAPI 3.1 (the test above); Document is the part read here
  for (const route of ROUTES) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    const item = document.paths[path];
    assert.ok(item !== undefined, `${path} is documented`);
    if (route.method === 'WS') {
      const get = item.get;
      assert.equal(get?.['x-websocket']?.operationId, route.id);
      assert.ok(get.responses['101'] !== undefined, 'the upgrade answers 101');
      if (route.execQuery !== undefined) for (const name of ['cmd', 'env', 'dir', 'tty', 'rows', 'cols', 'stdin']) assert.ok(get.parameters?.some((p) => p.in === 'query' && p.name === name), `exec query parameter ${name}`);
      continue;
    }
    const operation = item[route.method.toLowerCase()];
    assert.equal(operation?.operationId, route.id);
    assert.ok(operation.responses[String(route.response.status)] !== undefined, `${route.id} documents its success`);
    if (route.public === true) assert.deepEqual(operation.security, [], `${route.id} needs no token`);
    else assert.ok(operation.responses['401'] !== undefined, `${route.id} documents the token refusal`);
  }
  const ids = ROUTES.map((route) => route.id);
  assert.equal(new Set(ids).size, ids.length, 'operation ids are unique');
});

test('GET /v1/openapi.json answers without a token; the API beside it still needs one', async (t) => {
  const ctx = inProcessApp();
  const { app } = ctx;
  t.after(() => ctx.close());
  const response = await app.fastify.inject({ method: 'GET', url: '/v1/openapi.json' });
  assert.equal(response.statusCode, 200);
  assert.match(String(response.headers['content-type']), /^application\/json/);
  assert.deepEqual(response.json(), openApiDocument(HOB_VERSION));
  assert.equal((await app.fastify.inject({ method: 'GET', url: '/v1/health' })).statusCode, 401);
  assert.equal((await app.fastify.inject({ method: 'GET', url: '/v1/openapi.jsonx' })).statusCode, 401);
});

test('the quick-start forms are documented: PUT answers 201 when it creates, POST /exec takes and answers JSON too', () => {
  const document = openApiDocument(HOB_VERSION) as { paths: Record<string, Record<string, { requestBody?: { content: object }; responses: Record<string, { content?: object }> }>> }; // the part read here
  const put = document.paths['/v1/sprites/{name}']?.put;
  assert.deepEqual(Object.keys(put?.responses ?? {}).filter((status) => status.startsWith('2')), ['200', '201']);
  const exec = document.paths['/v1/sprites/{name}/exec']?.post;
  assert.deepEqual(Object.keys(exec?.requestBody?.content ?? {}), ['application/octet-stream', 'application/json']);
  assert.deepEqual(Object.keys(exec?.responses['200']?.content ?? {}), ['application/octet-stream', 'application/json']);
});
