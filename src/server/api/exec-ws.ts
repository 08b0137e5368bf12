import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { HobError } from '../../shared/errors.js';
import { parseExecQuery } from '../../shared/exec-request.js';
import type { UpgradedSocket } from '../agent-link/link.js';
import type { SpriteLifecycle } from '../sprites/lifecycle.js';
import type { SpriteRegistry } from '../sprites/registry.js';
import type { TokenStore } from '../store/tokens.js';
import { authenticate } from './auth.js';
import { toHobError } from './errors.js';
import { openPortsWatch, portsWatchSprite } from './ports-ws.js';
import { decodePathSegment, parseUpgradeUrl } from './upgrade-url.js';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** The one WebSocket route, in the router syntax of shared/protocol's API_ROUTES. */
export const EXEC_WS_ROUTE = '/v1/sprites/:name/exec';
const EXEC_PATH = /^\/v1\/sprites\/([^/]+)\/exec(?:\/([^/]+))?$/;

export interface UpgradeDeps {
  registry: SpriteRegistry;
  lifecycle: SpriteLifecycle;
  tokens: TokenStore;
  log: Logger;
}

/** Open client↔agent relays, so shutdown can wait for them or cut them. */
export class RelaySet {
  readonly sockets = new Set<Duplex>();

  track(...sockets: Duplex[]): void {
    for (const socket of sockets) {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    }
  }

  destroyAll(): void {
    for (const socket of this.sockets) socket.destroy();
  }
}

/** Refuses an upgrade with a JSON error body (the Go SDK reads it; browsers and the JS SDK just see the close). */
function refuse(socket: Duplex, error: HobError): void {
  const body = JSON.stringify(error.toBody());
  socket.end(
    `HTTP/1.1 ${error.status} ${error.code}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * WebSocket exec: after checking the token, the query and the sprite, the server opens a
 * WebSocket to the sprite's agent with the validated query, answers the client's handshake,
 * and then pipes the two connections byte for byte. The client's masked frames are exactly what
 * the agent (a WebSocket server) expects and the agent's frames exactly what the client expects,
 * so no frame is parsed or copied into new frames on the way.
 */
export function handleUpgrade(deps: UpgradeDeps, relays: RelaySet) {
  return (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    void relay(deps, relays, request, socket, head).catch((error: unknown) => {
      const hobError = toHobError(error);
      if (hobError.code === 'internal') deps.log.error({ err: error, url: redact(request.url) }, 'WebSocket upgrade failed');
      if (!socket.destroyed) refuse(socket, hobError);
    });
  };
}

async function relay(deps: UpgradeDeps, relays: RelaySet, request: IncomingMessage, client: Duplex, head: Buffer): Promise<void> {
  const url = parseUpgradeUrl(request.url);
  authenticate(request.headers, deps.tokens);
  const portsSprite = portsWatchSprite(url.pathname);
  const open = portsSprite === undefined ? execOpener(deps, url) : () => openPortsWatch(deps.lifecycle, portsSprite);
  const key = request.headers['sec-websocket-key'];
  if (request.headers.upgrade?.toLowerCase() !== 'websocket' || typeof key !== 'string' || key.length === 0) {
    throw new HobError('bad_request', 'expected a WebSocket upgrade');
  }
  const agent = await open();
  if (client.destroyed) {
    agent.socket.destroy();
    return;
  }
  const accept = createHash('sha1').update(key + WS_GUID).digest('base64');
  client.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  relays.track(client, agent.socket);
  for (const socket of [client, agent.socket]) {
    (socket as Duplex & { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true); // net.Socket has it; other Duplexes do not
  }
  if (agent.head.length > 0) client.write(agent.head);
  if (head.length > 0) agent.socket.write(head);
  // pipe() ends each side after flushing what the other sent, so the exit frame and the close
  // frame always reach the client; an error on either side cuts both.
  client.pipe(agent.socket);
  agent.socket.pipe(client);
  const cut = (): void => {
    client.destroy();
    agent.socket.destroy();
  };
  client.on('error', cut);
  agent.socket.on('error', cut);
  for (const [from, to] of [[client, agent.socket], [agent.socket, client]] as const) {
    from.on('close', () => {
      to.end();
      setTimeout(() => to.destroy(), 5000).unref();
    });
  }
}

/** Checks an exec's path and query, and returns how to open it on the sprite's agent. */
function execOpener(deps: UpgradeDeps, url: URL): () => Promise<UpgradedSocket> {
  const match = EXEC_PATH.exec(url.pathname);
  // Everything else, /control included, is a 404: the SDKs then fall back to /exec.
  if (match === null) throw new HobError('not_found', `no WebSocket route ${url.pathname}`);
  const name = decodePathSegment(match[1] ?? '');
  if (match[2] !== undefined) {
    deps.registry.get(name);
    throw new HobError('not_found', `session ${decodePathSegment(match[2])} not found`);
  }
  const exec = parseExecQuery(url.searchParams);
  return () => deps.lifecycle.withAgent(name, (link) => link.openExec(exec));
}

/** Exec URLs carry environment values; keep them out of logs. */
function redact(url: string | undefined): string {
  return (url ?? '').replace(/([?&]env=)[^&]*/g, '$1…');
}
