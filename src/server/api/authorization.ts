import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HobError } from '../../shared/errors.js';
import { ROUTES, type RouteContract } from '../../shared/schemas/routes.js';
import type { CreateSpriteBody } from '../../shared/protocol.js';
import type { SpriteStore } from '../store/sprites.js';
import type { Principal, TokenStore } from '../store/tokens.js';
import { authenticate } from './auth.js';
import { authorize, covers, nameInPath, notFound } from './scope.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Whom the request's token speaks for; undefined on public routes. */
    principal?: Principal;
  }
}

/** The contract of each route by method and router path. */
const CONTRACTS = new Map<string, RouteContract>(ROUTES.map((route) => [`${route.method} ${route.path}`, route]));

export function contractOf(method: string, path: string): RouteContract | undefined {
  return CONTRACTS.get(`${method === 'HEAD' ? 'GET' : method} ${path}`);
}

/** The principal of a request that needs one (every route but the public ones). */
export function principalOf(request: FastifyRequest): Principal {
  if (request.principal === undefined) throw new HobError('internal', 'a route that needs a token ran without one');
  return request.principal;
}

/**
 * Authenticates every request and holds scoped tokens to their sprites before any handler
 * runs: a sprite outside the scope is answered as missing. A create is checked once its body
 * is parsed: its name and labels must fall in the scope, and a fork's source too.
 */
export function installAuthorization(app: FastifyInstance, deps: { tokens: TokenStore; sprites: SpriteStore }): void {
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', (request, _reply, done) => {
    try {
      checkRequest(request);
      done();
    } catch (error) {
      done(error as Error); // what the checks throw is a HobError
    }
  });
  const checkRequest = (request: FastifyRequest): void => {
    if (request.routeOptions.config.public === true) return;
    const principal = authenticate(request.headers, deps.tokens);
    request.principal = principal;
    const route = request.routeOptions.url === undefined ? undefined : contractOf(request.method, request.routeOptions.url);
    // An unknown path is answered 404 by the router, for every token alike.
    if (route === undefined || principal.admin) return;
    const name = nameInPath(route.path, request.url.split('?')[0] ?? '');
    authorize(principal, route, request.method === 'HEAD' ? 'HEAD' : route.method, name === undefined ? undefined : { name, sprite: deps.sprites.getByName(name) });
  };
  app.addHook('preHandler', (request, _reply, done) => {
    try {
      checkCreate(request);
      done();
    } catch (error) {
      done(error as Error); // what the checks throw is a HobError
    }
  });
  const checkCreate = (request: FastifyRequest): void => {
    const principal = request.principal;
    if (principal === undefined || principal.admin || request.routeOptions.url !== '/v1/sprites' || request.method !== 'POST') return;
    const body = request.body as CreateSpriteBody; // validated against the createSprite schema before preHandler
    const source = body.source?.sprite;
    if (source !== undefined) {
      const record = deps.sprites.getByName(source);
      if (record === undefined || !covers(principal, record)) throw notFound(source);
    }
    if (!covers(principal, { name: body.name, labels: body.labels ?? [] })) {
      throw new HobError('forbidden', `this token may create only sprites${principal.spritePrefix === null ? '' : ` named ${principal.spritePrefix}…`}${principal.spriteLabel === null ? '' : ` labelled ${principal.spriteLabel}`}`);
    }
  };
}
