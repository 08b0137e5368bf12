import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { RouteSpec } from '../../shared/protocol.js';
import { acceptJsonBodies } from '../api/body.js';
import { installErrorHandling, replyWithError } from '../api/errors.js';
import { installValidation } from '../api/validation.js';
import type { TaskBook } from '../tasks/book.js';
import { registerOwnCheckpointRoutes, type OwnCheckpointDeps } from './checkpoints.js';
import { registerOwnServiceRoutes, type OwnServiceDeps } from './services.js';
import { registerTaskRoutes } from './tasks.js';

/** Task and checkpoint requests are a few hundred bytes, service definitions a few KiB; nothing a sprite sends here needs more. */
export const SPRITE_API_MAX_BODY_BYTES = 64 * 1024;

export interface SpriteApiAppDeps extends OwnCheckpointDeps, OwnServiceDeps {
  tasks: TaskBook;
  log: Logger;
}

/**
 * The routes of /.sprite/api.sock, one fastify instance for every sprite's socket: each socket's
 * listener marks the requests it takes with its sprite (./caller) and hands them to `routing`.
 * No token is asked for: being able to reach a sprite's socket is being that sprite.
 */
export function createSpriteApiApp(deps: SpriteApiAppDeps): { fastify: FastifyInstance; routes: RouteSpec[] } {
  const fastify = Fastify({
    // Refusals are a sprite's own business and a hostile one could make many; only failures of Hob are logged.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- tsc needs pino's Logger widened, as in ../app.ts
    loggerInstance: deps.log.child({ component: 'sprite-api' }, { level: 'warn' }) as FastifyBaseLogger,
    disableRequestLogging: true,
    bodyLimit: SPRITE_API_MAX_BODY_BYTES,
    routerOptions: { ignoreTrailingSlash: true },
    frameworkErrors: replyWithError,
  });
  const routes: RouteSpec[] = [];
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') routes.push({ method: method as RouteSpec['method'], path: route.url }); // fastify methods are upper-case HTTP verbs
    }
  });
  installErrorHandling(fastify);
  installValidation(fastify);
  acceptJsonBodies(fastify, SPRITE_API_MAX_BODY_BYTES);
  registerTaskRoutes(fastify, deps.tasks);
  registerOwnCheckpointRoutes(fastify, deps);
  registerOwnServiceRoutes(fastify, deps);
  return { fastify, routes };
}
