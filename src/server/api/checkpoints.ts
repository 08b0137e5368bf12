import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { CURRENT_STATE, DIFF_DEFAULT_LIMIT } from '../../shared/protocol.js';
import { routes } from '../../shared/schemas/routes.js';
import type { CheckpointService } from '../sprites/checkpoints.js';
import type { SpriteRegistry } from '../sprites/registry.js';
import { routeOptions } from './contract.js';
import { streamOperation } from './ndjson.js';

/** Checkpoints of the Sprites v1 API (create is singular: `/checkpoint`), plus Hob's diff. */
export function registerCheckpointRoutes(app: FastifyInstance, deps: { registry: SpriteRegistry; checkpoints: CheckpointService }): void {
  const { registry, checkpoints } = deps;
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.post(routes.createCheckpoint.path, routeOptions(routes.createCheckpoint), async (request, reply) => {
    const comment = request.body?.comment === undefined || request.body.comment === '' ? null : request.body.comment;
    // Refused with a status while nothing has started; later failures end the stream with an error line.
    registry.get(request.params.name);
    streamOperation(
      reply,
      async (progress) => {
        const checkpoint = await checkpoints.create(request.params.name, comment, progress);
        return { data: `Checkpoint ${checkpoint.id} created`, id: checkpoint.id };
      },
      request.log,
    );
  });

  api.get(routes.listCheckpoints.path, routeOptions(routes.listCheckpoints), (request) => {
    const history = request.query.history;
    return checkpoints.list(request.params.name, {
      includeAuto: request.query.includeAuto ?? request.query.include_auto ?? false,
      ...(history === undefined || history === '' ? {} : { history }),
    });
  });

  api.get(routes.getCheckpoint.path, routeOptions(routes.getCheckpoint), (request) => checkpoints.get(request.params.name, request.params.id));

  api.delete(routes.deleteCheckpoint.path, routeOptions(routes.deleteCheckpoint), async (request, reply) => {
    await checkpoints.delete(request.params.name, request.params.id);
    return reply.status(204).send();
  });

  api.post(routes.restoreCheckpoint.path, routeOptions(routes.restoreCheckpoint), async (request, reply) => {
    const { name, id } = request.params;
    checkpoints.get(name, id);
    streamOperation(
      reply,
      async (progress) => {
        await checkpoints.restore(name, id, progress);
        return { data: `Restored checkpoint ${id}`, id };
      },
      request.log,
    );
  });

  api.get(routes.diffCheckpoints.path, routeOptions(routes.diffCheckpoints), async (request) => {
    const against = request.query.against === undefined || request.query.against === '' ? CURRENT_STATE : request.query.against;
    return checkpoints.diff(request.params.name, request.params.id, against, request.query.limit ?? DIFF_DEFAULT_LIMIT);
  });
}
