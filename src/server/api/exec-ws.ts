import { parseExecQuery } from '../../shared/exec-request.js';
import type { ExecMetrics } from '../metering/metrics.js';
import { execForSprite } from '../sprites/exec-defaults.js';
import type { SpriteLifecycle } from '../sprites/lifecycle.js';
import type { SpriteRegistry } from '../sprites/registry.js';
import type { UpgradedSocket } from '../agent-link/link.js';
import { agentRelayRoute } from './agent-relay.js';
import { checkSessionId } from './exec-sessions.js';
import type { RelaySet, UpgradeRoute } from './upgrades.js';
import { decodePathSegment } from './upgrade-url.js';

/** In the router syntax of shared/protocol's API_ROUTES. */
export const EXEC_WS_ROUTE = '/v1/sprites/:name/exec';
export const SESSION_ATTACH_WS_ROUTE = '/v1/sprites/:name/exec/:id';
const EXEC_PATH = /^\/v1\/sprites\/([^/]+)\/exec$/;
const SESSION_ATTACH_PATH = /^\/v1\/sprites\/([^/]+)\/exec\/([^/]+)$/;

interface ExecRouteDeps {
  registry: SpriteRegistry;
  lifecycle: SpriteLifecycle;
  relays: RelaySet;
}

/**
 * Attaches to a session; the agent sends `session_info`, the scrollback and the live session.
 * An attached client keeps the sprite awake, as the exec that made the session did.
 */
async function attach(deps: ExecRouteDeps, name: string, id: string): Promise<UpgradedSocket> {
  checkSessionId(deps.registry, name, id);
  const upgraded = await deps.lifecycle.withAgent(name, (link) => link.openSessionAttach(id));
  deps.lifecycle.holdWhileOpen(name, upgraded.socket);
  return upgraded;
}

/**
 * WebSocket exec: the query is checked and re-encoded for the agent, which runs the command;
 * the relay then carries the stream untouched. The legacy attach form, `/exec?id=` with no
 * command, attaches as `/exec/{id}` does.
 */
export function execUpgradeRoute(deps: ExecRouteDeps & { metrics: ExecMetrics }): UpgradeRoute {
  return agentRelayRoute(
    {
      path: EXEC_WS_ROUTE,
      pattern: EXEC_PATH,
      redact,
      open: async ({ url, match }) => {
        const name = decodePathSegment(match[1] ?? '');
        const legacyId = url.searchParams.get('id');
        if (legacyId !== null && !url.searchParams.has('cmd') && !url.searchParams.has('path')) return attach(deps, name, legacyId);
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

/** `WS /exec/{id}`: the SDK's attachSession. Its query (stdin, env, dir) says nothing to an existing session. */
export function sessionAttachUpgradeRoute(deps: ExecRouteDeps): UpgradeRoute {
  return agentRelayRoute(
    {
      path: SESSION_ATTACH_WS_ROUTE,
      pattern: SESSION_ATTACH_PATH,
      redact,
      open: ({ match }) => attach(deps, decodePathSegment(match[1] ?? ''), decodePathSegment(match[2] ?? '')),
    },
    deps.relays,
  );
}

/** Exec URLs carry environment values; keep them out of logs. */
function redact(url: string | undefined): string {
  return (url ?? '').replace(/([?&]env=)[^&]*/g, '$1…');
}
