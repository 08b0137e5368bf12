import type { TSchema } from '@sinclair/typebox';
import { Type } from './type.js';
import { ErrorCodes, type ErrorCode } from '../errors.js';

/** A value or null; OpenAPI 3.1 and the validators read it as JSON Schema's anyOf. */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** An RFC 3339 timestamp as `Date.prototype.toISOString` writes it. */
export const Timestamp = (description: string) => Type.String({ format: 'date-time', description });

/**
 * A request object: fields it does not name are dropped before the handler sees them (ajv's
 * removeAdditional), so clients that send more than this server knows are not refused.
 */
export const RequestObject: typeof Type.Object = (properties, options) => Type.Object(properties, { additionalProperties: false, ...options });

/** A code of the error registry (src/shared/errors.ts). */
export const ErrorCodeSchema = Type.Union(
  (Object.keys(ErrorCodes) as ErrorCode[]).map((code) => Type.Literal(code)), // the registry's keys are its codes
  { description: 'A code from the error registry; callers branch on it.' },
);

export const ErrorBody = Type.Object(
  {
    error: ErrorCodeSchema,
    message: Type.String({ description: 'What went wrong and, where it helps, how to fix it.' }),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    limit: Type.Optional(Type.Number({ description: 'A refusal by a limit: the limit (also in `details`, with what else it knows).' })),
    current_count: Type.Optional(Type.Integer({ description: 'A refusal by the cap on running sprites: how many run now.' })),
    retry_after_seconds: Type.Optional(Type.Integer({ description: 'A refusal by the cap on running sprites: when to try again, as the Retry-After header says.' })),
  },
  { title: 'Error', description: 'The body of every non-2xx response.' },
);

export const NameParams = Type.Object({
  name: Type.String({ description: 'The sprite name: a lowercase DNS label.' }),
});

export const ImageNameParams = Type.Object({
  name: Type.String({ description: 'The image name: a lowercase DNS label.' }),
});

export const CheckpointParams = Type.Object({
  name: Type.String({ description: 'The sprite name.' }),
  id: Type.String({ description: 'A checkpoint id (v0, v1, …, auto-0, …).' }),
});
