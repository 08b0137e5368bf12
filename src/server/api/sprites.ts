import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { HobError } from '../../shared/errors.js';
import { LIST_MAX_RESULTS, type ListSpritesResponse } from '../../shared/protocol.js';
import { routes } from '../../shared/schemas/routes.js';
import type { ServerConfig } from '../config.js';
import type { SpriteCreator } from '../sprites/create.js';
import type { SpriteLifecycle } from '../sprites/lifecycle.js';
import type { SpriteRegistry } from '../sprites/registry.js';
import { parseCreateBody, parseUpdateBody } from '../sprites/validate.js';
import { clientGoneSignal } from './client-gone.js';
import { routeOptions } from './contract.js';
import { spriteJson, type SpriteView } from './sprite-json.js';
import { streamSpriteStates } from './watch-sprites.js';
import { principalOf } from './authorization.js';
import { covers, scopedPrefix } from './scope.js';
import type { SpriteRecord } from '../store/sprites.js';

function decodeContinuation(token: string | undefined): string | undefined {
  if (token === undefined || token === '') return undefined;
  const name = Buffer.from(token, 'base64url').toString('utf8');
  if (name === '' || Buffer.from(name).toString('base64url') !== token) {
    throw new HobError('bad_request', 'continuation_token is not one this server issued');
  }
  return name;
}

export interface SpriteRouteDeps {
  registry: SpriteRegistry;
  lifecycle: SpriteLifecycle;
  creator: SpriteCreator;
  config: ServerConfig;
  view: SpriteView;
  /** The cap on running sprites, which lists report as Sprites' `running_limit`; null: none. */
  runningLimit: number | null;
}

export function registerSpriteRoutes(app: FastifyInstance, deps: SpriteRouteDeps): void {
  const { registry, lifecycle, creator, config, view } = deps;
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.post(routes.createSprite.path, routeOptions(routes.createSprite), async (request, reply) => {
    const input = parseCreateBody(request.body);
    const record = await creator.create(input, clientGoneSignal(reply));
    return reply.status(201).send(spriteJson(record, view));
  });

  api.get(routes.listSprites.path, routeOptions(routes.listSprites), (request, reply) => {
    const limit = request.query.max_results ?? LIST_MAX_RESULTS;
    const principal = principalOf(request);
    const prefix = scopedPrefix(principal, request.query.prefix ?? '');
    const visible = (record: SpriteRecord) => prefix !== undefined && covers(principal, record);
    if ((request.headers.accept ?? '').includes('application/x-ndjson')) {
      streamSpriteStates(reply, registry, { prefix: prefix ?? '', maxResults: limit, organization: config.organization, visible });
      return;
    }
    const after = decodeContinuation(request.query.continuation_token);
    const found = prefix === undefined ? { sprites: [], hasMore: false } : registry.store.page(prefix, after, limit);
    // A label scope thins a page after the fact: a page may hold fewer than asked, never another's sprite.
    const page = { sprites: found.sprites.filter(visible), hasMore: found.hasMore };
    const last = found.sprites.at(-1);
    const counts = registry.counts();
    const body: ListSpritesResponse = {
      sprites: page.sprites.map((record) => spriteJson(record, view)),
      has_more: page.hasMore,
      ...(page.hasMore && last !== undefined ? { next_continuation_token: Buffer.from(last.name).toString('base64url') } : {}),
      running: counts.running,
      warm: counts.warm,
      cold: counts.cold,
      name: config.organization,
      ...(deps.runningLimit === null ? {} : { running_limit: deps.runningLimit }),
    };
    return body;
  });

  api.get(routes.getSprite.path, routeOptions(routes.getSprite), (request) => spriteJson(registry.get(request.params.name), view));

  api.put(routes.updateSprite.path, routeOptions(routes.updateSprite), async (request, reply) => {
    // The Sprites quick-start's `curl -X PUT .../v1/sprites/my-sprite` sends no body: it means "have this sprite".
    if (request.body === undefined || request.body === null) {
      const { record, created } = await creator.ensure(parseCreateBody({ name: request.params.name }), clientGoneSignal(reply));
      return reply.status(created ? 201 : 200).send(spriteJson(record, view));
    }
    const changes = parseUpdateBody(request.body);
    return reply.status(200).send(spriteJson(lifecycle.update(request.params.name, changes), view));
  });

  api.delete(routes.deleteSprite.path, routeOptions(routes.deleteSprite), async (request, reply) => {
    await lifecycle.destroy(request.params.name);
    return reply.status(204).send();
  });
}
