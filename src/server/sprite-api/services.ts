import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { DEFAULT_SERVICE_LOG_LINES } from '../../shared/services.js';
import { spriteApiRoutes } from '../../shared/schemas/sprite-api.js';
import { agentServices } from '../agent-link/services.js';
import { routeOptions } from '../api/contract.js';
import { checkServiceRequest, checkSignal, relayServiceStream, stopTimeoutMsOf, watchMsOf } from '../api/services-relay.js';
import type { SpriteLifecycle } from '../sprites/lifecycle.js';
import { callerOf } from './caller.js';

export interface OwnServiceDeps {
  lifecycle: Pick<SpriteLifecycle, 'withAgent'>;
  /** The calling sprite's current name (a spare's changes when it is handed out). */
  nameOf: (spriteId: string) => string;
}

/**
 * A sprite's own services, relayed to its agent exactly as the public API's are: the same
 * checks, shapes and events, for the caller only.
 */
export function registerOwnServiceRoutes(app: FastifyInstance, deps: OwnServiceDeps): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const routes = spriteApiRoutes;
  const { lifecycle } = deps;
  const caller = (request: Parameters<typeof callerOf>[0]): string => deps.nameOf(callerOf(request));

  api.get(routes.listOwnServices.path, routeOptions(routes.listOwnServices), (request) => lifecycle.withAgent(caller(request), (link) => agentServices.list(link)));

  api.get(routes.getOwnService.path, routeOptions(routes.getOwnService), (request) => lifecycle.withAgent(caller(request), (link) => agentServices.get(link, request.params.service)));

  api.put(routes.createOwnService.path, routeOptions(routes.createOwnService), async (request, reply) => {
    const watchMs = watchMsOf(request.query.duration);
    const definition = checkServiceRequest(request.body);
    await relayServiceStream(reply, lifecycle, caller(request), { kind: 'create', name: request.params.service, definition, watchMs });
  });

  api.delete(routes.deleteOwnService.path, routeOptions(routes.deleteOwnService), async (request, reply) => {
    await lifecycle.withAgent(caller(request), (link) => agentServices.delete(link, request.params.service));
    return reply.status(204).send();
  });

  api.post(routes.startOwnService.path, routeOptions(routes.startOwnService), async (request, reply) => {
    const watchMs = watchMsOf(request.query.duration);
    await relayServiceStream(reply, lifecycle, caller(request), { kind: 'start', name: request.params.service, watchMs });
  });

  api.post(routes.stopOwnService.path, routeOptions(routes.stopOwnService), async (request, reply) => {
    const timeoutMs = stopTimeoutMsOf(request.query.timeout);
    await relayServiceStream(reply, lifecycle, caller(request), { kind: 'stop', name: request.params.service, timeoutMs });
  });

  api.post(routes.restartOwnService.path, routeOptions(routes.restartOwnService), async (request, reply) => {
    const watchMs = watchMsOf(request.query.duration);
    await relayServiceStream(reply, lifecycle, caller(request), { kind: 'restart', name: request.params.service, watchMs });
  });

  api.get(routes.ownServiceLogs.path, routeOptions(routes.ownServiceLogs), async (request, reply) => {
    const watchMs = watchMsOf(request.query.duration, 0);
    const lines = request.query.lines ?? DEFAULT_SERVICE_LOG_LINES;
    await relayServiceStream(reply, lifecycle, caller(request), { kind: 'logs', name: request.params.service, lines, watchMs });
  });

  api.post(routes.signalOwnService.path, routeOptions(routes.signalOwnService), async (request, reply) => {
    const signal = checkSignal(request.body.signal);
    await lifecycle.withAgent(caller(request), (link) => agentServices.signal(link, request.body.name, signal));
    return reply.status(204).send();
  });
}
