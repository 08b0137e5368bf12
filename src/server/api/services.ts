import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { DEFAULT_SERVICE_LOG_LINES } from '../../shared/services.js';
import { routes } from '../../shared/schemas/routes.js';
import { agentServices } from '../agent-link/services.js';
import type { SpriteLifecycle } from '../sprites/lifecycle.js';
import type { SpriteRegistry } from '../sprites/registry.js';
import { routeOptions } from './contract.js';
import { checkServiceRequest, checkSignal, relayServiceStream, stopTimeoutMsOf, watchMsOf } from './services-relay.js';

/**
 * Services of the Sprites v1 API: the server checks the request, wakes the sprite and hands the
 * work to its agent's supervisor (src/agent/services), relaying its answer or its events.
 */
export function registerServiceRoutes(app: FastifyInstance, deps: { registry: SpriteRegistry; lifecycle: SpriteLifecycle }): void {
  const { registry, lifecycle } = deps;
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  // Refused as missing before the sprite is woken for nothing.
  const sprite = (name: string): string => registry.get(name).name;

  api.get(routes.listServices.path, routeOptions(routes.listServices), (request) => lifecycle.withAgent(sprite(request.params.name), (link) => agentServices.list(link)));

  api.get(routes.getService.path, routeOptions(routes.getService), (request) =>
    lifecycle.withAgent(sprite(request.params.name), (link) => agentServices.get(link, request.params.service)),
  );

  api.put(routes.createService.path, routeOptions(routes.createService), async (request, reply) => {
    const watchMs = watchMsOf(request.query.duration);
    const definition = checkServiceRequest(request.body);
    await relayServiceStream(reply, lifecycle, sprite(request.params.name), { kind: 'create', name: request.params.service, definition, watchMs });
  });

  api.delete(routes.deleteService.path, routeOptions(routes.deleteService), async (request, reply) => {
    await lifecycle.withAgent(sprite(request.params.name), (link) => agentServices.delete(link, request.params.service));
    return reply.status(204).send();
  });

  api.post(routes.startService.path, routeOptions(routes.startService), async (request, reply) => {
    const watchMs = watchMsOf(request.query.duration);
    await relayServiceStream(reply, lifecycle, sprite(request.params.name), { kind: 'start', name: request.params.service, watchMs });
  });

  api.post(routes.stopService.path, routeOptions(routes.stopService), async (request, reply) => {
    const timeoutMs = stopTimeoutMsOf(request.query.timeout);
    await relayServiceStream(reply, lifecycle, sprite(request.params.name), { kind: 'stop', name: request.params.service, timeoutMs });
  });

  api.post(routes.restartService.path, routeOptions(routes.restartService), async (request, reply) => {
    const watchMs = watchMsOf(request.query.duration);
    await relayServiceStream(reply, lifecycle, sprite(request.params.name), { kind: 'restart', name: request.params.service, watchMs });
  });

  api.get(routes.serviceLogs.path, routeOptions(routes.serviceLogs), async (request, reply) => {
    const watchMs = watchMsOf(request.query.duration, 0);
    const lines = request.query.lines ?? DEFAULT_SERVICE_LOG_LINES;
    await relayServiceStream(reply, lifecycle, sprite(request.params.name), { kind: 'logs', name: request.params.service, lines, watchMs });
  });

  api.post(routes.signalService.path, routeOptions(routes.signalService), async (request, reply) => {
    const signal = checkSignal(request.body.signal);
    await lifecycle.withAgent(sprite(request.params.name), (link) => agentServices.signal(link, request.body.name, signal));
    return reply.status(204).send();
  });
}
