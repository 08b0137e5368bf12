import type { ErrorCode } from '../errors.js';
import { checkpointRoutes } from './checkpoint-routes.js';
import { execRoutes } from './exec-routes.js';
import { fsRoutes } from './fs-routes.js';
import { policyRoutes } from './policy-routes.js';
import type { RouteContract } from './route-contract.js';
import { serverRoutes } from './server-routes.js';
import { serviceRoutes } from './service-routes.js';
import { spriteRoutes } from './sprite-routes.js';

export * from './route-contract.js';

/**
 * The route table: every route of the API, one entry each, gathered from a file per concern.
 * It is the single source of validation, types, the OpenAPI document and the contract tests.
 */
export const routes = {
  ...spriteRoutes,
  ...checkpointRoutes,
  ...execRoutes,
  ...fsRoutes,
  ...policyRoutes,
  ...serviceRoutes,
  ...serverRoutes,
} as const;

/** Every error code a route may answer with: its own, and those that come with its kind of route. */
export function errorCodesOf(route: RouteContract): ErrorCode[] {
  const implied: ErrorCode[] = [];
  // A token that is not admin may be refused a route (scopes: src/server/api/scope.ts).
  if (route.public !== true) implied.push('unauthorized', 'forbidden');
  // A path parameter that is not valid percent-encoding is refused before the route is known.
  if (route.params !== undefined) implied.push('bad_request');
  // A Content-Type header that does not parse is refused before any body is read; fastify reads a DELETE's body too.
  if (route.method === 'POST' || route.method === 'PUT' || route.method === 'DELETE') implied.push('unsupported_media_type');
  // Anything that reaches a sprite wakes it, and a create starts one: either may meet a spend limit or the cap on running sprites.
  if (route.id === 'createSprite' || route.path.startsWith('/v1/sprites/:name')) implied.push('spend_limit_reached', 'concurrent_sprite_limit_exceeded');
  return [...new Set([...implied, ...route.errors])];
}

/** Every route the server answers, in its router's own path syntax. */
export const ROUTES: readonly RouteContract[] = Object.values(routes);
