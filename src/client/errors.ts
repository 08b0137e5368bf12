import { HobError, isErrorCode } from '../shared/errors.js';

/**
 * The one place where a non-2xx response (an API answer or a refused WebSocket upgrade) becomes
 * an error the caller can branch on by code.
 */
export function errorFromBody(status: number, statusText: string, text: string): HobError {
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown; details?: unknown }; // fields checked below
    if (isErrorCode(body.error)) {
      const details = typeof body.details === 'object' && body.details !== null ? (body.details as Record<string, unknown>) : undefined; // checked to be an object
      return new HobError(body.error, typeof body.message === 'string' ? body.message : body.error, details === undefined ? undefined : { details });
    }
  } catch {
    // Not JSON: fall through to a generic error carrying the raw text.
  }
  const code = status === 401 ? 'unauthorized' : status === 404 ? 'not_found' : status >= 500 ? 'internal' : 'bad_request';
  return new HobError(code, `${status} ${statusText}${text ? `: ${text.slice(0, 500)}` : ''}`);
}
