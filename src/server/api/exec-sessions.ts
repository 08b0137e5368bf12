import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply } from 'fastify';
import { normalizeSignal } from '../../shared/control-messages.js';
import { parseDurationMs } from '../../shared/duration.js';
import { HobError } from '../../shared/errors.js';
import type { SessionKillEventJson, SessionListResponse } from '../../shared/protocol.js';
import { DEFAULT_KILL_TIMEOUT_MS } from '../../shared/session-limits.js';
import { routes } from '../../shared/schemas/routes.js';
import type { SpriteLifecycle } from '../sprites/lifecycle.js';
import type { SpriteRegistry } from '../sprites/registry.js';
import { routeOptions } from './contract.js';

/** The agent answers its session list from memory; this is generous for a busy sprite. */
const LIST_TIMEOUT_MS = 10_000;
/** The longest a kill may wait for its signal to work before SIGKILL, as a timer can (about 24.8 days). */
const MAX_KILL_TIMEOUT_MS = 2_147_483_647;
const SESSION_ID = /^\d{1,10}$/;

/**
 * Sessions live in the agent's memory, so only a running or warm sprite has any: a cold one
 * (stopped, restarted, restored) is not booted just to say it has none.
 */
export function sessionsMayExist(registry: SpriteRegistry, name: string): boolean {
  const { state } = registry.get(name);
  return state === 'running' || state === 'warm';
}

/** A session id as the agent gives them (a pid); anything else cannot name one. */
export function checkSessionId(registry: SpriteRegistry, name: string, id: string): void {
  if (!SESSION_ID.test(id)) throw new HobError('not_found', `session ${JSON.stringify(id.slice(0, 40))} not found`);
  if (!sessionsMayExist(registry, name)) throw new HobError('not_found', `session ${id} not found: sprite ${name} is cold, and its sessions ended when it stopped`);
}

function killParameters(query: { signal?: string; timeout?: string }): { signal: NodeJS.Signals; timeoutMs: number } {
  const signal = query.signal === undefined || query.signal === '' ? 'SIGTERM' : normalizeSignal(query.signal);
  if (signal === undefined) throw new HobError('bad_request', `unknown signal ${JSON.stringify(query.signal?.slice(0, 32))}; use a name such as TERM, INT, HUP or KILL, or a number`);
  const timeoutMs = query.timeout === undefined || query.timeout === '' ? DEFAULT_KILL_TIMEOUT_MS : parseDurationMs(query.timeout);
  if (timeoutMs === undefined || timeoutMs > MAX_KILL_TIMEOUT_MS) throw new HobError('bad_request', `timeout must be a duration such as 10s or 1m, got ${JSON.stringify(query.timeout?.slice(0, 40))}`);
  return { signal, timeoutMs: Math.ceil(timeoutMs) };
}

/** Relays the agent's report line by line; a report cut short ends with an `error` line, as the SDK reads streams to their end. */
async function streamKill(reply: FastifyReply, events: AsyncIterable<SessionKillEventJson>, log: FastifyBaseLogger): Promise<void> {
  const raw = reply.raw;
  reply.hijack();
  raw.writeHead(200, { 'Content-Type': 'application/x-ndjson', 'Cache-Control': 'no-store' });
  const write = (event: SessionKillEventJson): void => {
    if (!raw.writableEnded && !raw.destroyed) raw.write(`${JSON.stringify(event)}\n`);
  };
  try {
    for await (const event of events) write(event);
  } catch (error) {
    log.warn({ err: error }, 'a session kill report was cut short');
    write({ type: 'error', message: `the sprite's report ended early: ${error instanceof Error ? error.message : String(error)}` });
  } finally {
    raw.end();
  }
}

/** The session list and kill; attaching is a WebSocket route (exec-ws.ts). */
export function registerExecSessionRoutes(app: FastifyInstance, deps: { registry: SpriteRegistry; lifecycle: SpriteLifecycle }): void {
  const { registry, lifecycle } = deps;
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.get(routes.listExecSessions.path, routeOptions(routes.listExecSessions), async (request) => {
    const { name } = request.params;
    const none: SessionListResponse = { sessions: [], count: 0 };
    if (!sessionsMayExist(registry, name)) return none;
    return lifecycle.withAgent(name, (link) => link.listSessions(LIST_TIMEOUT_MS));
  });

  api.post(routes.killExecSession.path, routeOptions(routes.killExecSession), async (request, reply) => {
    const { name, id } = request.params;
    const { signal, timeoutMs } = killParameters(request.query);
    checkSessionId(registry, name, id);
    // The whole kill runs inside withAgent: its hold keeps the sprite from going to sleep half-way.
    await lifecycle.withAgent(name, async (link) => {
      const events = await link.killSession(id, signal, timeoutMs);
      await streamKill(reply, events, request.log);
    });
  });
}
