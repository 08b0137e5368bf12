import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { routes } from '../../shared/schemas/routes.js';
import type { SpriteNetworks } from '../network/sprite-networks.js';
import type { SpriteRegistry } from '../sprites/registry.js';
import { routeOptions } from './contract.js';

export type NetworkPolicies = Pick<SpriteNetworks, 'policy' | 'setPolicy'>;

/** A sprite's egress name policy (Sprites v1: POST replaces the whole set and answers 204). */
export function registerPolicyRoutes(app: FastifyInstance, deps: { registry: SpriteRegistry; network: NetworkPolicies }): void {
  const { registry, network } = deps;
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get(routes.getNetworkPolicy.path, routeOptions(routes.getNetworkPolicy), (request) => network.policy(registry.get(request.params.name).id));

  api.post(routes.setNetworkPolicy.path, routeOptions(routes.setNetworkPolicy), async (request, reply) => {
    await network.setPolicy(registry.get(request.params.name).id, request.body);
    return reply.status(204).send();
  });
}
