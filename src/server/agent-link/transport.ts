import type { Socket } from 'node:net';
import { HobError } from '../../shared/errors.js';

/**
 * A byte stream to one sprite's agent, supplied by the runtime: a unix socket for containers
 * today, vsock or virtio-serial for a microVM later. The link speaks HTTP and WebSocket over
 * whatever stream this opens and never learns what carries it.
 */
export interface AgentTransport {
  /**
   * Opens a fresh stream to the agent. Throws AgentUnreachable at once when there is nothing to
   * connect to; connection errors arrive as 'error' events on the stream.
   */
  connect(): Socket;
  /**
   * Resolves once there is something to connect to: at once with true if there is (or the
   * transport cannot tell), else with false when it appears or after `timeoutMs`. Lets a boot
   * wait for its agent without polling; a transport without it is polled.
   */
  whenPresent?(timeoutMs: number): Promise<boolean>;
}

/** The agent is not (or no longer) listening: the sprite should be checked and restarted. */
export class AgentUnreachable extends Error {}

/**
 * The agent's end of the connection went away before it answered. That is what a dying agent
 * does (an OOM kill, say: the connection is queued, or even refused with a reset, while the
 * process exits), so it usually means the agent is gone; but the caller asks the agent before
 * restarting anything. An exec never started: the agent answers the handshake before it
 * spawns, and a reset does not discard what was already written.
 */
export class AgentConnectionLost extends AgentUnreachable {}

/** What a failed connection to an agent means: nobody listening (recoverable), or anything else. */
export function agentConnectError(error: NodeJS.ErrnoException): Error {
  if (error instanceof AgentUnreachable) return error;
  if (error.code === 'ECONNREFUSED' || error.code === 'ENOENT') return new AgentUnreachable(error.message);
  if (error.code === 'ECONNRESET' || error.code === 'EPIPE') return new AgentConnectionLost(error.message);
  return new HobError('agent_error', `could not reach the sprite's agent: ${error.message}`);
}
