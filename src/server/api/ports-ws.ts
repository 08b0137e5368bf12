import type { SpriteLifecycle } from '../sprites/lifecycle.js';
import { agentRelayRoute } from './agent-relay.js';
import type { RelaySet, UpgradeRoute } from './upgrades.js';
import { decodePathSegment } from './upgrade-url.js';

/** The port watch's WebSocket route, in the router syntax of shared/protocol's API_ROUTES. */
export const PORTS_WATCH_WS_ROUTE = '/v1/sprites/:name/ports/watch';
const PORTS_WATCH_PATH = /^\/v1\/sprites\/([^/]+)\/ports\/watch$/;

/**
 * Port events: the agent's watch (waking the sprite), relayed byte for byte as exec is. The
 * agent sends only small JSON text frames and reads nothing.
 */
export function portsWatchUpgradeRoute(deps: { lifecycle: SpriteLifecycle; relays: RelaySet }): UpgradeRoute {
  return agentRelayRoute(
    {
      path: PORTS_WATCH_WS_ROUTE,
      pattern: PORTS_WATCH_PATH,
      open: ({ match }) => deps.lifecycle.withAgent(decodePathSegment(match[1] ?? ''), (link) => link.openPortsWatch()),
    },
    deps.relays,
  );
}
