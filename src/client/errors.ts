import { HobError, isErrorCode, type ErrorCode } from '../shared/errors.js';
import { fsErrorFromBody } from '../shared/fs-errors.js';
import type { ProgressEvent } from '../shared/protocol.js';

// No schema here: a refused WebSocket exec comes through this module, and `hob exec` loads no
// TypeBox (progress lines are checked in ./progress-event.ts).

/**
 * The one place where a non-2xx response (an API answer or a refused WebSocket upgrade) becomes
 * an error the caller can branch on by code.
 */
export function errorFromBody(status: number, statusText: string, text: string): HobError {
  try {
    const parsed: unknown = JSON.parse(text);
    const body = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>; // an object; fields checked below
    // A failed file operation: `error` is its message, `code` its POSIX code.
    const fsFailure = fsErrorFromBody(body);
    if (fsFailure !== undefined) return fsFailure;
    if (isErrorCode(body.error)) {
      const details = typeof body.details === 'object' && body.details !== null ? (body.details as Record<string, unknown>) : undefined; // checked to be an object
      return new HobError(body.error, typeof body.message === 'string' ? body.message : body.error, details === undefined ? undefined : { details });
    }
  } catch {
    // Not JSON: fall through to a generic error carrying the raw text.
  }
  return new HobError(codeForStatus(status), `${status} ${statusText}${text ? `: ${text.slice(0, 500)}` : ''}`);
}

function codeForStatus(status: number): ErrorCode {
  if (status === 401) return 'unauthorized';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  return status >= 500 ? 'internal' : 'bad_request';
}

/** An NDJSON `error` line as the HobError it reports, prefixed with what failed. */
export function errorFromEvent(event: Extract<ProgressEvent, { type: 'error' }>, what?: string): HobError {
  return new HobError(event.code, what === undefined ? event.error : `${what} failed: ${event.error}`);
}
