import type { FastifyInstance } from 'fastify';
import { HobError } from '../../shared/errors.js';
import { LIST_MAX_RESULTS, type ListSpritesResponse, type SessionListResponse } from '../../shared/protocol.js';
import type { ServerConfig } from '../config.js';
import type { SpriteService } from '../sprites/service.js';
import type { SpriteStore } from '../store/sprites.js';
import { parseCreateBody, parseUpdateBody } from '../sprites/validate.js';

interface NameParams {
  name: string;
}

function parseMaxResults(raw: string | undefined): number {
  if (raw === undefined || raw === '') return LIST_MAX_RESULTS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > LIST_MAX_RESULTS) {
    throw new HobError('bad_request', `max_results must be an integer from 1 to ${LIST_MAX_RESULTS}`);
  }
  return n;
}

function decodeContinuation(token: string | undefined): string | undefined {
  if (token === undefined || token === '') return undefined;
  const name = Buffer.from(token, 'base64url').toString('utf8');
  if (name === '' || Buffer.from(name).toString('base64url') !== token) {
    throw new HobError('bad_request', 'continuation_token is not one this server issued');
  }
  return name;
}

export function registerSpriteRoutes(app: FastifyInstance, deps: { sprites: SpriteService; store: SpriteStore; config: ServerConfig }): void {
  const { sprites, store, config } = deps;

  app.post('/v1/sprites', async (request, reply) => {
    const input = parseCreateBody(request.body, config.spriteDefaults);
    const record = await sprites.create(input);
    return reply.status(201).send(sprites.toJson(record));
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/v1/sprites', async (request) => {
    const limit = parseMaxResults(request.query.max_results);
    const after = decodeContinuation(request.query.continuation_token);
    const page = store.page(request.query.prefix ?? '', after, limit);
    const last = page.sprites.at(-1);
    const counts = sprites.counts();
    const body: ListSpritesResponse = {
      sprites: page.sprites.map((record) => sprites.toJson(record)),
      has_more: page.hasMore,
      ...(page.hasMore && last !== undefined ? { next_continuation_token: Buffer.from(last.name).toString('base64url') } : {}),
      running: counts.running,
      warm: 0,
      cold: counts.cold,
      name: config.organization,
    };
    return body;
  });

  app.get<{ Params: NameParams }>('/v1/sprites/:name', async (request) => sprites.toJson(sprites.get(request.params.name)));

  app.put<{ Params: NameParams }>('/v1/sprites/:name', async (request) => {
    const changes = parseUpdateBody(request.body);
    return sprites.toJson(await sprites.update(request.params.name, changes));
  });

  app.delete<{ Params: NameParams }>('/v1/sprites/:name', async (request, reply) => {
    await sprites.destroy(request.params.name);
    return reply.status(204).send();
  });

  app.get<{ Params: NameParams }>('/v1/sprites/:name/exec', async (request) => {
    sprites.get(request.params.name);
    // Detachable sessions are not kept yet; every exec ends with its connection.
    const body: SessionListResponse = { sessions: [], count: 0 };
    return body;
  });
}
