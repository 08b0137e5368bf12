import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { routes } from '../../shared/schemas/routes.js';
import type { SpendLimits } from '../metering/spend-limits.js';
import type { RunningCap } from '../sprites/running-cap.js';
import type { SpriteRegistry } from '../sprites/registry.js';
import { routeOptions } from './contract.js';

export interface LimitRouteDeps {
  registry: SpriteRegistry;
  spendLimits: SpendLimits;
  runningCap: Pick<RunningCap, 'max' | 'waitMs' | 'count'>;
}

/** Spend limits (a sprite's, the server's) and the cap on running sprites. */
export function registerLimitRoutes(app: FastifyInstance, deps: LimitRouteDeps): void {
  const { registry, spendLimits, runningCap } = deps;
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get(routes.getSpendLimit.path, routeOptions(routes.getSpendLimit), (request) => spendLimits.describe(registry.get(request.params.name).id));
  api.post(routes.setSpendLimit.path, routeOptions(routes.setSpendLimit), (request) => spendLimits.set(registry.get(request.params.name).id, request.body));
  api.delete(routes.deleteSpendLimit.path, routeOptions(routes.deleteSpendLimit), (request) => spendLimits.set(registry.get(request.params.name).id, undefined));

  api.get(routes.getLimits.path, routeOptions(routes.getLimits), () => ({
    spend: spendLimits.describe(),
    max_running: runningCap.max,
    running: runningCap.count(),
    capacity_wait_seconds: Math.round(runningCap.waitMs / 1000),
  }));
  api.post(routes.setServerSpendLimit.path, routeOptions(routes.setServerSpendLimit), (request) => spendLimits.set(undefined, request.body));
  api.delete(routes.deleteServerSpendLimit.path, routeOptions(routes.deleteServerSpendLimit), () => spendLimits.set(undefined, undefined));
}
