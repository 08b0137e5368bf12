import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { errorCodeOf, HobError } from '../../shared/errors.js';
import type { SpriteLifecycle } from '../sprites/lifecycle.js';
import type { SpriteRegistry } from '../sprites/registry.js';
import { decodePathSegment } from './upgrade-url.js';
import { requireWebSocket, type RelaySet, type UpgradeRoute } from './upgrades.js';

export const PROXY_WS_ROUTE = '/v1/sprites/:name/proxy';
const PROXY_PATH = /^\/v1\/sprites\/([^/]+)\/proxy$/;
/** The SDK gives up on a reply after 10 s; the init message must come well within that too. */
const INIT_TIMEOUT_MS = 10_000;
/** The init message is a tiny JSON object; nothing bigger is read before the pipe is up. */
const MAX_INIT_BYTES = 4096;
/** Data frames are relayed as they come; a frame this large is refused rather than buffered. */
const MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** Past this much unsent data towards the client, reading from the sprite pauses. */
const HIGH_WATER_BYTES = 1024 * 1024;

export interface ProxyTarget {
  host: string;
  port: number;
}

/** The SDK's first text frame, `{"host","port"}`, checked; the agent checks the host again. */
export function parseProxyInit(data: WebSocket.RawData, isBinary: boolean): ProxyTarget {
  if (isBinary) throw new HobError('bad_request', 'the first message must be a text frame {"host","port"}');
  const text = toBuffer(data).toString();
  if (text.length > MAX_INIT_BYTES) throw new HobError('bad_request', 'the init message is too large');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HobError('bad_request', 'the init message is not JSON');
  }
  const body = (typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {}) as Record<string, unknown>; // any object; each field is checked below
  const host = body.host ?? 'localhost';
  const { port } = body;
  if (typeof host !== 'string' || host.length === 0 || host.length > 253) throw new HobError('bad_request', 'host must be a host name or an IP address');
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) throw new HobError('bad_request', 'port must be a whole number from 1 to 65535');
  return { host, port };
}

/**
 * `WS /v1/sprites/{name}/proxy`, as the Sprites SDK speaks it: a text frame `{"host","port"}`,
 * a text reply `{"status":"connected","target":"host:port"}` once the agent has dialled the
 * port from inside the sprite, then binary frames both ways; a close on either side closes
 * the other. A failed dial is answered `{"status":"error",...}` and closed.
 */
export function proxyUpgradeRoute(deps: { registry: SpriteRegistry; lifecycle: SpriteLifecycle; relays: RelaySet }): UpgradeRoute {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false, clientTracking: false });
  return {
    path: PROXY_WS_ROUTE,
    pattern: PROXY_PATH,
    handle: async ({ request, socket, head, match }) => {
      const name = decodePathSegment(match[1] ?? '');
      deps.registry.get(name);
      requireWebSocket(request);
      const ws = await new Promise<WebSocket>((resolve) => wss.handleUpgrade(request, socket, head, resolve));
      deps.relays.track(socket);
      serveProxy(ws, name, deps.lifecycle, deps.relays);
    },
  };
}

function serveProxy(ws: WebSocket, name: string, lifecycle: SpriteLifecycle, relays: RelaySet): void {
  const timer = setTimeout(() => fail(new HobError('bad_request', `no {"host","port"} message within ${INIT_TIMEOUT_MS} ms`)), INIT_TIMEOUT_MS);
  let upstream: Duplex | undefined;
  const fail = (error: unknown): void => {
    clearTimeout(timer);
    if (ws.readyState !== WebSocket.OPEN) return;
    const message = error instanceof Error ? error.message : String(error);
    ws.send(JSON.stringify({ status: 'error', error: errorCodeOf(error), message }));
    ws.close(1011);
  };
  ws.on('error', () => ws.terminate());
  ws.on('close', () => {
    clearTimeout(timer);
    upstream?.destroy();
  });
  ws.once('message', (data, isBinary) => {
    let target: ProxyTarget;
    try {
      target = parseProxyInit(data, isBinary);
    } catch (error) {
      fail(error);
      return;
    }
    // Frames sent before the reply belong to the stream: hold them until the pipe is up.
    ws.pause();
    lifecycle
      .withAgent(name, (link) => link.openTcp(target.host, target.port))
      .then(({ socket, head }) => {
        clearTimeout(timer);
        if (ws.readyState !== WebSocket.OPEN) {
          socket.destroy();
          return;
        }
        upstream = socket;
        relays.track(socket);
        lifecycle.holdWhileOpen(name, socket);
        ws.send(JSON.stringify({ status: 'connected', target: `${target.host}:${target.port}` }));
        if (head.length > 0) ws.send(head, { binary: true });
        relay(ws, socket);
        ws.resume();
      })
      .catch((error: unknown) => fail(error instanceof HobError ? new HobError(error.code, `sprite ${name}: ${error.message}`) : error));
  });
}

function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

/** Binary frames to bytes and back, with backpressure both ways. */
function relay(ws: WebSocket, socket: Duplex): void {
  ws.on('message', (data) => {
    if (!socket.write(toBuffer(data))) {
      ws.pause();
      socket.once('drain', () => ws.resume());
    }
  });
  socket.on('data', (chunk: Buffer) => {
    ws.send(chunk, { binary: true }, () => {
      if (socket.isPaused() && ws.bufferedAmount <= HIGH_WATER_BYTES) socket.resume();
    });
    if (ws.bufferedAmount > HIGH_WATER_BYTES) socket.pause();
  });
  socket.on('end', () => ws.close(1000));
  socket.on('error', () => ws.close(1011));
  socket.on('close', () => {
    if (ws.readyState === WebSocket.OPEN) ws.close(1000);
  });
  ws.on('close', () => socket.destroy());
}
