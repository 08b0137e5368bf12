import type { IncomingMessage } from 'node:http';

/** Headers that describe one hop, not the message: never passed on (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect']);

export interface EndToEndOptions {
  /** Keep Transfer-Encoding: a request body is passed on exactly as it is framed. */
  keepFraming: boolean;
  /** Keep Connection and Upgrade: a WebSocket handshake is passed on as it is. */
  keepUpgrade: boolean;
  /** Further headers (lower case) to leave out. */
  drop?: (lowerName: string) => boolean;
}

/** A message's end-to-end headers, as a flat raw list (case and order kept), for the next hop. */
export function endToEndHeaders(message: IncomingMessage, options: EndToEndOptions): string[] {
  const out: string[] = [];
  const connectionTokens = new Set((message.headers.connection ?? '').toLowerCase().split(',').map((t) => t.trim()));
  for (let i = 0; i + 1 < message.rawHeaders.length; i += 2) {
    const name = message.rawHeaders[i] ?? '';
    const value = message.rawHeaders[i + 1] ?? '';
    const lower = name.toLowerCase();
    if (options.drop?.(lower) === true) continue;
    const kept = (options.keepUpgrade && (lower === 'connection' || lower === 'upgrade')) || (options.keepFraming && lower === 'transfer-encoding');
    if (!kept && (HOP_BY_HOP.has(lower) || connectionTokens.has(lower))) continue;
    out.push(name, value);
  }
  return out;
}
