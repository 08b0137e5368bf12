import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { routes } from '../../shared/schemas/routes.js';
import type { DiskSpaceJson, HealthJson } from '../../shared/protocol.js';
import { HOB_VERSION } from '../../shared/version.js';
import type { DiskSpace } from '../volumes/capacity.js';
import type { BtrfsPool } from '../volumes/pool.js';
import { routeOptions } from './contract.js';

function diskSpaceJson(space: DiskSpace): DiskSpaceJson {
  return { size_bytes: space.sizeBytes, free_bytes: space.freeBytes };
}

/** GET /v1/health: the server is up, and how much disk its sprites have left. */
export function registerHealthRoute(fastify: FastifyInstance, deps: { pool: BtrfsPool }): void {
  fastify.withTypeProvider<TypeBoxTypeProvider>().get(routes.health.path, routeOptions(routes.health), (): HealthJson => {
    const report = deps.pool.capacity.report();
    return {
      status: 'ok',
      version: HOB_VERSION,
      storage: {
        status: report.level,
        limits_enforced: deps.pool.quotasEnabled,
        pool: diskSpaceJson(report.pool),
        host: report.host === null ? null : diskSpaceJson(report.host),
        warnings: report.warnings,
      },
    };
  });
}
