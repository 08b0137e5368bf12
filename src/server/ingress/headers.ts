import type { IncomingMessage } from 'node:http';
import { endToEndHeaders } from '../util/hop-by-hop.js';

/** Set by Hob from what it saw; a client's own values are not believed. */
const FORWARDED = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded']);

export interface ForwardOptions {
  /** Drop the Authorization header (it carried Hob's token). */
  dropAuthorization: boolean;
  /** The Cookie header without Hob's sign-in cookie, or undefined to drop it. */
  cookie: string | undefined;
  /** Keep Connection and Upgrade: a WebSocket handshake is passed on as it is. */
  upgrade: boolean;
}

/** The request's headers for the sprite, as a flat raw list (case and order kept), with X-Forwarded-*. */
export function requestHeadersForSprite(req: IncomingMessage, options: ForwardOptions): string[] {
  const out = endToEndHeaders(req, {
    keepFraming: true,
    keepUpgrade: options.upgrade,
    drop: (lower) => FORWARDED.has(lower) || lower === 'cookie' || (lower === 'authorization' && options.dropAuthorization),
  });
  if (options.cookie !== undefined) out.push('Cookie', options.cookie);
  const host = req.headers.host ?? '';
  out.push('X-Forwarded-For', req.socket.remoteAddress ?? '', 'X-Forwarded-Proto', 'http', 'X-Forwarded-Host', host);
  return out;
}

/** The sprite's response headers for the client, as a flat raw list, without hop-by-hop ones. */
export function responseHeadersForClient(res: IncomingMessage): string[] {
  return endToEndHeaders(res, { keepFraming: false, keepUpgrade: false });
}
