import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { spriteApiRoutes } from '../../shared/schemas/sprite-api.js';
import { routeOptions } from '../api/contract.js';
import { streamOperation } from '../api/ndjson.js';
import type { CheckpointService } from '../sprites/checkpoints.js';
import { callerOf } from './caller.js';

export interface OwnCheckpointDeps {
  checkpoints: Pick<CheckpointService, 'create' | 'list'>;
  /** The calling sprite's current name (the services take names; a spare's changes when it is handed out). */
  nameOf: (spriteId: string) => string;
}

/** A sprite's own checkpoints, in the shapes of the public API's. Restore is not offered: it would end the caller. */
export function registerOwnCheckpointRoutes(app: FastifyInstance, deps: OwnCheckpointDeps): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const routes = spriteApiRoutes;

  api.get(routes.listOwnCheckpoints.path, routeOptions(routes.listOwnCheckpoints), (request) => {
    const history = request.query.history;
    return deps.checkpoints.list(deps.nameOf(callerOf(request)), {
      includeAuto: request.query.includeAuto ?? request.query.include_auto ?? false,
      ...(history === undefined || history === '' ? {} : { history }),
    });
  });

  api.post(routes.createOwnCheckpoint.path, routeOptions(routes.createOwnCheckpoint), (request, reply) => {
    const comment = request.body?.comment === undefined || request.body.comment === '' ? null : request.body.comment;
    const name = deps.nameOf(callerOf(request));
    streamOperation(
      reply,
      async (progress) => {
        const checkpoint = await deps.checkpoints.create(name, comment, progress);
        return { data: `Checkpoint ${checkpoint.id} created`, id: checkpoint.id };
      },
      request.log,
    );
  });
}
