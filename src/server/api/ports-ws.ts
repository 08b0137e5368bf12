import type { UpgradedSocket } from '../agent-link/link.js';
import type { SpriteLifecycle } from '../sprites/lifecycle.js';
import { decodePathSegment } from './upgrade-url.js';

/** The port watch's WebSocket route, in the router syntax of shared/protocol's API_ROUTES. */
export const PORTS_WATCH_WS_ROUTE = '/v1/sprites/:name/ports/watch';
const PORTS_WATCH_PATH = /^\/v1\/sprites\/([^/]+)\/ports\/watch$/;

/** The sprite a port watch's path names, or undefined if the path is not a port watch. */
export function portsWatchSprite(pathname: string): string | undefined {
  const match = PORTS_WATCH_PATH.exec(pathname);
  return match === null ? undefined : decodePathSegment(match[1] ?? '');
}

/**
 * Opens the agent's port watch (waking the sprite): the relay then pipes it to the client byte
 * for byte, as it does exec. The agent sends only small JSON text frames and reads nothing.
 */
export function openPortsWatch(lifecycle: SpriteLifecycle, name: string): Promise<UpgradedSocket> {
  return lifecycle.withAgent(name, (link) => link.openPortsWatch());
}
