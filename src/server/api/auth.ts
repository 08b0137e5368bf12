import type { IncomingHttpHeaders } from 'node:http';
import { HobError } from '../../shared/errors.js';
import type { TokenStore } from '../store/tokens.js';

/** Every API call carries `Authorization: Bearer <token>`, HTTP and WebSocket upgrades alike. */
export function authenticate(headers: IncomingHttpHeaders, tokens: TokenStore): void {
  const header = headers.authorization;
  if (header === undefined) {
    throw new HobError('unauthorized', 'missing Authorization header: send `Authorization: Bearer <token>`');
  }
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (match?.[1] === undefined || !tokens.verify(match[1])) {
    throw new HobError('unauthorized', 'invalid API token');
  }
}
