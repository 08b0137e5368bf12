import type { FastifyInstance } from 'fastify';
import { Transform, type Readable } from 'node:stream';
import { HobError } from '../../shared/errors.js';
import type { ImageRegistry } from '../images/registry.js';
import { acceptRawBodies } from './body.js';
import { streamJob } from './ndjson.js';

interface NameParams {
  name: string;
}

export function registerImageRoutes(app: FastifyInstance, deps: { images: ImageRegistry; maxImportBytes: number }): void {
  const { images } = deps;

  app.get('/v1/images', async () => ({ images: images.list() }));

  app.get<{ Params: NameParams }>('/v1/images/:name', async (request) => images.toJson(request.params.name));

  /** Starts a build, or follows the one in flight; NDJSON progress until it ends. */
  app.post<{ Params: NameParams }>('/v1/images/:name/build', async (request, reply) => {
    streamJob(reply, images.build(request.params.name));
  });

  app.delete<{ Params: NameParams }>('/v1/images/:name', async (request, reply) => {
    await images.remove(request.params.name);
    return reply.status(204).send();
  });

  // The import body is a tarball streamed straight to tar, so it gets a context without the JSON parser.
  void app.register(async (raw) => {
    acceptRawBodies(raw);
    raw.post<{ Params: NameParams }>('/v1/images/:name/import', { bodyLimit: deps.maxImportBytes }, async (request, reply) => {
      const length = Number(request.headers['content-length'] ?? 0);
      if (length > deps.maxImportBytes) throw new HobError('body_too_large', `image tarballs are limited to ${deps.maxImportBytes} bytes`);
      if (request.body === undefined) throw new HobError('bad_request', 'send the root filesystem tarball as the request body');
      const job = images.import(request.params.name, limitStream(request.body as Readable, deps.maxImportBytes)); // the raw parser passes the request stream
      streamJob(reply, job);
    });
  });
}

/** Fails the stream once more than `max` bytes have gone through (chunked uploads have no length). */
function limitStream(input: Readable, max: number): Readable {
  let seen = 0;
  const limited = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > max) callback(new HobError('body_too_large', `image tarballs are limited to ${max} bytes`));
      else callback(null, chunk);
    },
  });
  input.on('error', (error) => limited.destroy(error));
  return input.pipe(limited);
}
