import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Transform, type Readable } from 'node:stream';
import { HobError } from '../../shared/errors.js';
import { routes } from '../../shared/schemas/routes.js';
import type { ImageRegistry } from '../images/registry.js';
import { acceptRawBodies } from './body.js';
import { routeOptions } from './contract.js';
import { streamJob } from './ndjson.js';

export function registerImageRoutes(app: FastifyInstance, deps: { images: ImageRegistry; maxImportBytes: number }): void {
  const { images } = deps;
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get(routes.listImages.path, routeOptions(routes.listImages), () => ({ images: images.list() }));

  api.get(routes.getImage.path, routeOptions(routes.getImage), (request) => images.toJson(request.params.name));

  /** Starts a build, or follows the one in flight; NDJSON progress until it ends. */
  api.post(routes.buildImage.path, routeOptions(routes.buildImage), async (request, reply) => {
    streamJob(reply, images.build(request.params.name));
  });

  api.delete(routes.deleteImage.path, routeOptions(routes.deleteImage), async (request, reply) => {
    await images.remove(request.params.name);
    return reply.status(204).send();
  });

  // The import body is a tarball streamed straight to tar, so it gets a context without the JSON parser.
  void app.register((rawContext, _options, done) => {
    acceptRawBodies(rawContext);
    const raw = rawContext.withTypeProvider<TypeBoxTypeProvider>();
    raw.post(routes.importImage.path, { ...routeOptions(routes.importImage), bodyLimit: deps.maxImportBytes }, async (request, reply) => {
      const length = Number(request.headers['content-length'] ?? 0);
      if (length > deps.maxImportBytes) throw new HobError('body_too_large', `image tarballs are limited to ${deps.maxImportBytes} bytes`);
      if (request.body === undefined) throw new HobError('bad_request', 'send the root filesystem tarball as the request body');
      const job = images.import(request.params.name, limitStream(request.body as Readable, deps.maxImportBytes)); // the raw parser passes the request stream
      streamJob(reply, job);
    });
    done();
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
