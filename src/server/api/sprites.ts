import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { HobError } from '../../shared/errors.js';
import { LIST_MAX_RESULTS, type ListSpritesResponse, type SessionListResponse } from '../../shared/protocol.js';
import { routes } from '../../shared/schemas/routes.js';
import type { ServerConfig } from '../config.js';
import type { SpriteService } from '../sprites/service.js';
import type { SpriteStore } from '../store/sprites.js';
import { parseCreateBody, parseUpdateBody } from '../sprites/validate.js';
import { routeOptions } from './contract.js';

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
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.post(routes.createSprite.path, routeOptions(routes.createSprite), async (request, reply) => {
    const input = parseCreateBody(request.body);
    const record = await sprites.create(input);
    return reply.status(201).send(sprites.toJson(record));
  });

  api.get(routes.listSprites.path, routeOptions(routes.listSprites), async (request) => {
    const limit = request.query.max_results ?? LIST_MAX_RESULTS;
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

  api.get(routes.getSprite.path, routeOptions(routes.getSprite), async (request) => sprites.toJson(sprites.get(request.params.name)));

  api.put(routes.updateSprite.path, routeOptions(routes.updateSprite), async (request) => {
    const changes = parseUpdateBody(request.body);
    return sprites.toJson(await sprites.update(request.params.name, changes));
  });

  api.delete(routes.deleteSprite.path, routeOptions(routes.deleteSprite), async (request, reply) => {
    await sprites.destroy(request.params.name);
    return reply.status(204).send();
  });

  api.get(routes.listExecSessions.path, routeOptions(routes.listExecSessions), async (request) => {
    sprites.get(request.params.name);
    // Detachable sessions are not kept yet; every exec ends with its connection.
    const body: SessionListResponse = { sessions: [], count: 0 };
    return body;
  });
}
