import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { routes } from '../../shared/schemas/routes.js';
import { usageRange } from '../metering/range.js';
import type { UsageReports } from '../metering/reports.js';
import type { SpriteRegistry } from '../sprites/registry.js';
import { routeOptions } from './contract.js';

export interface UsageRouteDeps {
  registry: SpriteRegistry;
  reports: UsageReports;
}

/** Usage and cost over time, of one sprite or of all. */
export function registerUsageRoutes(app: FastifyInstance, deps: UsageRouteDeps): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get(routes.getSpriteUsage.path, routeOptions(routes.getSpriteUsage), (request) => {
    const record = deps.registry.get(request.params.name);
    return { sprite: record.name, ...deps.reports.forSprite(record.id, usageRange(request.query, Date.now())) };
  });

  api.get(routes.getUsage.path, routeOptions(routes.getUsage), (request) => deps.reports.forServer(usageRange(request.query, Date.now())));
}
