import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifySchema } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { HOB_VERSION } from '../shared/version.js';
import type { RouteSpec } from '../shared/protocol.js';
import type { ServerConfig } from './config.js';
import type { ImageRegistry } from './images/registry.js';
import type { CheckpointService } from './sprites/checkpoints.js';
import type { SpriteCreator } from './sprites/create.js';
import type { SpriteLifecycle } from './sprites/lifecycle.js';
import type { SpriteRegistry } from './sprites/registry.js';
import type { SpritePolicies } from './sprites/policies.js';
import type { BtrfsPool } from './volumes/pool.js';
import type { TokenStore } from './store/tokens.js';
import { installAuthorization } from './api/authorization.js';
import { registerTokenRoutes } from './api/tokens.js';
import { acceptJsonBodies } from './api/body.js';
import { installErrorHandling, replyWithError } from './api/errors.js';
import { createServer } from 'node:http';
import { execUpgradeRoute, sessionAttachUpgradeRoute } from './api/exec-ws.js';
import { registerExecSessionRoutes } from './api/exec-sessions.js';
import { proxyUpgradeRoute } from './api/proxy-ws.js';
import { RelaySet, upgradeRouter, type UpgradeRoute } from './api/upgrades.js';
import { Ingress } from './ingress/ingress.js';
import { randomBytes } from 'node:crypto';
import { registerHttpExecRoute } from './api/exec-http.js';
import { portsWatchUpgradeRoute } from './api/ports-ws.js';
import { registerFsRoutes } from './api/fs.js';
import { fsWatchUpgradeRoute } from './api/fs-watch-ws.js';
import { registerCheckpointRoutes } from './api/checkpoints.js';
import { registerPolicyRoutes, type NetworkPolicies } from './api/policy.js';
import { registerImageRoutes } from './api/images.js';
import { registerHealthRoute } from './api/health.js';
import { registerOpenApiRoute } from './api/openapi.js';
import type { SpriteView } from './api/sprite-json.js';
import { registerServiceRoutes } from './api/services.js';
import { registerSleepRoutes } from './api/sleep.js';
import { registerSpriteRoutes } from './api/sprites.js';
import { installValidation } from './api/validation.js';
import { registerMetricsRoute, timeApiRequests } from './api/metrics.js';
import { registerUsageRoutes } from './api/usage.js';
import { registerLimitRoutes } from './api/limits.js';
import type { SpendLimits } from './metering/spend-limits.js';
import type { RunningCap } from './sprites/running-cap.js';
import type { ServerMetrics } from './metering/metrics.js';
import type { UsageReports } from './metering/reports.js';

export interface AppDeps {
  config: ServerConfig;
  log: Logger;
  tokens: TokenStore;
  images: ImageRegistry;
  registry: SpriteRegistry;
  lifecycle: SpriteLifecycle;
  creator: SpriteCreator;
  checkpoints: CheckpointService;
  /** Sprites' egress name policies. */
  network: NetworkPolicies;
  /** Sprites' resources and privileges policies. */
  policies: SpritePolicies;
  runtimeName: string;
  /** Bytes held by a sprite's quota group, or null when the host cannot count. */
  exclusiveBytes: (qgroup: number) => number | null;
  /** A sprite's own address on its link to the host, or null before its network is made. */
  spriteAddress: (spriteId: string) => string | null;
  /** The pool, for the health route's disk report. */
  pool: BtrfsPool;
  /** Usage and cost as the API reports them. */
  usageReports: UsageReports;
  spendLimits: SpendLimits;
  runningCap: RunningCap;
  /** The /metrics registry, and the API's own latency histogram. */
  metrics: ServerMetrics;
  /** Key of sprite URL sign-in cookies; kept in the data dir so sign-ins survive a restart. Default: a fresh one. */
  signinKey?: Buffer;
}

export interface App {
  fastify: FastifyInstance;
  relays: RelaySet;
  ingress: Ingress;
  /** Every route really registered (HTTP, and the WebSocket upgrade paths) with its schema, for the contract test. */
  routes: (RouteSpec & { schema?: FastifySchema })[];
}

/** Builds the HTTP + WebSocket API. Only the caller listens, so tests can drive it in-process. */
export function createApp(deps: AppDeps): App {
  const relays = new RelaySet();
  const { registry, lifecycle, creator, checkpoints, tokens, log } = deps;
  const ingress = new Ingress({ baseDomain: deps.config.baseDomain, registry, lifecycle, tokens, signinKey: deps.signinKey ?? randomBytes(32), relays, log });
  const fastify = Fastify({
    // A request for a sprite's URL is the sprite's, not the API's: it is taken before fastify
    // routes or authenticates anything. The server is otherwise made as fastify would make it.
    serverFactory: (handler) => {
      // Exec argv travels in the query string (up to 128 KiB of arguments), past Node's 16 KiB default.
      const server = createServer({ maxHeaderSize: 1024 * 1024 }, (req, res) => {
        const sprite = ingress.spriteOf(req);
        if (sprite === undefined) handler(req, res);
        else ingress.handleRequest(sprite, req, res);
      });
      // fastify's own defaults for the server it would make: long-lived streams are not cut.
      server.keepAliveTimeout = 72_000;
      server.requestTimeout = 0;
      server.setTimeout(0);
      return server;
    },
    // Widened to fastify's logger type so route modules take a plain FastifyInstance; tsc needs
    // it (pino's Logger makes a FastifyInstance of another type) though the linter's program does not.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- tsc fails without it, see above
    loggerInstance: deps.log as FastifyBaseLogger,
    bodyLimit: deps.config.maxBodyBytes,
    // Sprite names are plain DNS labels; a percent-encoded slash must not split a path segment.
    routerOptions: { ignoreTrailingSlash: true },
    // A path the router cannot decode is answered like any other error, not in fastify's own shape.
    frameworkErrors: replyWithError,
  });
  const upgradeRoutes: UpgradeRoute[] = [
    execUpgradeRoute({ registry, lifecycle, relays, metrics: deps.metrics }), sessionAttachUpgradeRoute({ registry, lifecycle, relays }), proxyUpgradeRoute({ registry, lifecycle, relays }),
    portsWatchUpgradeRoute({ lifecycle, relays }),
    fsWatchUpgradeRoute({ registry, lifecycle, relays }),
  ];
  const routes: App['routes'] = upgradeRoutes.map((route) => ({ method: 'WS', path: route.path }));
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') routes.push({ method: method as RouteSpec['method'], path: route.url, schema: route.schema }); // fastify methods are upper-case HTTP verbs
    }
  });
  installErrorHandling(fastify);
  installValidation(fastify);
  timeApiRequests(fastify, deps.metrics);
  acceptJsonBodies(fastify, deps.config.maxBodyBytes);
  fastify.addHook('onRequest', async (_request, reply) => {
    void reply.header('Sprite-Version', HOB_VERSION);
  });
  installAuthorization(fastify, { tokens, sprites: registry.store });
  const view: SpriteView = {
    organization: deps.config.organization,
    baseDomain: deps.config.baseDomain,
    runtimeName: deps.runtimeName,
    idleTimeoutMs: deps.config.sleep.idleTimeoutMs,
    // Port 0 in the config means the OS picked one; the listening socket knows which.
    publicPort: () => (fastify.server.address() as AddressInfo | null)?.port ?? deps.config.listenPort, // a TCP listener's address is an AddressInfo
    exclusiveBytes: deps.exclusiveBytes,
    spriteAddress: deps.spriteAddress,
  };
  registerHealthRoute(fastify, { pool: deps.pool });
  registerOpenApiRoute(fastify, HOB_VERSION);
  registerSpriteRoutes(fastify, { registry, lifecycle, creator, config: deps.config, view, runningLimit: deps.runningCap.max });
  registerSleepRoutes(fastify, { registry, lifecycle, view });
  registerCheckpointRoutes(fastify, { registry, checkpoints });
  registerPolicyRoutes(fastify, { registry, network: deps.network, policies: deps.policies });
  registerExecSessionRoutes(fastify, { registry, lifecycle });
  registerServiceRoutes(fastify, { registry, lifecycle });
  registerHttpExecRoute(fastify, { registry, lifecycle, metrics: deps.metrics, maxExecBodyBytes: deps.config.maxExecBodyBytes, maxJsonBodyBytes: deps.config.maxBodyBytes });
  registerTokenRoutes(fastify, { tokens });
  registerImageRoutes(fastify, { images: deps.images, maxImportBytes: deps.config.maxImportBytes });
  registerUsageRoutes(fastify, { registry, reports: deps.usageReports, spendLimits: deps.spendLimits, view });
  registerLimitRoutes(fastify, { registry, spendLimits: deps.spendLimits, runningCap: deps.runningCap });
  registerMetricsRoute(fastify, deps.metrics);
  registerFsRoutes(fastify, { registry, lifecycle });

  const api = upgradeRouter({ tokens, sprites: registry.store, log }, upgradeRoutes);
  fastify.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const sprite = ingress.spriteOf(req);
    if (sprite === undefined) api(req, socket, head);
    else ingress.handleUpgrade(sprite, req, socket, head);
  });
  fastify.addHook('onClose', () => ingress.close());
  return { fastify, relays, ingress, routes };
}
