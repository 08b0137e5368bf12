import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { HobError } from '../../shared/errors.js';
import { parseExecQuery } from '../../shared/exec-request.js';
import type { SpriteLifecycle } from '../sprites/lifecycle.js';
import type { SpriteRegistry } from '../sprites/registry.js';
import { requireWebSocket, type RelaySet, type UpgradeRoute } from './upgrades.js';
import { decodePathSegment } from './upgrade-url.js';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** In the router syntax of shared/protocol's API_ROUTES. */
export const EXEC_WS_ROUTE = '/v1/sprites/:name/exec';
const EXEC_PATH = /^\/v1\/sprites\/([^/]+)\/exec(?:\/([^/]+))?$/;

export interface ExecUpgradeDeps {
  registry: SpriteRegistry;
  lifecycle: SpriteLifecycle;
  relays: RelaySet;
}

/**
 * WebSocket exec: after checking the query and the sprite, the server opens a WebSocket to the
 * sprite's agent with the validated query, answers the client's handshake, and then pipes the
 * two connections byte for byte. The client's masked frames are exactly what the agent (a
 * WebSocket server) expects and the agent's frames exactly what the client expects, so no
 * frame is parsed or copied into new frames on the way.
 */
export function execUpgradeRoute(deps: ExecUpgradeDeps): UpgradeRoute {
  return {
    path: EXEC_WS_ROUTE,
    pattern: EXEC_PATH,
    redact,
    handle: ({ request, socket, head, url, match }) => relay(deps, request, socket, head, url, match),
  };
}

async function relay(deps: ExecUpgradeDeps, request: IncomingMessage, client: Duplex, head: Buffer, url: URL, match: RegExpExecArray): Promise<void> {
  const name = decodePathSegment(match[1] ?? '');
  if (match[2] !== undefined) {
    deps.registry.get(name);
    throw new HobError('not_found', `session ${decodePathSegment(match[2])} not found`);
  }
  requireWebSocket(request);
  const key = request.headers['sec-websocket-key'] as string; // checked by requireWebSocket
  const exec = parseExecQuery(url.searchParams);
  const agent = await deps.lifecycle.withAgent(name, (link) => link.openExec(exec));
  if (client.destroyed) {
    agent.socket.destroy();
    return;
  }
  const accept = createHash('sha1').update(key + WS_GUID).digest('base64');
  client.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  deps.relays.track(client, agent.socket);
  for (const socket of [client, agent.socket]) {
    (socket as Duplex & { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true); // net.Socket has it; other Duplexes do not
  }
  if (agent.head.length > 0) client.write(agent.head);
  if (head.length > 0) agent.socket.write(head);
  pipeBothWays(client, agent.socket);
}

/**
 * pipe() ends each side after flushing what the other sent, so the exit frame and the close
 * frame always reach the client; an error on either side cuts both.
 */
export function pipeBothWays(client: Duplex, agent: Duplex): void {
  client.pipe(agent);
  agent.pipe(client);
  const cut = (): void => {
    client.destroy();
    agent.destroy();
  };
  client.on('error', cut);
  agent.on('error', cut);
  for (const [from, to] of [[client, agent], [agent, client]] as const) {
    from.on('close', () => {
      to.end();
      setTimeout(() => to.destroy(), 5000).unref();
    });
  }
}

/** Exec URLs carry environment values; keep them out of logs. */
function redact(url: string | undefined): string {
  return (url ?? '').replace(/([?&]env=)[^&]*/g, '$1…');
}
