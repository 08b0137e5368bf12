import type { IncomingMessage, ServerResponse } from 'node:http';
import { normalizeSignal } from '../../shared/control-messages.js';
import { HobError } from '../../shared/errors.js';
import { DEFAULT_SERVICE_LOG_LINES, DEFAULT_SERVICE_STOP_TIMEOUT_MS, DEFAULT_SERVICE_WATCH_MS, MAX_SERVICE_LOG_LINES, MAX_SERVICE_STOP_TIMEOUT_MS, MAX_SERVICE_WATCH_MS } from '../../shared/services.js';
import { errorText, type Log } from '../log.js';
import { sendError, sendJson, type AgentRoutes, type HttpHandler } from '../routes.js';
import { checkServiceName, parseDefinition } from './definition.js';
import { followService } from './stream.js';
import type { Supervisor } from './supervisor.js';

/** A definition is a few KiB; the server's own limit on request bodies is far below this. */
const MAX_BODY_BYTES = 2 * 1024 * 1024;

function queryOf(req: IncomingMessage): URLSearchParams {
  return new URL(`http://agent${req.url ?? '/'}`).searchParams;
}

function wholeNumber(query: URLSearchParams, key: string, fallback: number, max: number): number {
  const raw = query.get(key);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!/^\d{1,12}$/.test(raw) || value > max) throw new HobError('bad_request', `${key} must be a whole number from 0 to ${max}`);
  return value;
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy(new HobError('body_too_large', `a service definition is at most ${MAX_BODY_BYTES} bytes`));
      else chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new HobError('bad_request', 'the service definition is not valid JSON'));
      }
    });
    req.on('error', reject);
  });
}

/** A handler whose failures, thrown or rejected before it answered, become the registry's error answers. */
function handler(log: Log, serve: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void): HttpHandler {
  return (req, res) => {
    const fail = (err: unknown): void => {
      if (!(err instanceof HobError)) log('service_request_failed', { error: errorText(err) });
      if (!res.headersSent) sendError(res, err instanceof HobError ? err : new HobError('internal', errorText(err)));
      else res.destroy();
    };
    try {
      void Promise.resolve(serve(req, res)).catch(fail);
    } catch (err) {
      fail(err);
    }
  };
}

/**
 * The agent's service routes (the server's `/v1/sprites/{name}/services…` and the in-sprite
 * `/v1/services…` relay to them). A service is named by `?name=`; times are whole milliseconds,
 * the server having parsed the durations. Refusals come as a status before anything is started;
 * once a stream has begun, what follows is told in its events.
 */
export function servicesRoutes(deps: { supervisor: Supervisor; log: Log }): AgentRoutes {
  const { supervisor, log } = deps;
  const nameOf = (req: IncomingMessage): string => checkServiceName(queryOf(req).get('name'));
  const watchMsOf = (req: IncomingMessage): number => wholeNumber(queryOf(req), 'duration_ms', DEFAULT_SERVICE_WATCH_MS, MAX_SERVICE_WATCH_MS);
  const timeoutMsOf = (req: IncomingMessage): number => wholeNumber(queryOf(req), 'timeout_ms', DEFAULT_SERVICE_STOP_TIMEOUT_MS, MAX_SERVICE_STOP_TIMEOUT_MS);
  return {
    http: {
      'GET /services': handler(log, (_req, res) => sendJson(res, 200, supervisor.list())),
      'GET /service': handler(log, (req, res) => sendJson(res, 200, supervisor.get(nameOf(req)))),
      'PUT /service': handler(log, async (req, res) => {
        const name = nameOf(req);
        const watchMs = watchMsOf(req);
        const definition = parseDefinition(name, await readJson(req), 'request');
        followService(res, supervisor.put(definition), watchMs);
      }),
      'DELETE /service': handler(log, async (req, res) => {
        await supervisor.delete(nameOf(req));
        res.writeHead(204).end();
      }),
      'POST /service/start': handler(log, (req, res) => {
        const watchMs = watchMsOf(req);
        followService(res, supervisor.start(nameOf(req)), watchMs);
      }),
      'POST /service/stop': handler(log, (req, res) => {
        const timeoutMs = timeoutMsOf(req);
        followService(res, supervisor.stop(nameOf(req), timeoutMs), 0);
      }),
      'POST /service/restart': handler(log, (req, res) => {
        const watchMs = watchMsOf(req);
        const timeoutMs = timeoutMsOf(req);
        followService(res, supervisor.restart(nameOf(req), timeoutMs), watchMs);
      }),
      'GET /service/logs': handler(log, (req, res) => {
        const query = queryOf(req);
        const lines = wholeNumber(query, 'lines', DEFAULT_SERVICE_LOG_LINES, MAX_SERVICE_LOG_LINES);
        const watchMs = wholeNumber(query, 'duration_ms', 0, MAX_SERVICE_WATCH_MS);
        const runner = supervisor.runner(nameOf(req));
        followService(res, { runner, done: Promise.resolve(), before: runner.output.tail(lines) }, watchMs);
      }),
      'POST /service/signal': handler(log, (req, res) => {
        const name = nameOf(req);
        const raw = queryOf(req).get('signal') ?? '';
        const signal = normalizeSignal(raw);
        if (signal === undefined) throw new HobError('bad_request', `${JSON.stringify(raw.slice(0, 32))} is not a signal; give a name such as HUP or TERM, or a number`);
        supervisor.signal(name, signal);
        res.writeHead(204).end();
      }),
    },
  };
}
