import { FormatRegistry, type Static, type TSchema } from '@sinclair/typebox';
// Check alone: the Value namespace (or TypeBox's error reporter) would put much more into every CLI start.
import { Check } from '@sinclair/typebox/value';
import { HobError } from '../shared/errors.js';
import { HOB_VERSION } from '../shared/version.js';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

// TypeBox fails every format it has not been told about; the API's timestamps are RFC 3339.
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (value) => RFC3339.test(value) && !Number.isNaN(Date.parse(value)));

export function matches<T extends TSchema>(schema: T, value: unknown): value is Static<T> {
  return Check(schema, value);
}

/** The server's answer, if it has the shape the contract promises; a clear error if not (a server of another version, or a bug). */
export function checked<T extends TSchema>(schema: T, value: unknown, what: string): Static<T> {
  if (matches(schema, value)) return value;
  throw new HobError('internal', `the server's answer to ${what} does not match the API contract (GET /v1/openapi.json describes it); is the server the same version as this client (${HOB_VERSION})?`);
}
