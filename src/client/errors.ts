import { ProgressEvent as ProgressEventSchema } from '../shared/schemas/checkpoints.js';
import { matches } from './check.js';
import { HobError, isErrorCode, type ErrorCode } from '../shared/errors.js';
import { fsErrorFromBody } from '../shared/fs-errors.js';
import type { ProgressEvent } from '../shared/protocol.js';

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

/**
 * One parsed line of an NDJSON progress stream, checked: an `error` line keeps the code the
 * server gave it; one without a code Hob knows (an older server) is `internal`. Lines that are
 * not progress events at all are dropped (undefined), as the Sprites SDKs skip them.
 */
export function progressEventFrom(value: unknown): ProgressEvent | undefined {
  if (matches(ProgressEventSchema, value)) return value;
  if (typeof value !== 'object' || value === null) return undefined;
  const line = value as Record<string, unknown>; // fields checked below
  if (line.type !== 'error') return undefined;
  // An error line from an older server (no code, or one this client does not know) still reports its failure.
  const message = typeof line.error === 'string' ? line.error : 'the operation failed';
  const time = typeof line.time === 'string' ? { time: line.time } : {};
  return { type: 'error', error: message, code: isErrorCode(line.code) ? line.code : 'internal', ...time };
}

/** An NDJSON `error` line as the HobError it reports, prefixed with what failed. */
export function errorFromEvent(event: Extract<ProgressEvent, { type: 'error' }>, what?: string): HobError {
  return new HobError(event.code, what === undefined ? event.error : `${what} failed: ${event.error}`);
}
