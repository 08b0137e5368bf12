import { HobError } from '../../shared/errors.js';
import { parseExecQuery } from '../../shared/exec-request.js';
import type { ExecMetrics } from '../metering/metrics.js';
import { execForSprite } from '../sprites/exec-defaults.js';
import type { SpriteLifecycle } from '../sprites/lifecycle.js';
import type { SpriteRegistry } from '../sprites/registry.js';
import { agentRelayRoute } from './agent-relay.js';
import type { RelaySet, UpgradeRoute } from './upgrades.js';
import { decodePathSegment } from './upgrade-url.js';

/** In the router syntax of shared/protocol's API_ROUTES. */
export const EXEC_WS_ROUTE = '/v1/sprites/:name/exec';
const EXEC_PATH = /^\/v1\/sprites\/([^/]+)\/exec(?:\/([^/]+))?$/;

/**
 * WebSocket exec: the query is checked and re-encoded for the agent, which runs the command;
 * the relay then carries the stream untouched. `/exec/{session}` is a 404 until sessions exist.
 */
export function execUpgradeRoute(deps: { registry: SpriteRegistry; lifecycle: SpriteLifecycle; relays: RelaySet; metrics: ExecMetrics }): UpgradeRoute {
  return agentRelayRoute(
    {
      path: EXEC_WS_ROUTE,
      pattern: EXEC_PATH,
      redact,
      open: async ({ url, match }) => {
        const name = decodePathSegment(match[1] ?? '');
        if (match[2] !== undefined) {
          deps.registry.get(name);
          throw new HobError('not_found', `session ${decodePathSegment(match[2])} not found`);
        }
        const request = parseExecQuery(url.searchParams);
        const exec = execForSprite(deps.registry.get(name), request);
        const timed = deps.metrics.execStarted('websocket');
        const upgraded = await deps.lifecycle.withAgent(name, (link) => link.openExec(exec));
        upgraded.socket.once('close', timed);
        // An attached client keeps the sprite awake, however quiet the command.
        deps.lifecycle.holdWhileOpen(name, upgraded.socket);
        return upgraded;
      },
    },
    deps.relays,
  );
}

/** Exec URLs carry environment values; keep them out of logs. */
function redact(url: string | undefined): string {
  return (url ?? '').replace(/([?&]env=)[^&]*/g, '$1…');
}
