import type { TSchema } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction, preValidationHookHandler } from 'fastify';
import type { RouteContract } from '../../shared/schemas/routes.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Answered without a token (the route contract's `public`). */
    public?: boolean;
  }
}

type JsonBodyOf<R> = R extends { body: { json: infer B } } ? B : undefined;
type ResponseOf<R> = R extends { response: { status: infer S extends number; json: infer J } } ? { [K in S]: J } : undefined;

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
export function routeOptions<const R extends RouteContract>(contract: R): { schema: FastifySchemaOf<R>; config: { public: boolean }; preValidation?: preValidationHookHandler } {
  const schema: Record<string, TSchema | Record<number, TSchema>> = {};
  if (contract.params !== undefined) schema.params = contract.params;
  if (contract.querystring !== undefined) schema.querystring = contract.querystring;
  if (contract.body !== undefined && 'json' in contract.body) schema.body = contract.body.json;
  if ('json' in contract.response) schema.response = { [contract.response.status]: contract.response.json };
  const options = { schema: schema as unknown as FastifySchemaOf<R>, config: { public: contract.public === true } }; // built field by field from the same contract the type is computed from
  // An optional JSON body that was not sent is an empty object (`curl -X POST` with no -d), not a wrong type.
  if (contract.body !== undefined && 'json' in contract.body && !contract.body.required) return { ...options, preValidation: emptyBodyAsObject };
  return options;
}

function emptyBodyAsObject(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  request.body ??= {};
  done();
}
