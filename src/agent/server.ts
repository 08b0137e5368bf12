import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { HobError } from '../shared/errors.js';
import { parseExecQuery, type ExecRequest } from '../shared/exec-request.js';
import type { AgentHealth, RouteSpec } from '../shared/protocol.js';
import { AGENT_VERSION } from '../shared/version.js';
import type { AgentConfig } from './config.js';
import type { RunningCommand } from './exec/command.js';
import { signalSession } from './exec/process-group.js';
import { serveExec } from './exec/session.js';
import { errorText, type Log } from './log.js';

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
  /** Stops accepting, SIGTERMs every command's group, waits up to graceMs, then SIGKILLs the rest. */
  shutdown(graceMs: number): Promise<void>;
}

/**
 * The request line carries the whole exec query (argv up to 128 KiB, form-encoded, plus env),
 * so the header limit is far above Node's 16 KiB default.
 */
const MAX_HEADER_BYTES = 1024 * 1024;

type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void;
type UpgradeHandler = (req: IncomingMessage, url: URL, socket: Duplex, head: Buffer) => void;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, err: HobError): void {
  sendJson(res, err.status, err.toBody());
}

/** A refused upgrade still gets a JSON body (the Go SDK reads it; ours are for humans). */
function refuseUpgrade(socket: Duplex, err: HobError): void {
  const body = JSON.stringify(err.toBody());
  socket.on('error', () => {});
  socket.end(
    `HTTP/1.1 ${err.status} ${STATUS_CODES[err.status] ?? ''}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function requestUrl(req: IncomingMessage): URL | undefined {
  try {
    // Prefixing (not a base URL) keeps a path like //host/exec from being read as a host.
    return new URL(`http://agent${req.url ?? '/'}`);
  } catch {
    return undefined;
  }
}

export function createAgentServer(deps: AgentDeps): AgentServer {
  const { config, log } = deps;
  const running = new Set<RunningCommand>();
  let closing = false;
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: config.maxMessageBytes,
    perMessageDeflate: false,
    clientTracking: false,
  });

  const httpRoutes: Record<string, HttpHandler> = {
    'GET /health': (_req, res) => {
      const health: AgentHealth = {
        agent_version: AGENT_VERSION,
        pid: process.pid,
        uptime_ms: Math.round(performance.now() - deps.startedAtMs),
      };
      sendJson(res, 200, health);
    },
  };

  const upgradeRoutes: Record<string, UpgradeHandler> = {
    '/exec': (req, url, socket, head) => {
      let execReq: ExecRequest;
      try {
        execReq = parseExecQuery(url.searchParams);
      } catch (err) {
        refuseUpgrade(socket, err instanceof HobError ? err : new HobError('bad_request', errorText(err)));
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        try {
          serveExec(ws, execReq, { config, log, running });
        } catch (err) {
          log('exec_error', { error: errorText(err) });
          ws.close(1011);
        }
      });
    },
  };

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
    async shutdown(graceMs) {
      closing = true;
      server.close();
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
    },
  };
}
