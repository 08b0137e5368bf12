import type { FastifyInstance } from 'fastify';
import type { DiskSpaceJson, HealthJson } from '../../shared/protocol.js';
import { HOB_VERSION } from '../../shared/version.js';
import type { DiskSpace } from '../volumes/capacity.js';
import type { BtrfsPool } from '../volumes/pool.js';

function diskSpaceJson(space: DiskSpace): DiskSpaceJson {
  return { size_bytes: space.sizeBytes, free_bytes: space.freeBytes };
}

/** GET /v1/health: the server is up, and how much disk its sprites have left. */
export function registerHealthRoute(fastify: FastifyInstance, deps: { pool: BtrfsPool }): void {
  fastify.get('/v1/health', async (): Promise<HealthJson> => {
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
