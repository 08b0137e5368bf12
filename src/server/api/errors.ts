import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HobError, type ErrorBody } from '../../shared/errors.js';
import { fsErrorBody } from '../../shared/fs-errors.js';

/**
 * The one place where failures become HTTP responses. Handlers throw HobError (or let
 * anything else escape, which becomes a logged 500); they never set error statuses themselves.
 */
export function toHobError(error: unknown): HobError {
  if (error instanceof HobError) return error;
  const fastifyError = error as Partial<FastifyError>; // fastify's errors carry `code` and `statusCode`
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HobError('body_too_large', 'the request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HobError('unsupported_media_type', 'unsupported Content-Type');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new HobError('bad_request', 'Content-Length does not match the body');
    // The router's own refusals; fastify's messages would echo the whole URL, query included.
    case 'FST_ERR_BAD_URL':
      return new HobError('bad_request', 'the URL path is not valid percent-encoding');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new HobError('bad_request', 'a path segment is too long');
    // No code of its own: judged by its status below.
    case undefined:
    default:
      break;
  }
  if (fastifyError.statusCode !== undefined && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return new HobError('bad_request', fastifyError.message ?? 'bad request');
  }
  return new HobError('internal', 'internal server error', { cause: error });
}

/** Headers a refusal carries besides its status and JSON body: Retry-After, when it knows when to try again. Every road out (the API, upgrades, sprite URLs) sends them. */
export function refusalHeaders(error: HobError): Record<string, string> {
  const retryAfter = error.retryAfterSeconds;
  return retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) };
}

/** Also fastify's `frameworkErrors`, which the router calls for a URL it cannot route. */
export function replyWithError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const hobError = toHobError(error);
  if (hobError.code === 'internal') request.log.error({ err: error }, 'request failed');
  else request.log.info({ code: hobError.code, message: hobError.message }, 'request refused');
  void reply.headers(refusalHeaders(hobError));
  // A failed file operation answers in the shape the SDK's filesystem calls read.
  void reply.status(hobError.status).send(fsErrorBody(hobError) ?? hobError.toBody());
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(replyWithError);
  app.setNotFoundHandler((request, reply) => {
    const body: ErrorBody = { error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0] ?? ''}` };
    void reply.status(404).send(body);
  });
}
