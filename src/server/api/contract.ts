import type { TSchema, TUndefined, TUnion } from '@sinclair/typebox';
import type { RouteContract } from '../../shared/schemas/routes.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Answered without a token (the route contract's `public`). */
    public?: boolean;
  }
}

/** An optional body is typed as possibly absent: fastify leaves `request.body` undefined when none is sent. */
type JsonBodyOf<R> = R extends { body: { json: infer B extends TSchema; required: infer Required } } ? (Required extends true ? B : TUnion<[B, TUndefined]>) : undefined;
type CreatedOf<R> = R extends { response: { created: string } } ? 201 : never;
type ResponseOf<R> = R extends { response: { status: infer S extends number; json: infer J } } ? { [K in S | CreatedOf<R>]: J } : undefined;

/** The fastify schema of a route, typed from its contract so the type provider types its handler. */
export interface FastifySchemaOf<R extends RouteContract> {
  params: R['params'];
  querystring: R['querystring'];
  body: JsonBodyOf<R>;
  response: ResponseOf<R>;
}

/**
 * The options a route module passes to fastify for a route of the contract: its request
 * schemas (validated by api/validation), its JSON response schema (which also serialises the
 * answer, so nothing outside the contract leaves the server) and whether it needs a token.
 * Streamed bodies and answers (NDJSON, exec frames, tarballs) are left to the handler.
 */
export function routeOptions<const R extends RouteContract>(contract: R): { schema: FastifySchemaOf<R>; config: { public: boolean } } {
  const schema: Record<string, TSchema | Record<number, TSchema>> = {};
  if (contract.params !== undefined) schema.params = contract.params;
  if (contract.querystring !== undefined) schema.querystring = contract.querystring;
  if (contract.body !== undefined && 'json' in contract.body) schema.body = contract.body.json;
  if ('json' in contract.response) {
    const { status, json, created } = contract.response;
    // A route that may create answers 201 with the same body, serialised by the same schema.
    schema.response = created === undefined ? { [status]: json } : { [status]: json, 201: json };
  }
  return { schema: schema as unknown as FastifySchemaOf<R>, config: { public: contract.public === true } }; // built field by field from the same contract the type is computed from
}

