import { FormatRegistry, type Static, type TSchema } from '@sinclair/typebox';
// Check alone: the Value namespace (or TypeBox's error reporter) would put much more into every CLI start.
import { Check } from '@sinclair/typebox/value';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

// TypeBox fails every format it has not been told about; the API's timestamps are RFC 3339.
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (value) => RFC3339.test(value) && !Number.isNaN(Date.parse(value)));

/** Whether a value has a schema's shape: the client checks the server's answers with it, the server the agent's. */
export function matches<T extends TSchema>(schema: T, value: unknown): value is Static<T> {
  return Check(schema, value);
}
