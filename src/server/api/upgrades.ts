import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { HobError } from '../../shared/errors.js';
import type { SpriteStore } from '../store/sprites.js';
import type { TokenStore } from '../store/tokens.js';
import { contractOf } from './authorization.js';
import { authorize, nameInPath } from './scope.js';
import { authenticate } from './auth.js';
import { refusalHeaders, toHobError } from './errors.js';
import { parseUpgradeUrl } from './upgrade-url.js';

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

export interface UpgradeRequest {
  request: IncomingMessage;
  socket: Duplex;
  head: Buffer;
  url: URL;
  /** The pattern's capture groups, still percent-encoded. */
  match: RegExpExecArray;
}

/** One WebSocket route of the API: a path pattern and what answers it once the token is checked. */
export interface UpgradeRoute {
  /** The route in the router syntax of the contract (`/v1/sprites/:name/exec`), for the route test. */
  readonly path: string;
  readonly pattern: RegExp;
  /** Throws a HobError to refuse (before the handshake is answered); resolves once the relay runs. */
  handle(upgrade: UpgradeRequest): Promise<void>;
  /** What to keep out of logs when the route fails. */
  redact?(url: string): string;
}

/** Refuses an upgrade with a JSON error body (the Go SDK reads it; browsers and the JS SDK just see the close). */
export function refuse(socket: Duplex, error: HobError): void {
  const body = JSON.stringify(error.toBody());
  const extra = Object.entries(refusalHeaders(error)).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  socket.end(
    `HTTP/1.1 ${error.status} ${error.code}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`,
  );
}

/** The request's WebSocket key, if it is a WebSocket handshake at all; every route checks this before it upgrades. */
export function requireWebSocket(request: IncomingMessage): string {
  const key = request.headers['sec-websocket-key'];
  if (request.headers.upgrade?.toLowerCase() !== 'websocket' || typeof key !== 'string' || key.length === 0) {
    throw new HobError('bad_request', 'expected a WebSocket upgrade');
  }
  return key;
}

/**
 * The API's WebSocket routes, a table by path: the token is checked first for all of them,
 * then the first route whose pattern matches answers. Anything else, /control included, is a
 * 404: the SDKs then fall back to /exec.
 */
export function upgradeRouter(deps: { tokens: TokenStore; sprites: SpriteStore; log: Logger }, table: readonly UpgradeRoute[]) {
  return (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    let route: UpgradeRoute | undefined;
    const answer = async (): Promise<void> => {
      const url = parseUpgradeUrl(request.url);
      const principal = authenticate(request.headers, deps.tokens);
      for (const candidate of table) {
        const match = candidate.pattern.exec(url.pathname);
        if (match === null) continue;
        route = candidate;
        const contract = contractOf('WS', candidate.path);
        if (contract === undefined) throw new HobError('internal', `WebSocket route ${candidate.path} is not in the route table`);
        const name = nameInPath(candidate.path, url.pathname);
        authorize(principal, contract, 'WS', name === undefined ? undefined : { name, sprite: deps.sprites.getByName(name) });
        return candidate.handle({ request, socket, head, url, match });
      }
      throw new HobError('not_found', `no WebSocket route ${url.pathname}`);
    };
    void answer().catch((error: unknown) => {
      const hobError = toHobError(error);
      const url = route?.redact?.(request.url ?? '') ?? request.url;
      if (hobError.code === 'internal') deps.log.error({ err: error, url }, 'WebSocket upgrade failed');
      if (!socket.destroyed) refuse(socket, hobError);
    });
  };
}
