import assert from 'node:assert/strict';
import test from 'node:test';
import { pino } from 'pino';
import { API_ROUTES, type RouteSpec } from '../shared/protocol.js';
import { createApp, type AppDeps } from './app.js';
import { resolveServerConfig } from './config.js';
import { openDatabase } from './store/db.js';
import { SpriteStore } from './store/sprites.js';
import { TokenStore } from './store/tokens.js';

const key = (route: RouteSpec): string => `${route.method} ${route.path}`;

test('the server registers exactly the routes of the shared protocol module', async () => {
  const db = openDatabase(':memory:');
  const deps: AppDeps = {
    config: resolveServerConfig({}, {}),
    log: pino({ level: 'silent' }),
    tokens: new TokenStore(db),
    spriteStore: new SpriteStore(db),
    /* eslint-disable @typescript-eslint/no-unsafe-class-instance-assignment -- route registration never touches the lifecycle services, so none are built here */
    sprites: {} as AppDeps['sprites'],
    images: {} as AppDeps['images'],
    /* eslint-enable @typescript-eslint/no-unsafe-class-instance-assignment */
  };
  const app = createApp(deps);
  await app.fastify.ready();
  const registered = new Set(app.routes.map(key));
  const declared = new Set(API_ROUTES.map(key));
  assert.deepEqual([...registered].filter((r) => !declared.has(r)).sort(), [], 'registered but not declared');
  assert.deepEqual([...declared].filter((r) => !registered.has(r)).sort(), [], 'declared but not registered');
  await app.fastify.close();
  db.close();
});
