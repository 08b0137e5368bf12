import WebSocket from 'ws';
import { SpritesClient } from '@fly/sprites';

// Node 20 has no global WebSocket. The SDK calls `new WebSocket(url, { headers })` (undici's
// non-standard form) and then uses only the WHATWG surface (addEventListener, binaryType,
// readyState, send, close); the `ws` package accepts the same constructor (its second argument
// is an options object with `headers`) and implements that surface.
(globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;

/** The unmodified `@fly/sprites` SDK pointed at a Hob server, with the WebSocket it needs on Node 20. */
export function sdkClient(server: { url: string; token: string }): SpritesClient {
  return new SpritesClient(server.token, { baseURL: server.url });
}
