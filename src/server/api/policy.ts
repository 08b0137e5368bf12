import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { routes } from '../../shared/schemas/routes.js';
import type { SpriteNetworks } from '../network/sprite-networks.js';
import type { SpritePolicies } from '../sprites/policies.js';
import type { SpriteRegistry } from '../sprites/registry.js';
import { routeOptions } from './contract.js';

export type NetworkPolicies = Pick<SpriteNetworks, 'policy' | 'setPolicy'>;

/** A sprite's policies: egress names (Sprites v1: POST replaces the whole set and answers 204), resources and privileges. */
export function registerPolicyRoutes(app: FastifyInstance, deps: { registry: SpriteRegistry; network: NetworkPolicies; policies: SpritePolicies }): void {
  const { registry, network, policies } = deps;
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get(routes.getNetworkPolicy.path, routeOptions(routes.getNetworkPolicy), (request) => network.policy(registry.get(request.params.name).id));

  api.post(routes.setNetworkPolicy.path, routeOptions(routes.setNetworkPolicy), async (request, reply) => {
    await network.setPolicy(registry.get(request.params.name).id, request.body);
    return reply.status(204).send();
  });

  api.get(routes.getResourcesPolicy.path, routeOptions(routes.getResourcesPolicy), (request) => policies.resources(request.params.name));
  api.post(routes.setResourcesPolicy.path, routeOptions(routes.setResourcesPolicy), (request) => policies.setResources(request.params.name, request.body));
  api.delete(routes.deleteResourcesPolicy.path, routeOptions(routes.deleteResourcesPolicy), (request) => policies.setResources(request.params.name, undefined));

  api.get(routes.getPrivilegesPolicy.path, routeOptions(routes.getPrivilegesPolicy), (request) => policies.privileges(request.params.name));
  api.post(routes.setPrivilegesPolicy.path, routeOptions(routes.setPrivilegesPolicy), (request) => policies.setPrivileges(request.params.name, request.body));
  api.delete(routes.deletePrivilegesPolicy.path, routeOptions(routes.deletePrivilegesPolicy), (request) => policies.setPrivileges(request.params.name, undefined));
}
