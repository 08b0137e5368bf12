import assert from 'node:assert/strict';
import test from 'node:test';
import { ROUTES, type RouteContract } from '../shared/schemas/routes.js';
import { inProcessApp } from './testing/in-process-app.js';

const key = (route: { method: string; path: string }): string => `${route.method} ${route.path}`;

async function registeredRoutes() {
  const ctx = inProcessApp();
  await ctx.app.fastify.ready();
  await ctx.close();
  return ctx.app.routes;
}

test('the server registers exactly the routes of the contract', async () => {
  const registered = new Set((await registeredRoutes()).map(key));
  const declared = new Set(ROUTES.map(key));
  assert.equal(declared.size, ROUTES.length, 'each route is declared once');
  assert.deepEqual([...registered].filter((r) => !declared.has(r)).sort(), [], 'registered but not declared');
  assert.deepEqual([...declared].filter((r) => !registered.has(r)).sort(), [], 'declared but not registered');
});

test('each HTTP route is registered with the schemas of its contract', async () => {
  const registered = new Map((await registeredRoutes()).map((route) => [key(route), route]));
  for (const contract of ROUTES.filter((route): route is RouteContract & { method: Exclude<RouteContract['method'], 'WS'> } => route.method !== 'WS')) {
    const schema = registered.get(key(contract))?.schema;
    assert.ok(schema !== undefined, `${key(contract)} has a schema`);
    const name = key(contract);
    assert.equal(schema.params, contract.params, `${name}: params`);
    assert.equal(schema.querystring, contract.querystring, `${name}: querystring`);
    assert.equal(schema.body, contract.body !== undefined && 'json' in contract.body ? contract.body.json : undefined, `${name}: body`);
    assert.equal(schema.headers, undefined, `${name}: headers`);
    const response = schema.response as Record<string, unknown> | undefined; // fastify keeps the response map as given
    if ('json' in contract.response) {
      const { status, json, created } = contract.response;
      assert.deepEqual(response, created === undefined ? { [status]: json } : { [status]: json, 201: json }, `${name}: response`);
    }
    else assert.equal(response, undefined, `${name}: a streamed or empty answer has no JSON schema`);
  }
});
