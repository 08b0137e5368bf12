import assert from 'node:assert/strict';
import test from 'node:test';
import { API_ROUTES, type RouteSpec } from '../shared/protocol.js';
import { inProcessApp } from './testing/in-process-app.js';

const key = (route: RouteSpec): string => `${route.method} ${route.path}`;

test('the server registers exactly the routes of the shared protocol module', async () => {
  const ctx = inProcessApp();
  const { app } = ctx;
  try {
    await app.fastify.ready();
    const registered = new Set(app.routes.map(key));
    const declared = new Set(API_ROUTES.map(key));
    assert.deepEqual([...registered].filter((r) => !declared.has(r)).sort(), [], 'registered but not declared');
    assert.deepEqual([...declared].filter((r) => !registered.has(r)).sort(), [], 'declared but not registered');
  } finally {
    await ctx.close();
  }
});
