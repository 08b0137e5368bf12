import type { Static, TSchema } from '@sinclair/typebox';
import { HobError } from '../shared/errors.js';
import { matches } from '../shared/schemas/check.js';
import { HOB_VERSION } from '../shared/version.js';

export { matches };

/** The server's answer, if it has the shape the contract promises; a clear error if not (a server of another version, or a bug). */
export function checked<T extends TSchema>(schema: T, value: unknown, what: string): Static<T> {
  if (matches(schema, value)) return value;
  throw new HobError('internal', `the server's answer to ${what} does not match the API contract (GET /v1/openapi.json describes it); is the server the same version as this client (${HOB_VERSION})?`);
}
