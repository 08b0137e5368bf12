import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { HobError } from '../../shared/errors.js';
import { routes } from '../../shared/schemas/routes.js';
import type { TokenInfo as TokenJson } from '../../shared/schemas/tokens.js';
import type { TokenInfo, TokenStore } from '../store/tokens.js';
import { routeOptions } from './contract.js';

/** Token management; scope.ts keeps these routes to the admin token. */
export function registerTokenRoutes(app: FastifyInstance, deps: { tokens: TokenStore }): void {
  const { tokens } = deps;
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get(routes.listTokens.path, routeOptions(routes.listTokens), () => ({ tokens: tokens.list().map(tokenJson) }));

  api.post(routes.createToken.path, routeOptions(routes.createToken), async (request, reply) => {
    const body = request.body;
    if (body.name !== undefined && tokens.find(body.name) !== undefined) throw new HobError('already_exists', `a token named ${body.name} exists`);
    const { token, info } = tokens.createScoped({
      name: body.name ?? null,
      spritePrefix: body.sprite_prefix ?? null,
      spriteLabel: body.sprite_label ?? null,
      readOnly: body.read_only ?? false,
      expiresAt: body.expires_in_seconds === undefined ? null : new Date(Date.now() + body.expires_in_seconds * 1000).toISOString(),
    });
    return reply.status(201).send({ ...tokenJson(info), token });
  });

  api.delete(routes.revokeToken.path, routeOptions(routes.revokeToken), async (request, reply) => {
    const info = tokens.find(request.params.id);
    if (info === undefined) throw new HobError('not_found', `no token ${request.params.id}`);
    if (info.admin) throw new HobError('conflict', 'the admin token cannot be revoked through the API');
    tokens.revoke(info.tokenId);
    return reply.status(204).send();
  });
}

function tokenJson(info: TokenInfo): Static<typeof TokenJson> {
  return {
    id: info.tokenId,
    name: info.name,
    admin: info.admin,
    sprite_prefix: info.spritePrefix,
    sprite_label: info.spriteLabel,
    read_only: info.readOnly,
    created_at: info.createdAt,
    expires_at: info.expiresAt,
  };
}
