import { request } from 'node:http';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { AGENT_VERSION } from '../../shared/version.js';
import type { AgentHealth } from '../../shared/protocol.js';
import { pinAgentSocket } from './socket-path.js';

const MAX_HEALTH_BYTES = 4096;

/** Asks a sprite's agent for its health over its unix socket, validating the answer strictly. */
export function agentHealth(socketPath: string, ownerUid: number, timeoutMs: number): Promise<AgentHealth> {
  return new Promise((resolve, reject) => {
    const pinned = pinAgentSocket(socketPath, ownerUid);
    // agent: false — a pooled keep-alive connection is keyed by the path, and /proc/self/fd/N
    // names a different sprite's socket once the fd number is reused.
    const req = request({ socketPath: pinned.path, path: '/health', method: 'GET', timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_HEALTH_BYTES) {
          req.destroy(new Error('agent health answer too large'));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        try {
          if (res.statusCode !== 200) throw new Error(`agent health answered ${res.statusCode}`);
          resolve(parseHealth(JSON.parse(Buffer.concat(chunks).toString())));
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('agent health timed out')));
    req.on('error', reject);
    req.on('close', () => pinned.release());
    req.end();
  });
}

function parseHealth(value: unknown): AgentHealth {
  if (typeof value !== 'object' || value === null) throw new Error('agent health is not an object');
  const body = value as Record<string, unknown>;
  const { agent_version: version, pid, uptime_ms: uptime } = body;
  if (typeof version !== 'number' || typeof pid !== 'number' || typeof uptime !== 'number') {
    throw new Error('agent health is malformed');
  }
  if (version > AGENT_VERSION) throw new Error(`agent version ${version} is newer than this server knows (${AGENT_VERSION})`);
  return { agent_version: version, pid, uptime_ms: uptime };
}

/**
 * Waits until the agent answers on its socket. Polls in small steps because the whole boot
 * (runc, node, agent) takes tens of milliseconds and every millisecond of slack adds to
 * create → first exec.
 */
export async function waitForAgent(
  socketPath: string,
  options: { ownerUid: number; timeoutMs: number; stillStarting: () => Promise<boolean> },
): Promise<AgentHealth> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  let polls = 0;
  while (Date.now() < deadline) {
    if (existsSync(socketPath)) {
      try {
        return await agentHealth(socketPath, options.ownerUid, 1000);
      } catch (error) {
        lastError = error;
      }
    }
    // Every so often make sure the sandbox has not died, so a broken boot fails fast.
    if (++polls % 100 === 0 && !(await options.stillStarting())) {
      throw new Error(`the sprite stopped while its agent was starting${lastError instanceof Error ? `: ${lastError.message}` : ''}`);
    }
    await sleep(2);
  }
  throw new Error(
    `the agent did not answer within ${options.timeoutMs} ms${lastError instanceof Error ? ` (last error: ${lastError.message})` : ''}`,
  );
}
