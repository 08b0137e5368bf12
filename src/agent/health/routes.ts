import type { AgentHealth } from '../../shared/protocol.js';
import { AGENT_VERSION } from '../../shared/version.js';
import { sendJson, type AgentRoutes } from '../routes.js';

/** `GET /health`: the server's readiness probe and version handshake. */
export function healthRoutes(startedAtMs: number): AgentRoutes {
  return {
    http: {
      'GET /health': (_req, res) => {
        const health: AgentHealth = {
          agent_version: AGENT_VERSION,
          pid: process.pid,
          uptime_ms: Math.round(performance.now() - startedAtMs),
        };
        sendJson(res, 200, health);
      },
    },
  };
}
