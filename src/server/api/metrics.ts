import type { FastifyInstance } from 'fastify';
import { routes } from '../../shared/schemas/routes.js';
import type { ServerMetrics } from '../metering/metrics.js';
import { routeOptions } from './contract.js';

/** Prometheus' scrape endpoint; it needs the API token like every other route. */
export function registerMetricsRoute(app: FastifyInstance, metrics: ServerMetrics): void {
  app.get(routes.metrics.path, routeOptions(routes.metrics), async (_request, reply) => reply.type(metrics.contentType).send(await metrics.render()));
}

/** Times every API request by its route template (never its path, which would make a series per sprite). */
export function timeApiRequests(app: FastifyInstance, metrics: ServerMetrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    metrics.apiDuration.observe({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    done();
  });
}
