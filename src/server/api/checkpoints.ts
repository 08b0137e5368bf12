import type { FastifyInstance } from 'fastify';
import { HobError } from '../../shared/errors.js';
import { CURRENT_STATE, DIFF_DEFAULT_LIMIT, DIFF_MAX_LIMIT, type CreateCheckpointBody } from '../../shared/protocol.js';
import type { CheckpointService } from '../sprites/checkpoints.js';
import type { SpriteRegistry } from '../sprites/registry.js';
import { streamOperation } from './ndjson.js';

interface NameParams {
  name: string;
}

interface CheckpointParams extends NameParams {
  id: string;
}

const MAX_COMMENT_LENGTH = 1024;

function parseCreateCheckpoint(body: unknown): string | null {
  if (body === undefined || body === null) return null;
  if (typeof body !== 'object' || Array.isArray(body)) throw new HobError('bad_request', 'the request body must be a JSON object like {"comment": "before upgrade"}');
  const { comment, ...rest } = body as CreateCheckpointBody & Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new HobError('bad_request', `unknown field in the request body: ${unknown.join(', ')}`);
  if (comment === undefined || comment === '') return null;
  if (typeof comment !== 'string' || comment.length > MAX_COMMENT_LENGTH) {
    throw new HobError('bad_request', `comment must be a string of at most ${MAX_COMMENT_LENGTH} characters`);
  }
  return comment;
}

function parseLimit(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DIFF_DEFAULT_LIMIT;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > DIFF_MAX_LIMIT) throw new HobError('bad_request', `limit must be an integer from 1 to ${DIFF_MAX_LIMIT}`);
  return n;
}

function parseFlag(raw: string | undefined, what: string): boolean {
  if (raw === undefined || raw === '' || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw new HobError('bad_request', `${what} must be true or false`);
}

/** Checkpoints of the Sprites v1 API (create is singular: `/checkpoint`), plus Hob's diff. */
export function registerCheckpointRoutes(app: FastifyInstance, deps: { registry: SpriteRegistry; checkpoints: CheckpointService }): void {
  const { registry, checkpoints } = deps;

  app.post<{ Params: NameParams }>('/v1/sprites/:name/checkpoint', async (request, reply) => {
    const comment = parseCreateCheckpoint(request.body);
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

  app.get<{ Params: NameParams; Querystring: Record<string, string | undefined> }>('/v1/sprites/:name/checkpoints', async (request) => {
    const history = request.query.history;
    return checkpoints.list(request.params.name, {
      includeAuto: parseFlag(request.query.includeAuto ?? request.query.include_auto, 'includeAuto'),
      ...(history === undefined || history === '' ? {} : { history }),
    });
  });

  app.get<{ Params: CheckpointParams }>('/v1/sprites/:name/checkpoints/:id', async (request) => checkpoints.get(request.params.name, request.params.id));

  app.delete<{ Params: CheckpointParams }>('/v1/sprites/:name/checkpoints/:id', async (request, reply) => {
    await checkpoints.delete(request.params.name, request.params.id);
    return reply.status(204).send();
  });

  app.post<{ Params: CheckpointParams }>('/v1/sprites/:name/checkpoints/:id/restore', async (request, reply) => {
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

  app.get<{ Params: CheckpointParams; Querystring: Record<string, string | undefined> }>('/v1/sprites/:name/checkpoints/:id/diff', async (request) => {
    const against = request.query.against === undefined || request.query.against === '' ? CURRENT_STATE : request.query.against;
    return checkpoints.diff(request.params.name, request.params.id, against, parseLimit(request.query.limit));
  });
}
