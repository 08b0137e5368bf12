import type { TObject, TSchema } from '@sinclair/typebox';
import type { ErrorCode } from '../errors.js';
import { ProgressEvent } from './checkpoints.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** A JSON body a raw route also takes, or a JSON answer a streaming route also gives, and when. */
export interface JsonAlternative {
  readonly json: TSchema;
  readonly description: string;
}

/** What a successful call answers. */
export type SuccessResponse =
  | {
      readonly status: 200 | 201;
      readonly description: string;
      readonly json: TSchema;
      /** Set when the call may also create what it names: it then answers 201 with the same body, as this says. */
      readonly created?: string;
    }
  | { readonly status: 200; readonly description: string; readonly stream: 'application/x-ndjson'; readonly lines: TSchema }
  | { readonly status: 200; readonly description: string; readonly stream: 'application/octet-stream' | 'text/plain'; readonly alternative?: JsonAlternative }
  | { readonly status: 204; readonly description: string }
  | { readonly status: 101; readonly description: string; readonly messages?: TSchema };

export type RequestBody =
  | { readonly json: TSchema; readonly required: boolean }
  | { readonly raw: 'application/octet-stream'; readonly description: string; readonly required: boolean; readonly alternative?: JsonAlternative };

/**
 * One route of the API: the single source for validation (the server hands these schemas to
 * fastify), for the types the client and CLI use, for the route-contract test and for the
 * OpenAPI document at GET /v1/openapi.json.
 */
export interface RouteContract {
  /** The OpenAPI operationId. */
  readonly id: string;
  readonly method: HttpMethod | 'WS';
  /** In the server router's syntax (`:name`). */
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  /** Answered without a token. */
  readonly public?: true;
  /** Needs the admin token, also when it names a sprite that a scoped token covers (it sets what a scope must not lift, such as a spend limit). */
  readonly admin?: true;
  readonly params?: TObject;
  readonly querystring?: TObject;
  /**
   * Documented query parameters that shared/exec-request parses itself (repeated `cmd` and
   * `env` are its normal form), so they are not handed to the schema validator.
   */
  readonly execQuery?: TObject;
  readonly body?: RequestBody;
  readonly response: SuccessResponse;
  /** The error codes this route answers with, besides `unauthorized` on the routes that need a token. */
  readonly errors: readonly ErrorCode[];
  /** A failed file operation answers the SDK's fs error body (`{error: message, code: "ENOENT", path}`) instead of `{error: code, message}`. */
  readonly posixErrors?: true;
}

/** `const` keeps each schema's own type, so fastify's type provider can type the handlers. */
export const route = <const R extends RouteContract>(contract: R): R => contract;

export const progress = (description: string) => ({ status: 200, description, stream: 'application/x-ndjson', lines: ProgressEvent }) as const;
