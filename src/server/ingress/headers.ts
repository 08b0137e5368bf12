import type { IncomingMessage } from 'node:http';

/** Headers that describe one hop, not the message: never passed on (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect']);
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
  const out: string[] = [];
  const connectionTokens = new Set((req.headers.connection ?? '').toLowerCase().split(',').map((t) => t.trim()));
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] ?? '';
    const value = req.rawHeaders[i + 1] ?? '';
    const lower = name.toLowerCase();
    if (FORWARDED.has(lower) || lower === 'cookie') continue;
    if (lower === 'authorization' && options.dropAuthorization) continue;
    if (options.upgrade && (lower === 'connection' || lower === 'upgrade')) {
      out.push(name, value);
      continue;
    }
    // Transfer-Encoding and Content-Length stay: the body is passed on exactly as it is framed.
    if (lower !== 'transfer-encoding' && (HOP_BY_HOP.has(lower) || connectionTokens.has(lower))) continue;
    out.push(name, value);
  }
  if (options.cookie !== undefined) out.push('Cookie', options.cookie);
  const host = req.headers.host ?? '';
  out.push('X-Forwarded-For', req.socket.remoteAddress ?? '', 'X-Forwarded-Proto', 'http', 'X-Forwarded-Host', host);
  return out;
}

/** The sprite's response headers for the client, as a flat raw list, without hop-by-hop ones. */
export function responseHeadersForClient(res: IncomingMessage): string[] {
  const out: string[] = [];
  const connectionTokens = new Set((res.headers.connection ?? '').toLowerCase().split(',').map((t) => t.trim()));
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
    const name = res.rawHeaders[i] ?? '';
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || connectionTokens.has(lower)) continue;
    out.push(name, res.rawHeaders[i + 1] ?? '');
  }
  return out;
}
