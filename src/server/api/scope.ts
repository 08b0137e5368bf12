import { HobError } from '../../shared/errors.js';
import type { HttpMethod, RouteContract } from '../../shared/schemas/routes.js';
import type { Principal } from '../store/tokens.js';

/**
 * The name prefix a listing by `asked` may use under a token: the narrower of the two, or
 * undefined when they exclude each other (nothing to list).
 */
export function scopedPrefix(principal: Principal, asked: string): string | undefined {
  const own = principal.admin ? null : principal.spritePrefix;
  if (own === null || asked.startsWith(own)) return asked;
  return own.startsWith(asked) ? own : undefined;
}

/** What a scope is checked against: a sprite's name and labels. */
export interface ScopedSprite {
  readonly name: string;
  readonly labels: readonly string[];
}

/** Whether a token's scope covers a sprite. */
export function covers(principal: Principal, sprite: ScopedSprite): boolean {
  if (principal.admin) return true;
  if (principal.spritePrefix !== null && !sprite.name.startsWith(principal.spritePrefix)) return false;
  return principal.spriteLabel === null || sprite.labels.includes(principal.spriteLabel);
}

/**
 * Routes without a sprite in their path that a token which is not admin may call. Any other
 * such route (token management, image builds, server-wide reports added later) needs the admin
 * token, so a new route is closed to scoped tokens until it is listed here.
 */
const OPEN_TO_SCOPED = new Set(['listSprites', 'createSprite', 'listImages', 'getImage', 'health', 'openapi']);

/**
 * WebSocket routes a read-only token may open: they only report. Every other WebSocket route
 * runs or reaches something in the sprite (exec, attach, proxy).
 */
const READ_ONLY_WEBSOCKETS = new Set(['watchPorts']);

/** A read-only token may list and read sprites' state, and may not run, change or create anything. */
function isRead(route: RouteContract, method: HttpMethod | 'WS' | 'HEAD'): boolean {
  if (route.method === 'WS') return READ_ONLY_WEBSOCKETS.has(route.id);
  return method === 'GET' || method === 'HEAD';
}

/** The same answer a sprite that does not exist gets, so a scoped token learns no names. */
export function notFound(name: string): HobError {
  return new HobError('not_found', `sprite ${name} not found`);
}

/**
 * Checks a call against the caller's token before the route runs. `sprite` is the sprite named
 * in the path (undefined when the route names none, or the sprite does not exist).
 */
export function authorize(principal: Principal, route: RouteContract, method: HttpMethod | 'WS' | 'HEAD', named: { name: string; sprite: ScopedSprite | undefined } | undefined): void {
  if (principal.admin) return;
  if (named !== undefined) {
    if (route.admin === true && named.sprite !== undefined && covers(principal, named.sprite)) throw new HobError('forbidden', `${route.method} ${route.path} needs the admin token`);
    if (named.sprite === undefined || !covers(principal, named.sprite)) throw notFound(named.name);
  } else if (!OPEN_TO_SCOPED.has(route.id)) {
    throw new HobError('forbidden', `${route.method} ${route.path} needs the admin token`);
  }
  if (principal.readOnly && !isRead(route, method)) throw new HobError('forbidden', 'this token is read-only: it may list and read sprites, not run, change or create anything');
}

const SPRITE_PATH = '/v1/sprites/:name';

/** Whether a route acts on one sprite named in its path. */
export function namesSprite(routePath: string): boolean {
  return routePath === SPRITE_PATH || routePath.startsWith(`${SPRITE_PATH}/`);
}

/** The sprite's name from a path of a route that names one; undefined for other routes. */
export function nameInPath(routePath: string, pathname: string): string | undefined {
  if (!namesSprite(routePath)) return undefined;
  const index = SPRITE_PATH.split('/').indexOf(':name');
  const segment = pathname.split('/')[index];
  if (segment === undefined) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
