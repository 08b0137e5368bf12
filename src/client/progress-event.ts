import { isErrorCode } from '../shared/errors.js';
import type { ProgressEvent } from '../shared/protocol.js';
import { ProgressEvent as ProgressEventSchema } from '../shared/schemas/checkpoints.js';
import { matches } from './check.js';

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
