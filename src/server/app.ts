import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifySchema } from 'fastify';
import type { Logger } from 'pino';
import { HOB_VERSION } from '../shared/version.js';
import type { RouteSpec } from '../shared/protocol.js';
import { routes as contract } from '../shared/schemas/routes.js';
import type { ServerConfig } from './config.js';
import type { ImageRegistry } from './images/registry.js';
import type { SpriteService } from './sprites/service.js';
import type { SpriteStore } from './store/sprites.js';
import type { TokenStore } from './store/tokens.js';
import { authenticate } from './api/auth.js';
import { acceptJsonBodies } from './api/body.js';
import { routeOptions } from './api/contract.js';
import { installErrorHandling, replyWithError } from './api/errors.js';
import { EXEC_WS_ROUTE, handleUpgrade, RelaySet } from './api/exec-ws.js';
import { registerHttpExecRoute } from './api/exec-http.js';
import { registerCheckpointRoutes } from './api/checkpoints.js';
import { registerImageRoutes } from './api/images.js';
import { registerOpenApiRoute } from './api/openapi.js';
import { registerSpriteRoutes } from './api/sprites.js';
import { installValidation } from './api/validation.js';

export interface AppDeps {
  config: ServerConfig;
  log: Logger;
  tokens: TokenStore;
  spriteStore: SpriteStore;
  sprites: SpriteService;
  images: ImageRegistry;
}

export interface App {
  fastify: FastifyInstance;
  relays: RelaySet;
  /** Every route really registered (HTTP, and the WebSocket upgrade paths) with its schema, for the contract test. */
  routes: (RouteSpec & { schema?: FastifySchema })[];
}

/** Builds the HTTP + WebSocket API. Only the caller listens, so tests can drive it in-process. */
export function createApp(deps: AppDeps): App {
  const fastify = Fastify({
    // Widened to fastify's logger type so route modules take a plain FastifyInstance.
    loggerInstance: deps.log as FastifyBaseLogger,
    bodyLimit: deps.config.maxBodyBytes,
    // Exec argv travels in the query string (up to 128 KiB of arguments), past Node's 16 KiB default.
    http: { maxHeaderSize: 1024 * 1024 },
    // Sprite names are plain DNS labels; a percent-encoded slash must not split a path segment.
    routerOptions: { ignoreTrailingSlash: true },
    // A path the router cannot decode is answered like any other error, not in fastify's own shape.
    frameworkErrors: replyWithError,
  });
  const routes: App['routes'] = [{ method: 'WS', path: EXEC_WS_ROUTE }];
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') routes.push({ method: method as RouteSpec['method'], path: route.url, schema: route.schema }); // fastify methods are upper-case HTTP verbs
    }
  });
  installErrorHandling(fastify);
  installValidation(fastify);
  acceptJsonBodies(fastify, deps.config.maxBodyBytes);
  fastify.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config.public !== true) authenticate(request.headers, deps.tokens);
    void reply.header('Sprite-Version', HOB_VERSION);
  });
  fastify.withTypeProvider<TypeBoxTypeProvider>().get(contract.health.path, routeOptions(contract.health), async () => ({ status: 'ok' as const, version: HOB_VERSION }));
  registerOpenApiRoute(fastify, HOB_VERSION);
  registerSpriteRoutes(fastify, { sprites: deps.sprites, store: deps.spriteStore, config: deps.config });
  registerCheckpointRoutes(fastify, { sprites: deps.sprites });
  registerHttpExecRoute(fastify, { sprites: deps.sprites, maxExecBodyBytes: deps.config.maxExecBodyBytes });
  registerImageRoutes(fastify, { images: deps.images, maxImportBytes: deps.config.maxImportBytes });

  const relays = new RelaySet();
  fastify.server.on('upgrade', handleUpgrade({ sprites: deps.sprites, tokens: deps.tokens, log: deps.log }, relays));
  return { fastify, relays, routes };
}
