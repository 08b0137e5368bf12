import type { FastifyInstance } from 'fastify';
import { HobError } from '../../shared/errors.js';

/**
 * JSON bodies are accepted whatever their Content-Type says, or with none at all: the Sprites
 * quick-start's curl without `-H Content-Type` is a known stumbling block, and we do not repeat it.
 */
export function acceptJsonBodies(app: FastifyInstance, maxBodyBytes: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBodyBytes }, (_request, body, done) => {
    // parseAs: 'buffer' hands the parser a Buffer.
    const text = (body as Buffer).toString('utf8').trim();
    if (text === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text) as unknown);
    } catch {
      done(new HobError('bad_request', 'the request body is not valid JSON'), undefined);
    }
  });
}

/** For routes that stream their body (HTTP exec stdin, image import): the raw request stream. */
export function acceptRawBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
}
