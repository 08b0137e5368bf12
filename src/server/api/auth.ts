import type { IncomingHttpHeaders } from 'node:http';
import { HobError } from '../../shared/errors.js';
import type { Principal, TokenStore } from '../store/tokens.js';

/** Every API call carries `Authorization: Bearer <token>`, HTTP and WebSocket upgrades alike; answers whom it speaks for. */
export function authenticate(headers: IncomingHttpHeaders, tokens: TokenStore): Principal {
  const header = headers.authorization;
  if (header === undefined) {
    throw new HobError('unauthorized', 'missing Authorization header: send `Authorization: Bearer <token>`');
  }
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  const principal = match?.[1] === undefined ? undefined : tokens.principal(match[1]);
  if (principal === undefined) throw new HobError('unauthorized', 'invalid API token');
  return principal;
}
