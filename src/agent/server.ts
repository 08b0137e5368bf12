import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { HobError } from '../shared/errors.js';
import type { RouteSpec } from '../shared/protocol.js';
import type { AgentConfig } from './config.js';
import type { RunningCommand } from './exec/command.js';
import { signalSession } from './exec/process-group.js';
import { execRoutes } from './exec/routes.js';
import { fsRoutes } from './fs/routes.js';
import { healthRoutes } from './health/routes.js';
import { portsRoutes } from './ports/routes.js';
import { servicesRoutes } from './services/routes.js';
import { readSettings } from './services/settings.js';
import { Supervisor } from './services/supervisor.js';
import { tcpRoutes } from './tcp/routes.js';
import { errorText, type Log } from './log.js';
import { refuseUpgrade, sendError, type AgentRoutes, type HttpHandler, type UpgradeHandler } from './routes.js';

export interface AgentDeps {
  readonly config: AgentConfig;
  readonly log: Log;
  /** performance.now() when the process started, for uptime. */
  readonly startedAtMs: number;
}

export interface AgentServer {
  readonly server: Server;
  /** The routes this server really answers; the contract test compares them with AGENT_ROUTES. */
  readonly routes: readonly RouteSpec[];
  readonly running: ReadonlySet<RunningCommand>;
  /** The sprite's services; main starts them before the server listens. */
  readonly supervisor: Supervisor;
  /** Stops accepting, SIGTERMs every command's group and every service, waits up to graceMs, then SIGKILLs the rest. */
  shutdown(graceMs: number): Promise<void>;
}

/**
 * The request line carries the whole exec query (argv up to 128 KiB, form-encoded, plus env),
 * so the header limit is far above Node's 16 KiB default.
 */
const MAX_HEADER_BYTES = 1024 * 1024;

function requestUrl(req: IncomingMessage): URL | undefined {
  try {
    // Prefixing (not a base URL) keeps a path like //host/exec from being read as a host.
    return new URL(`http://agent${req.url ?? '/'}`);
  } catch {
    return undefined;
  }
}

/** Mounts every concern's routes; two concerns claiming one route is a bug caught at start. */
function mount(concerns: readonly AgentRoutes[]): { http: Record<string, HttpHandler>; upgrade: Record<string, UpgradeHandler> } {
  const http: Record<string, HttpHandler> = {};
  const upgrade: Record<string, UpgradeHandler> = {};
  for (const concern of concerns) {
    for (const [key, handler] of Object.entries(concern.http ?? {})) {
      if (Object.hasOwn(http, key)) throw new Error(`agent route ${key} is mounted twice`);
      http[key] = handler;
    }
    for (const [path, handler] of Object.entries(concern.upgrade ?? {})) {
      if (Object.hasOwn(upgrade, path)) throw new Error(`agent WebSocket route ${path} is mounted twice`);
      upgrade[path] = handler;
    }
  }
  return { http, upgrade };
}

export function createAgentServer(deps: AgentDeps): AgentServer {
  const { config, log } = deps;
  const running = new Set<RunningCommand>();
  let closing = false;
  const supervisor = new Supervisor({
    servicesDir: config.servicesDir,
    logsDir: config.serviceLogsDir,
    settings: () => readSettings(config.settingsPath),
    sandboxed: config.sandboxed,
    log,
  });
  const { http: httpRoutes, upgrade: upgradeRoutes } = mount([
    healthRoutes(deps.startedAtMs),
    execRoutes({ config, log, running }),
    portsRoutes({ log }),
    tcpRoutes({ comingUp: (port) => supervisor.comingUp(port) }),
    fsRoutes({ log }),
    servicesRoutes({ supervisor, log }),
  ]);

  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => {
    try {
      const url = requestUrl(req);
      const handler = url === undefined ? undefined : httpRoutes[`${req.method ?? ''} ${url.pathname}`];
      if (handler === undefined) sendError(res, new HobError('not_found', `no route for ${req.method ?? ''} ${url?.pathname ?? req.url ?? ''}`));
      else handler(req, res);
    } catch (err) {
      log('http_error', { error: errorText(err) });
      if (!res.headersSent) sendError(res, new HobError('internal', errorText(err)));
      else res.destroy();
    }
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      const url = requestUrl(req);
      const handler = url === undefined || req.method !== 'GET' ? undefined : upgradeRoutes[url.pathname];
      if (closing) refuseUpgrade(socket, new HobError('sprite_unavailable', 'the agent is shutting down'));
      else if (url === undefined || handler === undefined) refuseUpgrade(socket, new HobError('not_found', `no WebSocket route for ${req.url ?? ''}`));
      else handler(req, url, socket, head);
    } catch (err) {
      log('upgrade_error', { error: errorText(err) });
      socket.destroy();
    }
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  const routes: RouteSpec[] = [
    ...Object.keys(httpRoutes).map((key) => {
      const [method = '', path = ''] = key.split(' ');
      return { method: method as RouteSpec['method'], path }; // keys above are written as "<METHOD> <path>"
    }),
    ...Object.keys(upgradeRoutes).map((path): RouteSpec => ({ method: 'WS', path })),
  ];

  return {
    server,
    routes,
    running,
    supervisor,
    async shutdown(graceMs) {
      closing = true;
      server.close();
      const services = supervisor.shutdown(graceMs);
      const commands = [...running];
      for (const cmd of commands) if (cmd.pgid !== undefined) signalSession(cmd.pgid, 'SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(commands.map((cmd) => cmd.done)),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, graceMs);
        }),
      ]);
      clearTimeout(timer);
      for (const cmd of commands) if (!cmd.finished && cmd.pgid !== undefined) signalSession(cmd.pgid, 'SIGKILL');
      await services;
    },
  };
}
