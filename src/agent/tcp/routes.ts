import { connect, isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { HobError } from '../../shared/errors.js';
import { errorText } from '../log.js';
import { refuseUpgrade, type AgentRoutes } from '../routes.js';

/** How long a dial may take before it is refused; a port that drops SYNs must not hold the caller. */
const DIAL_TIMEOUT_MS = 10_000;
/** How often a refused dial is tried again while a service that will serve the port is starting. */
const REDIAL_MS = 10;
/** A DNS name or an IP literal; anything else (spaces, slashes, a URL) is refused before dialling. */
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*\.?$/;

export interface TcpTarget {
  host: string;
  port: number;
}

/** The target of `GET /tcp?host=&port=`, checked: the server is trusted, but the agent still validates. */
export function parseTcpTarget(params: URLSearchParams): TcpTarget {
  const host = params.get('host') ?? '';
  const portText = params.get('port') ?? '';
  if (params.getAll('host').length > 1 || params.getAll('port').length > 1) throw new HobError('bad_request', 'host and port may be given once each');
  if (!(isIP(host) !== 0 || HOSTNAME.test(host))) throw new HobError('bad_request', `host must be a host name or an IP address, got ${JSON.stringify(host.slice(0, 100))}`);
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) throw new HobError('bad_request', `port must be a whole number from 1 to 65535, got ${JSON.stringify(portText.slice(0, 20))}`);
  return { host, port };
}

/** What a failed dial tells the caller: nothing listens, or the address cannot be reached. */
function dialRefusal(target: TcpTarget, error: NodeJS.ErrnoException): HobError {
  const where = `${target.host}:${target.port}`;
  if (error.code === 'ECONNREFUSED') return new HobError('agent_error', `nothing listens on ${where} (connection refused)`);
  if (error.code === 'ETIMEDOUT') return new HobError('agent_error', `no answer from ${where} within ${DIAL_TIMEOUT_MS} ms`);
  if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') return new HobError('agent_error', `cannot resolve ${target.host}`);
  return new HobError('agent_error', `cannot connect to ${where}: ${error.code ?? error.message}`);
}

/** Pipes two streams both ways; either side's error or close cuts the other, so no half survives. */
function splice(client: Duplex, target: Socket): void {
  client.pipe(target);
  target.pipe(client);
  const cut = (): void => {
    client.destroy();
    target.destroy();
  };
  client.on('error', cut);
  target.on('error', cut);
  client.on('close', cut);
  target.on('close', cut);
}

/** Loopback: where a service's http_port is dialled by the sprite's URL. */
function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1';
}

/**
 * `GET /tcp?host=&port=` with `Upgrade: tcp`: dials from inside the sprite (its own namespaces,
 * so loopback-only servers are reachable and nothing is reachable that the sprite could not
 * reach itself), answers 101 once connected, and then the connection is a raw byte pipe.
 * A dial that fails is refused with a JSON error naming host:port. A dial to loopback that is
 * refused while `comingUp(port)` says a service is starting to serve that port (a sprite just
 * woken, its web app not listening yet) is tried again until it connects or the service is up
 * or gone.
 */
export function tcpRoutes(deps: { comingUp: (port: number) => boolean } = { comingUp: () => false }): AgentRoutes {
  return {
    upgrade: {
      '/tcp': (_req, url, socket, head) => {
        let target: TcpTarget;
        try {
          target = parseTcpTarget(url.searchParams);
        } catch (err) {
          refuseUpgrade(socket, err instanceof HobError ? err : new HobError('bad_request', errorText(err)));
          return;
        }
        socket.on('error', () => socket.destroy());
        // `localhost` (the SDK's default) is dialled directly: a sprite's image may lack /etc/hosts.
        const host = target.host.toLowerCase() === 'localhost' ? '127.0.0.1' : target.host;
        let upstream: Socket | undefined;
        let redial: NodeJS.Timeout | undefined;
        // The caller giving up before the dial completes must not leave a connection behind.
        socket.once('close', () => {
          clearTimeout(redial);
          upstream?.destroy();
        });
        const dial = (): void => {
          const attempt = connect({ host, port: target.port, noDelay: true, timeout: DIAL_TIMEOUT_MS });
          upstream = attempt;
          const onDialError = (error: NodeJS.ErrnoException): void => {
            attempt.destroy();
            if (socket.destroyed) return;
            if (error.code === 'ECONNREFUSED' && isLoopback(host) && deps.comingUp(target.port)) redial = setTimeout(dial, REDIAL_MS);
            else refuseUpgrade(socket, dialRefusal(target, error));
          };
          attempt.once('error', onDialError);
          attempt.once('timeout', () => onDialError(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
          attempt.once('connect', () => {
            attempt.off('error', onDialError);
            attempt.setTimeout(0);
            if (socket.destroyed) {
              attempt.destroy();
              return;
            }
            socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
            if (head.length > 0) attempt.write(head);
            splice(socket, attempt);
          });
        };
        dial();
      },
    },
  };
}
