import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import { routes } from '../../shared/schemas/routes.js';
import type { DiskUse } from '../../shared/schemas/usage.js';
import { usageRange } from '../metering/range.js';
import type { UsageReports } from '../metering/reports.js';
import type { SpendLimits } from '../metering/spend-limits.js';
import type { SpriteRegistry } from '../sprites/registry.js';
import type { SpriteRecord } from '../store/sprites.js';
import { routeOptions } from './contract.js';
import { exclusiveBytesOf, type SpriteView } from './sprite-json.js';

export interface UsageRouteDeps {
  registry: SpriteRegistry;
  reports: UsageReports;
  spendLimits: Pick<SpendLimits, 'limitsOf'>;
  view: Pick<SpriteView, 'exclusiveBytes'>;
}

const GIB = 1024 ** 3;

/** Usage and cost over time, of one sprite or of all, with each sprite's disk use now against its limit. */
export function registerUsageRoutes(app: FastifyInstance, deps: UsageRouteDeps): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const disk = (record: SpriteRecord): Static<typeof DiskUse> => ({
    used_bytes: exclusiveBytesOf(record, deps.view),
    limit_bytes: record.config.storageGiB * GIB,
  });

  api.get(routes.getSpriteUsage.path, routeOptions(routes.getSpriteUsage), (request) => {
    const record = deps.registry.get(request.params.name);
    const report = deps.reports.forSprite(record.id, usageRange(request.query, Date.now()));
    return { sprite: record.name, ...report, spend_limit: deps.spendLimits.limitsOf(record.id), disk: disk(record) };
  });

  api.get(routes.getUsage.path, routeOptions(routes.getUsage), (request) => {
    const report = deps.reports.forServer(usageRange(request.query, Date.now()));
    const sprites = report.sprites.map((entry) => {
      const record = entry.deleted ? undefined : deps.registry.store.getById(entry.id);
      return { ...entry, disk: record === undefined ? null : disk(record) };
    });
    return { ...report, sprites, spend_limit: deps.spendLimits.limitsOf() };
  });
}
