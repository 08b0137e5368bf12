import type { IncomingMessage } from 'node:http';
import { HobError } from '../../shared/errors.js';
import type { ServiceJson, ServiceRequestJson } from '../../shared/protocol.js';
import { matches } from '../../shared/schemas/check.js';
import { Service, ServiceList } from '../../shared/schemas/services.js';
import { MAX_SERVICE_STOP_TIMEOUT_MS } from '../../shared/services.js';
import { SERVICES_AGENT_VERSION } from '../../shared/version.js';
import type { AgentLink } from './link.js';

/** A list or a get is a directory read and a few files in the agent. */
const READ_TIMEOUT_MS = 10_000;
/** A delete stops the service first: its grace period, and time to reap it. */
const DELETE_TIMEOUT_MS = 15_000;
/** A stream's head comes once the request was checked; a restart's only after the stop (up to its timeout). */
const STREAM_HEAD_TIMEOUT_MS = MAX_SERVICE_STOP_TIMEOUT_MS + 10_000;

/** What the agent is asked to do with one service, streaming its events. */
export type ServiceStreamRequest =
  | { kind: 'create'; name: string; definition: ServiceRequestJson; watchMs: number }
  | { kind: 'start'; name: string; watchMs: number }
  | { kind: 'stop'; name: string; timeoutMs: number }
  | { kind: 'restart'; name: string; watchMs: number }
  | { kind: 'logs'; name: string; lines: number; watchMs: number };

const query = (fields: Record<string, string | number>): string => new URLSearchParams(Object.entries(fields).map(([key, value]) => [key, String(value)])).toString();

function parseService(value: unknown): ServiceJson {
  if (!matches(Service, value)) throw new HobError('agent_error', 'the agent answered with a service of an unknown shape');
  return value;
}

function parseServices(value: unknown): ServiceJson[] {
  if (!matches(ServiceList, value)) throw new HobError('agent_error', 'the agent answered with a service list of an unknown shape');
  return value;
}

function parseNothing(value: unknown): undefined {
  if (value !== undefined) throw new HobError('agent_error', 'the agent answered with a body where none was expected');
  return undefined;
}

/** The one service's HTTP port per booted agent (a link lives as long as one boot), as far as this server has asked. */
const httpPorts = new WeakMap<AgentLink, number | null>();

/**
 * The agent's services (src/agent/services), for the public API and the in-sprite socket alike.
 * Every answer is checked strictly: the agent runs next to user code.
 */
export const agentServices = {
  async list(link: AgentLink): Promise<ServiceJson[]> {
    await link.requireAgentVersion(SERVICES_AGENT_VERSION, 'services');
    return link.call('/services', { timeoutMs: READ_TIMEOUT_MS, parse: parseServices });
  },

  async get(link: AgentLink, name: string): Promise<ServiceJson> {
    await link.requireAgentVersion(SERVICES_AGENT_VERSION, 'services');
    return link.call(`/service?${query({ name })}`, { timeoutMs: READ_TIMEOUT_MS, parse: parseService });
  },

  async delete(link: AgentLink, name: string): Promise<void> {
    await link.requireAgentVersion(SERVICES_AGENT_VERSION, 'services');
    try {
      await link.call(`/service?${query({ name })}`, { method: 'DELETE', timeoutMs: DELETE_TIMEOUT_MS, parse: parseNothing });
    } finally {
      httpPorts.delete(link);
    }
  },

  async signal(link: AgentLink, name: string, signal: string): Promise<void> {
    await link.requireAgentVersion(SERVICES_AGENT_VERSION, 'services');
    await link.call(`/service/signal?${query({ name, signal })}`, { method: 'POST', timeoutMs: READ_TIMEOUT_MS, parse: parseNothing });
  },

  /** Starts one of the streaming operations; refusals come as HobErrors before any event. */
  async open(link: AgentLink, request: ServiceStreamRequest): Promise<IncomingMessage> {
    await link.requireAgentVersion(SERVICES_AGENT_VERSION, 'services');
    const { name } = request;
    const headTimeoutMs = STREAM_HEAD_TIMEOUT_MS;
    switch (request.kind) {
      case 'create':
        try {
          return await link.openStream(`/service?${query({ name, duration_ms: request.watchMs })}`, { method: 'PUT', body: request.definition, headTimeoutMs });
        } finally {
          httpPorts.delete(link);
        }
      case 'start':
        return link.openStream(`/service/start?${query({ name, duration_ms: request.watchMs })}`, { method: 'POST', headTimeoutMs });
      case 'stop':
        return link.openStream(`/service/stop?${query({ name, timeout_ms: request.timeoutMs })}`, { method: 'POST', headTimeoutMs });
      case 'restart':
        return link.openStream(`/service/restart?${query({ name, duration_ms: request.watchMs })}`, { method: 'POST', headTimeoutMs });
      case 'logs':
        return link.openStream(`/service/logs?${query({ name, lines: request.lines, duration_ms: request.watchMs })}`, { method: 'GET', headTimeoutMs });
    }
  },

  /**
   * Where the sprite's URL goes: its service's http_port, or undefined for the default. Asked of
   * the agent once per boot and remembered with the link (a boot, a restore or a fork makes a new
   * link); a create or delete through this server forgets it. An agent older than services has none.
   */
  async httpPort(link: AgentLink): Promise<number | undefined> {
    const known = httpPorts.get(link);
    if (known !== undefined) return known ?? undefined;
    await link.ready();
    if ((link.agentVersion ?? 0) < SERVICES_AGENT_VERSION) return undefined;
    const port = (await this.list(link)).find((service) => service.http_port !== undefined)?.http_port ?? null;
    httpPorts.set(link, port);
    return port ?? undefined;
  },
};
